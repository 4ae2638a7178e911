import { describe, expect, it } from 'vitest';
import { compareBytes, toHex } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { Memtable } from './memtable.js';
import { FrozenEntrySource, sortEntries } from './entry-source.js';

/** Keys in the shapes the engine writes: a shared prefix, a variable middle, an 8-byte suffix. */
function keyOf(r: Prng, i: number, shape: string): Uint8Array {
  const k = new Uint8Array(4 + 8 + 8);
  k.set([0x80, 0x81, 0x03, 0x30]);
  const n = shape === 'random' ? r.int(1 << 30) : i;
  for (let b = 0; b < 8; b++) k[4 + b] = (n / 2 ** (8 * (7 - b))) & 0xff;
  for (let b = 0; b < 8; b++) k[12 + b] = shape === 'versions' ? 255 - (i & 7) : r.int(256);
  if (shape === 'versions') k[11] = (i >>> 3) & 0xff; // eight versions per middle, newest first in add order
  return k;
}

/** Entry orders to sort: in key order, out of order in one place, reversed, random, ties in the abbreviation. */
function orders(r: Prng, n: number): { name: string; keys: Uint8Array[] }[] {
  const asc = Array.from({ length: n }, (_, i) => keyOf(r, i, 'asc'));
  const oneSwap = asc.slice();
  const a = r.int(n - 1);
  [oneSwap[a], oneSwap[n - 1]] = [oneSwap[n - 1]!, oneSwap[a]!];
  const lastSwap = asc.slice();
  [lastSwap[n - 2], lastSwap[n - 1]] = [lastSwap[n - 1]!, lastSwap[n - 2]!];
  return [
    { name: 'ascending', keys: asc },
    { name: 'ascending but one pair swapped', keys: oneSwap },
    { name: 'ascending but the last two swapped', keys: lastSwap },
    { name: 'descending', keys: asc.slice().reverse() },
    { name: 'random', keys: Array.from({ length: n }, (_, i) => keyOf(r, i, 'random')) },
    { name: 'versions', keys: Array.from({ length: n }, (_, i) => keyOf(r, i, 'versions')) },
  ];
}

describe('sortEntries', () => {
  for (const seed of [1, 2, 3]) {
    it(`orders entries as a byte-wise sort of their keys does (seed ${seed}; live and frozen sources)`, () => {
      const r = new Prng(seed);
      for (const n of [2, 3, 17, 300, 5000]) {
        for (const { name, keys } of orders(r, n)) {
          const mt = new Memtable(1, { shared: true });
          const v = new Uint8Array([1]);
          const seen = new Set<string>();
          const added: Uint8Array[] = [];
          for (const k of keys) {
            if (seen.has(toHex(k))) continue; // an equal key replaces: keep the inputs distinct
            seen.add(toHex(k));
            mt.add(k, v);
            added.push(k);
          }
          const want = added.map(toHex).sort((x, y) => compareBytes(Buffer.from(x, 'hex'), Buffer.from(y, 'hex')));
          const entries = Array.from({ length: added.length }, (_, i) => i);
          const live = sortEntries(mt, entries).map((e) => toHex(mt.keyAt(e)));
          expect(live, `${name}, n=${n}, live`).toEqual(want);
          mt.freeze();
          const src = new FrozenEntrySource(mt.exportFrozen());
          const frozen = sortEntries(src, entries).map((e) => toHex(src.keyAt(e)));
          expect(frozen, `${name}, n=${n}, frozen`).toEqual(want);
          // A subset in a caller's order (the sorted index sorts what was added since its last build).
          const sub = entries.filter((e) => e % 3 !== 1);
          expect(sortEntries(mt, sub).map((e) => toHex(mt.keyAt(e))), `${name}, n=${n}, subset`).toEqual(
            sub.map((e) => toHex(added[e]!)).sort((x, y) => compareBytes(Buffer.from(x, 'hex'), Buffer.from(y, 'hex'))),
          );
        }
      }
    });
  }
});
