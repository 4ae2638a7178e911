// DurableObjectStore specifics beyond the conformance suite (object-store.test.ts runs that):
// chunking of large values at the default 1 MiB, append coalescing, atomicity of failed puts,
// and a second store instance on the same storage (an object restart).
import { afterEach, describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { DurableObjectStore } from './do-store.js';
import { SqliteDoStorage } from '../../test/support/worker-sqlite-storage.js';

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

describe('DurableObjectStore', () => {
  let sqlite: SqliteDoStorage;
  afterEach(() => sqlite?.close());

  it('stores values larger than a row may be as 1 MiB chunks, and reads any range across them', async () => {
    sqlite = new SqliteDoStorage();
    const store = new DurableObjectStore(sqlite);
    const big = pattern(3 * 1024 * 1024 + 123, 1);
    await store.put('sst/000001.sst', [big.subarray(0, 1000), big.subarray(1000)]);
    const rows = sqlite.db.prepare('SELECT off, length(data) AS n FROM dosql_chunks WHERE key = ? ORDER BY off').all('sst/000001.sst') as { off: number; n: number }[];
    expect(rows.map((r) => r.off)).toEqual([0, 1 << 20, 2 << 20, 3 << 20]);
    expect(Math.max(...rows.map((r) => r.n))).toBe(1 << 20);
    expect(same((await store.get('sst/000001.sst'))!.data, big)).toBe(true);
    for (const [offset, length] of [
      [0, 10],
      [(1 << 20) - 5, 10],
      [(1 << 20) - 5, (1 << 21) + 10],
      [3 * (1 << 20) + 100, 1000],
      [123, 3 * 1024 * 1024],
    ] as const) {
      const r = await store.get('sst/000001.sst', { range: { offset, length } });
      expect(same(r!.data, big.subarray(offset, offset + length)), `${offset}+${length}`).toBe(true);
    }
    // Replacing with a smaller value leaves no stale chunks behind.
    await store.put('sst/000001.sst', pattern(10, 2));
    expect((sqlite.db.prepare('SELECT count(*) AS n FROM dosql_chunks').get() as { n: number }).n).toBe(1);
  });

  it('coalesces small appends into few rows and splits large ones at the chunk size', async () => {
    sqlite = new SqliteDoStorage();
    const store = new DurableObjectStore(sqlite, { chunkBytes: 1000, appendCoalesceBytes: 400 });
    const a = await store.openAppendable('wal/1.log');
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) {
      const p = pattern(37, i);
      parts.push(p);
      await a.append(p);
    }
    const big = pattern(2500, 99);
    parts.push(big);
    await a.append(big);
    const all = Buffer.concat(parts);
    expect(a.size).toBe(all.length);
    expect(same((await store.get('wal/1.log'))!.data, all)).toBe(true);
    const rows = sqlite.db.prepare('SELECT off, length(data) AS n FROM dosql_chunks WHERE key = ? ORDER BY off').all('wal/1.log') as { off: number; n: number }[];
    // 50 x 37 bytes coalesced into chunks of <= 400 + 37 bytes, then the big append in <= 1000-byte rows.
    expect(rows.length).toBeLessThan(12);
    expect(rows.every((r) => r.n <= 1000)).toBe(true);
    let expectOff = 0;
    for (const r of rows) {
      expect(r.off).toBe(expectOff);
      expectOff += r.n;
    }
  });

  it('a failed conditional put writes nothing, not even part of its chunks', async () => {
    sqlite = new SqliteDoStorage();
    const store = new DurableObjectStore(sqlite, { chunkBytes: 100 });
    const first = await store.put('manifest/current', pattern(250, 1));
    const err = await store.put('manifest/current', pattern(1000, 2), { condition: { ifMatch: 'g999' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('PRECONDITION_FAILED');
    expect(same((await store.get('manifest/current'))!.data, pattern(250, 1))).toBe(true);
    expect((sqlite.db.prepare('SELECT count(*) AS n FROM dosql_chunks').get() as { n: number }).n).toBe(3);
    expect((await store.head('manifest/current'))!.etag).toBe(first.etag);
  });

  it('a new store on the same storage (object restart) sees everything and never reuses an etag', async () => {
    sqlite = new SqliteDoStorage();
    const one = new DurableObjectStore(sqlite);
    const e1 = (await one.put('a', pattern(5, 1))).etag;
    const log = await one.openAppendable('wal/2.log');
    await log.append(pattern(7, 2));
    await one.delete('a');
    const two = new DurableObjectStore(sqlite);
    expect(await two.get('a')).toBeNull();
    const e2 = (await two.put('a', pattern(5, 1))).etag;
    expect(e2).not.toBe(e1);
    const again = await two.openAppendable('wal/2.log');
    expect(again.size).toBe(7);
    await again.append(pattern(3, 3));
    expect(same((await two.get('wal/2.log'))!.data, Buffer.concat([pattern(7, 2), pattern(3, 3)]))).toBe(true);
    expect(two.usage()).toEqual({ objects: 2, bytes: 15 });
  });

  it('keeps stores with different table prefixes apart on one storage', async () => {
    sqlite = new SqliteDoStorage();
    const a = new DurableObjectStore(sqlite, { tablePrefix: 'a' });
    const b = new DurableObjectStore(sqlite, { tablePrefix: 'b' });
    await a.put('k', pattern(3, 1));
    expect(await b.get('k')).toBeNull();
    expect(() => new DurableObjectStore(sqlite, { tablePrefix: 'x; DROP TABLE a_objects' })).toThrow(DoSQLError);
  });
});
