// What every step of the demo shares: the database (the embedded default: a local folder),
// the clock that stamps commits with the flights' own dates, the flights, a loopback HTTP view
// of the folder for the external Iceberg reader, and the timings for the summary.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DB, ManualClock, type Database } from '../../src/index.js';
import { createCDC } from '../../src/cdc/index.js';
import { loadFlights, type Flights } from './data.js';
import { serveFolder, type LoopbackServer } from './http-server.js';
import { int, timed, type StepTiming } from './report.js';

export interface DemoOptions {
  /** Database folder, wiped at the start (default `.dosql/flights-demo`). */
  dir?: string;
  /** Use the first N flights in date order. */
  rows?: number;
  /** Use every k-th flight in date order (a sample spread over the whole half year). */
  every?: number;
  /** No printing and no progress bars (tests). */
  quiet?: boolean;
  /** Seed of the change stream's PRNG (default 2001). */
  seed?: number;
  /** Run step 6, the lake (default true; it streams every change again, the slowest step). */
  lake?: boolean;
  /** Step 6 streams only the daily commits of the first N flights (default: the whole history, every flight and change). */
  lakeRows?: number;
}

export interface DemoContext {
  readonly db: Database;
  /** Stamps every commit: each day's flights are committed at that day's 23:59:59 UTC. */
  readonly clock: ManualClock;
  readonly dir: string;
  readonly flights: Flights;
  readonly server: LoopbackServer;
  readonly seed: number;
  /** True when progress bars may be drawn. */
  readonly bars: boolean;
  log(line?: string): void;
  readonly timings: StepTiming[];
}

/** Replication slot of the lake step. */
export const LAKE_SLOT = 'dosql-lake';

/** The database's name; its folder is `DemoOptions.dir`. */
export const DB_NAME = 'flights-demo';

/**
 * Wipes `dir`, reads the flights (timed), serves `dir` over loopback HTTP and opens the
 * database there. The warehouse URL is the server's, so the Iceberg metadata written later
 * points at files an HTTP reader can fetch. History is kept forever: the commits are stamped
 * in 2001, so a time-based retention would already have expired every one of them.
 */
export async function openDemo(options: DemoOptions = {}): Promise<DemoContext> {
  const dir = resolve(options.dir ?? `.dosql/${DB_NAME}`);
  const quiet = options.quiet ?? false;
  const log = quiet ? (): void => undefined : (line = ''): void => console.log(line);
  const timings: StepTiming[] = [];
  rmSync(dir, { recursive: true, force: true });
  const slice = { ...(options.rows !== undefined ? { rows: options.rows } : {}), ...(options.every !== undefined ? { every: options.every } : {}) };
  const flights = await timed(timings, 'read flights-3m.parquet', (f) => f.length, () => loadFlights(slice));
  log(`read ${int(flights.length)} of ${int(flights.sourceRows)} flights; the file is ${flights.sourceSorted ? 'already in date order' : 'not in date order: sorted by date (stable)'}`);
  const server = await serveFolder(dir);
  const clock = new ManualClock(Date.UTC(2000, 11, 31, 12));
  const db = DB(DB_NAME, { path: dir, clock, retention: 'forever', warehouse: { url: `${server.url}/cold/warehouse` } });
  await db.open();
  // The lake step (lake.ts) streams the whole history: its slot keeps the log from the first commit.
  await createCDC(db).slots.createSlot(LAKE_SLOT, 0n);
  return { db, clock, dir, flights, server, seed: options.seed ?? 2001, bars: !quiet, log, timings };
}

/** Closes the database and the HTTP server (the folder stays for inspection). */
export async function closeDemo(ctx: DemoContext): Promise<void> {
  await ctx.db.close();
  await ctx.server.close();
}

/** LSN of the latest commit (db.transaction() returns the callback's value, not the commit's LSN). */
export async function latestLsn(db: Database): Promise<number> {
  return (await db.engine()).lastVisibleLsn;
}
