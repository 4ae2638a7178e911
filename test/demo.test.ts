// The flights demo (npm run demo, scripts/demo/) on a sample: every 100th flight in date order
// (30,000 flights over the whole half year, so March and the end-of-March point mean
// something). Its answers on unmodified data — AS OF the end of March and AS OF the snapshot
// taken before the corrections — are checked against DuckDB reading the source Parquet file
// itself; the answers after the change stream against DuckDB's count minus the cancellations;
// and the external Iceberg reader against dosql.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flightsFile } from '../bench/flights.js';
import { runDemo, type Answers, type DemoResult } from '../scripts/demo/steps.js';

const EVERY = 100;

let dir: string;
let demo: DemoResult;
let duck: DuckDBConnection;

/** Q1, Q2, Q4 from DuckDB over the sample rows matching `where`. */
async function oracle(where: string): Promise<Omit<Answers, 'ms'>> {
  const rows = async (sql: string): Promise<Record<string, unknown>[]> => (await duck.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  const q1 = (await rows(`SELECT count(*) AS n, avg(delay) AS avg_delay FROM sample WHERE ${where}`))[0]!;
  const q2 = await rows(`SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM sample WHERE ${where} GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 10`);
  const q4 = (await rows(`SELECT count(*) AS n FROM sample WHERE ${where} AND date >= TIMESTAMP '2001-03-01' AND date < TIMESTAMP '2001-04-01'`))[0]!;
  return {
    q1: { n: Number(q1.n), avgDelay: Number(q1.avg_delay) },
    q2: q2.map((r) => ({ origin: String(r.origin), n: Number(r.n), avgDelay: Number(r.avg_delay) })),
    q4: Number(q4.n),
  };
}

function expectSame(got: Answers, want: Omit<Answers, 'ms'>): void {
  expect(got.q1.n).toBe(want.q1.n);
  expect(got.q1.avgDelay).toBeCloseTo(want.q1.avgDelay!, 9);
  expect(got.q4).toBe(want.q4);
  expect(got.q2.map((r) => [r.origin, r.n])).toEqual(want.q2.map((r) => [r.origin, r.n]));
  got.q2.forEach((r, i) => expect(r.avgDelay).toBeCloseTo(want.q2[i]!.avgDelay!, 9));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dosql-demo-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  // The sample, rebuilt from the file: ids are positions in (date, file order), 1-based.
  await duck.run(`CREATE TABLE sample AS SELECT * FROM (
      SELECT row_number() OVER (ORDER BY date, file_row_number) AS id, date, delay, distance, origin, destination
      FROM read_parquet('${flightsFile()}', file_row_number = true))
    WHERE (id - 1) % ${EVERY} = 0`);
  demo = await runDemo({ dir: join(dir, 'db'), every: EVERY, quiet: true });
}, 120_000);

afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe('flights demo (every 100th flight)', () => {
  it('ingests one commit per day of the sample', async () => {
    const days = (await duck.runAndReadAll('SELECT count(DISTINCT CAST(date AS DATE)) AS d, count(*) AS n FROM sample')).getRowObjectsJS()[0]!;
    expect(demo.ingest.rows).toBe(Number(days.n));
    expect(demo.ingest.commits).toBe(Number(days.d));
    expect(demo.ingest.lastLsn - demo.ingest.createLsn).toBe(demo.ingest.commits);
  });

  it('answers AS OF the snapshot before the corrections like DuckDB on the source file', async () => {
    expectSame(demo.snapshot, await oracle('true'));
  });

  it('answers AS OF the end of March like DuckDB on the flights up to March 31', async () => {
    expect(demo.endOfMarchLsn).toBe(demo.ingest.lastMarchLsn);
    const march = await oracle("date < TIMESTAMP '2001-04-01'");
    expect(march.q4).toBeGreaterThan(0);
    expectSame(demo.endOfMarch, march);
  });

  it('after the change stream: the cancellations are gone, the corrections moved the average', async () => {
    const all = await oracle('true');
    expect(demo.changes.cancellations).toBe(Math.round(all.q1.n * 0.001));
    expect(demo.changes.corrections).toBe(Math.round(all.q1.n * 0.01));
    expect(demo.now.q1.n).toBe(all.q1.n - demo.changes.cancellations);
    expect(demo.now.q1.avgDelay).not.toBeCloseTo(all.q1.avgDelay!, 6);
  });

  it('shows the history of a flight corrected twice, its first version being the source row', async () => {
    const id = demo.changes.historyId!;
    const src = (await duck.runAndReadAll(`SELECT delay, strftime(date, '%Y-%m-%d') AS day FROM sample WHERE id = ${id}`)).getRowObjectsJS()[0]!;
    const h = demo.history;
    expect(h).toHaveLength(3);
    expect(h[0]!.delay).toBe(Number(src.delay));
    expect(h[0]!.validFrom).toBe(`${String(src.day)} 23:59:59.000`);
    expect(h[0]!.delayCause).toBeNull();
    expect(h[2]!.delayCause).not.toBeNull();
    expect(h[2]!.validTo).toBeNull();
    for (let i = 0; i < 2; i++) expect(h[i]!.validTo).toBe(h[i + 1]!.validFrom);
  });

  it('runs the what-if on a branch and merges it back', () => {
    const [main, branch] = demo.whatIf.stats;
    expect(branch.n).toBe(main.n);
    expect(branch.ordFlights).toBe(main.ordFlights);
    expect(branch.ordAvgDelay!).toBeCloseTo(main.ordAvgDelay! + 15, 9);
    expect(demo.whatIf.changed).toBe(main.ordFlights);
    expect(demo.whatIf.compare).toMatchObject({ ahead: 1, behind: 0 });
    expect(demo.whatIf.merge).toMatchObject({ changes: main.ordFlights, conflicts: 0 });
    expect(demo.published.q1.avgDelay!).toBeCloseTo(branch.avgDelay!, 9);
  });

  it('publishes Iceberg, and icebird reads the counts dosql has after the changes', () => {
    expect(demo.iceberg.n).toBe(demo.now.q1.n);
    expect(demo.published.q1.n).toBe(demo.now.q1.n);
    expect(demo.iceberg.march).toBe(demo.published.q4);
    expect(demo.iceberg.top10.map((o) => [o.origin, o.n])).toEqual(demo.published.q2.map((o) => [o.origin, o.n]));
    expect(demo.iceberg.avgDelay!).toBeCloseTo(demo.published.q1.avgDelay!, 9);
    expect(demo.agree).toBe(true);
    expect(demo.publish.lsn).toBe(demo.whatIf.merge.lsn);
  });

  it('streams the whole change history into a lake; icebird over the lake gives dosql\'s answers', () => {
    expect(demo.lake!.committedLsn).toBeGreaterThanOrEqual(demo.whatIf.merge.lsn!);
    expect(demo.lake!.counts.n).toBe(demo.published.q1.n);
    expect(demo.lake!.counts.march).toBe(demo.published.q4);
    expect(demo.lake!.counts.top10.map((o) => [o.origin, o.n])).toEqual(demo.published.q2.map((o) => [o.origin, o.n]));
    expect(demo.lake!.counts.avgDelay!).toBeCloseTo(demo.published.q1.avgDelay!, 9);
    // Partitioned by commit day: the demo stamps each day's commit with that day.
    expect(demo.lake!.partitions).toBeGreaterThan(100);
  });
});
