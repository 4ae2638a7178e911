// Merge-on-read (issue 17): after a cold compaction, hot DML — updates, deletes, inserts of
// keys inside and outside the runs' key range, in memtables and flushed SSTables, on main and
// on a branch whose base is cold — leaves the table split between runs and hot layers. Random
// columnar-shaped aggregates must then run on the columnar path (columnarStats: taken, with a
// hot delta) and answer exactly as SQLite does on the same data (a copy kept per checkpoint
// LSN for FOR SYSTEM_TIME AS OF) and as dosql's row path (the same query with `AND 1`, which
// the columnar path does not take).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB, type Database as DosqlDatabase } from '../src/index.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';
import { columnarScanStats } from '../src/sql/execution/columnar-scan-op.js';
import { Prng } from '../src/util/prng.js';

type Value = string | number | null;

interface Shape {
  readonly label: string;
  readonly setup: string;
  /** The key of the row numbered n (rows 0..N-1 are loaded with even n: odd ones fit between). */
  key(n: number): Value;
  /** A WHERE term selecting key numbers in [lo, hi]. */
  keyRange(lo: number, hi: number): string;
  /** Whether `id` is the key (false: the key is a hidden rowid). */
  readonly explicitKey: boolean;
}

const pad = (n: number): string => String(n).padStart(6, '0');
const SHAPES: Shape[] = [
  { label: 'INTEGER PRIMARY KEY', setup: 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT, d TEXT)', key: (n) => n, keyRange: (lo, hi) => `id BETWEEN ${lo} AND ${hi}`, explicitKey: true },
  { label: 'hidden rowid', setup: 'CREATE TABLE t(id INTEGER, a INTEGER, b REAL, c TEXT, d TEXT)', key: (n) => n, keyRange: (lo, hi) => `id BETWEEN ${lo} AND ${hi}`, explicitKey: false },
  {
    label: 'TEXT key, WITHOUT ROWID',
    setup: 'CREATE TABLE t(id TEXT PRIMARY KEY, a INTEGER, b REAL, c TEXT, d TEXT) WITHOUT ROWID',
    key: (n) => `k${n < 0 ? `-${pad(-n)}` : pad(n)}`,
    keyRange: (lo, hi) => `id >= 'k${pad(Math.max(0, lo))}' AND id <= 'k${pad(Math.max(0, hi))}'`,
    explicitKey: true,
  },
];

const TEXTS = ['x', 'y', 'z', 'é', 'Z', ''];
const AGGS = ['count(*)', 'count(a)', 'sum(a)', 'avg(a)', 'min(a)', 'max(a)', 'sum(b)', 'avg(b)', 'min(b)', 'max(b)', 'count(c)', 'count(b)', 'count(DISTINCT a)', 'count(DISTINCT c)', 'count(DISTINCT b)'];
const PREDS = [
  'a > 10', 'a <= -5', 'b < 3.5', 'b >= -100', "c = 'x'", "c != 'y'", "d >= 'k2'", "d < 'k15'", 'a = 7',
  'a IN (1, 7, -5, 300, 2.5)', "c NOT IN ('x', 'é')", '(a > 100 OR b < -50)', "d LIKE 'K1%'", "c GLOB '[xy]*'", 'a NOT BETWEEN -100 AND 100',
  "((c = 'x' AND a > 0) OR d = 'k3')", "d NOT LIKE '%2'",
];
const GROUP_COLS = ['c', 'd', 'a'];
const ROWS = 1200;

/** One statement, run on both engines. */
interface Change {
  readonly sql: string;
  readonly params: Value[];
}

function randomRow(r: Prng): Value[] {
  return [
    r.chance(0.1) ? null : r.int(2000) - 1000,
    r.chance(0.1) ? null : (r.int(2_000_000) - 1_000_000) / 997,
    r.chance(0.1) ? null : TEXTS[r.int(TEXTS.length)]!,
    r.chance(0.05) ? null : `k${r.int(30)}`,
  ];
}

/** A random change: point and range updates and deletes, inserts inside and outside the loaded key range. */
function randomChange(r: Prng, s: Shape): Change {
  const n = r.int(ROWS * 2);
  switch (r.int(7)) {
    case 0:
    case 1:
      return { sql: `UPDATE t SET a = ?, b = ? WHERE id = ?`, params: [r.int(500), r.int(100_000) / 7, s.key(n & ~1)] };
    case 2:
      return { sql: `UPDATE t SET b = b + 1, c = ? WHERE ${s.keyRange(n, n + 6)}`, params: [TEXTS[r.int(TEXTS.length)]!] };
    case 3:
      return { sql: `DELETE FROM t WHERE id = ?`, params: [s.key(n & ~1)] };
    case 4:
      return { sql: `DELETE FROM t WHERE ${s.keyRange(n, n + 4)}`, params: [] };
    default: {
      // Inside the range (an odd number, between loaded keys), above it or below it.
      const where = r.int(3);
      const m = where === 0 ? n | 1 : where === 1 ? ROWS * 2 + r.int(500) : -1 - r.int(500);
      if (s.explicitKey) return { sql: 'INSERT OR REPLACE INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)', params: [s.key(m), ...randomRow(r)] };
      // A hidden rowid: replace a loaded row (rowids 1..ROWS) or add one above or below them.
      const rowid = where === 0 ? 1 + r.int(ROWS) : where === 1 ? ROWS + 1 + r.int(500) : -r.int(500);
      return { sql: 'INSERT OR REPLACE INTO t(rowid, id, a, b, c, d) VALUES (?, ?, ?, ?, ?, ?)', params: [rowid, s.key(m), ...randomRow(r)] };
    }
  }
}

