// External Parquet tables (docs/external-tables.md), differential against DuckDB's read_parquet:
// flights-3m.parquet (3 000 000 rows, 11 row groups, ZSTD) queried in place, and a Hive-
// partitioned folder written by the project's Parquet writer, whose partition pruning is seen in
// the files opened (externalReadStats).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParquet, type ColumnarSchema } from '../src/columnar/index.js';
import { isDoSQLError } from '../src/errors.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { externalReadStats, resetExternalReadStats } from '../src/virtual/index.js';

const FLIGHTS = join(import.meta.dirname, '..', 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');

interface Duck {
  runAndReadAll(sql: string): Promise<{ getRowsJS(): unknown[][] }>;
}

/** Values compared across engines: integers as numbers, reals to 12 significant digits. */
function norm(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toPrecision(12));
  return v;
}
const rowsOf = (rows: Record<string, unknown>[]): unknown[][] => rows.map((r) => Object.values(r).map(norm));

let db: Database;
let duck: Duck;

beforeAll(async () => {
  db = DB('external-parquet', { storage: 'memory' });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  duck = (await (await DuckDBInstance.create(':memory:')).connect()) as unknown as Duck;
});
afterAll(async () => {
  await db?.close();
});

async function duckRows(sql: string): Promise<unknown[][]> {
  return (await duck.runAndReadAll(sql)).getRowsJS().map((r) => r.map(norm));
}

describe('flights-3m.parquet in place equals DuckDB read_parquet', () => {
  // Each question: dosql's SQL over the file, DuckDB's over read_parquet (timestamps as text, as dosql types them).
  const f = `'${FLIGHTS}'`;
  const d = `(SELECT CAST(date AS VARCHAR) AS date, delay, distance, origin, destination FROM read_parquet('${FLIGHTS}'))`;
  const questions: [string, string, string][] = [
    ['count', `SELECT count(*) AS n FROM ${f}`, `SELECT count(*) FROM ${d}`],
    ['filter on a file column', `SELECT count(*) AS n, sum(distance) AS s FROM ${f} WHERE delay > 60 AND origin = 'SFO'`, `SELECT count(*), sum(distance) FROM ${d} WHERE delay > 60 AND origin = 'SFO'`],
    [
      'group by with aggregates',
      `SELECT origin, count(*) AS n, sum(delay) AS s, min(distance) AS lo, max(distance) AS hi, avg(delay) AS a FROM ${f} GROUP BY origin ORDER BY origin`,
      `SELECT origin, count(*), sum(delay), min(distance), max(distance), avg(delay) FROM ${d} GROUP BY origin ORDER BY origin`,
    ],
    [
      'order by / limit within a time window (row groups pruned)',
      `SELECT date, delay, distance, origin, destination FROM ${f} WHERE date >= '2001-03-01' AND date < '2001-03-02' ORDER BY delay DESC, date, origin, destination, distance LIMIT 25`,
      `SELECT date, delay, distance, origin, destination FROM ${d} WHERE date >= '2001-03-01' AND date < '2001-03-02' ORDER BY delay DESC, date, origin, destination, distance LIMIT 25`,
    ],
  ];
  for (const [name, ours, theirs] of questions) {
    it(name, async () => {
      const expected = await duckRows(theirs);
      expect(expected.length).toBeGreaterThan(0);
      expect(rowsOf(await db.query(ours))).toEqual(expected);
    });
  }

  it('skips row groups by statistics and reads only the referenced columns (parameters bound)', async () => {
    resetExternalReadStats();
    const rows = await db.query(`SELECT count(*) AS n, sum(distance) AS s FROM ${f} WHERE date BETWEEN ? AND ?`, ['2001-02-01 00:00:00', '2001-02-03 23:59:59']);
    const stats = externalReadStats();
    expect(rowsOf(rows)).toEqual(await duckRows(`SELECT count(*), sum(distance) FROM ${d} WHERE date BETWEEN '2001-02-01 00:00:00' AND '2001-02-03 23:59:59'`));
    // 11 row groups of ~273k rows, each about 17 days: the window is in one or two of them.
    expect(stats.rowGroupsRead).toBeLessThanOrEqual(2);
    expect(stats.rowGroupsSkipped).toBeGreaterThanOrEqual(9);
    // date and distance of at most two row groups: a fraction of the 13 MB file.
    expect(stats.bytesRead).toBeLessThan(4_000_000);
  });
});

