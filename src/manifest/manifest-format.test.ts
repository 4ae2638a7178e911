import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { putU32LE } from '../util/coding.js';
import { crc32c } from '../util/crc32c.js';
import { utf8Encoder } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { decodeManifest, emptyManifest, encodeManifest, MANIFEST_MAGIC, type FileMeta, type ManifestState } from './manifest-format.js';

const FILE = 'manifest/00000000000000000042';

function randomFile(r: Prng, n: number): FileMeta {
  const minLsn = r.int(1e6);
  const cold = r.chance(0.3);
  return {
    ...(cold
      ? { cold: { table: 16 + r.int(100), rowGroupRows: 1 + r.int(65536), groupKeys: Array.from({ length: r.int(4) }, () => r.bytes(1 + r.int(20))), newestRows: r.int(1e6), layout: 'sql-rowid-v1', shadowFieldIds: r.chance(0.5) ? [] : [1 + r.int(9)] } }
      : {}),
    number: n,
    key: `sst/${String(n).padStart(12, '0')}.sst`,
    tier: cold ? 'cold' : 'hot',
    size: r.int(2 ** 40),
    smallest: r.bytes(r.int(30)),
    largest: r.bytes(1 + r.int(30)),
    minLsn,
    maxLsn: minLsn + r.int(1e6),
    entries: r.int(1e7),
    tombstones: r.int(1000),
  };
}

function randomState(r: Prng): ManifestState {
  let n = 1;
  const levels: FileMeta[][][] = [];
  const nLevels = 1 + r.int(7);
  for (let l = 0; l < nLevels; l++) {
    const runs = l === 0 ? r.int(5) : r.int(2);
    levels.push(Array.from({ length: runs }, () => Array.from({ length: r.int(6) }, () => randomFile(r, n++))));
  }
  return {
    version: 1 + r.int(1e6),
    epoch: r.int(100),
    nextFileNumber: n,
    lastLsn: r.int(2 ** 50),
    flushedLsn: r.int(2 ** 40),
    lastTimestamp: 1_700_000_000_000 + r.int(1e9),
    logNumber: r.int(1000),
    walSeals: Array.from({ length: r.int(3) }, (_, i) => ({ key: `wal/${i}.log`, end: r.int(1e6) })),
    levels,
    snapshots: r.chance(0.5) ? [{ name: 'nightly "quoted" é', branch: 0, lsn: 5, createdAt: 1 }] : [],
    branches: r.chance(0.5) ? [{ id: 1, name: 'dev', parent: 0, baseLsn: 10, createdAt: 2, mergedAt: null, meta: { owner: 'x', n: [1, 2] } }] : [],
    nextBranchId: 2 + r.int(10),
    pins: r.chance(0.5) ? [{ lsn: 3, reason: 'backup' }] : [],
    gcHorizon: r.int(1000),
    timeIndex: Array.from({ length: r.int(4) }, (_, i) => [i * 10, 1_700_000_000_000 + i] as [number, number]),
    coldLevel: r.int(8),
    externalRefs: r.chance(0.5) ? [] : ['cold/runs/000000000001-t16.parquet'],
    extra: { catalog: { tables: r.int(10), names: ['t1', 'ü'] } },
    walHistory: r.chance(0.5) ? [] : [{ key: 'wal/000000000001-000000000001.log', end: 4096, firstLsn: 1, lastLsn: 9, hot: true }, { key: 'wal/000000000001-000000000002.log', end: 81, firstLsn: 10, lastLsn: 10, hot: false, archived: '_archive/wal/000000000001-000000000002.log' }],
    slots: r.chance(0.5) ? [] : [{ name: 'analytics', lsn: 7, seq: r.chance(0.5) ? null : 3, branch: 0, filter: { tables: ['orders'] }, createdAt: 1, updatedAt: 2 }],
    fullHistoryTables: r.chance(0.5) ? [] : [1],
    fullHistorySince: r.int(100),
  };
}

function errorOf(fn: () => unknown): DoSQLError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DoSQLError) return e;
    throw new Error(`expected a DoSQLError, got ${String(e)}`);
  }
  throw new Error('expected an error, none thrown');
}

