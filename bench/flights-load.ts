// The flights load alone, by process CPU time: dosql's bulk loader (`dosql import`'s
// importInto, as bench/flights.ts runs it) and SQLite (better-sqlite3 prepared INSERTs in one
// transaction), each timed from the same in-memory rows (the Parquet read is outside both).
// One engine per process so a profile (`node --cpu-prof`) or an old build can be compared
// run by run:
//
//   npx tsx bench/flights-load.ts --rows 300000 --engine dosql|sqlite [--reps 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DB } from '../src/index.js';
import { importInto, type ImportState } from '../src/cli/import-run.js';
import { flightSource, readFlights, sqliteDate } from './flights.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const rows = Number(arg('rows', '300000'));
const engine = arg('engine', 'dosql');
const reps = Number(arg('reps', '1'));
const flights = await readFlights(rows);
const DDL = 'CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)';
for (let r = 0; r < reps; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-flights-load-'));
  try {
    let cpu: NodeJS.CpuUsage;
    let t0 = 0;
    let wall = 0;
    if (engine === 'dosql') {
      const db = DB('flights', { path: join(dir, 'dosql'), durability: 'normal' });
      await db.exec(DDL);
      t0 = performance.now();
      const c0 = process.cpuUsage();
      const state: ImportState = { committed: 0 };
      await importInto(db, 'flights', ['id', 'date', 'delay', 'distance', 'origin', 'destination'], flightSource(flights), { batch: 10_000, load: 'ingest' }, state);
      cpu = process.cpuUsage(c0);
      wall = performance.now() - t0;
      if (state.path !== 'ingest') throw new Error(`bulk loader not taken: ${state.fallback ?? '?'}`);
      await db.close();
    } else {
      const lite = new Sqlite(join(dir, 'sqlite.db'));
      lite.pragma('journal_mode = WAL');
      lite.pragma('synchronous = NORMAL');
      lite.exec(DDL);
      const ins = lite.prepare('INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)');
      t0 = performance.now();
      const c0 = process.cpuUsage();
      lite.transaction(() => {
        for (let k = 0; k < flights.length; k++) {
          const f = flights[k]!;
          ins.run(k + 1, sqliteDate(f.date), f.delay, f.distance, f.origin, f.destination);
        }
      })();
      cpu = process.cpuUsage(c0);
      wall = performance.now() - t0;
      lite.close();
    }
    const ms = (cpu.user + cpu.system) / 1000;
    console.log(JSON.stringify({ engine, rows: flights.length, cpuMs: Math.round(ms), wallMs: Math.round(wall), rowsPerCpuS: Math.round(flights.length / (ms / 1000)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
