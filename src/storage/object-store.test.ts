// Conformance suite for the ObjectStore contract (object-store.ts), run identically against
// MemoryObjectStore, FsObjectStore, DurableObjectStore and R2ObjectStore (harnesses in
// test/support/worker-store-factories.ts), plus FsObjectStore- and FaultInjectingStore-specific tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DoSQLError, type ErrorCode } from '../errors.js';
import { FaultInjectingStore, InjectedFault, type FaultKind, type FaultOp } from './fault-store.js';
import { FsObjectStore } from './fs-store.js';
import { MemoryObjectStore } from './memory-store.js';
import { checkKey, type AppendableObject, type ObjectStore } from './object-store.js';
import { disposeWorkerStores, workerStoreFactories } from '../../test/support/worker-store-factories.js';

// ---------------------------------------------------------------------------------------------
// helpers

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** `n` bytes counting up from `start` (mod 256). */
function seq(n: number, start = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i) & 0xff;
  return out;
}

function arr(u: Uint8Array): number[] {
  return Array.from(u);
}

function concat(...parts: Uint8Array[]): number[] {
  return parts.flatMap((p) => Array.from(p));
}

/** The rejection reason of `p`; fails the test if `p` resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

async function expectDoSQLError(p: Promise<unknown>, code: ErrorCode): Promise<DoSQLError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(DoSQLError);
  expect((e as DoSQLError).code).toBe(code);
  return e as DoSQLError;
}

async function expectInjected(p: Promise<unknown>, op: FaultOp, kind: FaultKind): Promise<InjectedFault> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(InjectedFault);
  expect(e).not.toBeInstanceOf(DoSQLError);
  expect((e as InjectedFault).op).toBe(op);
  expect((e as InjectedFault).kind).toBe(kind);
  return e as InjectedFault;
}

async function getBytes(store: ObjectStore, key: string): Promise<number[] | null> {
  const r = await store.get(key);
  return r === null ? null : arr(r.data);
}

async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).map((o) => o.key);
}

// ---------------------------------------------------------------------------------------------
// harnesses

interface Harness {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dosql-object-store-'));
}

const factories: { name: string; make: () => Harness | Promise<Harness> }[] = [
  {
    name: 'MemoryObjectStore',
    make: () => {
      const store = new MemoryObjectStore();
      return { store, cleanup: () => store.close() };
    },
  },
  {
    name: 'FsObjectStore',
    make: () => {
      const dir = makeTempDir();
      const store = new FsObjectStore(path.join(dir, 'store'));
      return {
        store,
        cleanup: async () => {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  ...workerStoreFactories,
];

afterAll(disposeWorkerStores);

// ---------------------------------------------------------------------------------------------
// conformance

describe.each(factories)('ObjectStore conformance: $name', ({ make }) => {
  let h: Harness;
  let store: ObjectStore;
  const appendables: AppendableObject[] = [];

  beforeEach(async () => {
    h = await make();
    store = h.store;
  });

  afterEach(async () => {
    for (const a of appendables.splice(0)) await a.close();
    await h.cleanup();
  });

  async function open(key: string): Promise<AppendableObject> {
    const a = await store.openAppendable(key);
    appendables.push(a);
    return a;
  }

  describe('put / get / head', () => {
    it('round-trips a single Uint8Array', async () => {
      const data = seq(300, 7);
      const put = await store.put('t/one', data);
      const got = await store.get('t/one');
      expect(got).not.toBeNull();
      expect(arr(got!.data)).toEqual(arr(seq(300, 7)));
      expect(got!.size).toBe(300);
      expect(got!.etag).toBe(put.etag);
      expect(put.etag.length).toBeGreaterThan(0);
    });

    it('round-trips chunk arrays, concatenated in order', async () => {
      const a = seq(5, 1);
      const b = new Uint8Array(0);
      const c = seq(7, 100);
      await store.put('t/chunks', [a, b, c]);
      expect(await getBytes(store, 't/chunks')).toEqual(concat(a, c));
      await store.put('t/single-chunk', [seq(4, 50)]);
      expect(await getBytes(store, 't/single-chunk')).toEqual([50, 51, 52, 53]);
      // More chunks than one writev call takes (FsObjectStore writes 1024 per call).
      const many = Array.from({ length: 2500 }, (_, i) => seq(1 + (i % 3), i & 0xff));
      await store.put('t/many-chunks', many);
      expect(await getBytes(store, 't/many-chunks')).toEqual(concat(...many));
      await store.put('t/no-chunks', []);
      const empty = await store.get('t/no-chunks');
      expect(empty).not.toBeNull();
      expect(empty!.size).toBe(0);
      expect(empty!.data.length).toBe(0);
    });

    it('get and head of a missing key return null', async () => {
      await store.put('present', bytes(1));
      expect(await store.get('absent')).toBeNull();
      expect(await store.head('absent')).toBeNull();
      expect(await store.get('absent', { range: { offset: 0, length: 10 } })).toBeNull();
      expect(await store.get('absent/deeper/key')).toBeNull();
      expect(await store.head('absent/deeper/key')).toBeNull();
      expect(await getBytes(store, 'present')).toEqual([1]);
    });

    it('a key "below" an existing object is absent: get/head return null, delete is a no-op', async () => {
      await store.put('present', bytes(1));
      expect(await store.get('present/child')).toBeNull();
      expect(await store.get('present/child', { range: { offset: 0, length: 1 } })).toBeNull();
      expect(await store.head('present/child')).toBeNull();
      await expect(store.delete('present/child')).resolves.toBeUndefined();
      expect(await getBytes(store, 'present')).toEqual([1]);
    });

    it('head reports key, size and the etag returned by put', async () => {
      const put = await store.put('h/k', seq(1234));
      const info = await store.head('h/k');
      expect(info).toEqual({ key: 'h/k', size: 1234, etag: put.etag });
    });

    it('replacing an object changes its etag and its contents', async () => {
      const etags: string[] = [];
      for (let i = 0; i < 25; i++) {
        // Same size every time, so only identity/time can distinguish versions.
        const { etag } = await store.put('r/k', seq(16, i));
        etags.push(etag);
        const info = await store.head('r/k');
        expect(info?.etag).toBe(etag);
        expect(await getBytes(store, 'r/k')).toEqual(arr(seq(16, i)));
      }
      expect(new Set(etags).size).toBe(etags.length);
    });

    it('different objects of equal content may be told apart by key only; replacing one leaves the other', async () => {
      await store.put('x/1', bytes(9, 9));
      await store.put('x/2', bytes(9, 9));
      await store.put('x/1', bytes(1));
      expect(await getBytes(store, 'x/1')).toEqual([1]);
      expect(await getBytes(store, 'x/2')).toEqual([9, 9]);
    });
  });

  describe('ranged get', () => {
    beforeEach(async () => {
      await store.put('rng/k', seq(100));
    });

    it('returns the bytes inside the range and the total size', async () => {
      const r = await store.get('rng/k', { range: { offset: 10, length: 20 } });
      expect(r).not.toBeNull();
      expect(arr(r!.data)).toEqual(arr(seq(20, 10)));
      expect(r!.size).toBe(100);
      const first = await store.get('rng/k', { range: { offset: 0, length: 1 } });
      expect(arr(first!.data)).toEqual([0]);
      const last = await store.get('rng/k', { range: { offset: 99, length: 1 } });
      expect(arr(last!.data)).toEqual([99]);
    });

    it('a range running past the end returns the bytes that exist', async () => {
      const r = await store.get('rng/k', { range: { offset: 90, length: 50 } });
      expect(arr(r!.data)).toEqual(arr(seq(10, 90)));
      expect(r!.size).toBe(100);
      const atEnd = await store.get('rng/k', { range: { offset: 100, length: 5 } });
      expect(atEnd!.data.length).toBe(0);
      expect(atEnd!.size).toBe(100);
      const beyond = await store.get('rng/k', { range: { offset: 1000, length: 5 } });
      expect(beyond!.data.length).toBe(0);
      expect(beyond!.size).toBe(100);
      const zero = await store.get('rng/k', { range: { offset: 5, length: 0 } });
      expect(zero!.data.length).toBe(0);
    });

    it('a ranged get reports the same etag as head', async () => {
      const info = await store.head('rng/k');
      const r = await store.get('rng/k', { range: { offset: 1, length: 2 } });
      expect(r!.etag).toBe(info!.etag);
    });

    it('ranged reads see replacements and deletions made through the store', async () => {
      expect(arr((await store.get('rng/k', { range: { offset: 0, length: 4 } }))!.data)).toEqual([0, 1, 2, 3]);
      await store.put('rng/k', seq(100, 200));
      const r = await store.get('rng/k', { range: { offset: 0, length: 4 } });
      expect(arr(r!.data)).toEqual([200, 201, 202, 203]);
      await store.put('rng/k', seq(8, 40));
      const shorter = await store.get('rng/k', { range: { offset: 4, length: 100 } });
      expect(arr(shorter!.data)).toEqual([44, 45, 46, 47]);
      expect(shorter!.size).toBe(8);
      await store.delete('rng/k');
      expect(await store.get('rng/k', { range: { offset: 0, length: 4 } })).toBeNull();
    });
  });

  describe('conditional put', () => {
    it("ifNoneMatch '*' succeeds when absent and fails PRECONDITION_FAILED when present", async () => {
      const first = await store.put('c/k', bytes(1, 2, 3), { condition: { ifNoneMatch: '*' } });
      expect((await store.head('c/k'))?.etag).toBe(first.etag);
      await expectDoSQLError(store.put('c/k', bytes(4, 5), { condition: { ifNoneMatch: '*' } }), 'PRECONDITION_FAILED');
      // The losing put changed nothing.
      expect(await getBytes(store, 'c/k')).toEqual([1, 2, 3]);
      expect((await store.head('c/k'))?.etag).toBe(first.etag);
      expect(await listKeys(store, 'c/')).toEqual(['c/k']);
    });

    it("ifNoneMatch '*' succeeds again after the key was deleted", async () => {
      await store.put('c/k', bytes(1));
      await store.delete('c/k');
      await store.put('c/k', bytes(2), { condition: { ifNoneMatch: '*' } });
      expect(await getBytes(store, 'c/k')).toEqual([2]);
    });

    it('of 20 concurrent create-if-absent puts of one key exactly one wins', async () => {
      const payloads = Array.from({ length: 20 }, (_, i) => seq(64, i * 3));
      const results = await Promise.allSettled(
        payloads.map((p) => store.put('race/k', p, { condition: { ifNoneMatch: '*' } })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, etag: r.value.etag }] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(DoSQLError);
          expect((r.reason as DoSQLError).code).toBe('PRECONDITION_FAILED');
        }
      }
      const got = await store.get('race/k');
      expect(arr(got!.data)).toEqual(arr(payloads[winners[0]!.i]!));
      expect(got!.etag).toBe(winners[0]!.etag);
      expect(await listKeys(store, 'race/')).toEqual(['race/k']);
    });

    it('ifMatch with the current etag succeeds; with a stale etag fails PRECONDITION_FAILED', async () => {
      const e1 = (await store.put('m/k', bytes(1))).etag;
      const e2 = (await store.put('m/k', bytes(2), { condition: { ifMatch: e1 } })).etag;
      expect(e2).not.toBe(e1);
      expect(await getBytes(store, 'm/k')).toEqual([2]);
      await expectDoSQLError(store.put('m/k', bytes(3), { condition: { ifMatch: e1 } }), 'PRECONDITION_FAILED');
      expect(await getBytes(store, 'm/k')).toEqual([2]);
      await expectDoSQLError(store.put('m/k', bytes(3), { condition: { ifMatch: 'no-such-etag' } }), 'PRECONDITION_FAILED');
      const e3 = (await store.put('m/k', bytes(4), { condition: { ifMatch: e2 } })).etag;
      expect(await store.head('m/k')).toEqual({ key: 'm/k', size: 1, etag: e3 });
    });

    it('ifMatch on an absent key fails and creates nothing', async () => {
      await expectDoSQLError(store.put('m/absent', bytes(1), { condition: { ifMatch: 'anything' } }), 'PRECONDITION_FAILED');
      expect(await store.head('m/absent')).toBeNull();
      expect(await listKeys(store, '')).toEqual([]);
    });

    it('ifMatch on a deleted key fails even with its last etag', async () => {
      const e1 = (await store.put('m/k', bytes(1))).etag;
      await store.delete('m/k');
      await expectDoSQLError(store.put('m/k', bytes(2), { condition: { ifMatch: e1 } }), 'PRECONDITION_FAILED');
      expect(await store.get('m/k')).toBeNull();
    });

    it('of 20 concurrent ifMatch puts with the same etag exactly one wins', async () => {
      const e1 = (await store.put('cas/k', bytes(0))).etag;
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.put('cas/k', bytes(i + 1), { condition: { ifMatch: e1 } })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as DoSQLError).code).toBe('PRECONDITION_FAILED');
      }
      expect(await getBytes(store, 'cas/k')).toEqual([winners[0]! + 1]);
    });
  });

  describe('list', () => {
    const keys = [
      'wal/00010000.log',
      'a/bc',
      'b',
      'a/b/c',
      'ab',
      'wal/00000002.log',
      'a/b/d',
      'walrus',
      'wal/00000001.log',
      'a-b',
      'a/b/c2/deep',
    ];

    beforeEach(async () => {
      for (const [i, k] of keys.entries()) await store.put(k, seq(i + 1));
    });

    it('lists every key sorted by key with size and etag', async () => {
      const all = await store.list('');
      expect(all.map((o) => o.key)).toEqual([...keys].sort());
      for (const o of all) {
        const info = await store.head(o.key);
        expect(o).toEqual(info);
        expect(o.size).toBe(keys.indexOf(o.key) + 1);
      }
    });

    it('returns only keys under a prefix, across nested "directories"', async () => {
      expect(await listKeys(store, 'a/')).toEqual(['a/b/c', 'a/b/c2/deep', 'a/b/d', 'a/bc']);
      expect(await listKeys(store, 'a/b/')).toEqual(['a/b/c', 'a/b/c2/deep', 'a/b/d']);
      expect(await listKeys(store, 'a/b')).toEqual(['a/b/c', 'a/b/c2/deep', 'a/b/d', 'a/bc']);
      expect(await listKeys(store, 'a/b/c')).toEqual(['a/b/c', 'a/b/c2/deep']);
      expect(await listKeys(store, 'a/b/c/')).toEqual([]);
      expect(await listKeys(store, 'a')).toEqual(['a-b', 'a/b/c', 'a/b/c2/deep', 'a/b/d', 'a/bc', 'ab']);
      expect(await listKeys(store, 'ab')).toEqual(['ab']);
      expect(await listKeys(store, 'b')).toEqual(['b']);
    });

    it('matches a prefix that ends inside a segment name (wal/0000)', async () => {
      expect(await listKeys(store, 'wal/0000')).toEqual(['wal/00000001.log', 'wal/00000002.log']);
      expect(await listKeys(store, 'wal/0001')).toEqual(['wal/00010000.log']);
      expect(await listKeys(store, 'wal/')).toEqual(['wal/00000001.log', 'wal/00000002.log', 'wal/00010000.log']);
      expect(await listKeys(store, 'wal')).toEqual(['wal/00000001.log', 'wal/00000002.log', 'wal/00010000.log', 'walrus']);
      expect(await listKeys(store, 'a/b/c2/de')).toEqual(['a/b/c2/deep']);
    });

    it('returns an empty list when nothing matches', async () => {
      expect(await store.list('zzz')).toEqual([]);
      expect(await store.list('wal/0002')).toEqual([]);
      expect(await store.list('nope/deeper/')).toEqual([]);
      expect(await store.list('b/')).toEqual([]);
      expect(await store.list('ab/c')).toEqual([]);
    });

    it('lists keys that look like internal file names like any other key', async () => {
      await store.put('locks/x.lock', bytes(1));
      await store.put('d/.tmp-y', bytes(2));
      expect(await getBytes(store, 'locks/x.lock')).toEqual([1]);
      expect(await getBytes(store, 'd/.tmp-y')).toEqual([2]);
      expect(await listKeys(store, 'locks/')).toEqual(['locks/x.lock']);
      expect(await listKeys(store, 'd/')).toEqual(['d/.tmp-y']);
    });
  });

  describe('delete', () => {
    it('removes the object from get, head and list', async () => {
      await store.put('del/a', bytes(1));
      await store.put('del/b', bytes(2));
      await store.delete('del/a');
      expect(await store.get('del/a')).toBeNull();
      expect(await store.head('del/a')).toBeNull();
      expect(await listKeys(store, 'del/')).toEqual(['del/b']);
      expect(await getBytes(store, 'del/b')).toEqual([2]);
    });

    it('is idempotent and accepts absent keys', async () => {
      await store.put('del/a', bytes(1));
      await store.delete('del/a');
      await expect(store.delete('del/a')).resolves.toBeUndefined();
      await expect(store.delete('never/existed')).resolves.toBeUndefined();
      expect(await store.list('')).toEqual([]);
    });
  });

  describe('appendable objects', () => {
    it('creates, grows by appends of arrays and chunk arrays, and reads back the concatenation', async () => {
      const a = await open('wal/seg1.log');
      expect(a.key).toBe('wal/seg1.log');
      expect(a.size).toBe(0);
      // The object exists (empty) as soon as it is opened.
      expect((await store.head('wal/seg1.log'))?.size).toBe(0);

      const p1 = seq(10, 0);
      const p2 = seq(3, 50);
      const p3 = seq(7, 80);
      const p4 = seq(2000, 9);
      await a.append(p1);
      expect(a.size).toBe(10);
      await a.append([p2, new Uint8Array(0), p3]);
      expect(a.size).toBe(20);
      await a.append(p4);
      expect(a.size).toBe(2020);
      await expect(a.sync()).resolves.toBeUndefined();

      expect(await getBytes(store, 'wal/seg1.log')).toEqual(concat(p1, p2, p3, p4));
      expect((await store.head('wal/seg1.log'))?.size).toBe(2020);
      const mid = await store.get('wal/seg1.log', { range: { offset: 8, length: 5 } });
      expect(arr(mid!.data)).toEqual([8, 9, 50, 51, 52]);
      expect(mid!.size).toBe(2020);
      expect(await listKeys(store, 'wal/')).toEqual(['wal/seg1.log']);
    });

    it('changes the etag when the object grows', async () => {
      const a = await open('wal/e.log');
      const before = (await store.head('wal/e.log'))!.etag;
      await a.append(bytes(1, 2, 3));
      const after = (await store.head('wal/e.log'))!.etag;
      expect(after).not.toBe(before);
      await expectDoSQLError(store.put('wal/e.log', bytes(0), { condition: { ifMatch: before } }), 'PRECONDITION_FAILED');
      expect(await getBytes(store, 'wal/e.log')).toEqual([1, 2, 3]);
    });

    it('reopening an existing appendable continues at its size', async () => {
      const a = await open('wal/seg2.log');
      await a.append(seq(6, 1));
      await a.sync();
      await a.close();
      appendables.splice(appendables.indexOf(a), 1);

      const b = await open('wal/seg2.log');
      expect(b.size).toBe(6);
      await b.append([bytes(100), bytes(101, 102)]);
      expect(b.size).toBe(9);
      await b.sync();
      expect(await getBytes(store, 'wal/seg2.log')).toEqual([1, 2, 3, 4, 5, 6, 100, 101, 102]);
    });

    it('opening an object written by put appends after its bytes', async () => {
      await store.put('wal/seg3.log', bytes(7, 8, 9));
      const a = await open('wal/seg3.log');
      expect(a.size).toBe(3);
      await a.append(bytes(10));
      expect(a.size).toBe(4);
      expect(await getBytes(store, 'wal/seg3.log')).toEqual([7, 8, 9, 10]);
    });
  });

  describe('synchronous head and append (optional)', () => {
    it('headSync answers as head does; appendSync appends as append does', async () => {
      if (store.headSync) {
        expect(store.headSync('sync/missing')).toBeNull();
        const { etag } = await store.put('sync/x', new Uint8Array([1, 2, 3]));
        expect(store.headSync('sync/x')).toEqual(await store.head('sync/x'));
        expect(store.headSync('sync/x')!.etag).toBe(etag);
      }
      const a = await open('sync/log');
      if (!a.appendSync) return;
      await a.append(new Uint8Array([1, 2]));
      const buf = new Uint8Array([3, 4, 5]);
      a.appendSync(buf);
      // The store keeps the bytes, not the array: the caller reuses its buffer at once.
      buf.fill(9);
      a.appendSync(new Uint8Array([6]));
      expect(a.size).toBe(6);
      expect(Array.from((await store.get('sync/log'))!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  describe('keys', () => {
    const invalid = ['', '/a', '/', 'a/', 'a//b', '..', 'a/../b', '../escape', '.', 'a/./b'];

    it.each(invalid)('rejects the invalid key %j in every keyed operation', async (key) => {
      await expect(store.get(key)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.head(key)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.put(key, bytes(1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.put(key, bytes(1), { condition: { ifNoneMatch: '*' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.delete(key)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.openAppendable(key)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await store.list('')).toEqual([]);
    });

    it('accepts keys with dots, dashes and deep nesting', async () => {
      const ok = ['a.b', '.hidden', 'x/..y/z', 'v1/2024-01-01/part-0.parquet', 'deep/1/2/3/4/5/6'];
      for (const k of ok) await store.put(k, bytes(k.length));
      expect(await listKeys(store, '')).toEqual([...ok].sort());
      for (const k of ok) expect(await getBytes(store, k)).toEqual([k.length]);
    });
  });

  describe('copies', () => {
    it('mutating the array passed to put does not change the stored bytes', async () => {
      const data = bytes(1, 2, 3);
      await store.put('cp/a', data);
      data[0] = 99;
      expect(await getBytes(store, 'cp/a')).toEqual([1, 2, 3]);

      const chunk = bytes(4, 5);
      await store.put('cp/b', [chunk]);
      chunk[1] = 99;
      expect(await getBytes(store, 'cp/b')).toEqual([4, 5]);

      const c1 = bytes(6);
      const c2 = bytes(7);
      await store.put('cp/c', [c1, c2]);
      c1[0] = 99;
      c2[0] = 99;
      expect(await getBytes(store, 'cp/c')).toEqual([6, 7]);
    });

    it('mutating the array returned by get does not change the stored bytes', async () => {
      await store.put('cp/a', bytes(1, 2, 3));
      const whole = await store.get('cp/a');
      whole!.data.fill(0);
      const part = await store.get('cp/a', { range: { offset: 1, length: 2 } });
      part!.data.fill(0);
      expect(await getBytes(store, 'cp/a')).toEqual([1, 2, 3]);
    });

    it('mutating the array passed to append does not change the stored bytes', async () => {
      const a = await open('cp/log');
      const data = bytes(1, 2);
      await a.append(data);
      data.fill(9);
      const chunk = bytes(3);
      await a.append([chunk]);
      chunk.fill(9);
      expect(await getBytes(store, 'cp/log')).toEqual([1, 2, 3]);
    });
  });

  it('a closed store rejects calls with CLOSED', async () => {
    await store.put('k', bytes(1));
    await store.close();
    await expectDoSQLError(store.get('k'), 'CLOSED');
    await expectDoSQLError(store.head('k'), 'CLOSED');
    await expectDoSQLError(store.put('k', bytes(2)), 'CLOSED');
    await expectDoSQLError(store.list(''), 'CLOSED');
    await expectDoSQLError(store.delete('k'), 'CLOSED');
    await expectDoSQLError(store.openAppendable('w'), 'CLOSED');
  });
});

// ---------------------------------------------------------------------------------------------
// FsObjectStore specifics

describe('FsObjectStore specifics', () => {
  let dir: string;
  let root: string;
  let store: FsObjectStore;

  beforeEach(() => {
    dir = makeTempDir();
    root = path.join(dir, 'store');
    store = new FsObjectStore(root);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function tempEntries(rel: string): string[] {
    const d = path.join(root, rel);
    if (!fs.existsSync(d)) return [];
    return fs.readdirSync(d).filter((n) => n.startsWith('.tmp-') || n.endsWith('.lock'));
  }

  it('lays objects out as files under the root', async () => {
    await store.put('a/b/c', bytes(1, 2));
    expect(Array.from(fs.readFileSync(path.join(root, 'a', 'b', 'c')))).toEqual([1, 2]);
  });

  it('temp files of an in-flight put never appear in listings', async () => {
    await store.put('d/k1', bytes(1));
    // put() runs synchronously up to its fdatasync, so the temp file exists right now.
    const pending = store.put('d/k2', seq(4096));
    expect(fs.readdirSync(path.join(root, '.dosql-internal')).some((n) => n.startsWith('tmp-'))).toBe(true);
    expect(await listKeys(store, 'd/')).toEqual(['d/k1']);
    expect(await listKeys(store, '')).toEqual(['d/k1']);
    expect(await listKeys(store, 'd/.tmp')).toEqual([]);
    await pending;
    expect(await listKeys(store, 'd/')).toEqual(['d/k1', 'd/k2']);
    expect(tempEntries('d')).toEqual([]);
    expect(fs.readdirSync(path.join(root, '.dosql-internal')).filter((n) => n.startsWith('tmp-'))).toEqual([]);
  });

  it('temp and lock files of many concurrent puts never appear in listings and are cleaned up', async () => {
    await store.put('c/seed', bytes(0));
    const etag = (await store.head('c/seed'))!.etag;
    const puts: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      puts.push(store.put(`c/k${i}`, seq(100, i)));
      puts.push(store.put('c/race', bytes(i), { condition: { ifNoneMatch: '*' } }));
      puts.push(store.put('c/seed', bytes(i), { condition: { ifMatch: etag } }));
    }
    const seen = await store.list('c/');
    for (const o of seen) expect(o.key).toMatch(/^c\/(seed|race|k\d)$/);
    await Promise.allSettled(puts);
    expect(tempEntries('c')).toEqual([]);
    const keys = await listKeys(store, 'c/');
    expect(keys).toEqual(['c/k0', 'c/k1', 'c/k2', 'c/k3', 'c/k4', 'c/k5', 'c/k6', 'c/k7', 'c/k8', 'c/k9', 'c/race', 'c/seed']);
  });

  it('failed conditional puts leave no temp or lock files behind', async () => {
    const e = (await store.put('f/k', bytes(1))).etag;
    await store.put('f/k', bytes(2));
    await expectDoSQLError(store.put('f/k', bytes(3), { condition: { ifNoneMatch: '*' } }), 'PRECONDITION_FAILED');
    await expectDoSQLError(store.put('f/k', bytes(3), { condition: { ifMatch: e } }), 'PRECONDITION_FAILED');
    expect(fs.readdirSync(path.join(root, 'f'))).toEqual(['k']);
  });

  it('list never escapes the root or returns invalid keys', async () => {
    fs.writeFileSync(path.join(dir, 'outside'), 'secret');
    await store.put('inside', bytes(1));
    const escaped = await store.list('../');
    for (const o of escaped) expect(() => checkKey(o.key)).not.toThrow();
    expect(escaped).toEqual([]);
    expect(await listKeys(store, '')).toEqual(['inside']);
  });

  it('ranged reads stay correct with a tiny descriptor cache', async () => {
    const small = new FsObjectStore(path.join(dir, 'small'), { maxOpenFiles: 2, fsync: false });
    try {
      for (let i = 0; i < 6; i++) await small.put(`s/${i}`, seq(32, i * 10));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 6; i++) {
          const r = await small.get(`s/${i}`, { range: { offset: 2, length: 3 } });
          expect(arr(r!.data)).toEqual([i * 10 + 2, i * 10 + 3, i * 10 + 4]);
        }
      }
    } finally {
      await small.close();
    }
  });

  it('a second store on the same root sees objects and appendables', async () => {
    await store.put('p/obj', bytes(1, 2));
    const a = await store.openAppendable('p/log');
    await a.append(bytes(5, 6, 7));
    await a.sync();
    await a.close();
    const again = new FsObjectStore(root);
    try {
      expect(await getBytes(again, 'p/obj')).toEqual([1, 2]);
      expect(await listKeys(again, 'p/')).toEqual(['p/log', 'p/obj']);
      const b = await again.openAppendable('p/log');
      expect(b.size).toBe(3);
      await b.append(bytes(8));
      await b.close();
      expect(await getBytes(store, 'p/log')).toEqual([5, 6, 7, 8]);
    } finally {
      await again.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// FaultInjectingStore

describe('FaultInjectingStore', () => {
  it('passes calls through to the inner store when no rule fires', async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner);
    expect(f.name).toBe('faulty(memory)');
    await f.put('k', bytes(1, 2));
    expect(await getBytes(inner, 'k')).toEqual([1, 2]);
    expect(await getBytes(f, 'k')).toEqual([1, 2]);
    expect(await f.head('k')).toEqual(await inner.head('k'));
    expect(await f.list('')).toEqual(await inner.list(''));
    await expectDoSQLError(f.put('k', bytes(3), { condition: { ifNoneMatch: '*' } }), 'PRECONDITION_FAILED');
    await f.delete('k');
    expect(await inner.get('k')).toBeNull();
  });

  it("{op:'put', nth:2, kind:'fail'} fails exactly the 2nd put, without writing it", async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner, { rules: [{ op: 'put', nth: 2, kind: 'fail' }] });
    await f.put('k1', bytes(1));
    // Other ops do not advance the put rule's count.
    expect(await getBytes(f, 'k1')).toEqual([1]);
    await f.head('k1');
    await f.list('');
    const e = await expectInjected(f.put('k2', bytes(2)), 'put', 'fail');
    expect(e.key).toBe('k2');
    expect(await inner.get('k2')).toBeNull();
    await f.put('k3', bytes(3));
    await f.put('k2', bytes(22));
    expect(await getBytes(inner, 'k2')).toEqual([22]);
    expect(await listKeys(inner, '')).toEqual(['k1', 'k2', 'k3']);
    expect(f.injected.put).toBe(1);
  });

  it('a failing put does not replace an existing object', async () => {
    const inner = new MemoryObjectStore();
    await inner.put('k', bytes(1, 1));
    const f = new FaultInjectingStore(inner, { rules: [{ op: 'put', nth: 1, kind: 'fail' }] });
    await expectInjected(f.put('k', bytes(2, 2, 2)), 'put', 'fail');
    expect(await getBytes(inner, 'k')).toEqual([1, 1]);
  });

  async function failurePattern(seed: number): Promise<boolean[]> {
    const f = new FaultInjectingStore(new MemoryObjectStore(), { seed, rules: [{ op: '*', kind: 'fail', probability: 0.3 }] });
    const out: boolean[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `k/${i % 7}`;
      const call: Promise<unknown> = i % 3 === 0 ? f.put(key, bytes(i & 0xff)) : i % 3 === 1 ? f.get(key) : f.head(key);
      try {
        await call;
        out.push(false);
      } catch (e) {
        expect(e).toBeInstanceOf(InjectedFault);
        out.push(true);
      }
    }
    return out;
  }

  it('probability rules replay identically for a seed and differ for another seed', async () => {
    const a = await failurePattern(42);
    const b = await failurePattern(42);
    const c = await failurePattern(43);
    expect(a).toHaveLength(200);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const failures = a.filter(Boolean).length;
    expect(failures).toBeGreaterThan(20);
    expect(failures).toBeLessThan(120);
  });

  it('probability 0 never fires and probability 1 always fires', async () => {
    const f = new FaultInjectingStore(new MemoryObjectStore(), {
      rules: [
        { op: 'get', kind: 'fail', probability: 0 },
        { op: 'head', kind: 'fail', probability: 1 },
      ],
    });
    for (let i = 0; i < 20; i++) {
      expect(await f.get('k')).toBeNull();
      await expectInjected(f.head('k'), 'head', 'fail');
    }
    expect(f.injected.get).toBe(0);
    expect(f.injected.head).toBe(20);
  });

  it("'tear' on append leaves a strict prefix of the appended bytes, then throws", async () => {
    const tornLengths: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const inner = new MemoryObjectStore();
      const f = new FaultInjectingStore(inner, { seed, rules: [{ op: 'append', kind: 'tear', nth: 2 }] });
      const a = await f.openAppendable('wal/1.log');
      await a.append(bytes(1, 2, 3));
      const payload = seq(16, 100);
      await expectInjected(a.append(payload), 'append', 'tear');
      const stored = (await getBytes(inner, 'wal/1.log'))!;
      expect(stored.slice(0, 3)).toEqual([1, 2, 3]);
      const torn = stored.slice(3);
      expect(torn.length).toBeLessThan(payload.length);
      expect(torn).toEqual(arr(payload.subarray(0, torn.length)));
      expect(a.size).toBe(stored.length);
      tornLengths.push(torn.length);
      // The appender is still usable: the next append lands after the torn tail.
      await a.append(bytes(7));
      expect((await getBytes(inner, 'wal/1.log'))!).toEqual([...stored, 7]);
      expect(f.injected.append).toBe(1);
      await a.close();
    }
    // Some seeds must leave a non-empty tail, or a tear would be indistinguishable from a fail.
    expect(tornLengths.some((n) => n > 0)).toBe(true);
  });

  it("'tear' on an append given as chunks leaves a strict prefix of their concatenation", async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner, { seed: 5, rules: [{ op: 'append', kind: 'tear', nth: 1 }] });
    const a = await f.openAppendable('wal/2.log');
    const chunks = [seq(5, 10), seq(5, 20), seq(5, 30)];
    await expectInjected(a.append(chunks), 'append', 'tear');
    const stored = (await getBytes(inner, 'wal/2.log'))!;
    const whole = concat(...chunks);
    expect(stored.length).toBeLessThan(whole.length);
    expect(stored).toEqual(whole.slice(0, stored.length));
    await a.close();
  });

  it("'tear' on a conditional put must not bypass the condition", async () => {
    const inner = new MemoryObjectStore();
    const old = (await inner.put('m/k', bytes(1, 2, 3, 4))).etag;
    const f = new FaultInjectingStore(inner, { rules: [{ op: 'put', kind: 'tear', probability: 1 }] });
    // Create-if-absent on an existing key: a real store would refuse, so must the torn write.
    await expect(f.put('m/k', seq(8, 50), { condition: { ifNoneMatch: '*' } })).rejects.toThrow();
    expect(await getBytes(inner, 'm/k')).toEqual([1, 2, 3, 4]);
    // If-match with a stale etag: likewise.
    await expect(f.put('m/k', seq(8, 50), { condition: { ifMatch: `${old}-stale` } })).rejects.toThrow();
    expect(await getBytes(inner, 'm/k')).toEqual([1, 2, 3, 4]);
  });

  it("'crash' tears the call and makes every later call fail", async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner, { seed: 3, rules: [{ op: 'append', kind: 'crash', nth: 2 }] });
    await f.put('keep', bytes(9));
    const a = await f.openAppendable('wal/3.log');
    await a.append(bytes(1));
    expect(f.crashed).toBe(false);
    await expectInjected(a.append(seq(10, 40)), 'append', 'crash');
    expect(f.crashed).toBe(true);
    const stored = (await getBytes(inner, 'wal/3.log'))!;
    expect(stored[0]).toBe(1);
    expect(stored.length).toBeLessThan(11);
    expect(stored.slice(1)).toEqual(arr(seq(stored.length - 1, 40)));

    await expectInjected(f.get('keep'), 'get', 'crash');
    await expectInjected(f.head('keep'), 'head', 'crash');
    await expectInjected(f.put('keep', bytes(0)), 'put', 'crash');
    await expectInjected(f.put('new', bytes(0)), 'put', 'crash');
    await expectInjected(f.list(''), 'list', 'crash');
    await expectInjected(f.delete('keep'), 'delete', 'crash');
    await expectInjected(f.openAppendable('wal/4.log'), 'open', 'crash');
    await expectInjected(a.append(bytes(2)), 'append', 'crash');
    await expectInjected(a.sync(), 'sync', 'crash');
    // Nothing after the crash reached the inner store.
    expect(await getBytes(inner, 'keep')).toEqual([9]);
    expect(await inner.get('new')).toBeNull();
    expect(await inner.head('wal/4.log')).toBeNull();
    expect(await getBytes(inner, 'wal/3.log')).toEqual(stored);
    // Only the rule's own firing is counted, not the post-crash failures.
    expect(f.injected.append).toBe(1);
  });

  it("'crash' on a non-writing op and crash() both kill the store", async () => {
    const f = new FaultInjectingStore(new MemoryObjectStore(), { rules: [{ op: 'head', kind: 'crash', nth: 1 }] });
    await f.put('k', bytes(1));
    await expectInjected(f.head('k'), 'head', 'crash');
    expect(f.crashed).toBe(true);
    await expectInjected(f.get('k'), 'get', 'crash');

    const g = new FaultInjectingStore(new MemoryObjectStore());
    await g.put('k', bytes(1));
    g.crash();
    expect(g.crashed).toBe(true);
    await expectInjected(g.get('k'), 'get', 'crash');
  });

  it('keyPrefix restricts a rule to matching keys, and only they advance nth', async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner, { rules: [{ op: 'put', kind: 'fail', probability: 1, keyPrefix: 'wal/' }] });
    await f.put('sst/1', bytes(1));
    await f.put('walrus', bytes(2));
    await expectInjected(f.put('wal/1', bytes(3)), 'put', 'fail');
    expect(await listKeys(inner, '')).toEqual(['sst/1', 'walrus']);
    expect(f.injected.put).toBe(1);

    const g = new FaultInjectingStore(new MemoryObjectStore(), { rules: [{ op: 'put', kind: 'fail', nth: 2, keyPrefix: 'wal/' }] });
    await g.put('wal/1', bytes(1));
    await g.put('sst/1', bytes(1));
    await g.put('sst/2', bytes(1));
    await expectInjected(g.put('wal/2', bytes(1)), 'put', 'fail');
    await g.put('wal/3', bytes(1));
    expect(g.injected.put).toBe(1);
  });

  it('records injected counts per op', async () => {
    const f = new FaultInjectingStore(new MemoryObjectStore(), {
      rules: [
        { op: 'get', kind: 'fail', nth: 1 },
        { op: 'head', kind: 'fail', nth: 2 },
        { op: 'list', kind: 'delay', nth: 1, delayMs: 1 },
        { op: 'sync', kind: 'fail', probability: 1 },
      ],
    });
    await expectInjected(f.get('a'), 'get', 'fail');
    expect(await f.get('a')).toBeNull();
    expect(await f.head('a')).toBeNull();
    await expectInjected(f.head('a'), 'head', 'fail');
    expect(await f.list('')).toEqual([]);
    expect(await f.list('')).toEqual([]);
    const a = await f.openAppendable('w');
    await a.append(bytes(1));
    await expectInjected(a.sync(), 'sync', 'fail');
    await expectInjected(a.sync(), 'sync', 'fail');
    await a.close();
    expect(f.injected).toEqual({ get: 1, head: 1, put: 0, list: 1, delete: 0, open: 0, append: 0, sync: 2 });
  });

  it("'delay' delays the call but lets it succeed", async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner, { rules: [{ op: 'get', kind: 'delay', probability: 1, delayMs: 60 }] });
    await f.put('k', bytes(4, 5));
    const t0 = performance.now();
    const r = await f.get('k');
    const elapsed = performance.now() - t0;
    expect(arr(r!.data)).toEqual([4, 5]);
    expect(elapsed).toBeGreaterThanOrEqual(50);
    expect(f.injected.get).toBe(1);
    // Unmatched ops are not delayed.
    const t1 = performance.now();
    await f.head('k');
    expect(performance.now() - t1).toBeLessThan(50);
  });

  it('delayed puts still write', async () => {
    const inner = new MemoryObjectStore();
    const f = new FaultInjectingStore(inner, { rules: [{ op: 'put', kind: 'delay', nth: 1, delayMs: 10 }] });
    const { etag } = await f.put('k', bytes(8));
    expect((await inner.head('k'))?.etag).toBe(etag);
    expect(f.injected.put).toBe(1);
  });

  it('setRules replaces the schedule and restarts counts', async () => {
    const f = new FaultInjectingStore(new MemoryObjectStore(), { rules: [{ op: 'put', kind: 'fail', nth: 3 }] });
    await f.put('a', bytes(1));
    await f.put('b', bytes(1));
    f.setRules([{ op: 'put', kind: 'fail', nth: 2 }]);
    await f.put('c', bytes(1));
    await expectInjected(f.put('d', bytes(1)), 'put', 'fail');
    await f.put('e', bytes(1));
    f.setRules([]);
    for (let i = 0; i < 5; i++) await f.put(`z${i}`, bytes(i));
    expect(f.injected.put).toBe(1);
  });
});
