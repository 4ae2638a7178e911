// The write path compares each key with the previous one once (SSTableWriter.prefixWithLast)
// and hands the shared length to the block builder, the filter and RunBuilder. The bytes
// must not change: BlockBuilder.addWithPrefix vs add, and whole tables vs checksums of the
// same tables written by the code before that change (2a24417).
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInternalKey, TRAILER_SIZE } from '../mvcc/internal-key.js';
import { RunBuilder } from '../compaction/run-builder.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { concatBytes, compareBytes } from '../util/bytes.js';
import { crc32c } from '../util/crc32c.js';
import { Prng } from '../util/prng.js';
import { BlockBuilder } from './block-builder.js';
import { ensureCodec, type CompressionName } from './compression.js';
import { SSTableWriter } from './sstable-writer.js';

/** Sorted distinct keys with shared prefixes of every length, some longer than 64 bytes, some a prefix of the next. */
function keys(r: Prng, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const stems = Array.from({ length: 6 }, (_, i) => Uint8Array.from({ length: [0, 3, 12, 40, 70, 130][i]! }, () => r.int(256)));
  for (let i = 0; i < n; i++) {
    const stem = stems[r.int(stems.length)]!;
    const tail = Uint8Array.from({ length: r.int(12) }, () => (r.int(4) === 0 ? r.int(256) : 65 + r.int(3)));
    out.push(concatBytes([stem, tail]));
  }
  out.sort(compareBytes);
  return out.filter((k, i) => i === 0 || compareBytes(k, out[i - 1]!) !== 0);
}

