// The cost of reading the past: the same queries at the current LSN and AS OF an older LSN,
// on a table whose every row has three versions, all in SSTables; and the cost of creating
// a branch on a small and a large database (a manifest reference, so it should not grow
// with the data).
//
//   npm run bench -- timetravel [--n ROWS] [--lookups N] [--reps N] [--json FILE]
//
// Targets: AS OF / current <= 1.2 for scans and point lookups; branch() under 10 ms.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB, type Database } from '../src/index.js';
import { Prng } from '../src/util/prng.js';
import { describeMachine, machineInfo } from './machine.js';

interface TimeTravelRow {
  workload: string;
  current_ms: number;
  as_of_ms: number;
  /** as_of_ms / current_ms */
  ratio: number;
}

interface BranchRow {
  rows: number;
  branch_ms: number;
  delete_ms: number;
}

/** A scan on a branch beside the same scan on main, by process CPU time (target: branch <= 1.2x main). */
interface BranchScanRow {
  workload: string;
  main_cpu_ms: number;
  branch_cpu_ms: number;
  /** branch_cpu_ms / main_cpu_ms */
  ratio: number;
}

const BATCH = 10_000;

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Writes rows 0..n-1 with v = id (version 1), then `UPDATE t SET v = v + 1` twice over every
 * row, each in transactions of BATCH rows. Returns the LSN at which version 1 was complete.
 */
async function load(db: Database, n: number, log: (s: string) => void): Promise<number> {
  await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT)');
  let t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    await db.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + BATCH); j++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [j, j, `row-${j}`]);
    });
  }
  const oldLsn = (await db.engine()).lastVisibleLsn;
  log(`  version 1: ${n} inserts in ${Math.round(performance.now() - t0)} ms (old point: LSN ${oldLsn})`);
  for (let round = 2; round <= 3; round++) {
    t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) await db.run('UPDATE t SET v = v + 1 WHERE id >= ? AND id < ?', [i, i + BATCH]);
    log(`  version ${round}: ${n} updates in ${Math.round(performance.now() - t0)} ms`);
  }
  return oldLsn;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Scans on a branch created from `db`'s main (its rows in SSTables) after 100 branch
 * updates that keep every v (so answers on both branches are equal and checked), beside the
 * same scans on main, alternating, by process CPU time (the machine may be shared): a full
 * count/sum and 20 rowid range sums of 1,000 rows. Median over `reps` rounds after a warm one.
 */
async function branchScans(db: Database, n: number, reps: number): Promise<BranchScanRow[]> {
  await db.branch('scan');
  await db.checkout('scan');
  for (let j = 0; j < 100; j++) await db.run('UPDATE t SET v = v + 0, s = s WHERE id = ?', [(j * 7919) % n]);
  const full = 'SELECT count(*) AS c, sum(v) AS s FROM t';
  const range = 'SELECT count(*) AS c, sum(v) AS s FROM t WHERE id BETWEEN ? AND ?';
  const span = Math.min(1000, n);
  const starts = Array.from({ length: 20 }, (_, k) => Math.floor((k * (n - span)) / 20));
  const cpu: Record<string, number[]> = {};
  const answers = new Map<string, string>();
  for (let r = 0; r <= reps; r++) {
    for (const br of ['main', 'scan']) {
      await db.checkout(br);
      const c0 = cpuMs();
      const a = JSON.stringify(await db.queryOne(full));
      const c1 = cpuMs();
      const b: unknown[] = [];
      for (const lo of starts) b.push(await db.queryOne(range, [lo, lo + span - 1]));
      const c2 = cpuMs();
      const got = a + JSON.stringify(b);
      const seen = answers.get(br === 'main' ? 'scan' : 'main');
      if (seen !== undefined && seen !== got) throw new Error(`timetravel: scans on branch ${br} differ from the other branch's`);
      answers.set(br, got);
      if (r === 0) continue;
      (cpu[`full ${br}`] ??= []).push(c1 - c0);
      (cpu[`range ${br}`] ??= []).push(c2 - c1);
    }
  }
  await db.checkout('main');
  await db.deleteBranch('scan', { force: true });
  const row = (workload: string, k: string): BranchScanRow => {
    const m = median(cpu[`${k} main`]!);
    const b = median(cpu[`${k} scan`]!);
    return { workload, main_cpu_ms: m, branch_cpu_ms: b, ratio: b / m };
  };
  return [row(`full scan count(*), sum(v) (${n} rows)`, 'full'), row(`20 rowid ranges of ${span} rows`, 'range')];
}

/** Median ms of `branch(name)` and of `deleteBranch(name)` over `reps` pairs. */
async function branchTimes(db: Database, reps: number): Promise<{ branch: number; del: number }> {
  const b: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < reps; i++) {
    b.push(await timed(() => db.branch('b1')));
    d.push(await timed(() => db.deleteBranch('b1', { force: true })));
  }
  return { branch: median(b), del: median(d) };
}

