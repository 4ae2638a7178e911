// The demo's paged icebird read (scripts/demo/cold-tier.ts readIceberg) over a lake table whose
// snapshot has position deletes in several files: with pages much smaller than the table, every
// live row is counted once (icebird 0.3.1 reads past a window's end by the rows deleted inside
// it, so plain consecutive windows counted updated rows twice), and the count, average and
// per-origin counts equal the source's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIceberg } from '../scripts/demo/cold-tier.js';
import { lakeOn, source, syncOnce, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

describe('demo: paged icebird read of a snapshot with position deletes', () => {
  it('counts each live row once for any page size', async () => {
    const db = await source('pages');
    const lake = await lakeOn(w, { namespace: 'pages' });
    await db.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, origin TEXT)');
    for (let f = 0; f < 4; f++) {
      await db.run(`INSERT INTO flights SELECT value, '2001-03-0' || (1 + value % 9), value % 37 - 5, 'A' || (value % 5) FROM generate_series(${f * 40 + 1}, ${f * 40 + 40})`);
      if (f > 0) {
        await db.run(`UPDATE flights SET delay = delay + 100 WHERE id % 7 = ${f}`);
        await db.run(`DELETE FROM flights WHERE id % 11 = ${f}`);
      }
      await syncOnce(db, 'pages', lake);
    }
    const snap = await lake.snapshot('flights');
    const want = (await db.queryOne<{ n: number; avg: number }>('SELECT count(*) AS n, avg(delay) AS avg FROM flights'))!;
    const origins = await db.query<{ origin: string; n: number }>('SELECT origin, count(*) AS n FROM flights GROUP BY origin ORDER BY 2 DESC, 1');
    for (const pageRows of [1, 7, 40, 1000]) {
      const got = await readIceberg({ timings: [], bars: false }, { tableUrl: snap.url, metadataPath: `${snap.url}/metadata/${snap.metadataFileName}` }, Number(want.n), 'test', pageRows);
      expect(got.n, `pages of ${pageRows}`).toBe(Number(want.n));
      expect(got.avgDelay).toBeCloseTo(Number(want.avg), 9);
      expect(got.top10.map((o) => [o.origin, o.n])).toEqual(origins.map((o) => [o.origin, Number(o.n)]));
    }
    await lake.close();
    await db.close();
  }, 60_000);
});
