// Columnar runs as the bottom of the LSM: after `compact({ tier: 'cold' })` the SQL tables'
// rows live in Parquet files of the cold level, and every read — current, AS OF an old LSN,
// history, point lookups, index scans — answers exactly as before; writes continue on top,
// later cold compactions merge them in, and a reopened database reads the same.
// Oracles: better-sqlite3 for the current state; dosql's own answers captured before the
// data went cold for the past states (those were checked against the hot tier's tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, FaultInjectingStore, ManualClock, MemoryObjectStore, type Database, type FaultRule } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TABLES = {
  t1: 'CREATE TABLE t1(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)',
  t2: 'CREATE TABLE t2(x, y)',
  t3: 'CREATE TABLE t3(k TEXT PRIMARY KEY, v BLOB, n INTEGER) WITHOUT ROWID',
  t4: 'CREATE TABLE t4(a INTEGER, b REAL, c, PRIMARY KEY (a, b)) WITHOUT ROWID',
};
const QUERIES = [
  'SELECT * FROM t1 ORDER BY id',
  'SELECT rowid, * FROM t2 ORDER BY rowid',
  'SELECT k, hex(v), n FROM t3 ORDER BY k',
  'SELECT a, b, c, typeof(b) FROM t4 ORDER BY a, b',
  'SELECT count(*), sum(a), min(b), max(c) FROM t1',
  "SELECT id, b FROM t1 WHERE b >= 'm' ORDER BY b, id",
  'SELECT * FROM t1 WHERE id BETWEEN 20 AND 40 ORDER BY id DESC',
];

function randomValue(r: Prng): unknown {
  switch (r.int(5)) {
    case 0:
      return null;
    case 1:
      return r.int(1000) - 500;
    case 2:
      return Math.round((r.int(100000) / 7) * 1000) / 1000;
    case 3:
      return String.fromCharCode(97 + r.int(26)) + 'x'.repeat(r.int(4));
    default:
      return Buffer.from([r.int(256), r.int(256)]);
  }
}

/** One random statement and its parameters (same text on dosql and SQLite). */
function randomStatement(r: Prng, addedColumn: boolean): [string, unknown[]] {
  const id = 1 + r.int(60);
  switch (r.int(11)) {
    case 0:
    case 1:
      return ['INSERT OR REPLACE INTO t1(id, a, b, c) VALUES (?, ?, ?, ?)', [id, r.int(100), String.fromCharCode(97 + r.int(26)), r.int(1000) / 8]];
    case 2:
      return ['UPDATE t1 SET a = a + ?, b = ? WHERE id % 7 = ?', [1 + r.int(5), String.fromCharCode(97 + r.int(26)), r.int(7)]];
    case 3:
      return ['DELETE FROM t1 WHERE id = ?', [id]];
    case 4:
      return ['INSERT INTO t2(x, y) VALUES (?, ?)', [randomValue(r), randomValue(r)]];
    case 5:
      return ['DELETE FROM t2 WHERE rowid = ?', [1 + r.int(30)]];
    case 6:
      return addedColumn
        ? ['INSERT OR REPLACE INTO t3(k, v, n, extra) VALUES (?, ?, ?, ?)', [`k${r.int(40)}`, Buffer.from([r.int(256)]), r.int(10), r.int(3)]]
        : ['INSERT OR REPLACE INTO t3(k, v, n) VALUES (?, ?, ?)', [`k${r.int(40)}`, Buffer.from([r.int(256)]), r.int(10)]];
    case 7:
      return ['DELETE FROM t3 WHERE k = ?', [`k${r.int(40)}`]];
    case 8:
      return ['INSERT OR REPLACE INTO t4(a, b, c) VALUES (?, ?, ?)', [r.int(8), r.int(4) / 2, randomValue(r)]];
    case 9:
      return ['DELETE FROM t4 WHERE a = ?', [r.int(8)]];
    default:
      return ['UPDATE t2 SET y = ? WHERE rowid % 3 = ?', [randomValue(r), r.int(3)]];
  }
}

const normValue = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? `x'${Buffer.from(v).toString('hex')}'` : v);
const norm = (rows: unknown[]): unknown => rows.map((row) => Object.fromEntries(Object.entries(row as object).map(([k, v]) => [k, normValue(v)])));

