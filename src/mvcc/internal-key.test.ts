import { describe, expect, it } from 'vitest';
import { compareBytes, toHex } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import type { KeyValue } from './key-codec.js';
import {
  compareUserKeyOf,
  decodeUserKey,
  encodeTablePrefix,
  encodeUserKey,
  hasUserKey,
  KIND_DELETE,
  KIND_PUT,
  makeInternalKey,
  MAX_LSN,
  seekKey,
  trailerKind,
  trailerLsn,
  userKeyOf,
} from './internal-key.js';

const LSNS = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

function randomTuple(r: Prng): KeyValue[] {
  const t: KeyValue[] = [];
  const n = r.int(3);
  for (let i = 0; i < n; i++) {
    switch (r.int(4)) {
      case 0:
        t.push(r.int(10) - 5);
        break;
      case 1:
        t.push(r.pick(['', 'a', 'a\u0000', 'ab', 'é']));
        break;
      case 2:
        t.push(r.bytes(r.int(3)));
        break;
      default:
        t.push(null);
    }
  }
  return t;
}

function randomUserKey(r: Prng): Uint8Array {
  const id = (): number => r.pick([0, 1, 247, 248, 300, 70000]);
  return encodeUserKey(id(), id(), randomTuple(r));
}

function randomLsn(r: Prng): number {
  return r.chance(0.2) ? r.pick(LSNS) : Math.floor(r.next() * 2 ** r.int(54));
}

describe('internal-key', () => {
  it('trailer round trips LSN and kind, also for keys inside a larger buffer', () => {
    const r = new Prng(1);
    expect(MAX_LSN).toBe(Number.MAX_SAFE_INTEGER);
    for (const lsn of [...LSNS, ...Array.from({ length: 500 }, () => randomLsn(r))]) {
      for (const kind of [KIND_DELETE, KIND_PUT]) {
        const uk = randomUserKey(r);
        const ik = makeInternalKey(uk, lsn, kind);
        expect(ik.length).toBe(uk.length + 8);
        expect(trailerLsn(ik)).toBe(lsn);
        expect(trailerKind(ik)).toBe(kind);
        expect(toHex(userKeyOf(ik))).toBe(toHex(uk));
        expect(hasUserKey(ik, uk)).toBe(true);
        const buf = new Uint8Array(ik.length + 5);
        buf.set(ik, 2);
        expect(trailerLsn(buf, 2 + ik.length)).toBe(lsn);
        expect(trailerKind(buf, 2 + ik.length)).toBe(kind);
      }
    }
  });

  it('for one user key, a larger LSN sorts first', () => {
    const r = new Prng(2);
    for (let round = 0; round < 50; round++) {
      const uk = randomUserKey(r);
      const lsns = [...new Set([...LSNS, ...Array.from({ length: 40 }, () => randomLsn(r))])];
      const iks = lsns.map((l) => makeInternalKey(uk, l, r.int(2)));
      iks.sort(compareBytes);
      const got = iks.map((k) => trailerLsn(k));
      expect(got).toEqual([...lsns].sort((a, b) => b - a));
    }
  });

  it('different user keys order by user key, whatever their LSNs', () => {
    const r = new Prng(3);
    for (let i = 0; i < 8000; i++) {
      const a = randomUserKey(r);
      const b = randomUserKey(r);
      const ia = makeInternalKey(a, randomLsn(r), r.int(2));
      const ib = makeInternalKey(b, randomLsn(r), r.int(2));
      const uc = sign(compareBytes(a, b));
      expect(sign(compareUserKeyOf(ia, ib))).toBe(uc);
      expect(hasUserKey(ia, b)).toBe(uc === 0);
      if (uc !== 0) expect(sign(compareBytes(ia, ib))).toBe(uc);
    }
  });

  it('user keys decode back to branch, table and tuple and start with the table prefix', () => {
    const r = new Prng(4);
    for (let i = 0; i < 2000; i++) {
      const branch = r.pick([0, 5, 247, 248, 1000, 2 ** 40]);
      const table = r.pick([0, 1, 255, 256, 99999]);
      const tuple = randomTuple(r);
      const uk = encodeUserKey(branch, table, tuple);
      expect(decodeUserKey(uk)).toEqual({ branch, table, key: tuple });
      const prefix = encodeTablePrefix(branch, table);
      expect(toHex(uk.subarray(0, prefix.length))).toBe(toHex(prefix));
    }
  });

  it('seekKey(uk, n) lower-bounds onto the newest version <= n (model check)', () => {
    const r = new Prng(5);
    const versions = new Map<string, { uk: Uint8Array; lsns: number[] }>();
    const all: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const uk = randomUserKey(r);
      const h = toHex(uk);
      let e = versions.get(h);
      if (!e) versions.set(h, (e = { uk, lsns: [] }));
      const lsn = r.int(1000);
      if (e.lsns.includes(lsn)) continue;
      e.lsns.push(lsn);
      all.push(makeInternalKey(uk, lsn, r.int(2)));
    }
    all.sort(compareBytes);
    const lowerBound = (t: Uint8Array): number => {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareBytes(all[mid]!, t) < 0) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const entries = [...versions.values()];
    let hits = 0;
    for (let q = 0; q < 5000; q++) {
      const uk = r.chance(0.9) ? r.pick(entries).uk : randomUserKey(r);
      const known = versions.get(toHex(uk))?.lsns ?? [];
      const n = r.chance(0.3) && known.length > 0 ? r.pick(known) : r.int(1100);
      const visible = known.filter((l) => l <= n);
      const expected = visible.length > 0 ? Math.max(...visible) : null;
      const pos = lowerBound(seekKey(uk, n));
      const found = pos < all.length && hasUserKey(all[pos]!, uk) ? trailerLsn(all[pos]!) : null;
      expect(found).toBe(expected);
      if (expected !== null) hits++;
    }
    expect(hits).toBeGreaterThan(1000);
  });
});
