// The window-function rows of `npm run bench -- sql`: a running sum and rank() per partition
// over --window-rows rows (default 1,000,000; 1,000 partitions), dosql beside better-sqlite3
// in the same run, each reading every result row.
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DB } from '../src/index.js';

export interface WindowRow {
  engine: string;
  workload: string;
  ops_per_sec: number;
  seconds: number;
}

export const WINDOW_SQL = 'SELECT g, id, v, sum(v) OVER (PARTITION BY g ORDER BY id ROWS UNBOUNDED PRECEDING) AS running, rank() OVER (PARTITION BY g ORDER BY v) AS rk FROM w';
const WORKLOAD = 'window: running sum + rank() per partition (rows/s)';

/** Runs the window query on both engines over `n` rows in `dir`; rows of rows/s. */
export async function windowBench(dir: string, n: number): Promise<WindowRow[]> {
  const value = (i: number): number => (i * 7919) % 100_003;
  const out: WindowRow[] = [];
  // The window holds every row (1M rows pass the default 256 MiB statement budget; SQLite has none).
  const db = DB('bench-window', { path: join(dir, 'dosql-window'), durability: 'normal', limits: { maxMemoryBytes: 4 * 1024 ** 3 } });
  try {
    await db.exec('CREATE TABLE w(id INTEGER PRIMARY KEY, g INT, v INT)');
    for (let i = 0; i < n; i += 10_000) {
      await db.transaction(async (tx) => {
        for (let j = i; j < Math.min(n, i + 10_000); j++) await tx.run('INSERT INTO w VALUES (?, ?, ?)', [j, j % 1000, value(j)]);
      });
    }
    const st = db.prepare(WINDOW_SQL, { timeoutMs: 600_000 }).raw(true);
    const t0 = performance.now();
    const rows = await st.all();
    const s = (performance.now() - t0) / 1000;
    if (rows.length !== n) throw new Error(`window bench: dosql returned ${rows.length} rows, not ${n}`);
    out.push({ engine: 'dosql', workload: WORKLOAD, ops_per_sec: n / s, seconds: s });
  } finally {
    await db.close();
  }
  const lite = new Sqlite(join(dir, 'sqlite-window.db'));
  try {
    lite.pragma('journal_mode = WAL');
    lite.pragma('synchronous = NORMAL');
    lite.exec('CREATE TABLE w(id INTEGER PRIMARY KEY, g INT, v INT)');
    const ins = lite.prepare('INSERT INTO w VALUES (?, ?, ?)');
    lite.transaction(() => {
      for (let j = 0; j < n; j++) ins.run(j, j % 1000, value(j));
    })();
    const t0 = performance.now();
    const rows = lite.prepare(WINDOW_SQL).raw(true).all();
    const s = (performance.now() - t0) / 1000;
    if (rows.length !== n) throw new Error(`window bench: sqlite returned ${rows.length} rows, not ${n}`);
    out.push({ engine: 'sqlite', workload: WORKLOAD, ops_per_sec: n / s, seconds: s });
  } finally {
    lite.close();
  }
  return out;
}
