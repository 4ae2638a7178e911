// MergingIterator and ConcatenatingIterator against a sorted model, with sync and async
// (Promise-returning) children and random direction switches.
import { describe, expect, it } from 'vitest';
import { compareBytes, toHex } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import { Prng } from '../util/prng.js';
import { ConcatenatingIterator, type RunFile } from './concatenating-iterator.js';
import { MergingIterator } from './merging-iterator.js';

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

/** A sorted array as an InternalIterator. key() returns a fresh copy per move, as block iterators reuse buffers. */
class VecIterator implements InternalIterator {
  private i = -1;
  private k: Uint8Array = new Uint8Array(0);
  constructor(private readonly e: readonly Entry[]) {}
  valid(): boolean {
    return this.i >= 0 && this.i < this.e.length;
  }
  key(): Uint8Array {
    if (!this.valid()) throw new Error('key() while invalid');
    return this.k;
  }
  value(): Uint8Array {
    if (!this.valid()) throw new Error('value() while invalid');
    return this.e[this.i]!.value;
  }
  private at(i: number): void {
    this.i = i < 0 || i >= this.e.length ? -1 : i;
    // Overwrite the old key buffer: catches callers that keep views across moves.
    this.k.fill(0xee);
    this.k = this.valid() ? this.e[this.i]!.key.slice() : new Uint8Array(0);
  }
  seekToFirst(): void {
    this.at(0);
  }
  seekToLast(): void {
    this.at(this.e.length - 1);
  }
  seek(t: Uint8Array): void {
    this.at(lowerBound(this.e, t, (x) => x.key));
  }
  seekForPrev(t: Uint8Array): void {
    this.at(lowerBound(this.e, t, (x) => x.key, true) - 1);
  }
  next(): void {
    if (!this.valid()) throw new Error('next() while invalid');
    this.at(this.i + 1);
  }
  prev(): void {
    if (!this.valid()) throw new Error('prev() while invalid');
    this.at(this.i - 1);
  }
  close(): void {
    this.i = -1;
  }
}

/** Every move resolves later (a macrotask), simulating a block fetched from the store. */
class AsyncIterator implements InternalIterator {
  constructor(private readonly inner: InternalIterator) {}
  private later(op: () => MaybePromise): Promise<void> {
    return new Promise<void>((res) => setImmediate(res)).then(() => op());
  }
  valid(): boolean {
    return this.inner.valid();
  }
  key(): Uint8Array {
    return this.inner.key();
  }
  value(): Uint8Array {
    return this.inner.value();
  }
  seekToFirst(): MaybePromise {
    return this.later(() => this.inner.seekToFirst());
  }
  seekToLast(): MaybePromise {
    return this.later(() => this.inner.seekToLast());
  }
  seek(t: Uint8Array): MaybePromise {
    const copy = t.slice();
    return this.later(() => this.inner.seek(copy));
  }
  seekForPrev(t: Uint8Array): MaybePromise {
    const copy = t.slice();
    return this.later(() => this.inner.seekForPrev(copy));
  }
  next(): MaybePromise {
    return this.later(() => this.inner.next());
  }
  prev(): MaybePromise {
    return this.later(() => this.inner.prev());
  }
  close(): void {
    this.inner.close();
  }
}

