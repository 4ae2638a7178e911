// The lake writer (src/lake): change batches applied to Iceberg v2 tables, read back by icebird
// over loopback HTTP and compared with each source's `SELECT * … AS OF LSN <the table's position
// for that source>`. Covers schema evolution (ADD COLUMN with NULL and constant defaults, DROP
// and RENAME COLUMN, DROP TABLE), duplicated / replayed / lost-ack batches, batches cut inside
// transactions, several sources into one table (per-source and global key scope), and two lakes
// racing on one table (the loser reloads, rebuilds its index and re-filters).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDCBatch, LakeAck, LakeEndpoint, LakeNack } from '../src/cdc/lake-protocol.js';
import { Prng } from '../src/util/prng.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import type { Database } from '../src/sql/api/database.js';
import { compareLakeTable } from './support/lake-reader.js';
import { headLsn, lakeOn, source, streamer, syncOnce, until, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

async function expectEqual(lake: Awaited<ReturnType<typeof lakeOn>>, table: string, sources: Map<string, Database>): Promise<Record<string, number>> {
  const { got, want, positions } = await compareLakeTable(lake, table, sources);
  expect(got, `${table} at ${JSON.stringify(positions)}`).toEqual(want);
  return positions;
}

describe('lake writer', () => {
  it('applies inserts, updates, deletes and schema changes; every flush reads as AS OF its positions', async () => {
    const db = await source('one');
    const lake = await lakeOn(w, { namespace: 'one' });
    const srcs = new Map([['one', db]]);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL, b BLOB)');
    await db.exec('CREATE TABLE k(code TEXT PRIMARY KEY, n INT) WITHOUT ROWID');
    await db.run("INSERT INTO t VALUES (1, 'a', 1.5, x'00ff'), (2, 'b', 2, NULL), (3, 'c', NULL, x'41')");
    await db.run("INSERT INTO k VALUES ('x', 1), ('y', 2)");
    await syncOnce(db, 'one', lake);
    expect((await expectEqual(lake, 't', srcs)).one).toBe(await headLsn(db));
    await db.run("UPDATE t SET name = 'bb', v = 'text in a REAL column' WHERE id = 2");
    await db.run('DELETE FROM t WHERE id = 3');
    await db.run("UPDATE k SET code = 'z' WHERE code = 'x'"); // a key change: delete + insert
    await db.exec('ALTER TABLE t ADD COLUMN c INT DEFAULT 7'); // old rows must read 7
    await db.exec('ALTER TABLE t ADD COLUMN d TEXT'); // NULL default
    await db.run("INSERT INTO t(id, name, d) VALUES (4, 'd', 'dd')");
    await syncOnce(db, 'one', lake);
    await expectEqual(lake, 't', srcs);
    await expectEqual(lake, 'k', srcs);
    await db.exec('ALTER TABLE t RENAME COLUMN name TO label');
    await db.exec('ALTER TABLE t DROP COLUMN d');
    await db.run("UPDATE t SET label = 'aa' WHERE id = 1");
    await db.exec('DROP TABLE k');
    await syncOnce(db, 'one', lake);
    await expectEqual(lake, 't', srcs);
    await expectEqual(lake, 'k', srcs); // dropped at the position: every row of the source gone
    await db.exec('CREATE TABLE k(code TEXT PRIMARY KEY, n INT) WITHOUT ROWID');
    await db.run("INSERT INTO k VALUES ('again', 9)");
    await syncOnce(db, 'one', lake);
    await expectEqual(lake, 'k', srcs);
    await lake.close();
    await db.close();
  });

  it('duplicated, replayed and lost-ack batches, cut inside transactions, apply exactly once', async () => {
    const db = await source('chaos');
    const lake = await lakeOn(w, { namespace: 'chaos' });
    const r = new Prng(7);
    // The chaos draws from its own generator, and every 4th call replays and every 5th loses its
    // acknowledgement whatever the draws: how many calls the streamer makes depends on timing
    // (batches fill as fast as commits come), so the workload's draws cannot decide the chaos.
    const cr = new Prng(8);
    let calls = 0;
    const seen: CDCBatch[] = [];
    let replays = 0;
    let lostAcks = 0;
    // Between the streamer and the lake: requests lost, acknowledgements lost, old batches resent.
    const chaos: LakeEndpoint = {
      hello: (h) => lake.hello(h),
      onCommitted: (s, l) => lake.onCommitted(s, l),
      async ingest(b): Promise<LakeAck | LakeNack> {
        const call = ++calls;
        if (seen.length && (call % 4 === 0 || cr.chance(0.3))) {
          replays++;
          const old = structuredClone(seen[cr.int(seen.length)]!);
          const ans = await lake.ingest({ ...old, isRetry: true });
          expect(ans.type === 'ack' || (ans.type === 'nack' && ans.reason === 'out_of_order')).toBe(true);
        }
        if (call % 5 !== 0 && cr.chance(0.1)) throw new Error('request lost');
        const ans = await lake.ingest(b);
        seen.push(structuredClone(b));
        if (call % 5 === 0 || cr.chance(0.15)) {
          lostAcks++;
          throw new Error('acknowledgement lost');
        }
        return ans;
      },
    };
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT, s TEXT)');
    const s = streamer(db, 'chaos', chaos, { maxBatchSize: 3 });
    await s.start();
    for (let i = 0; i < 60; i++) {
      await db.transaction(async (tx) => {
        for (let j = 0; j < 1 + r.int(4); j++) {
          const id = r.int(25);
          await tx.run(r.pick(['INSERT OR REPLACE INTO t VALUES (?, ?, ?)', 'UPDATE t SET v = ?2, s = ?3 WHERE id = ?1', 'DELETE FROM t WHERE id = ?1 AND ?2 >= 0 AND ?3 IS NOT NULL']), [id, i, `s${i}`]);
        }
      });
      if (r.chance(0.2)) {
        await lake.flush();
        await expectEqual(lake, 't', new Map([['chaos', db]]));
      }
    }
    const head = await headLsn(db);
    await until(() => Number(s.getStatus().lastAckLSN) >= head, 5000).catch((e) => {
      console.log(head, s.getStatus(), lake.status());
      throw e;
    });
    await lake.flush();
    await s.waitCommitted(head);
    const positions = await expectEqual(lake, 't', new Map([['chaos', db]]));
    expect(positions.chaos).toBe(head);
    expect(replays).toBeGreaterThan(5);
    expect(lostAcks).toBeGreaterThan(2);
    await s.stop();
    await lake.close();
    await db.close();
  });

  it('refuses a batch that does not follow what it holds (out_of_order names the expected position)', async () => {
    const lake = await lakeOn(w, { namespace: 'order' });
    await lake.hello({ type: 'hello', v: 1, sourceId: 'src', exactlyOnce: true });
    const ev = { op: 'commit' as const, lsn: 5, seq: 1, ts: 0 };
    const ans = await lake.ingest({ batchId: 'b', sourceDoId: 'src', sequenceNumber: 1, firstLSN: 5, lastLSN: 5, afterPosition: '4', lastPosition: '5:1', complete: true, createdAt: 0, sizeBytes: 10, isRetry: false, retryCount: 0, events: [ev] });
    expect(ans).toMatchObject({ type: 'nack', reason: 'out_of_order', expected: '0', retryable: true });
    const bad = await lake.ingest({ batchId: 'c', sourceDoId: 'bad id!', sequenceNumber: 1, firstLSN: 5, lastLSN: 5, afterPosition: '0', lastPosition: '5:1', complete: true, createdAt: 0, sizeBytes: 10, isRetry: false, retryCount: 0, events: [ev] });
    expect(bad).toMatchObject({ type: 'nack', reason: 'invalid', retryable: false });
    await lake.close();
  });

  it('three sources into one table: per-source keys, and a global-scope table whose keys move between shards', async () => {
    const lake = await lakeOn(w, { namespace: 'shards', tables: { g: { keyScope: 'global' } } });
    const dbs = new Map<string, Database>();
    for (const id of ['s1', 's2', 's3']) {
      const db = await source(id);
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
      await db.exec('CREATE TABLE g(id INTEGER PRIMARY KEY, v TEXT)');
      dbs.set(id, db);
    }
    const r = new Prng(3);
    for (let round = 0; round < 4; round++) {
      for (const [id, db] of dbs) {
        for (let i = 0; i < 10; i++) {
          const k = r.int(12);
          await db.run(r.pick(['INSERT OR REPLACE INTO t(id, v) VALUES (?, ?)', 'DELETE FROM t WHERE id = ?1 AND ?2 IS NOT NULL']), [k, `${id}-${round}-${i}`]);
        }
        if (round === 2 && id === 's3') await db.exec('ALTER TABLE t ADD COLUMN extra INT DEFAULT 5');
        await syncOnce(db, id, lake);
      }
      await expectEqual(lake, 't', dbs);
    }
    // Global scope: key 1 written on s1, moved to s2 (deleted there on s1 afterwards), then back.
    const [d1, d2] = [dbs.get('s1')!, dbs.get('s2')!];
    await d1.run("INSERT INTO g VALUES (1, 'on s1'), (2, 'two')");
    await syncOnce(d1, 's1', lake);
    await d2.run("INSERT INTO g VALUES (1, 'on s2')");
    await syncOnce(d2, 's2', lake);
    await d1.run('DELETE FROM g WHERE id = 1'); // s1 no longer owns key 1: dropped
    await syncOnce(d1, 's1', lake);
    const g = await compareLakeTable(lake, 'g', new Map());
    expect(g.got.map((x) => JSON.parse(x) as { _dosql_source: string; v: string }).map((x) => `${x._dosql_source}:${x.v}`).sort()).toEqual(['s1:two', 's2:on s2']);
    for (const db of dbs.values()) await db.close();
    await lake.close();
  });

  it('two lakes committing to one table: the losing writer reloads, rebuilds its index and applies only what is missing', async () => {
    const a = await source('ra');
    const b = await source('rb');
    for (const db of [a, b]) await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    const lake1 = await lakeOn(w, { namespace: 'race', state: new MemoryObjectStore() });
    const lake2 = await lakeOn(w, { namespace: 'race', state: new MemoryObjectStore() });
    const dbs = new Map([['ra', a], ['rb', b]]);
    const r = new Prng(11);
    for (let round = 0; round < 6; round++) {
      for (const db of [a, b]) for (let i = 0; i < 8; i++) await db.run(r.pick(['INSERT OR REPLACE INTO t VALUES (?, ?)', 'UPDATE t SET v = ?2 WHERE id = ?1', 'DELETE FROM t WHERE id = ?1 AND ?2 > 0']), [r.int(10), round * 100 + i]);
      // Both plan on the same version; whichever commits second loses and retries.
      await Promise.all([syncOnce(a, 'ra', lake1), syncOnce(b, 'rb', lake2)]);
      await expectEqual(lake1, 't', dbs);
      await expectEqual(lake2, 't', dbs);
    }
    expect(lake1.metrics().dolake_commit_conflicts_total + lake2.metrics().dolake_commit_conflicts_total).toBeGreaterThan(0);
    await lake1.close();
    await lake2.close();
    await a.close();
    await b.close();
  });
});
