// RunBuilder against a model of the entries it was given: files never split a user key, each
// file's counts (entries, superseded versions, tombstones, trailing tombstones) match the
// model, and the files read back as the input. Keys (a few longer than the builders' first
// key buffers) and values come through one reused buffer with stale bytes past their lengths
// (as the bulk loader passes them), so nothing may depend on the caller's buffer after `add`.
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeUserKey, KIND_DELETE, KIND_PUT, makeInternalKey, TRAILER_SIZE } from '../mvcc/internal-key.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { BlockCache } from '../sstable/block-cache.js';
import { ensureCodec } from '../sstable/compression.js';
import { SSTableReader } from '../sstable/sstable-reader.js';
import { compareBytes, toHex } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { RunBuilder } from './run-builder.js';

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

function entriesFor(r: Prng, n: number): Entry[] {
  const uks = new Map<string, Uint8Array>();
  while (uks.size < n) {
    const uk = encodeUserKey(r.int(2), 1 + r.int(3), r.chance(0.5) ? [r.int(5000)] : [`k${r.int(5000)}${r.chance(0.01) ? 'x'.repeat(r.int(300)) : ''}`, r.int(3)]);
    uks.set(toHex(uk), uk);
  }
  const out: Entry[] = [];
  for (const uk of uks.values()) {
    const versions = r.chance(0.4) ? 2 + r.int(4) : 1;
    const lsns = new Set<number>();
    while (lsns.size < versions) lsns.add(1 + r.int(1_000_000));
    for (const lsn of lsns) out.push({ key: makeInternalKey(uk, lsn, r.chance(0.3) ? KIND_DELETE : KIND_PUT), value: r.bytes(r.int(60)) });
  }
  return out.sort((a, b) => compareBytes(a.key, b.key));
}

const uk = (k: Uint8Array): string => toHex(k.subarray(0, k.length - TRAILER_SIZE));

beforeAll(async () => {
  await ensureCodec('lz4');
});

describe('RunBuilder', () => {
  for (const seed of [1, 2, 3]) {
    it(`files match a model of their entries (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const entries = entriesFor(r, 3000);
      const store = new MemoryObjectStore();
      let num = 0;
      const rb = new RunBuilder({ store, epoch: 1, targetFileBytes: 2048 + r.int(4096), sstable: { blockSize: 128 + r.int(512), restartInterval: 1 + r.int(8) }, newFileNumber: () => ++num });
      const buf = r.bytes(1024);
      const vbuf = r.bytes(512);
      for (const e of entries) {
        buf.set(e.key);
        vbuf.set(e.value);
        rb.add(buf, vbuf, e.key.length, e.value.length);
        // Scribble over the caller's buffers: the builder must have copied what it keeps.
        buf.fill(r.int(256), 0, e.key.length);
        vbuf.fill(r.int(256));
      }
      const files = await rb.finish();
      expect(files.length).toBeGreaterThan(5);
      let at = 0;
      for (let f = 0; f < files.length; f++) {
        const meta = files[f]!;
        const mine = entries.slice(at, at + meta.entries);
        at += meta.entries;
        // A file never splits the versions of one user key.
        if (f > 0) expect(uk(mine[0]!.key)).not.toBe(uk(entries[at - meta.entries - 1]!.key));
        let superseded = 0;
        let tombstones = 0;
        let trailing = 0;
        let trailingTombstones = 0;
        for (let i = 0; i < mine.length; i++) {
          const same = i > 0 && uk(mine[i]!.key) === uk(mine[i - 1]!.key);
          if (same) superseded++;
          else {
            trailingTombstones += trailing;
            trailing = 0;
          }
          const del = mine[i]!.key[mine[i]!.key.length - 1] === KIND_DELETE;
          if (del) tombstones++;
          if (del && mine[i]!.key[0] === 0) trailing++;
          else trailing = 0;
        }
        trailingTombstones += trailing;
        expect({ superseded: meta.superseded, tombstones: meta.tombstones, trailing: meta.trailingTombstones }).toEqual({ superseded, tombstones, trailing: trailingTombstones });
        expect(toHex(meta.smallest)).toBe(toHex(mine[0]!.key));
        expect(toHex(meta.largest)).toBe(toHex(mine[mine.length - 1]!.key));
        const reader = await SSTableReader.open(store, meta.key, { fileNumber: meta.number, size: meta.size, cache: new BlockCache(1 << 20) });
        expect(reader.properties.filterKeys).toBe(new Set(mine.map((e) => uk(e.key))).size);
        const it = reader.iterator();
        const got: string[] = [];
        for (await it.seekToFirst(); it.valid(); await it.next()) {
          got.push(`${toHex(it.key())}=${toHex(it.value())}`);
        }
        expect(got).toEqual(mine.map((e) => `${toHex(e.key)}=${toHex(e.value)}`));
      }
      expect(at).toBe(entries.length);
    });
  }
});