async function dosqlAnswers(db: Database, suffix = ''): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const sql = suffix ? q.replace(/FROM (t\d)/, `FROM $1 ${suffix}`) : q;
    out.push(norm(await db.query(sql)));
  }
  return out;
}

function sqliteAnswers(s: Sqlite.Database): unknown[] {
  return QUERIES.map((q) => norm(s.prepare(q).all() as unknown[]));
}

describe('columnar runs in the LSM', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps every answer across cold compactions, writes on top and reopen (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const dir = mkdtempSync(join(tmpdir(), 'dosql-cold-runs-'));
      dirs.push(dir);
      const store = seed === 1 ? new MemoryObjectStore() : undefined;
      const open = (): Database => DB('cold', store ? { store, retention: 'forever' } : { path: dir, retention: 'forever', workerThreads: seed === 3 });
      let db = open();
      const lite = new Sqlite(':memory:');
      for (const sql of Object.values(TABLES)) {
        await db.exec(sql);
        lite.exec(sql);
      }
      await db.exec('CREATE INDEX t1_b ON t1(b)');
      lite.exec('CREATE INDEX t1_b ON t1(b)');
      const past: { lsn: number; answers: unknown[] }[] = [];
      let added = false;
      let colds = 0;
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 25; i++) {
          const [sql, params] = randomStatement(r, added);
          await db.run(sql, params as never);
          lite.prepare(sql).run(...(params as never[]));
        }
        if (round === 5) {
          const ddl = "ALTER TABLE t3 ADD COLUMN extra INTEGER DEFAULT 7";
          await db.exec(ddl);
          lite.exec(ddl);
          added = true;
        }
        const lsn = (await db.engine()).lastVisibleLsn;
        past.push({ lsn, answers: await dosqlAnswers(db, `FOR SYSTEM_TIME AS OF LSN ${lsn}`) });
        expect(await dosqlAnswers(db)).toEqual(sqliteAnswers(lite));
        if (round % 4 === 3) {
          await db.compact({ tier: 'cold' });
          colds++;
          const stats = (await db.engine()).stats();
          expect(stats.cold.files).toBeGreaterThanOrEqual(4);
          expect(stats.cold.tables.length).toBe(4);
          // Nothing of the tables is left in the hot levels: they were all moved.
          for (const l of stats.levels) if (l.level !== stats.cold.level) expect(l.files).toBe(0);
        }
        if (round === 8) {
          await db.close();
          db = open();
        }
        // Every past state still reads the same, wherever its versions now live.
        for (const p of past) expect(await dosqlAnswers(db, `FOR SYSTEM_TIME AS OF LSN ${p.lsn}`)).toEqual(p.answers);
        expect(await dosqlAnswers(db)).toEqual(sqliteAnswers(lite));
      }
      expect(colds).toBe(3);
      // History of single rows survives in the runs.
      const hist = await db.query('SELECT id, a, _dosql_version FROM t1 FOR SYSTEM_TIME ALL ORDER BY id, _dosql_version');
      expect(hist.length).toBeGreaterThan((lite.prepare('SELECT count(*) AS n FROM t1').get() as { n: number }).n);
      await db.close();
      lite.close();
    });
  }
});

