// External tables in workerd (docs/external-tables.md): Parquet and CSV objects in the R2 bucket
// bound as the database's cold tier, read through `FROM 'r2://…'` by the examples/worker build
// with test routes (test/support/external-test-entry.ts). The answers are checked against
// better-sqlite3 loaded with the same rows; the read counters from inside the Worker show that
// Hive partitions outside the WHERE were never opened; a local path is refused there.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParquet, writeParquet, type ColumnarSchema } from '../src/columnar/index.js';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

const schema: ColumnarSchema = {
  columns: [
    { name: 'region', fieldId: 1, type: 'string', nullable: true },
    { name: 'revenue', fieldId: 2, type: 'double', nullable: true },
    { name: 'month', fieldId: 3, type: 'long', nullable: true },
  ],
};
type Sale = [string, number, bigint];
const sale = (i: number): Sale => [['eu', 'us', 'apac'][i % 3]!, ((i * 7919) % 10000) / 8, BigInt(1 + (i % 12))];

describe('external tables in workerd over R2', () => {
  let w: RunningWorker;
  const oracle = new Sqlite(':memory:');
  beforeAll(async () => {
    initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')));
    w = await startWorker({
      config: join(ROOT, 'examples/worker/wrangler.toml'),
      entrypoint: join(ROOT, 'test/support/external-test-entry.ts'),
      alias: { 'dosql/worker': join(ROOT, 'src/worker/exports.ts') },
      token: null,
    });
    oracle.exec('CREATE TABLE sales (year INTEGER, region TEXT, revenue REAL, month INTEGER); CREATE TABLE csv (id INTEGER, status TEXT)');
    const put = async (key: string, body: Uint8Array | string): Promise<void> => {
      const res = await w.api(`/__test/object/${encodeURIComponent(key)}`, { method: 'PUT', body });
      expect(res.status, await res.text()).toBe(200);
    };
    const ins = oracle.prepare('INSERT INTO sales VALUES (?, ?, ?, ?)');
    // The seed's layout: files directly under year=…/, the month a column inside them.
    for (const [year, part, n] of [[2024, 0, 300], [2024, 1, 200], [2023, 0, 250]] as const) {
      const rows = Array.from({ length: n }, (_, i) => sale(i + part * 1000 + year));
      for (const r of rows) ins.run(year, r[0], r[1], r[2]);
      await put(`sales/year=${year}/part-${part}.parquet`, writeParquet(rows, schema, { rowGroupRows: 100 }).bytes);
    }
    // Month partitions: one file per month=N/ folder.
    for (let m = 1; m <= 12; m++) {
      const rows = Array.from({ length: 40 }, (_, i) => sale(i * 12 + m - 1)).map(([r, v]) => [r, v] as const);
      const s2: ColumnarSchema = { columns: schema.columns.slice(0, 2) };
      for (const r of rows) ins.run(-1, r[0], r[1], m);
      await put(`by-month/month=${m}/data.parquet`, writeParquet(rows as unknown as [string, number][], s2).bytes);
    }
    const csv = ['id,status', ...Array.from({ length: 90 }, (_, i) => `${i},${['active', 'closed', 'pending'][i % 3]}`)].join('\n');
    await put('exports/data.csv', csv);
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it("runs the seed's r2:// queries with the answers of better-sqlite3, pruning partitions", async () => {
    const res = await w.api('/__test/external');
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    const plain = (rows: unknown): unknown[][] => (rows as Record<string, unknown>[]).map((r) => Object.values(r));
    expect(plain(body.sales)).toEqual(oracle.prepare('SELECT region, SUM(revenue), COUNT(*) FROM sales WHERE year = 2024 AND month >= 10 GROUP BY region ORDER BY region').raw().all());
    expect((body.sales as unknown[]).length).toBe(3);
    // The glob matches the two 2024 files (2023's folder is outside it): both opened.
    expect(body.salesStats).toMatchObject({ filesOpened: 2, filesPruned: 0 });
    expect(plain(body.byMonth)).toEqual(oracle.prepare('SELECT month, count(*), sum(revenue) FROM sales WHERE year = -1 AND month >= 10 GROUP BY month ORDER BY month').raw().all());
    // month=10, 11, 12 of the twelve folders.
    expect(body.byMonthStats).toMatchObject({ filesOpened: 3, filesPruned: 9 });
    expect(body.csv).toEqual([{ status: 'active', n: 30 }]);
    expect(body.localError).toMatchObject({ code: 'NOT_SUPPORTED' });
    expect((body.localError as { message: string }).message).toMatch(/local files are readable only in Node/);
  });
});