describe('Hive-partitioned folder', () => {
  let dir: string;
  const schema: ColumnarSchema = {
    columns: [
      { name: 'id', fieldId: 1, type: 'long', nullable: false },
      { name: 'region', fieldId: 2, type: 'string', nullable: true },
      { name: 'revenue', fieldId: 3, type: 'double', nullable: true },
      { name: 'day', fieldId: 4, type: 'long', nullable: true },
    ],
  };
  const REGIONS = ['eu', 'us', 'apac', null];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dosql-hive-'));
    let id = 0;
    for (const year of [2023, 2024]) {
      for (const month of [1, 2, 3]) {
        const rows = Array.from({ length: 120 }, (_, i) => {
          id++;
          // days ascend within a file, so the two row groups of 60 rows have disjoint day ranges.
          return [BigInt(id), REGIONS[(id * 7) % 4]!, ((id * 37) % 1000) / 4, BigInt(1 + Math.floor(i / 4))];
        });
        const folder = join(dir, 'sales', `year=${year}`, `month=${month}`);
        mkdirSync(folder, { recursive: true });
        writeFileSync(join(folder, 'part-0.parquet'), writeParquet(rows, schema, { rowGroupRows: 60 }).bytes);
      }
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const glob = (): string => `${dir}/sales/**/*.parquet`;
  const duckFrom = (): string => `read_parquet('${glob()}', hive_partitioning = true)`;

  it('prunes partitions by WHERE on the keys: opens 2 of 6 files, same answer as DuckDB', async () => {
    resetExternalReadStats();
    const ours = await db.query(`SELECT region, sum(revenue) AS s, count(*) AS n FROM '${glob()}' WHERE year = 2024 AND month >= 2 GROUP BY region ORDER BY region`);
    const stats = externalReadStats();
    expect(rowsOf(ours)).toEqual(await duckRows(`SELECT region, sum(revenue), count(*) FROM ${duckFrom()} WHERE year = 2024 AND month >= 2 GROUP BY region ORDER BY region NULLS FIRST`));
    expect(stats.filesOpened).toBe(2);
    expect(stats.filesPruned).toBe(4);
  });

  it('a key compared with text converts as an INTEGER column does (year = \'2023\'), IN lists prune too', async () => {
    resetExternalReadStats();
    const ours = await db.query(`SELECT count(*) AS n, sum(id) AS s FROM '${glob()}' WHERE year = '2023' AND month IN (1, 3)`);
    expect(externalReadStats().filesOpened).toBe(2);
    expect(rowsOf(ours)).toEqual(await duckRows(`SELECT count(*), sum(id) FROM ${duckFrom()} WHERE year = 2023 AND month IN (1, 3)`));
  });

  it('every column, keys after the file columns, equals DuckDB', async () => {
    const ours = await db.query(`SELECT * FROM '${glob()}' ORDER BY id`);
    expect(Object.keys(ours[0]!)).toEqual(['id', 'region', 'revenue', 'day', 'year', 'month']);
    expect(rowsOf(ours)).toEqual(await duckRows(`SELECT id, region, revenue, day, year, month FROM ${duckFrom()} ORDER BY id`));
    expect(ours).toHaveLength(720);
  });

  it("the seed's form: a partition in the fixed part of the path, a glob below it", async () => {
    resetExternalReadStats();
    const ours = await db.query(`SELECT region, SUM(revenue) AS total_revenue, COUNT(*) AS transaction_count FROM '${dir}/sales/year=2024/*/*.parquet' WHERE month >= 2 GROUP BY region ORDER BY region`);
    expect(externalReadStats().filesOpened).toBe(2);
    expect(rowsOf(ours)).toEqual(await duckRows(`SELECT region, sum(revenue), count(*) FROM read_parquet('${dir}/sales/year=2024/*/*.parquet', hive_partitioning = true) WHERE month >= 2 GROUP BY region ORDER BY region NULLS FIRST`));
  });

  it('row groups inside the kept files are skipped by statistics on a file column', async () => {
    resetExternalReadStats();
    const ours = await db.query(`SELECT count(*) AS n, sum(revenue) AS s FROM '${glob()}' WHERE day >= 20`);
    const stats = externalReadStats();
    expect(rowsOf(ours)).toEqual(await duckRows(`SELECT count(*), sum(revenue) FROM ${duckFrom()} WHERE day >= 20`));
    // days 1..15 in the first row group of each file, 16..30 in the second.
    expect(stats.rowGroupsSkipped).toBe(6);
    expect(stats.rowGroupsRead).toBe(6);
  });

  it('joins an external table with a dosql table', async () => {
    await db.exec("CREATE TABLE targets (region TEXT PRIMARY KEY, target REAL); INSERT INTO targets VALUES ('eu', 1000), ('us', 2000), ('apac', 500)");
    const ours = await db.query(`SELECT t.region, t.target, sum(s.revenue) AS actual FROM targets t JOIN '${glob()}' AS s ON s.region = t.region WHERE s.year = 2023 GROUP BY t.region ORDER BY t.region`);
    expect(rowsOf(ours)).toEqual(
      await duckRows(`SELECT t.region, t.target, sum(s.revenue) FROM (VALUES ('eu', 1000.0), ('us', 2000.0), ('apac', 500.0)) t(region, target) JOIN ${duckFrom()} s ON s.region = t.region WHERE s.year = 2023 GROUP BY t.region, t.target ORDER BY t.region`),
    );
  });
});

describe('external tables are read-only and have no history', () => {
  const expectCode = async (p: Promise<unknown>, code: string): Promise<string> => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isDoSQLError(e, code as never), String(e)).toBe(true);
    return (e as Error).message;
  };
  it('INSERT, UPDATE and DELETE on a location are READ_ONLY', async () => {
    expect(await expectCode(db.run(`INSERT INTO '${FLIGHTS}' VALUES (1)`), 'READ_ONLY')).toContain(FLIGHTS);
    await expectCode(db.run(`UPDATE '${FLIGHTS}' SET delay = 0`), 'READ_ONLY');
    await expectCode(db.run(`DELETE FROM 'r2://bucket/x.parquet'`), 'READ_ONLY');
  });
  it('FOR SYSTEM_TIME on an external table is NOT_SUPPORTED', async () => {
    expect(await expectCode(db.query(`SELECT * FROM '${FLIGHTS}' FOR SYSTEM_TIME AS OF LSN 1`), 'NOT_SUPPORTED')).toMatch(/no history/);
  });
  it("a string that is not a location keeps SQLite's meaning: a quoted table name", async () => {
    await db.exec("CREATE TABLE plain (x INTEGER); INSERT INTO plain VALUES (7)");
    expect(await db.query("SELECT x FROM 'plain'")).toEqual([{ x: 7 }]);
  });
  it('a missing file is NOT_FOUND naming it; an unknown option INVALID_ARGUMENT', async () => {
    expect(await expectCode(db.query(`SELECT * FROM '${FLIGHTS}.missing.parquet'`), 'NOT_FOUND')).toContain('missing.parquet');
    expect(await expectCode(db.query(`SELECT * FROM '${FLIGHTS}' WITH (colour = 'red')`), 'INVALID_ARGUMENT')).toMatch(/option colour is unknown/);
  });
});
