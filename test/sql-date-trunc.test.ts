// date_trunc(unit, time-value), the PostgreSQL/DuckDB function seed 004's telemetry query uses:
// dosql's answers equal DuckDB's date_trunc over the same TIMESTAMPs (rendered as SQLite's
// datetime text) for every unit, on random instants and on the edges of weeks, quarters,
// years and centuries; unknown units are an error naming the unit; NULL in, NULL out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB, type Database } from '../src/index.js';

interface Duck {
  runAndReadAll(sql: string): Promise<{ getRowsJS(): unknown[][] }>;
}

let db: Database;
let duck: Duck;

beforeAll(async () => {
  db = DB('date-trunc', { storage: 'memory' });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  duck = (await (await DuckDBInstance.create(':memory:')).connect()) as unknown as Duck;
});
afterAll(async () => {
  await db?.close();
});

const UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function instants(): string[] {
  const r = rng(2026);
  const out = ['2000-01-01 00:00:00', '1999-12-31 23:59:59', '2001-01-01 00:00:00', '1901-01-01 00:00:00', '2026-12-07 14:27:56', '2026-12-06 23:59:59', '2026-12-07 00:00:00', '2024-02-29 12:00:00', '2025-03-31 23:59:59', '2025-04-01 00:00:00', '2025-06-30 08:00:00', '2025-10-01 00:00:01'];
  const lo = Date.UTC(1700, 0, 1);
  const hi = Date.UTC(2300, 0, 1);
  for (let i = 0; i < 300; i++) out.push(new Date(lo + Math.floor(r() * (hi - lo) / 1000) * 1000).toISOString().replace('T', ' ').slice(0, 19));
  return out;
}

describe('date_trunc', () => {
  it("equals DuckDB's date_trunc for every unit", async () => {
    const values = instants();
    for (const unit of UNITS) {
      const ours = (await db.prepare(`SELECT date_trunc('${unit}', v) FROM (${values.map((v) => `SELECT '${v}' AS v`).join(' UNION ALL ')})`).raw().all()) as string[][];
      const theirs = (await duck.runAndReadAll(`SELECT strftime(date_trunc('${unit}', TIMESTAMP '${'%'}'), '%Y-%m-%d %H:%M:%S')`.replace(`TIMESTAMP '%'`, 'v') .replace('SELECT strftime', `SELECT strftime`) + ` FROM (VALUES ${values.map((v) => `(TIMESTAMP '${v}')`).join(', ')}) AS t(v)`)).getRowsJS() as string[][];
      expect(ours.map((r) => r[0]), unit).toEqual(theirs.map((r) => r[0]));
    }
  });

  it('takes plural and upper-case units, any SQLite time value, and gives NULL for NULL or an invalid time', async () => {
    const row = (await db.prepare(`SELECT date_trunc('DAYS', '2026-12-07T14:27:56Z'), date_trunc('Hour', datetime(1765117676, 'unixepoch')), date_trunc('month', 2461016.5), date_trunc('day', NULL), date_trunc(NULL, '2026-01-01'), date_trunc('year', 'not a time')`).raw().all()) as unknown[][];
    expect(row[0]).toEqual(['2026-12-07 00:00:00', '2025-12-07 14:00:00', '2025-12-01 00:00:00', null, null, null]);
  });

  it('names an unknown unit', async () => {
    await expect(db.query("SELECT date_trunc('fortnight', '2026-01-01')")).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('"fortnight"') });
  });
});