/** A manifest object with a correct header and checksum around an arbitrary body. */
function frame(body: Uint8Array, version = 1): Uint8Array {
  const out = new Uint8Array(20 + body.length);
  out.set(MANIFEST_MAGIC, 0);
  putU32LE(out, 8, version);
  putU32LE(out, 12, body.length);
  out.set(body, 20);
  // The checksum covers format_version and body_length, then the body.
  putU32LE(out, 16, crc32c(out, 20, out.length, crc32c(out, 8, 16)));
  return out;
}

describe('manifest-format', () => {
  it('encode / decode round trip with levels and file metadata', () => {
    const r = new Prng(1);
    for (let i = 0; i < 200; i++) {
      const s = randomState(r);
      const bytes = encodeManifest(s);
      const d = decodeManifest(bytes, FILE);
      expect(d).toEqual(s);
      expect(d.levels.flat(2).every((f) => f.smallest instanceof Uint8Array && f.largest instanceof Uint8Array)).toBe(true);
    }
    expect(decodeManifest(encodeManifest(emptyManifest()), FILE)).toEqual(emptyManifest());
  });

  it('a manifest written before change data capture (no walHistory, slots, fullHistoryTables) reads them as empty', () => {
    const s = randomState(new Prng(3));
    const body = JSON.parse(new TextDecoder().decode(encodeManifest(s).subarray(20))) as Record<string, unknown>;
    for (const k of ['walHistory', 'slots', 'fullHistoryTables', 'fullHistorySince']) delete body[k];
    const d = decodeManifest(frame(new TextEncoder().encode(JSON.stringify(body))), FILE);
    expect([d.walHistory, d.slots, d.fullHistoryTables, d.fullHistorySince]).toEqual([[], [], [], 0]);
    expect(d.levels).toEqual(s.levels);
  });

  it('every flipped byte is detected', () => {
    const r = new Prng(2);
    const bytes = encodeManifest(randomState(r));
    for (let p = 0; p < bytes.length; p++) {
      const bad = bytes.slice();
      bad[p] ^= 1 + r.int(255);
      const err = errorOf(() => decodeManifest(bad, FILE));
      // The checksum covers the version field too: a flip anywhere is corruption.
      expect(err.code, `byte ${p}: ${err.message}`).toBe('CORRUPTION');
      expect(err.message).toContain(FILE);
      if (err.code === 'CORRUPTION') expect(typeof err.details.offset).toBe('number');
    }
  });

  it('bad magic, short objects and length mismatches are CORRUPTION', () => {
    const bytes = encodeManifest(emptyManifest());
    const badMagic = bytes.slice();
    badMagic.set(utf8Encoder.encode('DOSQLSST'), 0);
    expect(errorOf(() => decodeManifest(badMagic, FILE)).code).toBe('CORRUPTION');
    for (const len of [0, 7, 19, 20, bytes.length - 1]) {
      const err = errorOf(() => decodeManifest(bytes.subarray(0, len), FILE));
      expect(err.code, `length ${len}`).toBe('CORRUPTION');
      expect(err.message).toContain(FILE);
    }
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(errorOf(() => decodeManifest(longer, FILE)).code).toBe('CORRUPTION');
  });

  it('an unsupported format version is UNSUPPORTED_FORMAT_VERSION', () => {
    const body = encodeManifest(emptyManifest()).subarray(20);
    for (const v of [0, 2, 0xffffffff]) {
      const err = errorOf(() => decodeManifest(frame(body, v), FILE));
      expect(err.code).toBe('UNSUPPORTED_FORMAT_VERSION');
      expect(err.message).toContain(FILE);
    }
    expect(decodeManifest(frame(body, 1), FILE)).toEqual(emptyManifest());
  });

  // BUG: the checksum only proves the writer's bytes arrived intact; a body that is valid JSON
  // but not a manifest (null, a number, missing or non-array `levels`, bad hex keys) escapes
  // as a raw TypeError/RangeError instead of a DoSQLError the caller can branch on.
  it('a checksummed body that is not a manifest fails with CORRUPTION, not a TypeError', () => {
    const bodies = ['not json', 'null', '42', '[]', '{}', '{"levels":5}', '{"levels":[[[{"smallest":"zz","largest":""}]]]}'];
    const escaped: string[] = [];
    for (const b of bodies) {
      try {
        decodeManifest(frame(utf8Encoder.encode(b)), FILE);
        escaped.push(`${b}: decoded without error`);
      } catch (e) {
        if (!(e instanceof DoSQLError) || e.code !== 'CORRUPTION') escaped.push(`${b}: ${String(e)}`);
      }
    }
    expect(escaped).toEqual([]);
  });
});
