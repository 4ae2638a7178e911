// Model-based tests of the memtable (B+tree over an arena) against a sorted array.
import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { bytesEqual, compareBytes, concatBytes, fromHex, toHex } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { MAX_ENTRY } from './arena.js';
import { Memtable } from './memtable.js';
import type { InternalIterator } from '../util/internal-iterator.js';

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

/** Sorted array of unique keys: the reference model. */
class Model {
  readonly entries: Entry[] = [];
  lowerBound(t: Uint8Array): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.entries[mid]!.key, t) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** Index of the last key <= t, or -1. */
  floor(t: Uint8Array): number {
    const i = this.lowerBound(t);
    if (i < this.entries.length && compareBytes(this.entries[i]!.key, t) === 0) return i;
    return i - 1;
  }
  put(key: Uint8Array, value: Uint8Array): void {
    const i = this.lowerBound(key);
    if (i < this.entries.length && compareBytes(this.entries[i]!.key, key) === 0) this.entries[i] = { key, value };
    else this.entries.splice(i, 0, { key, value });
  }
  get max(): Uint8Array | undefined {
    return this.entries[this.entries.length - 1]?.key;
  }
}

const ALPHABET = [0, 1, 2, 0x61, 0x62, 0xfe, 0xff];

function randomKey(r: Prng): Uint8Array {
  const n = r.chance(0.001) ? 0 : 1 + r.int(10);
  const k = new Uint8Array(n);
  for (let i = 0; i < n; i++) k[i] = r.chance(0.5) ? r.pick(ALPHABET) : r.int(256);
  return k;
}

/** A key just above `k` (appends a byte): drives the rightmost-leaf append path. */
function successor(r: Prng, k: Uint8Array | undefined): Uint8Array {
  if (!k) return new Uint8Array([r.int(256)]);
  if (k.length < 12 && r.chance(0.5)) return concatBytes([k, new Uint8Array([r.int(256)])]);
  const out = k.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1 + r.int(0xff - out[i]!);
      return out.subarray(0, i + 1).slice();
    }
  }
  return concatBytes([k, new Uint8Array([0])]);
}

function treeDepth(mt: Memtable): number {
  type N = { leaf: boolean; children?: N[] };
  const index = (mt as unknown as { index: { root: N; ensureSorted(): void } }).index;
  index.ensureSorted();
  let node = index.root;
  let depth = 1;
  while (!node.leaf) {
    node = node.children![0]!;
    depth++;
  }
  return depth;
}

/** Fills a memtable and the model with a mix of random keys, ascending runs and duplicates. */
function fill(r: Prng, mt: Memtable, model: Model, n: number): void {
  for (let i = 0; i < n; ) {
    const mode = r.int(10);
    if (mode < 5) {
      const key = randomKey(r);
      const value = r.bytes(r.int(20));
      mt.add(key, value);
      model.put(key, value);
      i++;
    } else if (mode < 8) {
      const run = 1 + r.int(150);
      for (let j = 0; j < run; j++, i++) {
        const key = successor(r, model.max);
        const value = r.bytes(r.int(8));
        if (r.chance(0.3)) mt.add(key.subarray(0, key.length - 1), value, key.subarray(key.length - 1));
        else mt.add(key, value);
        model.put(key, value);
      }
    } else if (model.entries.length > 0) {
      // Duplicate key: the later value replaces the earlier one. Sometimes split key/suffix.
      const key = r.pick(model.entries).key;
      const value = r.bytes(r.int(12));
      const cut = r.int(key.length + 1);
      if (r.chance(0.5)) mt.add(key.subarray(0, cut), value, key.subarray(cut));
      else mt.add(key, value);
      model.put(key, value);
      i++;
    }
  }
}

/** Collects mismatches between an iterator position and model index `idx` (expect() per step is slow). */
class Checker {
  readonly errors: string[] = [];
  checks = 0;
  at(it: InternalIterator, model: Model, idx: number, ctx: string): void {
    this.checks++;
    const want = idx >= 0 && idx < model.entries.length ? model.entries[idx]! : null;
    let got: string;
    if (!it.valid()) got = 'invalid';
    else got = `${toHex(it.key())}=${toHex(it.value())}`;
    const exp = want ? `${toHex(want.key)}=${toHex(want.value)}` : 'invalid';
    if (got !== exp && this.errors.length < 10) this.errors.push(`${ctx}: got ${got}, want ${exp}`);
  }
}

