// Process-CPU-time comparison of dosql and better-sqlite3 on the bench/sql.ts workloads,
// interleaved in one process (wall clock is useless on a shared machine: process.cpuUsage
// counts only this process's user+system time). Prints the median dosql/sqlite ratio of
// ops per CPU-second per workload over `--reps` rounds.
//
// process.cpuUsage counts every thread of the process, so each measurement starts once the
// process is quiet (`settle`): dosql's background work (the flush worker it starts a quarter
// of the way into the first memtable, concurrent GC) otherwise lands in whatever is measured
// next — it was charged to SQLite's inserts, which made dosql look ~4x better than it is.
// What settling took after dosql's inserts is printed as "background".
//
//   npx tsx bench/sql-cpu.ts [--n ROWS] [--ops N] [--range-ops N] [--reps R] [--only a,b]
//   (workloads: insert, single, point, agg, flush, range)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';
import { settle } from './settle.js';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function timed(f: () => Promise<void> | void): Promise<number> {
  await settle();
  const c0 = cpuMs();
  await f();
  return cpuMs() - c0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(args: string[]): Promise<void> {
  const n = arg(args, '--n', 50_000);
  const ops = arg(args, '--ops', 50_000);
  const reps = arg(args, '--reps', 3);
  const single = arg(args, '--single', 5_000);
  const rangeOps = arg(args, '--range-ops', 5_000);
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]!.split(',')) : null;
  const want = (w: string): boolean => only === null || only.has(w);
  const payload = (i: number): string => `row-${i}-${'x'.repeat(40)}`;
  const rng = new Prng(7);
  const keys = Array.from({ length: ops }, () => rng.int(n));
  const ratios = new Map<string, number[]>();
  const note = (w: string, dosqlMs: number, sqliteMs: number): void => {
    const r = sqliteMs / dosqlMs;
    if (!ratios.has(w)) ratios.set(w, []);
    ratios.get(w)!.push(r);
    console.log(`  ${w.padEnd(28)} dosql ${dosqlMs.toFixed(0).padStart(6)} ms cpu  sqlite ${sqliteMs.toFixed(0).padStart(6)} ms cpu  ratio ${r.toFixed(3)}`);
  };
  const aggs = ['SELECT count(*) FROM t', 'SELECT sum(score) FROM t', 'SELECT avg(score), min(id), max(id) FROM t', 'SELECT grp, count(*), sum(score) FROM t GROUP BY grp'];
  for (let rep = 0; rep < reps; rep++) {
    console.log(`round ${rep + 1}`);
    const dir = mkdtempSync(join(tmpdir(), 'dosql-bench-sqlcpu-'));
    try {
      const db = DB('bench', { path: join(dir, 'dosql'), durability: 'normal' });
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, grp INTEGER)');
      const lite = new Sqlite(join(dir, 'sqlite.db'));
      lite.pragma('journal_mode = WAL');
      lite.pragma('synchronous = NORMAL');
      lite.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, grp INTEGER)');
      const lins = lite.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
      const dIns = await timed(async () => {
        for (let i = 0; i < n; i += 1000) {
          await db.transaction(async (tx) => {
            for (let j = i; j < Math.min(n, i + 1000); j++) await tx.run('INSERT INTO t VALUES (?, ?, ?, ?)', [j, payload(j), j / 3, j % 10]);
          });
        }
      });
      const bgIns = await settle();
      const sIns = await timed(() => {
        for (let i = 0; i < n; i += 1000) {
          lite.transaction(() => {
            for (let j = i; j < Math.min(n, i + 1000); j++) lins.run(j, payload(j), j / 3, j % 10);
          })();
        }
      });
      if (want('insert')) note('insert (batches of 1000)', dIns, sIns);
      if (want('insert')) console.log(`  (background CPU after dosql's inserts, settled before SQLite's: ${bgIns.toFixed(0)} ms)`);
      if (want('single')) {
        const dS = await timed(async () => {
          for (let j = n; j < n + single; j++) await db.run('INSERT INTO t VALUES (?, ?, ?, ?)', [j, payload(j), j / 3, j % 10]);
        });
        const sS = await timed(() => {
          for (let j = n; j < n + single; j++) lins.run(j, payload(j), j / 3, j % 10);
        });
        note('single-row autocommit insert', dS, sS);
      }
      const sel = db.prepare('SELECT * FROM t WHERE id = ?');
      const lsel = lite.prepare('SELECT * FROM t WHERE id = ?');
      const dPoint = async (): Promise<number> => {
        for (let i = 0; i < 5000; i++) await sel.get(keys[i]!);
        return timed(async () => {
          for (let i = 0; i < ops; i++) await sel.get(keys[i]!);
        });
      };
      const sPoint = (): Promise<number> => {
        for (let i = 0; i < 5000; i++) lsel.get(keys[i]!);
        return timed(() => {
          for (let i = 0; i < ops; i++) lsel.get(keys[i]!);
        });
      };
      if (want('point')) note('point select (memtable)', await dPoint(), await sPoint());
      const runAggs = async (label: string): Promise<void> => {
        for (const q of aggs) {
          const dq = db.prepare(q);
          const sq = lite.prepare(q);
          await dq.all();
          const d = await timed(async () => {
            for (let k = 0; k < 3; k++) await dq.all();
          });
          const s = await timed(() => {
            for (let k = 0; k < 3; k++) sq.all();
          });
          note(`${label} ${q.slice(7, 30)}`, d, s);
        }
      };
      if (want('agg')) await runAggs('agg mem');
      // Secondary-index range: ~30 rows per query (score = id / 3), random bounds, prepared.
      const ranges = Array.from({ length: rangeOps }, () => rng.int(Math.floor(n / 3) - 10));
      const rq = 'SELECT id, name FROM t WHERE score BETWEEN ? AND ?';
      let dRange: { all(...a: unknown[]): Promise<unknown[]> } | null = null;
      let sRange: { all(...a: unknown[]): unknown[] } | null = null;
      const runRange = async (label: string): Promise<void> => {
        if (!dRange) {
          await db.exec('CREATE INDEX t_score ON t(score)');
          lite.exec('CREATE INDEX t_score ON t(score)');
          dRange = db.prepare(rq);
          sRange = lite.prepare(rq);
        }
        const dq = dRange;
        const sq = sRange!;
        for (let i = 0; i < 500; i++) await dq.all(ranges[i]!, ranges[i]! + 10);
        for (let i = 0; i < 500; i++) sq.all(ranges[i]!, ranges[i]! + 10);
        const d = await timed(async () => {
          for (let i = 0; i < rangeOps; i++) await dq.all(ranges[i]!, ranges[i]! + 10);
        });
        const s = await timed(() => {
          for (let i = 0; i < rangeOps; i++) sq.all(ranges[i]!, ranges[i]! + 10);
        });
        note(label, d, s);
      };
      if (want('range')) await runRange('index range (memtable)');
      await (await db.engine()).flush();
      if (want('flush')) note('point select (after flush)', await dPoint(), await sPoint());
      if (want('agg')) await runAggs('agg sst');
      if (want('range')) await runRange('index range (after flush)');
      await db.close();
      lite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('median dosql/sqlite (ops per CPU-second; > 1: dosql ahead)');
  for (const [w, rs] of ratios) console.log(`  ${w.padEnd(28)} ${median(rs).toFixed(3)}   [${rs.map((r) => r.toFixed(3)).join(', ')}]`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
