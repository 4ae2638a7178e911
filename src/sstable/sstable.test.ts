// SSTable writer + reader against a sorted-array model, and corruption detection.
import { beforeAll, describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { encodeUserKey, makeInternalKey } from '../mvcc/internal-key.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { bytesEqual, compareBytes, concatBytes, toHex } from '../util/bytes.js';
import { putU32LE } from '../util/coding.js';
import { crc32c } from '../util/crc32c.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import { Prng } from '../util/prng.js';
import { BlockCache } from './block-cache.js';
import { ensureCodec, type CompressionName } from './compression.js';
import { FOOTER_SIZE } from './format.js';
import { SSTableReader } from './sstable-reader.js';
import { SSTableWriter, type SSTableBuild } from './sstable-writer.js';

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

async function mv(p: MaybePromise): Promise<void> {
  if (p) await p;
}

/** Internal keys (user key + 8-byte trailer), several versions per user key, sorted. */
function makeEntries(r: Prng, nUserKeys: number, longKeys = false): { entries: Entry[]; userKeys: Uint8Array[] } {
  const uks = new Map<string, Uint8Array>();
  while (uks.size < nUserKeys) {
    const pk = r.chance(0.5) ? [r.int(1_000_000)] : [longKeys ? 'k'.repeat(180) + r.int(1e9) : `user-${r.int(1e6)}`, r.int(10)];
    const uk = encodeUserKey(0, 1 + r.int(2), pk);
    uks.set(toHex(uk), uk);
  }
  const entries: Entry[] = [];
  for (const uk of uks.values()) {
    const versions = 1 + (r.chance(0.3) ? r.int(4) : 0);
    for (let v = 0; v < versions; v++) {
      const lsn = 1 + r.int(2 ** 40);
      const value = r.chance(0.5) ? new TextEncoder().encode(`value-${'abc'.repeat(r.int(12))}-${lsn}`) : r.bytes(r.int(40));
      entries.push({ key: makeInternalKey(uk, lsn, r.int(2)), value });
    }
  }
  entries.sort((a, b) => compareBytes(a.key, b.key));
  const dedup = entries.filter((e, i) => i === 0 || compareBytes(entries[i - 1]!.key, e.key) !== 0);
  return { entries: dedup, userKeys: [...uks.values()] };
}

function build(entries: readonly Entry[], compression: CompressionName, blockSize = 256, restartInterval = 4): SSTableBuild {
  const w = new SSTableWriter({ blockSize, compression, filterSuffixLength: 8, bitsPerKey: 10, restartInterval });
  for (const e of entries) w.add(e.key, e.value);
  return w.finish({ minLsn: 1, note: 'test' });
}

function lowerBound(entries: readonly Entry[], t: Uint8Array): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(entries[mid]!.key, t) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function floorIdx(entries: readonly Entry[], t: Uint8Array): number {
  const i = lowerBound(entries, t);
  return i < entries.length && compareBytes(entries[i]!.key, t) === 0 ? i : i - 1;
}

function randomTarget(r: Prng, entries: readonly Entry[]): Uint8Array {
  const k = r.pick(entries).key;
  switch (r.int(6)) {
    case 0:
      return k;
    case 1:
      return k.subarray(0, r.int(k.length));
    case 2:
      return concatBytes([k, new Uint8Array([r.int(256)])]);
    case 3: {
      const t = k.slice();
      t[r.int(t.length)] ^= 1 + r.int(255);
      return t;
    }
    case 4:
      return r.chance(0.5) ? new Uint8Array(0) : new Uint8Array([0xff, 0xff]);
    default:
      return r.bytes(1 + r.int(12));
  }
}

function describeAt(it: InternalIterator): string {
  return it.valid() ? `${toHex(it.key())}=${toHex(it.value())}` : 'invalid';
}
function describeIdx(entries: readonly Entry[], i: number): string {
  return i >= 0 && i < entries.length ? `${toHex(entries[i]!.key)}=${toHex(entries[i]!.value)}` : 'invalid';
}

async function open(store: MemoryObjectStore, key: string, b: SSTableBuild, fileNumber: number, cacheBytes: number): Promise<SSTableReader> {
  await store.put(key, b.chunks);
  return SSTableReader.open(store, key, { fileNumber, size: b.size, cache: new BlockCache(cacheBytes) });
}

/** Full scans, seeks and random walks vs the model; collects mismatches. */
async function checkAgainstModel(reader: SSTableReader, entries: readonly Entry[], r: Prng, queries: number): Promise<string[]> {
  const errs: string[] = [];
  const note = (ctx: string, got: string, want: string): void => {
    if (got !== want && errs.length < 10) errs.push(`${ctx}: got ${got}, want ${want}`);
  };
  const it = reader.iterator();
  let i = 0;
  for (await mv(it.seekToFirst()); it.valid(); await mv(it.next()), i++) note(`fwd ${i}`, describeAt(it), describeIdx(entries, i));
  note('fwd count', String(i), String(entries.length));
  i = entries.length - 1;
  for (await mv(it.seekToLast()); it.valid(); await mv(it.prev()), i--) note(`back ${i}`, describeAt(it), describeIdx(entries, i));
  note('back end', String(i), '-1');
  for (let q = 0; q < queries; q++) {
    const t = randomTarget(r, entries);
    let idx: number;
    if (r.chance(0.5)) {
      await mv(it.seek(t));
      idx = lowerBound(entries, t);
    } else {
      await mv(it.seekForPrev(t));
      idx = floorIdx(entries, t);
    }
    note(`seek ${toHex(t)}`, describeAt(it), describeIdx(entries, idx));
    for (let s = 0; s < 8 && it.valid(); s++) {
      const fwd = r.chance(0.5);
      await mv(fwd ? it.next() : it.prev());
      idx += fwd ? 1 : -1;
      note(`walk ${toHex(t)} #${s}`, describeAt(it), describeIdx(entries, idx));
    }
    const first = await reader.seekFirst(t);
    const lb = lowerBound(entries, t);
    note(`seekFirst ${toHex(t)}`, first ? `${toHex(first.key)}=${toHex(first.value)}` : 'invalid', describeIdx(entries, lb));
  }
  it.close();
  return errs;
}

beforeAll(async () => {
  await ensureCodec('lz4');
});

describe('sstable', () => {
  for (const compression of ['lz4', 'none'] as const) {
    for (const cacheBytes of [1 << 22, 2048]) {
      it(`round trips many small blocks (compression ${compression}, cache ${cacheBytes})`, async () => {
        const r = new Prng(compression === 'lz4' ? 100 : 200);
        const { entries, userKeys } = makeEntries(r, 2500);
        const b = build(entries, compression, 256, cacheBytes === 2048 ? (compression === 'lz4' ? 1 : 16) : 4);
        expect(b.properties.dataBlocks).toBeGreaterThan(200);
        expect(b.size).toBeGreaterThan(64 * 1024);
        expect(toHex(b.smallestKey)).toBe(toHex(entries[0]!.key));
        expect(toHex(b.largestKey)).toBe(toHex(entries[entries.length - 1]!.key));
        const store = new MemoryObjectStore();
        const reader = await open(store, 'sst/000001.sst', b, 1, cacheBytes);
        expect(reader.properties).toEqual(b.properties);
        expect(reader.properties.entries).toBe(entries.length);
        expect(reader.properties.filterKeys).toBe(userKeys.length);
        expect(reader.properties.user).toEqual({ minLsn: 1, note: 'test' });
        expect(await checkAgainstModel(reader, entries, r, 600)).toEqual([]);
        if (cacheBytes === 2048) expect(reader.counters.blockReads).toBeGreaterThan(b.properties.dataBlocks);

        // Bloom filter: no false negatives; few false positives at 10 bits/key.
        for (const uk of userKeys) expect(reader.mayContain(uk)).toBe(true);
        for (const e of entries) expect(reader.mayContain(e.key, 0, e.key.length - 8)).toBe(true);
        const present = new Set(userKeys.map(toHex));
        let fp = 0;
        let absent = 0;
        while (absent < 5000) {
          const uk = encodeUserKey(0, 1, [r.chance(0.5) ? r.int(1e7) : `miss-${r.int(1e9)}`]);
          if (present.has(toHex(uk))) continue;
          absent++;
          if (reader.mayContain(uk)) fp++;
        }
        expect(fp / absent).toBeLessThan(0.05);
      });
    }
  }

  it('lz4 compresses compressible blocks', () => {
    const r = new Prng(300);
    const { entries } = makeEntries(r, 1500);
    const lz = build(entries, 'lz4', 1024);
    const raw = build(entries, 'none', 1024);
    expect(lz.properties.dataBytes).toBeLessThan(raw.properties.dataBytes);
    expect(lz.properties.compression).toBe('lz4');
  });

  it('reads index and meta blocks that lie beyond the tail read (long keys)', async () => {
    const r = new Prng(400);
    const { entries } = makeEntries(r, 700, true);
    const b = build(entries, 'lz4', 256);
    const store = new MemoryObjectStore();
    await store.put('sst/long.sst', b.chunks);
    // Size from a head call, no cache at all.
    const reader = await SSTableReader.open(store, 'sst/long.sst', { fileNumber: 9 });
    expect(reader.footer.index.size).toBeGreaterThan(64 * 1024);
    expect(await checkAgainstModel(reader, entries, r, 200)).toEqual([]);
  });

  it('edge tables: one entry, values larger than the tail read, no filter; an empty table cannot be finished', async () => {
    const r = new Prng(450);
    const store = new MemoryObjectStore();
    const one = [{ key: makeInternalKey(encodeUserKey(0, 1, ['only']), 5, 1), value: new Uint8Array(0) }];
    const big = makeEntries(r, 40).entries.map((e, i) => ({ key: e.key, value: i % 7 === 0 ? r.bytes(70_000 + i) : e.value }));
    for (const [name, entries, bits] of [['one', one, 10], ['big', big, 10], ['nofilter', big, 0]] as const) {
      const w = new SSTableWriter({ blockSize: 512, compression: 'lz4', filterSuffixLength: 8, bitsPerKey: bits });
      for (const e of entries) w.add(e.key, e.value);
      const b = w.finish();
      const reader = await open(store, `sst/${name}.sst`, b, 3, 0);
      expect(reader.properties.filterKeys).toBe(bits === 0 ? 0 : new Set(entries.map((e) => toHex(e.key.subarray(0, e.key.length - 8)))).size);
      expect(await checkAgainstModel(reader, entries, r, 50)).toEqual([]);
      if (bits === 0) expect(reader.mayContain(new Uint8Array([1, 2, 3]))).toBe(true);
    }
    expect(() => new SSTableWriter({ compression: 'none' }).finish()).toThrow();
  });

  it('store failures surface as IO_ERROR and do not poison later reads', async () => {
    class FlakyStore extends MemoryObjectStore {
      fail = false;
      override async get(key: string, options?: Parameters<MemoryObjectStore['get']>[1]): ReturnType<MemoryObjectStore['get']> {
        if (this.fail) throw new Error('injected failure');
        return super.get(key, options);
      }
    }
    const r = new Prng(460);
    const { entries } = makeEntries(r, 300);
    const store = new FlakyStore();
    const reader = await open(store, 'sst/flaky.sst', build(entries, 'lz4'), 4, 1 << 20);
    store.fail = true;
    const it = reader.iterator();
    await expect(Promise.resolve().then(() => it.seekToFirst())).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(Promise.resolve().then(() => reader.seekFirst(entries[7]!.key))).rejects.toMatchObject({ code: 'IO_ERROR' });
    store.fail = false;
    expect(await checkAgainstModel(reader, entries, r, 50)).toEqual([]);
  });

  it('unsupported format version, missing and truncated files fail clearly', async () => {
    const r = new Prng(500);
    const { entries } = makeEntries(r, 300);
    const b = build(entries, 'none');
    const bytes = concatBytes(b.chunks);
    const store = new MemoryObjectStore();

    const v2 = bytes.slice();
    const f = v2.length - FOOTER_SIZE;
    putU32LE(v2, f + 36, 2);
    putU32LE(v2, f + 52, crc32c(v2, f, f + 52));
    await store.put('sst/v2.sst', v2);
    await expect(SSTableReader.open(store, 'sst/v2.sst', { fileNumber: 1 })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT_VERSION' });
    await expect(SSTableReader.open(store, 'sst/none.sst', { fileNumber: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    for (const len of [0, 1, 10, FOOTER_SIZE - 1, FOOTER_SIZE, bytes.length >> 1, bytes.length - FOOTER_SIZE, bytes.length - 8, bytes.length - 1]) {
      const key = `sst/trunc-${len}.sst`;
      await store.put(key, bytes.subarray(0, len));
      for (const size of [undefined, bytes.length]) {
        const err = await SSTableReader.open(store, key, size === undefined ? { fileNumber: 2 } : { fileNumber: 2, size }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `len ${len} size ${size}`).toBeInstanceOf(DoSQLError);
        expect((err as DoSQLError).code).toBe('CORRUPTION');
        expect((err as DoSQLError).message).toContain(key);
        expect(typeof (err as DoSQLError).details.offset).toBe('number');
      }
    }
  });

  for (const compression of ['lz4', 'none'] as const) {
    it(`a flipped byte anywhere is detected, never returned as data (${compression})`, async () => {
      const r = new Prng(compression === 'lz4' ? 600 : 700);
      const { entries } = makeEntries(r, 600);
      const b = build(entries, compression);
      const clean = concatBytes(b.chunks);
      const store = new MemoryObjectStore();
      const ref = await open(store, 'sst/clean.sst', b, 1, 1 << 20);
      // Data block layout from the clean index: [offset, end incl. trailer) and the model slice it holds.
      const blocks: { offset: number; end: number; first: number; last: number }[] = [];
      const idx = ref.indexBlock.iterator();
      let first = 0;
      for (idx.seekToFirst(); idx.valid(); idx.next()) {
        const h = ref.decodeHandle(idx.value());
        const last = lowerBound(entries, idx.key());
        blocks.push({ offset: h.offset, end: h.offset + h.size + 5, first, last });
        first = last + 1;
      }
      expect(first).toBe(entries.length);
      const f = ref.footer;
      const regions: [string, number, number][] = [
        ['data', 0, b.properties.dataBytes],
        ['filter', f.filter.offset, f.filter.offset + f.filter.size + 5],
        ['properties', f.properties.offset, f.properties.offset + f.properties.size + 5],
        ['index', f.index.offset, f.index.offset + f.index.size + 5],
        ['footer', clean.length - FOOTER_SIZE, clean.length],
      ];
      let n = 0;
      for (const [region, start, end] of regions) {
        const trials = region === 'data' ? 40 : 12;
        for (let t = 0; t < trials; t++) {
          const pos = start + r.int(end - start);
          const bad = clean.slice();
          bad[pos] ^= 1 + r.int(255);
          const key = `sst/bad-${compression}-${n++}.sst`;
          await store.put(key, bad);
          const ctx = `${region} byte ${pos}`;
          const expectCorrupt = (e: unknown, offset?: number): void => {
            expect(e, ctx).toBeInstanceOf(DoSQLError);
            const d = e as DoSQLError;
            expect(['CORRUPTION', 'UNSUPPORTED_FORMAT_VERSION'], `${ctx}: ${d.message}`).toContain(d.code);
            expect(d.message, ctx).toContain(key);
            if (d.code === 'CORRUPTION') expect(typeof d.details.offset, ctx).toBe('number');
            if (offset !== undefined) expect(d.details.offset, ctx).toBe(offset);
          };
          let reader: SSTableReader;
          try {
            reader = await SSTableReader.open(store, key, { fileNumber: 100 + n, size: bad.length, cache: new BlockCache(1 << 20) });
          } catch (e) {
            expect(region, `open failed for ${ctx}`).not.toBe('data');
            expectCorrupt(e);
            continue;
          }
          expect(region, `open succeeded for ${ctx}`).toBe('data');
          const blk = blocks.find((x) => pos >= x.offset && pos < x.end)!;
          // Forward scan: exactly the entries before the damaged block, then an error.
          const it = reader.iterator();
          let seen = 0;
          let err: unknown = null;
          try {
            for (await mv(it.seekToFirst()); it.valid(); await mv(it.next())) {
              const i = seen++;
              if (!bytesEqual(it.key(), entries[i]!.key) || !bytesEqual(it.value(), entries[i]!.value)) throw new Error(`${ctx}: wrong entry ${i}`);
            }
          } catch (e) {
            err = e;
          }
          expectCorrupt(err, blk.offset);
          expect(seen, ctx).toBe(blk.first);
          // Backward scan stops at the damaged block from the other side.
          seen = 0;
          err = null;
          try {
            for (await mv(it.seekToLast()); it.valid(); await mv(it.prev())) {
              const i = entries.length - 1 - seen++;
              if (!bytesEqual(it.key(), entries[i]!.key) || !bytesEqual(it.value(), entries[i]!.value)) throw new Error(`${ctx}: wrong entry ${i}`);
            }
          } catch (e) {
            err = e;
          }
          expectCorrupt(err, blk.offset);
          expect(seen, ctx).toBe(entries.length - 1 - blk.last);
          // Point reads: inside the block they throw; elsewhere they return the model's entry.
          for (let q = 0; q < 30; q++) {
            const target = q < 3 ? entries[blk.first + r.int(blk.last - blk.first + 1)]!.key : randomTarget(r, entries);
            const lb = lowerBound(entries, target);
            const touches = lb >= blk.first && lb <= blk.last;
            const got = await Promise.resolve()
              .then(() => reader.seekFirst(target))
              .then(
                (e) => (e ? `${toHex(e.key)}=${toHex(e.value)}` : 'invalid'),
                (e: unknown) => e,
              );
            if (touches) expectCorrupt(got, blk.offset);
            else expect(got, `${ctx} seekFirst ${toHex(target)}`).toBe(describeIdx(entries, lb));
          }
        }
      }
    });
  }
});