function randomQuery(r: Prng, s: Shape): { sel: string; where: string[]; tail: string } {
  const sel = Array.from({ length: 1 + r.int(3) }, () => AGGS[r.int(AGGS.length)]!);
  const where = Array.from({ length: r.int(3) }, () => PREDS[r.int(PREDS.length)]!);
  if (r.chance(0.2)) where.push(s.keyRange(r.int(ROWS), ROWS + r.int(ROWS)));
  const groups = r.chance(0.5) ? [] : [...new Set(Array.from({ length: 1 + r.int(2) }, () => GROUP_COLS[r.int(GROUP_COLS.length)]!))];
  const cols = [...groups, ...sel].join(', ');
  const tail = groups.length ? ` GROUP BY ${groups.join(', ')} ORDER BY ${groups.map((_, k) => k + 1).join(', ')}` : '';
  return { sel: `SELECT ${cols} FROM t`, where, tail };
}

/** Queries the aggregate path does not take: projections, expressions, other aggregates (the columnar scan reads for them). */
function randomScanQuery(r: Prng, s: Shape): { sel: string; where: string[]; tail: string } {
  const SELS = ['*', 'id, a, c', 'a + 1, upper(c), b', 'd, count(*), total(b)', 'substr(d, 1, 2), max(c)', 'rowid, id, b'];
  const sel = SELS[r.int(SELS.length - (s.explicitKey && s.label.includes('WITHOUT') ? 1 : 0))]!;
  const where = Array.from({ length: r.int(3) }, () => PREDS[r.int(PREDS.length)]!);
  if (r.chance(0.3)) where.push('a > ?');
  if (r.chance(0.2)) where.push("length(c) = 1");
  const grouped = sel.includes('count') || sel.includes('max(');
  const order = grouped ? ' GROUP BY 1 ORDER BY 1' : r.chance(0.5) ? ` ORDER BY b DESC, id LIMIT ${1 + r.int(40)}` : r.chance(0.5) ? ` LIMIT ${1 + r.int(30)}` : '';
  return { sel: `SELECT ${sel} FROM t`, where, tail: order };
}

const whereSql = (w: readonly string[]): string => (w.length ? ` WHERE ${w.join(' AND ')}` : '');

async function apply(db: DosqlDatabase, lite: Database.Database, c: Change): Promise<number> {
  lite.prepare(c.sql).run(...c.params);
  return (await db.run(c.sql, c.params)).lsn;
}

describe('merge-on-read: columnar runs plus the hot delta', () => {
  for (const [i, shape] of SHAPES.entries()) {
    for (const seed of [1, 2]) {
      it(`answers like SQLite and the row path, now, AS OF past LSNs and on a branch (${shape.label}, seed ${seed})`, async () => {
        const r = new Prng(100 * i + seed);
        const lite = new Database(':memory:');
        lite.exec(shape.setup);
        const db = DB(`mor${i}${seed}`, { storage: 'memory', retention: 'forever' });
        await db.exec(shape.setup);
        const rows = Array.from({ length: ROWS }, (_, k) => [shape.key(2 * k), ...randomRow(r)]);
        const ins = 'INSERT INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)';
        for (const row of rows) lite.prepare(ins).run(...row);
        await db.transaction(async (tx) => {
          for (const row of rows) await tx.run(ins, row);
        });
        await db.compact({ tier: 'cold' });
        const engine = await db.engine();
        const points: { lsn: number; lite: Database.Database }[] = [{ lsn: engine.lastVisibleLsn, lite: new Database(lite.serialize()) }];
        const changes = async (n: number, target: Database.Database = lite): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const lsn = await apply(db, target, randomChange(r, shape));
            if (k % 12 === 11) await engine.flush();
            if (target === lite && k % 8 === 7) points.push({ lsn, lite: new Database(lite.serialize()) });
          }
        };
        const check = async (target: Database.Database, from: string, n: number): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const q = randomQuery(r, shape);
            const sql = `${q.sel}${from}${whereSql(q.where)}${q.tail}`;
            const want = target.prepare(`${q.sel}${whereSql(q.where)}${q.tail}`).raw().all();
            const runs = columnarStats.runs;
            const merged = columnarStats.merged;
            expect(await db.prepare(sql).raw().all(), sql).toEqual(want);
            expect(columnarStats.runs - runs, `columnar path for ${sql}`).toBe(1);
            if (from === '') expect(columnarStats.merged - merged, `hot delta for ${sql}`).toBe(1);
            const rowSql = `${q.sel}${from}${whereSql([...q.where, '1'])}${q.tail}`;
            const before = { ...columnarStats };
            expect(await db.prepare(rowSql).raw().all(), rowSql).toEqual(want);
            expect(columnarStats, `row path for ${rowSql}`).toEqual(before);
          }
        };
        const checkScans = async (target: Database.Database, from: string, n: number): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const q = randomScanQuery(r, shape);
            const params = q.where.includes('a > ?') ? [r.int(400) - 200] : [];
            const sql = `${q.sel}${from}${whereSql(q.where)}${q.tail}`;
            const want = target.prepare(`${q.sel}${whereSql(q.where)}${q.tail}`).raw().all(...params);
            const scans = columnarScanStats.runs;
            expect(await db.prepare(sql).raw().all(...params), sql).toEqual(want);
            expect(columnarScanStats.runs - scans, `columnar scan for ${sql}`).toBe(1);
          }
        };
        await changes(30);
        // Runs of one version per key with a hot delta above them.
        await check(lite, '', 15);
        await checkScans(lite, '', 15);
        // A branch whose base is cold, with a hot delta of its own and main's.
        await db.branch('b');
        const liteB = new Database(lite.serialize());
        await changes(20);
        await db.checkout('b');
        await changes(15, liteB);
        await db.checkout('main');
        // Runs holding several versions per key, then more hot DML above them.
        await db.compact({ tier: 'cold' });
        await changes(25);

        await check(lite, '', 25);
        await checkScans(lite, '', 15);
        for (const p of points) await check(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 6);
        for (const p of points.slice(-2)) await checkScans(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 5);
        await check(liteB, " FOR SYSTEM_TIME AS OF BRANCH 'b'", 8);
        await db.checkout('b');
        await check(liteB, '', 10);
        await checkScans(liteB, '', 8);
        await db.close();
      });
    }
  }
});

