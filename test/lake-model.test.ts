// Model / differential test of the lake (issue 16, "What it must show"): a database runs a
// random workload (four tables of different key kinds, updates with key changes, deletes,
// UPSERTs, multi-statement transactions, one ADD COLUMN, off-type values) while the streamer
// feeds a lake; after every flush, at random points, icebird reads every lake table's current
// snapshot over loopback HTTP and it must equal `SELECT * … FOR SYSTEM_TIME AS OF LSN <the table's
// position for the source>` — no missing row, no duplicate, no resurrected delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../src/lake/index.js';
import type { Database } from '../src/sql/api/database.js';
import { compareLakeTable } from './support/lake-reader.js';
import { headLsn, lakeOn, source, streamer, until, warehouse, type Warehouse } from './support/lake-harness.js';
import { createTables, LAKE_TABLES, Prng, step } from './support/lake-workload.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

async function checkAll(lake: Lake, db: Database, id: string): Promise<number> {
  let compared = 0;
  for (const t of LAKE_TABLES) {
    const { got, want, positions } = await compareLakeTable(lake, t, new Map([[id, db]]));
    expect(got, `table ${t} at ${JSON.stringify(positions)}`).toEqual(want);
    compared += got.length;
  }
  return compared;
}

describe('lake model', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: every flushed snapshot of every table equals the source AS OF its position`, async () => {
      const r = new Prng(seed);
      const id = `model${seed}`;
      const db = await source(id);
      const lake = await lakeOn(w, { namespace: id, flush: { auto: false, maxRowsPerFile: 40 } });
      await createTables(db);
      const s = streamer(db, id, lake, { maxBatchSize: 1 + r.int(20) });
      await s.start();
      let altered = false;
      const alterAt = 20 + r.int(60);
      let checks = 0;
      let rows = 0;
      for (let i = 0; i < 120; i++) {
        altered = await step(db, r, i, altered, alterAt, seed % 2 === 0);
        if (r.chance(0.12)) {
          await lake.flush();
          rows += await checkAll(lake, db, id);
          checks++;
        }
      }
      const head = await headLsn(db);
      await until(() => Number(s.getStatus().lastAckLSN) >= head);
      await lake.flush();
      await s.waitCommitted(head);
      rows += await checkAll(lake, db, id);
      for (const t of LAKE_TABLES) expect((await lake.snapshot(t)).positions[id]).toBe(head);
      expect(checks).toBeGreaterThan(3);
      expect(rows).toBeGreaterThan(50);
      await s.stop();
      await lake.close();
      await db.close();
    });
  }
});