describe('crashing during a cold compaction', () => {
  const cases: { name: string; rule: FaultRule }[] = [
    { name: 'after the first columnar file', rule: { op: 'put', kind: 'crash', keyPrefix: 'cold/runs/', nth: 2 } },
    { name: 'on the first columnar file', rule: { op: 'put', kind: 'crash', keyPrefix: 'cold/runs/', nth: 1 } },
    { name: 'on the manifest of the flush before it', rule: { op: 'put', kind: 'crash', keyPrefix: 'manifest/', nth: 1 } },
    { name: 'on the manifest that installs the runs', rule: { op: 'put', kind: 'crash', keyPrefix: 'manifest/', nth: 2 } },
    { name: 'on the SSTable written beside the runs', rule: { op: 'put', kind: 'crash', keyPrefix: 'sst/', nth: 1 } },
  ];
  for (const [i, c] of cases.entries()) {
    it(`leaves the old or the new state, never a broken one, and no orphans (${c.name})`, async () => {
      const inner = new MemoryObjectStore();
      const faulty = new FaultInjectingStore(inner, { seed: 100 + i });
      const db = DB('crash', { store: faulty, retention: 'forever' });
      await db.exec('CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b(k TEXT PRIMARY KEY, n) WITHOUT ROWID');
      const r = new Prng(7 + i);
      const lsns: number[] = [];
      for (let n = 0; n < 300; n++) {
        const res = await db.run(n % 3 === 0 ? 'INSERT OR REPLACE INTO b VALUES (?, ?)' : 'INSERT OR REPLACE INTO a VALUES (?, ?)', n % 3 === 0 ? [`k${r.int(50)}`, r.int(9)] : [r.int(120), `v${n}`]);
        if (n % 50 === 0) lsns.push(res.lsn);
      }
      const answersAt = async (d: Database): Promise<unknown[]> => {
        const out: unknown[] = [norm(await d.query('SELECT * FROM a ORDER BY id')), norm(await d.query('SELECT * FROM b ORDER BY k'))];
        for (const l of lsns) out.push(norm(await d.query(`SELECT * FROM a FOR SYSTEM_TIME AS OF LSN ${l} ORDER BY id`)));
        return out;
      };
      const before = await answersAt(db);
      faulty.setRules([c.rule]);
      await expect(db.compact({ tier: 'cold' })).rejects.toThrow();
      // The process "died": reopen on what reached the store.
      const again = DB('crash', { store: inner, retention: 'forever' });
      expect(await answersAt(again)).toEqual(before);
      const stats = (await again.engine()).stats();
      const runKeys = (await inner.list('cold/runs/')).map((o) => o.key);
      expect(runKeys.length).toBe(stats.cold.files);
      // A later cold compaction completes.
      await again.compact({ tier: 'cold' });
      expect((await again.engine()).stats().cold.tables.length).toBe(2);
      expect(await answersAt(again)).toEqual(before);
      await again.close();
    });
  }
});

describe('hotDataMaxAge', () => {
  it('moves tables to the cold tier in the background once their oldest hot version is old enough', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const db = DB('aging', { storage: 'memory', clock, hotDataMaxAge: 3_600_000, memtableBytes: 64 * 1024 });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    const engine = await db.engine();
    for (let i = 0; i < 50; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'x'.repeat(40)]);
    await engine.flush();
    await engine.compact();
    expect(engine.stats().cold.files).toBe(0); // young data stays hot
    clock.advance(2 * 3_600_000);
    for (let i = 50; i < 100; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'y'.repeat(40)]);
    await engine.flush();
    for (let k = 0; k < 100 && engine.stats().cold.files === 0; k++) await new Promise((r) => setTimeout(r, 20));
    await engine.compact(); // waits for the scheduler
    expect(engine.stats().cold.tables).toEqual([16]);
    expect(await db.query('SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM t')).toEqual([{ n: 100, lo: 0, hi: 99 }]);
    await db.close();
  });
});

describe('coldFromLevel', () => {
  it('moves tables to the cold tier in the background once compaction pushes data to that level', async () => {
    const db = DB('deep', { storage: 'memory', coldFromLevel: 2, memtableBytes: 16 * 1024, compaction: { l0CompactionTrigger: 2, levelBaseBytes: 32 * 1024, levelMultiplier: 2 } });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    const engine = await db.engine();
    let i = 0;
    const deepest = (): number => Math.max(0, ...engine.stats().levels.filter((l) => l.files > 0 && l.level !== engine.stats().cold.level).map((l) => l.level));
    // Only levels 0 and 1 while the data is small.
    for (; i < 50; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'x'.repeat(100)]);
    await engine.flush();
    expect(engine.stats().cold.files).toBe(0);
    for (; i < 3000 && engine.stats().cold.files === 0; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'y'.repeat(100)]);
    await engine.flush();
    for (let k = 0; k < 100 && engine.stats().cold.files === 0; k++) await new Promise((r) => setTimeout(r, 20));
    await engine.compact();
    expect(engine.stats().cold.tables).toEqual([16]);
    expect(deepest()).toBeLessThan(2);
    const n = i;
    expect(await db.query('SELECT count(*) AS n, max(id) AS hi FROM t')).toEqual([{ n, hi: n - 1 }]);
    await db.close();
  });
});