function randomTarget(r: Prng, model: Model): Uint8Array {
  if (model.entries.length > 0 && r.chance(0.5)) {
    const k = r.pick(model.entries).key;
    if (r.chance(0.5)) return k;
    return r.chance(0.5) ? k.subarray(0, r.int(k.length)) : concatBytes([k, new Uint8Array([r.int(3)])]);
  }
  return r.chance(0.05) ? new Uint8Array(0) : randomKey(r);
}

describe('memtable', () => {
  it('matches a sorted-array model over 25k mixed inserts (scans, lowerBound, seeks, random walks)', () => {
    const r = new Prng(11);
    const mt = new Memtable(1);
    const model = new Model();
    fill(r, mt, model, 25000);
    expect(treeDepth(mt)).toBeGreaterThanOrEqual(3);
    expect(mt.count).toBe(model.entries.length);

    const it = mt.iterator();
    const fwd: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) fwd.push(toHex(it.key()) + ':' + toHex(it.value()));
    expect(fwd).toEqual(model.entries.map((e) => toHex(e.key) + ':' + toHex(e.value)));
    const back: string[] = [];
    for (it.seekToLast(); it.valid(); it.prev()) back.push(toHex(it.key()));
    expect(back).toEqual(model.entries.map((e) => toHex(e.key)).reverse());

    const ck = new Checker();
    for (let q = 0; q < 3000; q++) {
      const t = randomTarget(r, model);
      const ctx = `seek ${toHex(t)}`;
      const lb = model.lowerBound(t);
      const ref = mt.lowerBound(t);
      if (lb === model.entries.length) expect(ref).toBe(-1);
      else {
        expect(toHex(mt.keyAt(ref))).toBe(toHex(model.entries[lb]!.key));
        expect(toHex(mt.valueAt(ref))).toBe(toHex(model.entries[lb]!.value));
      }
      let idx: number;
      if (r.chance(0.5)) {
        it.seek(t);
        idx = lb;
      } else {
        it.seekForPrev(t);
        idx = model.floor(t);
      }
      ck.at(it, model, idx, ctx);
      for (let s = 0; s < 10 && it.valid(); s++) {
        if (r.chance(0.5)) {
          it.next();
          idx++;
        } else {
          it.prev();
          idx--;
        }
        ck.at(it, model, idx, `${ctx} walk ${s}`);
      }
    }
    expect(ck.errors).toEqual([]);
    expect(ck.checks).toBeGreaterThan(10000);
  });

  it('sequential inserts use the append path and build a deep tree (80k entries)', () => {
    const mt = new Memtable(2);
    const n = 80000;
    const key = (i: number): Uint8Array => new Uint8Array([i >>> 24, i >>> 16, i >>> 8, i]);
    for (let i = 0; i < n; i++) mt.add(key(i * 2), key(i));
    expect(mt.count).toBe(n);
    expect(treeDepth(mt)).toBeGreaterThanOrEqual(3);
    const it = mt.iterator();
    let i = 0;
    let bad = 0;
    for (it.seekToFirst(); it.valid(); it.next(), i++) if (!bytesEqual(it.key(), key(i * 2)) || !bytesEqual(it.value(), key(i))) bad++;
    expect(bad).toBe(0);
    expect(i).toBe(n);
    for (it.seekToLast(), i = n - 1; it.valid(); it.prev(), i--) if (!bytesEqual(it.key(), key(i * 2))) bad++;
    expect(bad).toBe(0);
    expect(i).toBe(-1);
    const r = new Prng(12);
    for (let q = 0; q < 2000; q++) {
      const x = r.int(2 * n + 4);
      const t = key(x);
      it.seek(t);
      const ge = Math.ceil(x / 2);
      if (ge >= n) expect(it.valid()).toBe(false);
      else expect(toHex(it.key())).toBe(toHex(key(ge * 2)));
      it.seekForPrev(t);
      const le = Math.min(Math.floor(x / 2), n - 1);
      expect(toHex(it.key())).toBe(toHex(key(le * 2)));
    }
  });

  it('an iterator stays correct when entries are added between its moves', () => {
    const r = new Prng(13);
    const mt = new Memtable(3);
    const model = new Model();
    fill(r, mt, model, 500);
    const it = mt.iterator();
    it.seekToFirst();
    let idx = 0;
    const ck = new Checker();
    for (let step = 0; step < 6000; step++) {
      const op = r.int(10);
      if (op < 3) {
        // Insert a batch (sometimes large enough to split leaves around the cursor).
        const cur = it.valid() ? model.entries[idx]!.key : null;
        const batch = r.chance(0.1) ? 200 : 1 + r.int(5);
        for (let b = 0; b < batch; b++) {
          let k: Uint8Array;
          if (cur && r.chance(0.4)) k = r.chance(0.5) ? concatBytes([cur, new Uint8Array([r.int(256)])]) : cur.subarray(0, r.int(cur.length));
          else k = r.chance(0.2) ? successor(r, model.max) : randomKey(r);
          if (cur && compareBytes(k, cur) === 0) continue; // replacing the current entry is tested below
          const v = r.bytes(r.int(6));
          mt.add(k, v);
          model.put(k, v);
        }
        if (cur) idx = model.lowerBound(cur);
        continue;
      }
      if (!it.valid() || op === 3) {
        const t = randomTarget(r, model);
        if (r.chance(0.5)) {
          it.seek(t);
          idx = model.lowerBound(t);
        } else {
          it.seekForPrev(t);
          idx = model.floor(t);
        }
      } else if (op < 7) {
        it.next();
        idx++;
      } else {
        it.prev();
        idx--;
      }
      ck.at(it, model, idx, `step ${step}`);
    }
    expect(ck.errors).toEqual([]);
    expect(mt.count).toBe(model.entries.length);
  });

  it('replacing the entry under a cursor keeps the cursor moving correctly', () => {
    const r = new Prng(14);
    const mt = new Memtable(4);
    const model = new Model();
    fill(r, mt, model, 3000);
    const it = mt.iterator();
    const ck = new Checker();
    for (let q = 0; q < 400; q++) {
      const cur = r.pick(model.entries).key;
      it.seek(cur);
      const v = r.bytes(4);
      mt.add(cur, v);
      model.put(cur, v);
      for (let j = 0; j < 1 + r.int(70); j++) {
        const k = randomKey(r);
        const kv = r.bytes(2);
        mt.add(k, kv);
        model.put(k, kv);
      }
      const idx = model.lowerBound(cur);
      if (r.chance(0.5)) {
        it.next();
        ck.at(it, model, idx + 1, `next after replacing ${toHex(cur)}`);
        it.prev();
      } else {
        it.prev();
        ck.at(it, model, idx - 1, `prev after replacing ${toHex(cur)}`);
        if (!it.valid()) continue;
        it.next();
      }
      ck.at(it, model, idx, `back at ${toHex(cur)}`);
    }
    expect(ck.errors).toEqual([]);
  });

  it('freeze makes add throw; reads still work', () => {
    const mt = new Memtable(5);
    mt.add(new Uint8Array([1]), new Uint8Array([2]));
    expect(mt.isFrozen).toBe(false);
    mt.freeze();
    expect(mt.isFrozen).toBe(true);
    expect(() => mt.add(new Uint8Array([3]), new Uint8Array([4]))).toThrow();
    expect(mt.count).toBe(1);
    const it = mt.iterator();
    it.seekToFirst();
    expect(toHex(it.key())).toBe('01');
    expect(toHex(it.value())).toBe('02');
  });

  it('count and approximateBytes track inserts; oversized entries are rejected', () => {
    const r = new Prng(15);
    const mt = new Memtable(6);
    const model = new Model();
    expect(mt.count).toBe(0);
    const empty = mt.iterator();
    empty.seekToFirst();
    expect(empty.valid()).toBe(false);
    empty.seekToLast();
    expect(empty.valid()).toBe(false);
    expect(mt.lowerBound(new Uint8Array(0))).toBe(-1);
    let prevBytes = mt.approximateBytes;
    let written = 0;
    for (let i = 0; i < 5000; i++) {
      const k = randomKey(r);
      const v = r.bytes(r.int(3000));
      mt.add(k, v);
      model.put(k, v);
      written += k.length + v.length;
      expect(mt.count).toBe(model.entries.length);
      expect(mt.approximateBytes).toBeGreaterThan(prevBytes);
      prevBytes = mt.approximateBytes;
    }
    const live = model.entries.reduce((s, e) => s + e.key.length + e.value.length, 0);
    expect(mt.approximateBytes).toBeGreaterThanOrEqual(written);
    expect(mt.approximateBytes).toBeGreaterThan(live);
    expect(mt.approximateBytes).toBeLessThan(written + 5000 * 64);
    expect(mt.memoryBytes).toBeGreaterThanOrEqual(written);
    // Entries larger than an arena chunk (1 MiB) get chunks of their own.
    const bigKeys: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const k = new Uint8Array([0xff, 0xff, 0xff, i]);
      const v = new Uint8Array(1.5 * 2 ** 20 + i).fill(i + 1);
      mt.add(k, v);
      model.put(k, v);
      bigKeys.push(k);
      const sk = randomKey(r);
      const sv = r.bytes(10);
      mt.add(sk, sv);
      model.put(sk, sv);
    }
    for (const [i, k] of bigKeys.entries()) {
      const v = mt.valueAt(mt.lowerBound(k));
      expect(v.length).toBe(1.5 * 2 ** 20 + i);
      expect(v[0] === i + 1 && v[v.length - 1] === i + 1).toBe(true);
    }
    let err: unknown;
    try {
      mt.add(new Uint8Array(10), new Uint8Array(MAX_ENTRY));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('INVALID_ARGUMENT');
    expect(mt.count).toBe(model.entries.length);
  });
});

