// The 3,000,000 real US flights of 2001 (vega-datasets' flights-3m.parquet) on dosql, SQLite
// (better-sqlite3) and DuckDB, in one process: load, then the questions of the main job —
// Q1 count and average delay, Q2 top-10 origins, Q4 flights in March 2001 — and point
// lookups by primary key. Every engine's answers must agree; times and ratios are reported.
//
//   npm run bench -- flights [--rows N] [--json FILE]
//
// dosql runs on its hot tier (SSTables) until the cold tier lands (docs/design/cold-tier.md).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import * as fzstd from 'fzstd';
import { parquetReadObjects } from 'hyparquet';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';
import { describeMachine, machineInfo } from './machine.js';

interface Flight {
  date: Date;
  delay: bigint;
  distance: bigint;
  origin: string;
  destination: string;
}

interface Row {
  engine: string;
  step: string;
  ms: number;
  answer: string;
}

/** Path of flights-3m.parquet in the installed vega-datasets package (its exports hide data/). */
export function flightsFile(): string {
  const entry = createRequire(import.meta.url).resolve('vega-datasets'); // <pkg>/build/index.js
  return join(dirname(dirname(entry)), 'data', 'flights-3m.parquet');
}

/** Reads the flights (ZSTD pages via fzstd). Dates become SQLite datetime text. */
export async function readFlights(rows?: number): Promise<Flight[]> {
  const buf = readFileSync(flightsFile());
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const opts = { file, compressors: { ZSTD: (input: Uint8Array, n: number) => fzstd.decompress(input, new Uint8Array(n)) }, ...(rows ? { rowEnd: rows } : {}) };
  return (await parquetReadObjects(opts)) as unknown as Flight[];
}

const sqliteDate = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

const QUERIES = {
  Q1: { dosql: 'SELECT count(*) AS n, avg(delay) AS avg_delay FROM flights', duck: 'SELECT count(*) AS n, avg(delay) AS avg_delay FROM flights' },
  Q2: {
    dosql: 'SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM flights GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 10',
    duck: 'SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM flights GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 10',
  },
  Q4: {
    dosql: "SELECT count(*) AS n FROM flights WHERE date >= '2001-03-01' AND date < '2001-04-01'",
    duck: "SELECT count(*) AS n FROM flights WHERE date >= TIMESTAMP '2001-03-01' AND date < TIMESTAMP '2001-04-01'",
  },
} as const;

/** Answers rounded so engines that sum in different orders still compare equal. */
function canon(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows.map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(6)) : v))));
}

