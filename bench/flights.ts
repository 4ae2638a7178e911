// The 3,000,000 real US flights of 2001 (vega-datasets' flights-3m.parquet) on dosql, SQLite
// (better-sqlite3) and DuckDB, in one process: load, then the questions of the main job —
// Q1 count and average delay, Q2 top-10 origins, Q3 late flights, Q4 flights in March 2001,
// Q5 top-10 routes — and point lookups by primary key, on dosql's hot tier and (after
// compact({ tier: 'cold' })) its cold tier. Every engine's answers must agree; first-run and
// warm times, ratios and the cold tier's size against the source file are reported. The
// hybrid row: after the cold compaction, 1% of the rows updated and 0.1% inserted or deleted
// (committed, in the hot tier: half flushed to SSTables, half in the memtable), then Q1, Q2, Q4
// — dosql merges the runs with that hot delta (merge-on-read) — beside SQLite on the same
// changed data, answers checked equal.
//
//   npm run bench -- flights [--rows N] [--json FILE]
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import * as fzstd from 'fzstd';
import { parquetReadObjects } from 'hyparquet';
import { DB } from '../src/index.js';
import { importInto, type ImportState } from '../src/cli/import-run.js';
import type { ImportSource } from '../src/cli/import-source.js';
import type { BindValue } from '../src/sql/api/values.js';
import { Prng } from '../src/util/prng.js';
import { describeMachine, dirBytes, machineInfo } from './machine.js';