function commonPrefix(a: Uint8Array | undefined, b: Uint8Array): number {
  if (!a) return 0;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** Internal keys: user keys from `keys`, 1-3 versions each (newest first), values of 0-150 bytes. */
function entries(seed: number, n: number): { k: Uint8Array; v: Uint8Array }[] {
  const r = new Prng(seed);
  const out: { k: Uint8Array; v: Uint8Array }[] = [];
  let lsn = 1_000_000;
  let i = 0;
  for (const uk of keys(r, n)) {
    // Every 25th key: versions whose trailers differ in their first byte (LSNs either side
    // of 2^48), where the shared prefix ends exactly at the end of the user key.
    const lsns = i++ % 25 === 0 ? [2 ** 48 + 5, 2 ** 48 - 3] : Array.from({ length: 1 + r.int(3) }, (_, j) => lsn - j);
    for (const l of lsns) {
      const half = Uint8Array.from({ length: r.int(76) }, () => 32 + r.int(95));
      out.push({ k: makeInternalKey(uk, l, r.int(5) === 0 ? 0 : 1), v: concatBytes([half, half]) });
    }
    lsn -= 7;
  }
  return out;
}

describe('block builder and SSTable writer: one key comparison, the same bytes', () => {
  beforeAll(() => ensureCodec('lz4'));

  it('addWithPrefix lays out the same block as add, across restarts and resets', () => {
    for (const interval of [1, 2, 3, 16]) {
      const r = new Prng(interval);
      const ks = keys(r, 600);
      const a = new BlockBuilder(interval);
      const b = new BlockBuilder(interval);
      let prev: Uint8Array | undefined;
      for (let i = 0; i < ks.length; i++) {
        const v = Uint8Array.from({ length: r.int(90) }, () => r.int(256));
        a.add(ks[i]!, v);
        b.addWithPrefix(ks[i]!, v, ks[i]!.length, v.length, commonPrefix(prev, ks[i]!));
        prev = ks[i];
        if (i % 97 === 96) {
          expect(b.finish()).toEqual(a.finish());
          a.reset();
          b.reset();
          prev = undefined;
        }
      }
      expect(b.finish()).toEqual(a.finish());
    }
  });

  // EXPECTED: crc32c of each whole file as the writer before the change (2a24417) wrote it.
  for (const [compression, blockSize, restart, bits, suffix] of [
    ['lz4', 4096, 16, 10, 8],
    ['none', 512, 1, 10, 8],
    ['lz4', 1024, 3, 0, 0],
    ['none', 4096, 16, 7, 0],
  ] as const) {
    const name = `${compression} block ${blockSize} restart ${restart} bits ${bits} suffix ${suffix}`;
    it(`writes the same table as before: ${name}`, () => {
      const es = entries(blockSize + restart + bits, 3000);
      const make = () => new SSTableWriter({ compression: compression as CompressionName, blockSize, restartInterval: restart, bitsPerKey: bits, filterSuffixLength: suffix });
      const w1 = make();
      const w2 = make();
      let prev: Uint8Array | undefined;
      for (const { k, v } of es) {
        w1.add(k, v);
        // Reused, longer buffers with lengths, and the caller's prefix (RunBuilder's way).
        const kb = concatBytes([k, new Uint8Array(5)]);
        const vb = concatBytes([v, new Uint8Array(3)]);
        w2.add(kb, vb, k.length, v.length, commonPrefix(prev, k));
        prev = k;
      }
      const f1 = concatBytes(w1.finish({ minLsn: 1 }).chunks);
      const f2 = concatBytes(w2.finish({ minLsn: 1 }).chunks);
      expect(f2).toEqual(f1);
      expect(hex(crc32c(f1))).toBe(EXPECTED[name]);
    });
  }
});

describe('RunBuilder: versions of one user key told from the shared prefix', () => {
  beforeAll(() => ensureCodec('lz4'));

  it('never splits a user key between files and counts superseded versions as a byte-wise comparison does', async () => {
    for (const seed of [1, 2, 3]) {
      const es = entries(seed, 2500);
      const uk = (k: Uint8Array): string => Buffer.from(k.subarray(0, k.length - TRAILER_SIZE)).toString('hex');
      let n = 1;
      const b = new RunBuilder({ store: new MemoryObjectStore(), epoch: 1, targetFileBytes: 1500 + seed * 700, sstable: { compression: 'lz4' }, newFileNumber: () => n++ });
      for (const { k, v } of es) b.add(k, v);
      const files = await b.finish();
      expect(files.length).toBeGreaterThan(20);
      let at = 0;
      for (const f of files) {
        const mine = es.slice(at, at + f.entries);
        at += f.entries;
        expect(mine[0]!.k).toEqual(f.smallest);
        expect(mine[mine.length - 1]!.k).toEqual(f.largest);
        let superseded = 0;
        for (let i = 1; i < mine.length; i++) if (uk(mine[i]!.k) === uk(mine[i - 1]!.k)) superseded++;
        expect(f.superseded).toBe(superseded);
        // The next file starts with another user key.
        if (at < es.length) expect(uk(es[at]!.k)).not.toBe(uk(mine[mine.length - 1]!.k));
      }
      expect(at).toBe(es.length);
    }
  });

  it('a user key that extends the previous one by the bytes of its trailer is another key', async () => {
    const u = new Uint8Array([1, 2, 3]);
    const k1 = makeInternalKey(u, 10, 1);
    const k2 = makeInternalKey(concatBytes([u, k1.subarray(3, 6)]), 9, 1);
    const b = new RunBuilder({ store: new MemoryObjectStore(), epoch: 1, targetFileBytes: 1 << 20, sstable: { compression: 'none' }, newFileNumber: () => 1 });
    b.add(k1, new Uint8Array([7]));
    b.add(k2, new Uint8Array([8]));
    const [f] = await b.finish();
    expect(f!.superseded).toBe(0);
  });
});

const EXPECTED: Record<string, string> = {
  'lz4 block 4096 restart 16 bits 10 suffix 8': '4855a9db',
  'none block 512 restart 1 bits 10 suffix 8': '1b658e11',
  'lz4 block 1024 restart 3 bits 0 suffix 0': '0268ff63',
  'none block 4096 restart 16 bits 7 suffix 0': '8b8fec72',
};
