// SQL point reads and inserts through the public API, beside better-sqlite3 in the same
// run: prepared `SELECT * FROM t WHERE id = ?` by random primary key, batched inserts, and a
// secondary-index range (`CREATE INDEX t_score ON t(score)`, `score BETWEEN ? AND ?`, ~30 rows);
// single-row autocommit inserts (--single rows, default 20,000: one commit per row, into a
// table `s` of their own); then window functions (a running sum and rank() per partition,
// sql-window.ts) over --window-rows rows (default 1,000,000; 0 skips them). Each measurement
// starts once the process is quiet (settle.ts): dosql's background work must not land in
// SQLite's figures, nor in dosql's own next one.
//
//   npm run bench -- sql [--n ROWS] [--ops N] [--range-ops N] [--single N] [--window-rows N] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';
import { settle } from './settle.js';
import { describeMachine, machineInfo } from './machine.js';
import { windowBench } from './sql-window.js';

/** Secondary-index range query (after the flush: the rows and the index built from SSTables). */
const RANGE_SQL = 'SELECT id, name FROM t WHERE score BETWEEN ? AND ?';
const RANGE_WORKLOAD = 'index range (~30 rows, after flush)';
/** One `INSERT` per commit (durability 'normal' / synchronous=NORMAL: written to the OS, not synced). */
const SINGLE_SQL = 'INSERT INTO s VALUES (?, ?, ?)';
const SINGLE_WORKLOAD = 'insert (single-row autocommit)';

interface SqlRow {
  engine: string;
  workload: string;
  ops_per_sec: number;
}

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