interface Flight {
  date: Date;
  delay: bigint;
  distance: bigint;
  origin: string;
  destination: string;
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
  Q3: {
    dosql: 'SELECT count(*) AS n, avg(distance) AS avg_distance, max(delay) AS worst FROM flights WHERE delay > 60',
    duck: 'SELECT count(*) AS n, avg(distance) AS avg_distance, max(delay) AS worst FROM flights WHERE delay > 60',
  },
  Q4: {
    dosql: "SELECT count(*) AS n FROM flights WHERE date >= '2001-03-01' AND date < '2001-04-01'",
    duck: "SELECT count(*) AS n FROM flights WHERE date >= TIMESTAMP '2001-03-01' AND date < TIMESTAMP '2001-04-01'",
  },
  Q5: {
    dosql: 'SELECT origin, destination, count(*) AS n FROM flights GROUP BY origin, destination ORDER BY 3 DESC, 1, 2 LIMIT 10',
    duck: 'SELECT origin, destination, count(*) AS n FROM flights GROUP BY origin, destination ORDER BY 3 DESC, 1, 2 LIMIT 10',
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

/** First run, then the median of `reps` more (warm: caches filled by the first). */
async function measure<T>(f: () => Promise<T> | T, reps = 5): Promise<{ first: number; warm: number; value: T }> {
  const first = await timed(f);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push((await timed(f)).ms);
  times.sort((a, b) => a - b);
  return { first: first.ms, warm: times[Math.floor(times.length / 2)]!, value: first.value };
}

interface Row {
  engine: string;
  step: string;
  /** Warm median (ms). */
  ms: number;
  /** First run (ms). */
  firstMs: number;
  answer: string;
}

const TARGETS = ['Q1', 'Q2', 'Q4'];

/** A change of the hybrid row, applied alike to dosql and SQLite. */
type Change = { kind: 'update'; id: number; delay: bigint } | { kind: 'insert'; id: number; f: Flight } | { kind: 'delete'; id: number };

/** 1% of the rows updated (a new delay), 0.1% inserted (new ids) or deleted, in a random order. */
function hybridChanges(flights: readonly Flight[], rng: Prng): Change[] {
  const n = flights.length;
  const out: Change[] = [];
  for (let i = 0; i < Math.ceil(n / 100); i++) out.push({ kind: 'update', id: 1 + rng.int(n), delay: BigInt(rng.int(300) - 60) });
  for (let i = 0; i < Math.ceil(n / 1000); i++) {
    if (i % 2 === 0) out.push({ kind: 'insert', id: n + 1 + i, f: flights[rng.int(n)]! });
    else out.push({ kind: 'delete', id: 1 + rng.int(n) });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The flights as `dosql import` reads a file (src/cli/import-source.ts): batches of bound values, id = position + 1. */
export function flightSource(flights: readonly Flight[]): ImportSource {
  let done = 0;
  return {
    columns: ['id', 'date', 'delay', 'distance', 'origin', 'destination'],
    types: [],
    totalRows: flights.length,
    totalBytes: flights.length,
    bytesRead: () => done,
    async *batches() {
      for (let i = 0; i < flights.length; i += 10_000) {
        const out: BindValue[][] = [];
        for (let k = i; k < Math.min(flights.length, i + 10_000); k++) {
          const f = flights[k]!;
          out.push([k + 1, sqliteDate(f.date), f.delay, f.distance, f.origin, f.destination]);
        }
        done += out.length;
        yield out;
      }
    },
  };
}

const CHANGE_SQL = {
  update: 'UPDATE flights SET delay = ? WHERE id = ?',
  insert: 'INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)',
  delete: 'DELETE FROM flights WHERE id = ?',
} as const;

function changeParams(c: Change): (string | number | bigint)[] {
  if (c.kind === 'update') return [c.delay, c.id];
  if (c.kind === 'delete') return [c.id];
  return [c.id, sqliteDate(c.f.date), c.f.delay, c.f.distance, c.f.origin, c.f.destination];
}

/** Loads `flights` into dosql's empty flights table by INSERTs of 100 rows, 10,000 rows per transaction (ids 1..n). */
export async function insertFlights(db: ReturnType<typeof DB>, flights: readonly Flight[]): Promise<void> {
  const per = 100;
  const insert = `INSERT INTO flights VALUES ${Array.from({ length: per }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
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
}

export async function main(args: string[]): Promise<void> {
  const ri = args.indexOf('--rows');
  const limit = ri >= 0 ? Number(args[ri + 1]) : undefined;
  const ji = args.indexOf('--json');
  // --load ingest (default): dosql loads through `dosql import`'s bulk loader; --load insert: batched INSERTs.
  const li = args.indexOf('--load');
  const load = li >= 0 ? args[li + 1] : 'ingest';
  if (load !== 'ingest' && load !== 'insert') throw new Error(`flights: --load must be ingest or insert, got ${String(load)}`);
  const loads: { engine: string; ms: number; cpuMs: number }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dosql-flights-'));
  console.log(`flights benchmark: ${flightsFile()}`);
  const machine = machineInfo(dir);
  console.log(`machine: ${describeMachine(machine)}`);
  const read = await timed(() => readFlights(limit));
  const flights = read.value;
  console.log(`read ${flights.length} flights from Parquet in ${read.ms.toFixed(0)} ms`);
  const out: Row[] = [];
  const push = (engine: string, step: string, m: { first: number; warm: number }, answer: string): void => {
    out.push({ engine, step, ms: m.warm, firstMs: m.first, answer });
    console.log(`  ${engine.padEnd(14)} ${step.padEnd(22)} first ${m.first.toFixed(1).padStart(9)} ms   warm ${m.warm.toFixed(1).padStart(9)} ms   ${answer.slice(0, 60)}`);
  };
  const rng = new Prng(5);
  const lookups = Array.from({ length: 10_000 }, () => rng.int(flights.length));
  const changes = hybridChanges(flights, rng);
  // The source file's size is comparable only when all of it is loaded.
  const sourceBytes = flights.length === 3_000_000 ? statSync(flightsFile()).size : undefined;
  let coldBytes = 0;
  let hotBytes = 0;
  try {
    // dosql
    const db = DB('flights', { path: join(dir, 'dosql'), durability: 'normal' });
    await db.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)');
    const loadCpu0 = process.cpuUsage();
    let t: { ms: number; value: unknown } = await timed(async () => {
      if (load === 'ingest') {
        // What `dosql import` runs (src/cli/import-run.ts): the bulk loader into the empty table.
        const state: ImportState = { committed: 0 };
        await importInto(db, 'flights', ['id', 'date', 'delay', 'distance', 'origin', 'destination'], flightSource(flights), { batch: 10_000, load: 'ingest' }, state);
        if (state.path !== 'ingest') throw new Error(`flights: the bulk loader did not take the table (${state.fallback ?? '?'})`);
        return;
      }
      await insertFlights(db, flights);
      // The rows end as one sorted run at the deepest level, where the bulk loader puts them.
      await (await db.engine()).compact({ full: true });
    });
    const loadCpu = process.cpuUsage(loadCpu0);
    loads.push({ engine: `dosql (${load})`, ms: t.ms, cpuMs: (loadCpu.user + loadCpu.system) / 1000 });
    push('dosql', 'load', { first: t.ms, warm: t.ms }, '');
    hotBytes = (await db.engine()).stats().sstBytes;
    for (const [q, sql] of Object.entries(QUERIES)) {
      const m = await measure(() => db.query(sql.dosql), 1);
      push('dosql', q, m, canon(m.value));
    }
    const dget = db.prepare('SELECT origin, destination, delay FROM flights WHERE id = ?');
    const lookup = async (): Promise<number> => {
      let s = 0;
      for (const id of lookups) s += Number((await dget.get<{ delay: number }>(id + 1))!.delay);
      return s;
    };
    let m: { first: number; warm: number; value: unknown } = await measure(lookup, 1);
    push('dosql', 'point lookups x10000', m, String(m.value));
    // The cold tier: the table's rows move into columnar runs (Parquet) and are published as an
    // Iceberg snapshot; the same questions then run on the columnar path.
    t = await timed(() => db.compact({ tier: 'cold' }));
    push('dosql-cold', 'load', { first: t.ms, warm: t.ms }, '');
    // The whole cold tier: columnar runs plus the Iceberg metadata (and any data-file copies).
    coldBytes = dirBytes(join(dir, 'dosql', 'cold'));
    for (const [q, sql] of Object.entries(QUERIES)) {
      const qm = await measure(() => db.query(sql.dosql), q === 'Q5' ? 1 : 5);
      push('dosql-cold', q, qm, canon(qm.value));
    }
    m = await measure(lookup, 1);
    push('dosql-cold', 'point lookups x10000', m, String(m.value));
    // The hybrid: the changes committed in the hot tier (the first half flushed to SSTables).
    for (let i = 0; i < changes.length; i += 1000) {
      await db.transaction(async (tx) => {
        for (const c of changes.slice(i, i + 1000)) await tx.run(CHANGE_SQL[c.kind], changeParams(c));
      });
      if (i < changes.length / 2 && i + 1000 >= changes.length / 2) await (await db.engine()).flush();
    }
    for (const q of TARGETS) {
      const qm = await measure(() => db.query(QUERIES[q as keyof typeof QUERIES].dosql), 5);
      push('dosql-cold', `${q} hybrid`, qm, canon(qm.value));
    }
    await db.close();

    // SQLite
    const lite = new Sqlite(join(dir, 'sqlite.db'));
    lite.pragma('journal_mode = WAL');
    lite.pragma('synchronous = NORMAL');
    lite.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)');
    const ins = lite.prepare('INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?)');
    const liteCpu0 = process.cpuUsage();
    t = await timed(() => {
      lite.transaction(() => {
        for (let k = 0; k < flights.length; k++) {
          const f = flights[k]!;
          ins.run(k + 1, sqliteDate(f.date), f.delay, f.distance, f.origin, f.destination);
        }
      })();
    });
    const liteCpu = process.cpuUsage(liteCpu0);
    loads.push({ engine: 'sqlite', ms: t.ms, cpuMs: (liteCpu.user + liteCpu.system) / 1000 });
    push('sqlite', 'load', { first: t.ms, warm: t.ms }, '');
    const rate = (ms: number): string => Math.round(flights.length / (ms / 1000)).toLocaleString('en-US');
    console.log(`  load rows/s (wall | CPU): ${loads.map((l) => `${l.engine} ${rate(l.ms)} | ${rate(l.cpuMs)}`).join('; ')}; dosql/sqlite ${(loads[1]!.ms > 0 ? loads[1]!.ms / loads[0]!.ms : 0).toFixed(2)}x wall, ${(loads[1]!.cpuMs / loads[0]!.cpuMs).toFixed(2)}x CPU`);
    for (const [q, sql] of Object.entries(QUERIES)) {
      const stmt = lite.prepare(sql.dosql);
      const qm = await measure(() => stmt.all() as Record<string, unknown>[], 5);
      push('sqlite', q, qm, canon(qm.value));
    }
    const lget = lite.prepare('SELECT origin, destination, delay FROM flights WHERE id = ?');
    m = await measure(() => {
      let s = 0;
      for (const id of lookups) s += Number((lget.get(id + 1) as { delay: number }).delay);
      return s;
    }, 3);
    push('sqlite', 'point lookups x10000', m, String(m.value));
    lite.transaction(() => {
      for (const c of changes) lite.prepare(CHANGE_SQL[c.kind]).run(...changeParams(c));
    })();
    for (const q of TARGETS) {
      const stmt = lite.prepare(QUERIES[q as keyof typeof QUERIES].dosql);
      const qm = await measure(() => stmt.all() as Record<string, unknown>[], 5);
      push('sqlite', `${q} hybrid`, qm, canon(qm.value));
    }
    lite.close();

    // DuckDB: on the source Parquet file itself (the same data, as DuckDB reads a lake), and on
    // a table loaded from it (DuckDB's own storage; the point lookups run there).
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const file = flightsFile();
    const src = limit ? `(SELECT * FROM read_parquet('${file}') LIMIT ${limit})` : `read_parquet('${file}')`;
    await duck.run(`CREATE VIEW pq AS SELECT * FROM ${src}`);
    for (const [q, sql] of Object.entries(QUERIES)) {
      const qm = await measure(async () => (await duck.runAndReadAll(sql.duck.replace('FROM flights', 'FROM pq'))).getRowObjectsJS() as Record<string, unknown>[], 5);
      push('duckdb-parquet', q, qm, canon(qm.value));
    }
    t = await timed(() => duck.run(`CREATE TABLE flights AS SELECT row_number() OVER () AS id, * FROM ${src}`));
    push('duckdb', 'load', { first: t.ms, warm: t.ms }, '');
    for (const [q, sql] of Object.entries(QUERIES)) {
      const qm = await measure(async () => (await duck.runAndReadAll(sql.duck)).getRowObjectsJS() as Record<string, unknown>[], 5);
      push('duckdb', q, qm, canon(qm.value));
    }
    const dstmt = await duck.prepare('SELECT origin, destination, delay FROM flights WHERE id = $1');
    m = await measure(async () => {
      let s = 0;
      for (const id of lookups) {
        dstmt.bindBigInt(1, BigInt(id + 1));
        s += Number((await dstmt.runAndReadAll()).getRowObjectsJS()[0]!.delay as bigint);
      }
      return s;
    }, 1);
    push('duckdb', 'point lookups x10000', m, String(m.value));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const engines = ['dosql', 'dosql-cold', 'sqlite', 'duckdb-parquet', 'duckdb'];
  const steps = ['load', ...Object.keys(QUERIES), 'point lookups x10000', ...TARGETS.map((q) => `${q} hybrid`)];
  const get = (e: string, s: string): Row | undefined => out.find((r) => r.engine === e && r.step === s);
  console.log(`\nwarm = median of repeated runs after the first; "dosql" = hot tier (row path), "dosql-cold" = after compact({ tier: 'cold' }) (its load: the cold compaction and Iceberg publish); "Qn hybrid" = after ${changes.length} committed hot changes (1% updated, 0.1% inserted or deleted), dosql merging runs and hot delta.`);
  console.log(`| step | ${engines.map((e) => `${e} ms`).join(' | ')} | sqlite / cold | cold / duckdb-parquet | answers agree |`);
  console.log(`| --- | ${engines.map(() => '---:').join(' | ')} | ---: | ---: | --- |`);
  let allAgree = true;
  const verdicts: string[] = [];
  for (const s of steps) {
    const rows = engines.map((e) => get(e, s));
    const answers = rows.filter((r): r is Row => r !== undefined && s !== 'load').map((r) => r.answer);
    const agree = answers.every((a) => a === answers[0]);
    allAgree &&= agree;
    const c = get('dosql-cold', s);
    const l = get('sqlite', s);
    const k = get('duckdb-parquet', s);
    const vsLite = c && l ? l.ms / c.ms : undefined;
    const vsDuck = c && k ? c.ms / k.ms : undefined;
    console.log(`| ${s} | ${rows.map((r) => (r ? r.ms.toFixed(1) : '-')).join(' | ')} | ${vsLite?.toFixed(2) ?? '-'} | ${vsDuck?.toFixed(2) ?? '-'} | ${s === 'load' ? '-' : agree ? 'yes' : 'NO'} |`);
    if (TARGETS.includes(s) && vsLite !== undefined && vsDuck !== undefined) {
      verdicts.push(`${s}: cold tier ${vsLite.toFixed(1)}x faster than SQLite (target >= 10: ${vsLite >= 10 ? 'met' : 'NOT met'}), ${vsDuck.toFixed(2)}x DuckDB-on-Parquet's time (target <= 3: ${vsDuck <= 3 ? 'met' : 'NOT met'})`);
    }
  }
  for (const q of TARGETS) {
    const h = get('dosql-cold', `${q} hybrid`);
    const c = get('dosql-cold', q);
    const l = get('sqlite', `${q} hybrid`);
    if (!h || !c || !l) continue;
    verdicts.push(`${q} hybrid: ${(h.ms / c.ms).toFixed(2)}x the pure-cold time (target <= 2: ${h.ms <= 2 * c.ms ? 'met' : 'NOT met'}), ${(l.ms / h.ms).toFixed(1)}x faster than SQLite on the same changed data (target >= 10: ${l.ms >= 10 * h.ms ? 'met' : 'NOT met'})`);
  }
  for (const v of verdicts) console.log(v);
  if (sourceBytes) console.log(`space: cold tier (runs + Iceberg files) ${coldBytes} bytes = ${(coldBytes / sourceBytes).toFixed(2)}x the source Parquet (${sourceBytes} bytes; target <= 1.5); hot tier (SSTables) ${hotBytes} bytes = ${(hotBytes / sourceBytes).toFixed(2)}x`);
  for (const q of Object.keys(QUERIES)) console.log(`${q}: ${get('dosql', q)!.answer.slice(0, 160)}`);
  if (ji >= 0) writeFileSync(args[ji + 1]!, JSON.stringify({ machine, flights: flights.length, sourceBytes, coldBytes, hotBytes, rows: out }, null, 2));
  if (!allAgree) throw new Error('flights: the engines disagree (see the table)');
}