describe('memtable findInGroup', () => {
  // Groups are short strings over a small alphabet (one often a prefix of another, its full
  // keys sorting among the other group's), or over a wide one, thousands of them (the hash
  // table and its group filter grow several times): every miss the filter answers must be a
  // group the memtable does not hold.
  it('answers as the sorted model for groups inside, between and outside the ones added', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = new Prng(seed);
      const mt = new Memtable(1, { suffixLength: 2 });
      const wide = seed > 2;
      const inserts = wide ? 5000 : 300;
      const group = (): Uint8Array =>
        wide ? Uint8Array.from({ length: 1 + r.int(3) }, () => 0x60 + r.int(40)) : Uint8Array.from({ length: r.int(4) }, () => 0x61 + r.int(3));
      const nextSuffix = new Map<string, number>();
      /** Each group's keys, ascending. */
      const byGroup = new Map<string, Uint8Array[]>();
      const probe = (g: Uint8Array, target: Uint8Array): void => {
        const want = (byGroup.get(toHex(g)) ?? []).find((k) => compareBytes(k, target) >= 0);
        const e = mt.findInGroup(g, target);
        expect(e >= 0 ? toHex(mt.keyAt(e)) : null, toHex(target)).toBe(want ? toHex(want) : null);
      };
      const check = (): void => {
        for (let q = 0; q < 200; q++) {
          // Queries also reach groups below and above the added ones ('a'..'e').
          const g = wide ? Uint8Array.from({ length: 1 + r.int(3) }, () => 0x5e + r.int(44)) : Uint8Array.from({ length: r.int(5) }, () => 0x60 + r.int(6));
          const target = concatBytes([g, Uint8Array.of(r.int(256), r.int(256))]);
          probe(g, target);
        }
        // And every group added, at a random read point.
        for (const gk of nextSuffix.keys()) probe(fromHex(gk), concatBytes([fromHex(gk), Uint8Array.of(r.int(256), r.int(256))]));
      };
      check();
      for (let n = 0; n < inserts; n++) {
        const g = group();
        const gk = toHex(g);
        // Within a group, later keys sort first (the engine's trailers store ~LSN).
        const s = (nextSuffix.get(gk) ?? 0xffff - r.int(100)) - 1 - r.int(300);
        if (s < 0) continue;
        nextSuffix.set(gk, s);
        const key = concatBytes([g, Uint8Array.of(s >> 8, s & 0xff)]);
        mt.add(key, Uint8Array.of(n & 0xff));
        const ks = byGroup.get(gk) ?? [];
        ks.unshift(key);
        byGroup.set(gk, ks);
        if (n % (inserts / 10) === 0) check();
      }
      check();
    }
  });
});

describe('Memtable.sortedBounds', () => {
  it('is the smallest and largest key once sorted, null while adds are pending or empty', () => {
    const m = new Memtable(1);
    expect(m.sortedBounds()).toBeNull();
    const r = new Prng(3);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) {
      const k = Uint8Array.from({ length: 1 + r.int(6) }, () => r.int(256));
      keys.push(k);
      m.add(k, new Uint8Array([i & 255]));
    }
    expect(m.sortedBounds()).toBeNull();
    m.index.ensureSorted();
    const sorted = keys.sort(compareBytes);
    const b = m.sortedBounds()!;
    expect(toHex(b.lo)).toBe(toHex(sorted[0]!));
    expect(toHex(b.hi)).toBe(toHex(sorted[sorted.length - 1]!));
    m.add(new Uint8Array(7), new Uint8Array(0)); // longer than every key above: new
    expect(m.sortedBounds()).toBeNull();
  });
});
