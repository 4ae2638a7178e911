// The transaction's write set against models: its ordered key index (sorted-keys.ts) against a
// sorted array, and scans merging committed rows with the transaction's own writes (puts,
// deletes, statement rollbacks) against a map.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../lsm/engine.js';
import { KIND_DELETE, KIND_PUT } from './internal-key.js';
import { WriteBatch } from '../lsm/write-batch.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { byteString } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { SortedKeys } from './sorted-keys.js';

const key = (n: number): Uint8Array => new Uint8Array([0x10, (n >> 8) & 0xff, n & 0xff]);
const str = (n: number): string => byteString(key(n));

describe('SortedKeys', () => {
  it('agrees with a sorted array under random adds, deletes and range queries (chunks split and empty)', () => {
    const r = new Prng(7);
    const s = new SortedKeys();
    const model = new Set<string>();
    const sorted = (): string[] => [...model].sort();
    // Runs of ascending keys above every key so far (bulk inserts: the append path of add).
    let asc = 4000;
    for (let i = 0; i < 40_000; i++) {
      // Phases that grow the set past several chunk splits, then shrink it to empty chunks.
      const grow = Math.floor(i / 10_000) % 2 === 0;
      const k = grow && r.chance(0.3) ? str(asc++) : str(r.int(asc + 100));
      if (r.chance(grow ? 0.8 : 0.2)) {
        expect(s.add(k)).toBe(!model.has(k));
        model.add(k);
      } else {
        expect(s.delete(k)).toBe(model.has(k));
        model.delete(k);
        // Just above a deleted key (often a chunk's last): is anything left up to the end?
        expect(s.hasAnyIn(k, '\u0100')).toBe([...model].some((x) => x >= k));
      }
      expect(s.size).toBe(model.size);
      if (i % 97 === 0) {
        const a = str(r.int(asc + 100));
        const b = str(r.int(asc + 100));
        const want = sorted().filter((x) => x >= a && x < b);
        expect(s.range(a, b)).toEqual(want);
        expect(s.hasAnyIn(a, b)).toBe(want.length > 0);
      }
    }
    expect(s.range('', '\u0100')).toEqual(sorted());
  });
});

describe('Transaction scans', () => {
  it('merge committed rows with the write set like a model, across puts, deletes and rollbacks', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore() });
    const r = new Prng(11);
    const committed = new Map<string, Uint8Array>();
    const b = new WriteBatch();
    for (let n = 0; n < 600; n += 1 + r.int(3)) {
      const v = new Uint8Array([n & 0xff, 1]);
      b.addRaw({ kind: KIND_PUT, userKey: key(n), value: v });
      committed.set(str(n), v);
    }
    b.addRaw({ kind: KIND_DELETE, userKey: key(5) });
    committed.delete(str(5));
    await engine.write(b);
    const txn = engine.begin();
    const model = new Map(committed);
    /** Savepoints: the transaction's mark and the model's state there. */
    const saved: { mark: number; model: Map<string, Uint8Array> }[] = [];
    for (let step = 0; step < 3000; step++) {
      const n = r.int(700);
      const roll = r.int(100);
      if (roll < 45) {
        const v = new Uint8Array([n & 0xff, 2, step & 0xff]);
        txn.put(key(n), v);
        model.set(str(n), v);
      } else if (roll < 75) {
        txn.delete(key(n));
        model.delete(str(n));
      } else if (roll < 80) {
        saved.push({ mark: txn.mark(), model: new Map(model) });
      } else if (roll < 84 && saved.length) {
        const sp = saved.pop()!;
        txn.rollbackTo(sp.mark);
        model.clear();
        for (const [k, v] of sp.model) model.set(k, v);
      } else {
        const lo = r.int(700);
        const hi = lo + r.int(120);
        const reverse = r.chance(0.3);
        const want = [...model.entries()].filter(([k]) => k >= str(lo) && k < str(hi)).sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0));
        if (reverse) want.reverse();
        const got: [string, Uint8Array][] = [];
        for await (const e of txn.scan(key(lo), key(hi), reverse)) got.push([byteString(e.uk), e.value]);
        expect(got, `scan [${lo}, ${hi}) reverse=${reverse} at step ${step}`).toEqual(want);
        const batches: [string, Uint8Array][] = [];
        for await (const bt of txn.scanBatches(key(lo), key(hi), reverse, 7)) for (const e of bt) batches.push([byteString(e.uk), e.value]);
        expect(batches).toEqual(want);
      }
    }
    txn.release();
    await engine.close();
  });
});

describe('Transaction ops', () => {
  it('are the write set as WAL ops like a model: puts with value and first before image, deletes without value, across rewrites and rollbacks', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore() });
    const r = new Prng(23);
    const txn = engine.begin();
    /** Per key: the last write (null: delete) and the before image its first write supplied (undefined: none). */
    type W = { value: Uint8Array | null; before: Uint8Array | null | undefined };
    let model = new Map<string, W>();
    const saved: { mark: number; model: Map<string, W> }[] = [];
    for (let step = 0; step < 4000; step++) {
      const n = r.int(300);
      const roll = r.int(100);
      const prev = model.get(str(n));
      if (roll < 50) {
        const v = new Uint8Array([n & 0xff, step & 0xff]);
        const before = r.chance(0.5) ? (r.chance(0.5) ? null : new Uint8Array([9, n & 0xff])) : undefined;
        txn.put(key(n), v, before);
        model.set(str(n), { value: v, before: prev ? prev.before : before });
      } else if (roll < 75) {
        const before = r.chance(0.5) ? new Uint8Array([8, n & 0xff]) : undefined;
        txn.delete(key(n), before);
        model.set(str(n), { value: null, before: prev ? prev.before : before });
      } else if (roll < 80) {
        saved.push({ mark: txn.mark(), model: new Map(model) });
      } else if (roll < 84 && saved.length) {
        const sp = saved.pop()!;
        txn.rollbackTo(sp.mark);
        model = sp.model;
      } else if (roll < 88) {
        const ops = txn.ops();
        const got = new Map(ops.map((o) => [byteString(o.userKey), o]));
        expect(got.size).toBe(ops.length);
        expect(got.size).toBe(model.size);
        for (const [k, w] of model) {
          const o = got.get(k)!;
          expect(o, `key ${k.charCodeAt(2)} at step ${step}`).toBeDefined();
          expect(o.kind).toBe(w.value ? KIND_PUT : KIND_DELETE);
          if (w.value) expect(o.value).toBe(w.value);
          else expect('value' in o && o.value !== undefined).toBe(false);
          expect(o.before).toEqual(w.before);
          expect(o.before === undefined).toBe(w.before === undefined);
        }
      }
    }
    txn.release();
    await engine.close();
  });
});