describe('merge-on-read: repeated filters', () => {
  it('compares each distinct text value of runs and delta with a literal once per query shape, answers like SQLite', async () => {
    const { dictVerdictStats } = await import('../src/sql/execution/columnar-filters.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'dosql-mor-verdicts-'));
    const db = DB('v', { path: dir });
    const lite = new Database(':memory:');
    const r = new Prng(41);
    const schema = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, c TEXT)';
    await db.exec(schema);
    lite.exec(schema);
    const run = async (sql: string, params: unknown[]): Promise<void> => {
      await db.query(sql, params as never);
      lite.prepare(sql).run(...(params as never[]));
    };
    const day = (n: number): string => `2001-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')} ${String(n % 24).padStart(2, '0')}:00`;
    await db.transaction(async (tx) => {
      for (let i = 0; i < 3000; i++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [i, r.int(100), day(r.int(5000))]);
    });
    for (const row of await db.query('SELECT * FROM t')) lite.prepare('INSERT INTO t VALUES (?, ?, ?)').run(...(Object.values(row) as never[]));
    await db.compact({ tier: 'cold' });
    for (let i = 0; i < 60; i++) await run('UPDATE t SET c = ? WHERE id = ?', [day(r.int(5000)), r.int(3000)]);
    for (let i = 0; i < 20; i++) await run('INSERT INTO t VALUES (?, ?, ?)', [5000 + i, r.int(100), day(r.int(5000))]);
    for (let i = 0; i < 20; i++) await run('DELETE FROM t WHERE id = ?', [r.int(3000)]);
    const q = (lo: string, hi: string): string => `SELECT count(*) AS n, sum(a) AS s FROM t WHERE c >= '${lo}' AND c < '${hi}'`;
    const want = (sql: string): unknown => lite.prepare(sql).all().map((x) => Object.values(x as object).map(Number));
    const got = async (sql: string): Promise<unknown> => (await db.query(sql)).map((x) => Object.values(x).map(Number));
    const merged = columnarStats.merged;
    expect(await got(q('2001-03-01', '2001-04-01'))).toEqual(want(q('2001-03-01', '2001-04-01')));
    expect(columnarStats.merged).toBeGreaterThan(merged);
    const first = dictVerdictStats.computed;
    expect(first).toBeGreaterThan(0);
    // The same query again: every dictionary's verdicts are remembered.
    expect(await got(q('2001-03-01', '2001-04-01'))).toEqual(want(q('2001-03-01', '2001-04-01')));
    expect(dictVerdictStats.computed).toBe(first);
    // Other literals are other verdicts, and exact.
    expect(await got(q('2001-05-01', '2001-07-15'))).toEqual(want(q('2001-05-01', '2001-07-15')));
    expect(dictVerdictStats.computed).toBeGreaterThan(first);
    // A later write changes the delta: its new dictionary gets verdicts of its own.
    await run('UPDATE t SET c = ? WHERE id = ?', ['2001-03-09 00:00', 7]);
    expect(await got(q('2001-03-01', '2001-04-01'))).toEqual(want(q('2001-03-01', '2001-04-01')));
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
