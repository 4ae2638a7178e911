// Step 1: the flights arrive as a time-ordered stream, one commit per day, each stamped with
// that day's date (23:59:59 UTC), so `FOR SYSTEM_TIME AS OF TIMESTAMP` finds days by their dates.
import type { BindValue } from '../../src/index.js';
import { latestLsn, type DemoContext } from './context.js';
import { splitDays, sqlTime, type Day } from './data.js';
import { progress } from './progress.js';
import { duration, int, rate } from './report.js';

export const CREATE_TABLE = 'CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)';

/** Rows per INSERT: one statement text, parsed and planned once, reused for every batch. */
const PER_INSERT = 100;
const INSERT_ONE = 'INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)';
const INSERT_MANY = `INSERT INTO flights VALUES ${Array.from({ length: PER_INSERT }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;

export interface IngestResult {
  rows: number;
  /** One per day. */
  commits: number;
  days: Day[];
  createLsn: number;
  lastLsn: number;
  /** LSN of the last commit stamped in March 2001 (undefined when the slice has no March). */
  lastMarchLsn: number | undefined;
  ms: number;
}

/** The commit time of `day`'s flights: the end of that day, UTC. */
export function endOfDay(day: string): number {
  return Date.parse(`${day}T23:59:59Z`);
}

/** Creates the table and commits the flights day by day (`db.transaction` per day). */
export async function ingest(ctx: DemoContext): Promise<IngestResult> {
  const { db, clock, flights: f } = ctx;
  const days = splitDays(f);
  const createLsn = (await db.run(CREATE_TABLE)).lsn;
  const bar = progress('ingest', f.length, 'flights', ctx.bars);
  const t0 = performance.now();
  let lastMarchLsn: number | undefined;
  const params: BindValue[] = [];
  const push = (i: number): void => {
    params.push(f.id[i]!, sqlTime(f.time[i]!), f.delay[i]!, f.distance[i]!, f.origin[i]!, f.destination[i]!);
  };
  for (const d of days) {
    clock.set(endOfDay(d.day));
    await db.transaction(async (tx) => {
      let i = d.start;
      for (; i + PER_INSERT <= d.end; i += PER_INSERT) {
        params.length = 0;
        for (let k = i; k < i + PER_INSERT; k++) push(k);
        await tx.run(INSERT_MANY, params);
      }
      for (; i < d.end; i++) {
        params.length = 0;
        push(i);
        await tx.run(INSERT_ONE, params);
      }
    });
    if (d.day.startsWith('2001-03')) lastMarchLsn = await latestLsn(db);
    bar.update(d.end, d.day);
  }
  const ms = performance.now() - t0;
  bar.stop();
  const lastLsn = await latestLsn(db);
  ctx.log(`ingested ${int(f.length)} flights in ${days.length} daily commits (LSN ${createLsn + 1}..${lastLsn}, ${days[0]?.day ?? '-'} .. ${days.at(-1)?.day ?? '-'}) in ${duration(ms)}: ${rate(f.length, ms)} rows/s`);
  return { rows: f.length, commits: days.length, days, createLsn, lastLsn, lastMarchLsn, ms };
}