export async function main(args: string[]): Promise<void> {
  const n = arg(args, '--n', 1_000_000);
  const lookups = arg(args, '--lookups', 10_000);
  const reps = arg(args, '--reps', 5);
  const jsonAt = args.indexOf('--json');
  const dir = mkdtempSync(join(tmpdir(), 'dosql-bench-tt-'));
  console.log(`time-travel benchmark: ${n} rows x 3 versions, ${lookups} point lookups, median of ${reps}`);
  console.log(`machine: ${describeMachine(machineInfo(dir))}`);
  const rows: TimeTravelRow[] = [];
  const branches: BranchRow[] = [];
  let scanRows: BranchScanRow[] = [];
  const log = (s: string): void => console.log(s);
  try {
    const db = DB('tt', { path: join(dir, 'big'), durability: 'normal', retention: 'forever' });
    const oldLsn = await load(db, n, log);
    await (await db.engine()).flush();
    const asOf = `FOR SYSTEM_TIME AS OF LSN ${oldLsn}`;

    // Measured twice: right after loading (versions spread over flushed files), and after a
    // full compaction (each key's versions side by side, as a settled database keeps them).
    const measure = async (state: string): Promise<void> => {
      // (a) Full scan. Version 1 has v = id; the current version v = id + 2.
      const firstSum = (n * (n - 1)) / 2;
      const scans: Record<'cur' | 'old', number[]> = { cur: [], old: [] };
      for (let r = 0; r <= reps; r++) {
        for (const [which, sql, sum] of [
          ['cur', 'SELECT count(*) AS c, sum(v) AS s FROM t', firstSum + 2 * n],
          ['old', `SELECT count(*) AS c, sum(v) AS s FROM t ${asOf}`, firstSum],
        ] as const) {
          let got: { c: number; s: number } | undefined;
          const ms = await timed(async () => (got = await db.queryOne<{ c: number; s: number }>(sql)));
          if (got?.c !== n || got.s !== sum) throw new Error(`timetravel: ${sql} returned ${JSON.stringify(got)}, expected count ${n}, sum ${sum}`);
          if (r > 0) scans[which].push(ms); // the first round warms the block cache
        }
      }
      rows.push({ workload: `full scan count(*), sum(v) — ${state}`, current_ms: median(scans.cur), as_of_ms: median(scans.old), ratio: 0 });

      // (b) Prepared point lookups by primary key, the same random keys at both points.
      const rng = new Prng(7);
      const keys = Array.from({ length: lookups }, () => rng.int(n));
      const cur = db.prepare('SELECT v FROM t WHERE id = ?').pluck();
      const old = db.prepare(`SELECT v FROM t ${asOf} WHERE id = ?`).pluck();
      const points: Record<'cur' | 'old', number[]> = { cur: [], old: [] };
      for (let r = 0; r <= reps; r++) {
        for (const [which, stmt, delta] of [
          ['cur', cur, 2],
          ['old', old, 0],
        ] as const) {
          const ms = await timed(async () => {
            for (const k of keys) {
              const v = await stmt.get<number>(k);
              if (v !== k + delta) throw new Error(`timetravel: ${stmt.source} with id ${k} returned ${v}, expected ${k + delta}`);
            }
          });
          if (r > 0) points[which].push(ms);
        }
      }
      rows.push({ workload: `${lookups} point lookups by id — ${state}`, current_ms: median(points.cur), as_of_ms: median(points.old), ratio: 0 });
    };
    await measure('after flush');
    await (await db.engine()).compact({ full: true });
    await measure('after full compaction');
    for (const row of rows) row.ratio = row.as_of_ms / row.current_ms;

    // (c) Scans on a branch of this database vs the same scans on main.
    scanRows = await branchScans(db, n, reps);
    // (d) Branch creation on this database and on a small one.
    const bigTimes = await branchTimes(db, Math.max(reps, 10));
    await db.close();
    const small = DB('small', { path: join(dir, 'small'), durability: 'normal', retention: 'forever' });
    await small.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT)');
    await small.transaction(async (tx) => {
      for (let j = 0; j < 1000; j++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [j, j, `row-${j}`]);
    });
    await (await small.engine()).flush();
    const smallTimes = await branchTimes(small, Math.max(reps, 10));
    await small.close();
    branches.push({ rows: 1000, branch_ms: smallTimes.branch, delete_ms: smallTimes.del });
    branches.push({ rows: n, branch_ms: bigTimes.branch, delete_ms: bigTimes.del });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const f = (x: number): string => x.toFixed(x < 10 ? 2 : 1);
  console.log('');
  console.log('| workload | current ms | AS OF LSN ms | AS OF / current |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.workload} | ${f(r.current_ms)} | ${f(r.as_of_ms)} | ${r.ratio.toFixed(2)} |`);
  console.log('');
  console.log('| database rows | branch() ms | deleteBranch() ms |');
  console.log('| ---: | ---: | ---: |');
  for (const b of branches) console.log(`| ${b.rows.toLocaleString('en-US')} | ${f(b.branch_ms)} | ${f(b.delete_ms)} |`);
  console.log('');
  console.log('| scan | main cpu ms | branch cpu ms | branch / main |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of scanRows) console.log(`| ${r.workload} | ${f(r.main_cpu_ms)} | ${f(r.branch_cpu_ms)} | ${r.ratio.toFixed(2)} |`);
  console.log('answers checked: current sum = first-version sum + 2n, AS OF sum = first-version sum; every lookup');
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ machine: machineInfo(), n, lookups, reps, rows, branches, branch_scans: scanRows }, null, 2));
}