/** First index with f(x) >= t (or > t when `upper`). */
function lowerBound<T>(arr: readonly T[], t: Uint8Array, f: (x: T) => Uint8Array, upper = false): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(f(arr[mid]!), t);
    if (c < 0 || (upper && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function mv(p: MaybePromise): Promise<void> {
  if (p) await p;
}

function randomKey(r: Prng, space: number): Uint8Array {
  const k = r.int(space);
  return r.chance(0.2) ? new Uint8Array([k >> 8, k & 0xff, r.int(3)]) : new Uint8Array([k >> 8, k & 0xff]);
}

/** Sorted unique keys; values name the source so ties are distinguishable. */
function randomSource(r: Prng, src: number, n: number, space: number): Entry[] {
  const m = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const k = randomKey(r, space);
    m.set(toHex(k), k);
  }
  return [...m.values()].sort(compareBytes).map((key) => ({ key, value: new Uint8Array([src, ...key]) }));
}

type Op = { kind: 'first' | 'last' | 'next' | 'prev' } | { kind: 'seek' | 'seekForPrev'; target: Uint8Array };

function randomOp(r: Prng, valid: boolean, space: number): Op {
  const x = r.int(20);
  if (valid && x < 14) return { kind: x < 7 ? 'next' : 'prev' };
  if (x < 16) return { kind: x < 15 ? 'first' : 'last' };
  return { kind: x < 18 ? 'seek' : 'seekForPrev', target: r.chance(0.1) ? new Uint8Array(0) : randomKey(r, space + 4) };
}

/**
 * Applies a random operation sequence to `it` and to an index into `model` (the merged
 * order); returns the trace of positions (and the first mismatch, if any).
 */
async function runOps(it: InternalIterator, model: readonly Entry[], seed: number, steps: number, space: number): Promise<{ trace: string[]; errors: string[] }> {
  const r = new Prng(seed);
  const trace: string[] = [];
  const errors: string[] = [];
  let idx = -1;
  for (let s = 0; s < steps; s++) {
    const op = randomOp(r, it.valid(), space);
    switch (op.kind) {
      case 'first':
        await mv(it.seekToFirst());
        idx = 0;
        break;
      case 'last':
        await mv(it.seekToLast());
        idx = model.length - 1;
        break;
      case 'next':
        await mv(it.next());
        idx++;
        break;
      case 'prev':
        await mv(it.prev());
        idx--;
        break;
      case 'seek':
        await mv(it.seek(op.target));
        idx = lowerBound(model, op.target, (e) => e.key);
        break;
      case 'seekForPrev':
        await mv(it.seekForPrev(op.target));
        idx = lowerBound(model, op.target, (e) => e.key, true) - 1;
        break;
    }
    if (idx < 0 || idx >= model.length) idx = -1;
    const want = idx >= 0 ? `${toHex(model[idx]!.key)}:${toHex(model[idx]!.value)}` : 'invalid';
    const got = it.valid() ? `${toHex(it.key())}:${toHex(it.value())}` : 'invalid';
    trace.push(got);
    if (got !== want && errors.length < 5) errors.push(`step ${s} ${op.kind}${'target' in op ? ' ' + toHex(op.target) : ''}: got ${got}, want ${want}`);
    if (got !== want) idx = -1; // resynchronise the model after a reported mismatch
    if (!it.valid()) idx = -1;
  }
  return { trace, errors };
}

/** Merged order: key ascending, then source index ascending. */
function mergeModel(sources: readonly Entry[][]): Entry[] {
  const all: { e: Entry; src: number }[] = [];
  sources.forEach((s, src) => s.forEach((e) => all.push({ e, src })));
  all.sort((a, b) => compareBytes(a.e.key, b.e.key) || a.src - b.src);
  return all.map((x) => x.e);
}

describe('MergingIterator', () => {
  for (const mode of ['sync', 'async', 'mixed'] as const) {
    it(`matches the merged model with random moves and direction switches (${mode} children)`, async () => {
      const r = new Prng(mode === 'sync' ? 1 : mode === 'async' ? 2 : 3);
      for (let round = 0; round < (mode === 'sync' ? 40 : 12); round++) {
        const space = 20 + r.int(300);
        const k = 1 + r.int(5);
        const sources = Array.from({ length: k }, (_, src) => (r.chance(0.1) ? [] : randomSource(r, src, r.int(space), space)));
        const model = mergeModel(sources);
        const wrap = (s: Entry[]): InternalIterator => {
          const v = new VecIterator(s);
          return mode === 'async' || (mode === 'mixed' && r.chance(0.5)) ? new AsyncIterator(v) : v;
        };
        const merged = new MergingIterator(sources.map(wrap));
        const seed = r.int(1e9);
        const res = await runOps(merged, model, seed, mode === 'sync' ? 1500 : 400, space);
        expect(res.errors, `round ${round}`).toEqual([]);
        // Identical to an all-sync merge driven by the same operations.
        if (mode !== 'sync') {
          const sync = await runOps(new MergingIterator(sources.map((s) => new VecIterator(s))), model, seed, 400, space);
          expect(res.trace).toEqual(sync.trace);
        }
      }
    });
  }

  it('equal keys come out lower child index first forward, and reversed backward', async () => {
    const key = new Uint8Array([7]);
    const sources = [0, 1, 2, 3].map((src) => [{ key, value: new Uint8Array([src]) }]);
    const m = new MergingIterator(sources.map((s) => new VecIterator(s)));
    const fwd: number[] = [];
    for (await mv(m.seekToFirst()); m.valid(); await mv(m.next())) fwd.push(m.value()[0]!);
    expect(fwd).toEqual([0, 1, 2, 3]);
    const back: number[] = [];
    for (await mv(m.seekToLast()); m.valid(); await mv(m.prev())) back.push(m.value()[0]!);
    expect(back).toEqual([3, 2, 1, 0]);
    // Direction switch in the middle of a tie group.
    await mv(m.seekToFirst());
    await mv(m.next());
    await mv(m.next());
    expect(m.source()).toBe(2);
    await mv(m.prev());
    expect(m.source()).toBe(1);
    await mv(m.next());
    expect(m.source()).toBe(2);
  });
});

describe('ConcatenatingIterator', () => {
  for (const mode of ['sync', 'async-open', 'async-all'] as const) {
    it(`iterates a run of files like one sorted sequence (${mode})`, async () => {
      const r = new Prng(mode === 'sync' ? 10 : mode === 'async-open' ? 11 : 12);
      for (let round = 0; round < (mode === 'sync' ? 40 : 12); round++) {
        const space = 50 + r.int(400);
        const all = randomSource(r, 0, r.int(space), space);
        // Cut into files of 1..20 entries (a run never holds empty files).
        const files: (RunFile & { entries: Entry[] })[] = [];
        for (let i = 0; i < all.length; ) {
          const n = 1 + r.int(20);
          const entries = all.slice(i, i + n);
          files.push({ smallest: entries[0]!.key, largest: entries[entries.length - 1]!.key, entries });
          i += n;
        }
        let opens = 0;
        const opener = (f: (typeof files)[number]): InternalIterator | Promise<InternalIterator> => {
          opens++;
          const v: InternalIterator = mode === 'async-all' ? new AsyncIterator(new VecIterator(f.entries)) : new VecIterator(f.entries);
          return mode === 'sync' ? v : new Promise((res) => setImmediate(() => res(v)));
        };
        const it = new ConcatenatingIterator(files, opener);
        const res = await runOps(it, all, r.int(1e9), mode === 'sync' ? 1500 : 300, space);
        expect(res.errors, `round ${round}`).toEqual([]);
        if (files.length > 0) expect(opens).toBeGreaterThan(0);
      }
    });
  }

  it('merging concatenated runs with async files still matches the model', async () => {
    const r = new Prng(20);
    for (let round = 0; round < 6; round++) {
      const space = 300;
      const sources = [0, 1, 2].map((src) => randomSource(r, src, 150, space));
      const runs = sources.map((s) => {
        const files: (RunFile & { entries: Entry[] })[] = [];
        for (let i = 0; i < s.length; i += 25) {
          const entries = s.slice(i, i + 25);
          files.push({ smallest: entries[0]!.key, largest: entries[entries.length - 1]!.key, entries });
        }
        return new ConcatenatingIterator(files, (f) => Promise.resolve(new AsyncIterator(new VecIterator(f.entries))));
      });
      const res = await runOps(new MergingIterator(runs), mergeModel(sources), r.int(1e9), 300, space);
      expect(res.errors).toEqual([]);
    }
  });
});
