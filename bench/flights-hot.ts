// Flights Q1–Q5 on dosql's hot tier by process CPU time (wall clock is useless on a shared
// machine): the columnar path over SSTable images (src/cold/hot-scan.ts), the row path (the
// same query with a `WHERE 1` / `AND 1` term, which the columnar path does not take) and
// SQLite (better-sqlite3), in one process, answers checked equal. The table is loaded as
// bench/flights.ts loads it (100-row INSERTs, 10,000 a transaction), then either fully
// compacted (`--state compacted`, as bench/flights.ts) or left as written: L0/L1 SSTables plus
// the memtable (`--state written`). Also the bytes the image cache holds.
//
// `--passes P` runs the five queries P times (the first pass of a `written` state may meet
// background flushes and compactions).
//
//   npx tsx bench/flights-hot.ts [--rows N] [--reps R] [--state compacted|written] [--passes P]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DB } from '../src/index.js';
import { insertFlights, readFlights } from './flights.js';

const QUERIES: Record<string, [string, string]> = {
  Q1: ['SELECT count(*) AS n, avg(delay) AS avg_delay FROM flights', 'SELECT count(*) AS n, avg(delay) AS avg_delay FROM flights WHERE 1'],
  Q2: [
    'SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM flights GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 10',
    'SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM flights WHERE 1 GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 10',
  ],
  Q3: ['SELECT count(*) AS n, avg(distance) AS avg_distance, max(delay) AS worst FROM flights WHERE delay > 60', 'SELECT count(*) AS n, avg(distance) AS avg_distance, max(delay) AS worst FROM flights WHERE delay > 60 AND 1'],
  Q4: ["SELECT count(*) AS n FROM flights WHERE date >= '2001-03-01' AND date < '2001-04-01'", "SELECT count(*) AS n FROM flights WHERE date >= '2001-03-01' AND date < '2001-04-01' AND 1"],
  Q5: [
    'SELECT origin, destination, count(*) AS n FROM flights GROUP BY origin, destination ORDER BY 3 DESC, 1, 2 LIMIT 10',
    'SELECT origin, destination, count(*) AS n FROM flights WHERE 1 GROUP BY origin, destination ORDER BY 3 DESC, 1, 2 LIMIT 10',
  ],
};

function arg(args: string[], name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : def;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function cpu<T>(f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const c0 = cpuMs();
  const value = await f();
  return { ms: cpuMs() - c0, value };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const canon = (rows: unknown): string => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? Number(v.toPrecision(12)) : v));
const sqliteDate = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

export async function main(args: string[]): Promise<void> {
  const rows = Number(arg(args, '--rows', '300000'));
  const reps = Number(arg(args, '--reps', '5'));
  const state = arg(args, '--state', 'compacted');
  const passes = Number(arg(args, '--passes', '1'));
  const flights = await readFlights(rows);
  const dir = mkdtempSync(join(tmpdir(), 'dosql-flights-hot-'));
  try {
    const db = DB('flights', { path: join(dir, 'dosql'), durability: 'normal' });
    const create = 'CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)';
    await db.exec(create);
    const load = await cpu(async () => {
      await insertFlights(db, flights);
      if (state === 'compacted') await (await db.engine()).compact({ full: true });
    });
    const engine = await db.engine();
    const files = engine.stats();
    const lite = new Sqlite(join(dir, 'lite.db'));
    lite.pragma('journal_mode = WAL');
    lite.pragma('synchronous = NORMAL');
    lite.exec(create);
    const lins = lite.prepare('INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)');
    lite.transaction(() => {
      flights.forEach((f, k) => lins.run(k + 1, sqliteDate(f.date), f.delay, f.distance, f.origin, f.destination));
    })();
    console.log(`${flights.length} flights, state ${state}: dosql load ${load.ms.toFixed(0)} ms CPU; SSTable bytes ${files.sstBytes}, memtable ${files.memtable.entries} entries`);
    for (let pass = 1; pass <= passes; pass++) {
      console.log(`pass ${pass}: query | columnar first | columnar warm | row path warm | sqlite warm | columnar/sqlite | agree`);
      for (const [q, [sql, rowSql]] of Object.entries(QUERIES)) {
        const first = await cpu(() => db.query(sql));
        const warm: number[] = [];
        for (let i = 0; i < reps; i++) warm.push((await cpu(() => db.query(sql))).ms);
        const rowWarm: number[] = [];
        let rowValue: unknown;
        for (let i = 0; i < Math.max(1, Math.min(reps, 3)); i++) {
          const r = await cpu(() => db.query(rowSql));
          rowWarm.push(r.ms);
          rowValue = r.value;
        }
        const stmt = lite.prepare(sql);
        const liteValue = stmt.all();
        const liteWarm: number[] = [];
        for (let i = 0; i < reps; i++) liteWarm.push((await cpu(() => stmt.all())).ms);
        const agree = canon(first.value) === canon(liteValue) && canon(rowValue) === canon(liteValue);
        const c = median(warm);
        const l = median(liteWarm);
        console.log(`${q} | ${first.ms.toFixed(1)} | ${c.toFixed(1)} | ${median(rowWarm).toFixed(1)} | ${l.toFixed(1)} | ${(c / l).toFixed(2)} | ${agree ? 'yes' : 'NO'}`);
      }
    }
    const mem = process.memoryUsage();
    console.log(`image cache ${(engine.cold.imageCacheBytes / 1048576).toFixed(1)} MiB; heap used ${(mem.heapUsed / 1048576).toFixed(0)} MiB, rss ${(mem.rss / 1048576).toFixed(0)} MiB`);
    lite.close();
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