async function timed<T>(f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

export async function main(args: string[]): Promise<void> {
  const ri = args.indexOf('--rows');
  const limit = ri >= 0 ? Number(args[ri + 1]) : undefined;
  const ji = args.indexOf('--json');
  const dir = mkdtempSync(join(tmpdir(), 'dosql-flights-'));
  console.log(`flights benchmark: ${flightsFile()}`);
  console.log(`machine: ${describeMachine(machineInfo(dir))}`);
  const read = await timed(() => readFlights(limit));
  const flights = read.value;
  console.log(`read ${flights.length} flights from Parquet in ${read.ms.toFixed(0)} ms`);
  const out: Row[] = [];
  const rng = new Prng(5);
  const lookups = Array.from({ length: 10_000 }, () => rng.int(flights.length));
  try {
    // dosql
    const db = DB('flights', { path: join(dir, 'dosql'), durability: 'normal' });
    await db.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)');
    const per = 100;
    const insert = `INSERT INTO flights VALUES ${Array.from({ length: per }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
    let t: { ms: number; value: unknown } = await timed(async () => {
      for (let i = 0; i < flights.length; i += 10_000) {
        await db.transaction(async (tx) => {
          for (let j = i; j < Math.min(flights.length, i + 10_000); j += per) {
            const params: (string | number | bigint)[] = [];
            const end = Math.min(flights.length, j + per);
            for (let k = j; k < end; k++) {
              const f = flights[k]!;
              params.push(k + 1, sqliteDate(f.date), f.delay, f.distance, f.origin, f.destination);
            }
            if (end - j === per) await tx.run(insert, params);
            else for (let k = 0; k < params.length; k += 6) await tx.run('INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)', params.slice(k, k + 6));
          }
        });
      }
      await (await db.engine()).flush();
    });
    out.push({ engine: 'dosql', step: 'load', ms: t.ms, answer: '' });
    for (const [q, sql] of Object.entries(QUERIES)) {
      const r = await timed(() => db.query(sql.dosql));
      out.push({ engine: 'dosql', step: q, ms: r.ms, answer: canon(r.value) });
    }
    // The cold tier: publish (current-state Parquet + Iceberg snapshot), then the same questions
    // run from the columnar files.
    t = await timed(() => db.compact({ full: true, tier: 'cold' }));
    out.push({ engine: 'dosql-cold', step: 'load', ms: t.ms, answer: '' });
    for (const [q, sql] of Object.entries(QUERIES)) {
      await db.query(sql.dosql); // first run opens the file
      const r = await timed(() => db.query(sql.dosql));
      out.push({ engine: 'dosql-cold', step: q, ms: r.ms, answer: canon(r.value) });
    }
    const dget = db.prepare('SELECT origin, destination, delay FROM flights WHERE id = ?');
    t = await timed(async () => {
      let s = 0;
      for (const id of lookups) s += Number((await dget.get<{ delay: number }>(id + 1))!.delay);
      return s;
    });
    out.push({ engine: 'dosql', step: 'point lookups x10000', ms: t.ms, answer: String(t.value) });
    await db.close();

    // SQLite
    const lite = new Sqlite(join(dir, 'sqlite.db'));
    lite.pragma('journal_mode = WAL');
    lite.pragma('synchronous = NORMAL');
    lite.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)');
    const ins = lite.prepare('INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)');
    t = await timed(() => {
      lite.transaction(() => {
        for (let k = 0; k < flights.length; k++) {
          const f = flights[k]!;
          ins.run(k + 1, sqliteDate(f.date), f.delay, f.distance, f.origin, f.destination);
        }
      })();
    });
    out.push({ engine: 'sqlite', step: 'load', ms: t.ms, answer: '' });
    for (const [q, sql] of Object.entries(QUERIES)) {
      const r = await timed(() => lite.prepare(sql.dosql).all() as Record<string, unknown>[]);
      out.push({ engine: 'sqlite', step: q, ms: r.ms, answer: canon(r.value) });
    }
    const lget = lite.prepare('SELECT origin, destination, delay FROM flights WHERE id = ?');
    t = await timed(() => {
      let s = 0;
      for (const id of lookups) s += Number((lget.get(id + 1) as { delay: number }).delay);
      return s;
    });
    out.push({ engine: 'sqlite', step: 'point lookups x10000', ms: t.ms, answer: String(t.value) });
    lite.close();

    // DuckDB, on the same Parquet file (loaded into a table with the same ids).
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const src = limit ? `(SELECT * FROM read_parquet('${flightsFile()}') LIMIT ${limit})` : `read_parquet('${flightsFile()}')`;
    t = await timed(() => duck.run(`CREATE TABLE flights AS SELECT row_number() OVER () AS id, * FROM ${src}`));
    out.push({ engine: 'duckdb', step: 'load', ms: t.ms, answer: '' });
    for (const [q, sql] of Object.entries(QUERIES)) {
      const r = await timed(async () => (await duck.runAndReadAll(sql.duck)).getRowObjectsJS() as Record<string, unknown>[]);
      out.push({ engine: 'duckdb', step: q, ms: r.ms, answer: canon(r.value) });
    }
    const dstmt = await duck.prepare('SELECT origin, destination, delay FROM flights WHERE id = $1');
    t = await timed(async () => {
      let s = 0;
      for (const id of lookups) {
        dstmt.bindBigInt(1, BigInt(id + 1));
        s += Number((await dstmt.runAndReadAll()).getRowObjectsJS()[0]!.delay as bigint);
      }
      return s;
    });
    out.push({ engine: 'duckdb', step: 'point lookups x10000', ms: t.ms, answer: String(t.value) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const steps = ['load', 'Q1', 'Q2', 'Q4', 'point lookups x10000'];
  console.log('\n"dosql" = hot tier (row path); "cold" = after compact({ full: true, tier: \'cold\' }) (its load column: the publish).');
  console.log('| step | dosql ms | cold ms | sqlite ms | duckdb ms | sqlite / cold | duckdb / cold | answers agree |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  let allAgree = true;
  for (const s of steps) {
    const [d, c, l, k] = ['dosql', 'dosql-cold', 'sqlite', 'duckdb'].map((e) => out.find((r) => r.engine === e && r.step === s));
    const agree = s === 'load' || (d!.answer === l!.answer && d!.answer === k!.answer && (!c || c.answer === d!.answer));
    allAgree &&= agree;
    const cm = c ? c.ms.toFixed(1) : '-';
    console.log(`| ${s} | ${d!.ms.toFixed(1)} | ${cm} | ${l!.ms.toFixed(1)} | ${k!.ms.toFixed(1)} | ${c ? (l!.ms / c.ms).toFixed(2) : '-'} | ${c ? (k!.ms / c.ms).toFixed(2) : '-'} | ${s === 'load' ? '-' : agree ? 'yes' : 'NO'} |`);
  }
  for (const q of ['Q1', 'Q2', 'Q4']) console.log(`${q}: ${out.find((r) => r.engine === 'dosql' && r.step === q)!.answer.slice(0, 160)}`);
  if (ji >= 0) writeFileSync(args[ji + 1]!, JSON.stringify({ machine: machineInfo(), flights: flights.length, rows: out }, null, 2));
  if (!allAgree) throw new Error('flights: the engines disagree (see the table)');
}
