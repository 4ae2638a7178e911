// The key index's high keys (src/lake/key-index.ts): a flush looks up only keys at or below the
// largest key its scope holds, so an append of new ascending keys costs no index read, while
// updates and deletes of any older key — below the high key, after a reopen of the lake, after an
// index rebuild, with a table record written before high keys existed — still become position
// deletes (icebird over the lake equals each source AS OF the lake's position).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import type { Database } from '../src/sql/api/database.js';
import { T_INDEX } from '../src/lake/state.js';
import type { Lake } from '../src/lake/index.js';
import { compareLakeTable } from './support/lake-reader.js';
import { lakeOn, source, syncOnce, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

async function expectEqual(lake: Lake, table: string, srcs: Map<string, Database>): Promise<void> {
  const { got, want, positions } = await compareLakeTable(lake, table, srcs);
  expect(got, `${table} at ${JSON.stringify(positions)}`).toEqual(want);
}

/** Index reads (state.get on the index keyspace) made while `f` runs. */
async function indexReads(lake: Lake, f: () => Promise<void>): Promise<number> {
  const spy = vi.spyOn(lake.state, 'get');
  try {
    await f();
    return spy.mock.calls.filter(([table]) => table === T_INDEX).length;
  } finally {
    spy.mockRestore();
  }
}

describe('lake key index high keys', () => {
  it('skips the lookup of appended keys; updates and deletes below the high key still delete the old row, across reopens and old records, rebuilds', async () => {
    const state = new MemoryObjectStore();
    const db = await source('hk');
    const srcs = new Map([['hk', db]]);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await db.exec('CREATE TABLE s(code TEXT PRIMARY KEY, n INT) WITHOUT ROWID');
    await db.run("INSERT INTO t SELECT value, 'a' FROM generate_series(10, 59)");
    await db.run("INSERT INTO s VALUES ('m', 1), ('p', 2)");
    let lake = await lakeOn(w, { namespace: 'hk', state });
    // First flush: nothing indexed yet, no index read at all.
    expect(await indexReads(lake, () => syncOnce(db, 'hk', lake))).toBe(0);
    await expectEqual(lake, 't', srcs);
    // An append above the high key: no index read either.
    await db.run("INSERT INTO t SELECT value, 'b' FROM generate_series(60, 99)");
    expect(await indexReads(lake, () => syncOnce(db, 'hk', lake))).toBe(0);
    // Updates and deletes at and below the high key, keys inserted below it, text keys.
    await db.run("UPDATE t SET v = 'u' WHERE id IN (10, 35, 99)");
    await db.run('DELETE FROM t WHERE id = 11');
    await db.run("INSERT INTO t VALUES (3, 'low')");
    await db.run("UPDATE s SET n = 9 WHERE code = 'm'");
    await db.run("INSERT INTO s VALUES ('a', 3), ('z', 4)");
    expect(await indexReads(lake, () => syncOnce(db, 'hk', lake))).toBeGreaterThanOrEqual(6);
    await expectEqual(lake, 't', srcs);
    await expectEqual(lake, 's', srcs);
    // Reopened: the high keys come from the table records in the state.
    await lake.close();
    lake = await lakeOn(w, { namespace: 'hk', state });
    await db.run("UPDATE t SET v = 'r' WHERE id IN (3, 12, 99)");
    await db.run("UPDATE s SET n = 10 WHERE code IN ('a', 'z')");
    await syncOnce(db, 'hk', lake);
    await expectEqual(lake, 't', srcs);
    await expectEqual(lake, 's', srcs);
    // A table record written before high keys existed: computed from the index at open.
    for (const rec of lake.state.tables.values()) {
      delete rec.highKeys;
      const b = lake.state.batch();
      lake.state.putTable(b, rec);
      await lake.state.write(b);
    }
    await lake.close();
    lake = await lakeOn(w, { namespace: 'hk', state });
    expect([...lake.state.tables.values()].every((r) => r.highKeys === undefined)).toBe(true);
    await db.run("UPDATE t SET v = 'o' WHERE id IN (13, 99)");
    await db.run("UPDATE s SET n = 11 WHERE code = 'z'");
    await syncOnce(db, 'hk', lake);
    await expectEqual(lake, 't', srcs);
    await expectEqual(lake, 's', srcs);
    // The index behind the table (a crash between a commit and the index write): rebuilt from
    // the snapshot at open, and its high keys with it.
    for (const rec of lake.state.tables.values()) {
      rec.indexedVersion = 0;
      const b = lake.state.batch();
      lake.state.putTable(b, rec);
      await lake.state.write(b);
    }
    await lake.close();
    lake = await lakeOn(w, { namespace: 'hk', state });
    await db.run("UPDATE t SET v = 'x' WHERE id IN (14, 99)");
    await db.run("DELETE FROM s WHERE code = 'p'");
    await syncOnce(db, 'hk', lake);
    await expectEqual(lake, 't', srcs);
    await expectEqual(lake, 's', srcs);
    await lake.close();
    await db.close();
  }, 60_000);
});