export async function main(args: string[]): Promise<void> {
  const n = arg(args, '--n', 100_000);
  const ops = arg(args, '--ops', 300_000);
  const windowRows = arg(args, '--window-rows', 1_000_000);
  const jsonAt = args.indexOf('--json');
  const dir = mkdtempSync(join(tmpdir(), 'dosql-bench-sql-'));
  console.log(`sql benchmark: ${n} rows, ${ops} prepared point selects by primary key`);
  console.log(`machine: ${describeMachine(machineInfo(dir))}`);
  const rows: SqlRow[] = [];
  const rng = new Prng(7);
  const keys = Array.from({ length: ops }, () => rng.int(n));
  const payload = (i: number): string => `row-${i}-${'x'.repeat(40)}`;
  const rangeOps = arg(args, '--range-ops', 20_000);
  const single = arg(args, '--single', 20_000);
  // score = id / 3: each range [lo, lo + 10] holds ~30 rows.
  const ranges = Array.from({ length: rangeOps }, () => rng.int(Math.max(1, Math.floor(n / 3) - 10)));
  try {
    // dosql, in a folder with durability 'normal' (better-sqlite3 below uses WAL + synchronous=NORMAL).
    const db = DB('bench', { path: join(dir, 'dosql'), durability: 'normal' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
    await settle();
    let t0 = performance.now();
    for (let i = 0; i < n; i += 1000) {
      await db.transaction(async (tx) => {
        for (let j = i; j < Math.min(n, i + 1000); j++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [j, payload(j), j / 3]);
      });
    }
    rows.push({ engine: 'dosql', workload: 'insert (batches of 1000)', ops_per_sec: n / ((performance.now() - t0) / 1000) });
    const sel = db.prepare('SELECT * FROM t WHERE id = ?');
    for (let i = 0; i < 20_000; i++) await sel.get(keys[i]!);
    await settle();
    t0 = performance.now();
    for (let i = 0; i < ops; i++) await sel.get(keys[i]!);
    rows.push({ engine: 'dosql', workload: 'point select by primary key', ops_per_sec: ops / ((performance.now() - t0) / 1000) });
    // The same reads once the rows live in SSTables (flushed, block cache warm).
    await (await db.engine()).flush();
    for (let i = 0; i < 20_000; i++) await sel.get(keys[i]!);
    await settle();
    t0 = performance.now();
    for (let i = 0; i < ops; i++) await sel.get(keys[i]!);
    rows.push({ engine: 'dosql', workload: 'point select (after flush)', ops_per_sec: ops / ((performance.now() - t0) / 1000) });
    await db.exec('CREATE INDEX t_score ON t(score)');
    const dr = db.prepare(RANGE_SQL);
    for (let i = 0; i < 1000; i++) await dr.all(ranges[i]!, ranges[i]! + 10);
    await settle();
    t0 = performance.now();
    for (let i = 0; i < rangeOps; i++) await dr.all(ranges[i]!, ranges[i]! + 10);
    rows.push({ engine: 'dosql', workload: RANGE_WORKLOAD, ops_per_sec: rangeOps / ((performance.now() - t0) / 1000) });
    if (single > 0) {
      await db.exec('CREATE TABLE s(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
      await settle();
      t0 = performance.now();
      for (let j = 0; j < single; j++) await db.run(SINGLE_SQL, [j, payload(j), j / 3]);
      rows.push({ engine: 'dosql', workload: SINGLE_WORKLOAD, ops_per_sec: single / ((performance.now() - t0) / 1000) });
    }
    await db.close();

    const lite = new Sqlite(join(dir, 'sqlite.db'));
    lite.pragma('journal_mode = WAL');
    lite.pragma('synchronous = NORMAL');
    lite.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
    const lins = lite.prepare('INSERT INTO t VALUES (?, ?, ?)');
    await settle();
    t0 = performance.now();
    for (let i = 0; i < n; i += 1000) {
      lite.transaction(() => {
        for (let j = i; j < Math.min(n, i + 1000); j++) lins.run(j, payload(j), j / 3);
      })();
    }
    rows.push({ engine: 'sqlite', workload: 'insert (batches of 1000)', ops_per_sec: n / ((performance.now() - t0) / 1000) });
    const lsel = lite.prepare('SELECT * FROM t WHERE id = ?');
    for (let i = 0; i < 20_000; i++) lsel.get(keys[i]!);
    await settle();
    t0 = performance.now();
    for (let i = 0; i < ops; i++) lsel.get(keys[i]!);
    rows.push({ engine: 'sqlite', workload: 'point select by primary key', ops_per_sec: ops / ((performance.now() - t0) / 1000) });
    lite.exec('CREATE INDEX t_score ON t(score)');
    const lr = lite.prepare(RANGE_SQL);
    for (let i = 0; i < 1000; i++) lr.all(ranges[i]!, ranges[i]! + 10);
    await settle();
    t0 = performance.now();
    for (let i = 0; i < rangeOps; i++) lr.all(ranges[i]!, ranges[i]! + 10);
    rows.push({ engine: 'sqlite', workload: RANGE_WORKLOAD, ops_per_sec: rangeOps / ((performance.now() - t0) / 1000) });
    if (single > 0) {
      lite.exec('CREATE TABLE s(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
      const ls = lite.prepare(SINGLE_SQL);
      await settle();
      t0 = performance.now();
      for (let j = 0; j < single; j++) ls.run(j, payload(j), j / 3);
      rows.push({ engine: 'sqlite', workload: SINGLE_WORKLOAD, ops_per_sec: single / ((performance.now() - t0) / 1000) });
    }
    lite.close();
    if (windowRows > 0) rows.push(...(await windowBench(dir, windowRows)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of rows) console.log(`${r.engine.padEnd(8)} ${r.workload.padEnd(30)} ${Math.round(r.ops_per_sec).toString().padStart(9)} ops/s`);
  for (const w of ['insert (batches of 1000)', SINGLE_WORKLOAD, 'point select by primary key', 'point select (after flush)', RANGE_WORKLOAD]) {
    const d = rows.find((r) => r.engine === 'dosql' && r.workload === w);
    const s = rows.find((r) => r.engine === 'sqlite' && r.workload === (w === 'point select (after flush)' ? 'point select by primary key' : w));
    if (!d || !s) continue;
    console.log(`ratio dosql/sqlite ${w}: ${(d.ops_per_sec / s.ops_per_sec).toFixed(2)}`);
  }
  const wd = rows.find((r) => r.engine === 'dosql' && r.workload.startsWith('window'));
  const ws = rows.find((r) => r.engine === 'sqlite' && r.workload.startsWith('window'));
  if (wd && ws) console.log(`ratio dosql/sqlite window (${windowRows} rows): ${(wd.ops_per_sec / ws.ops_per_sec).toFixed(2)}`);
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ machine: machineInfo(), rows }, null, 2));
}
