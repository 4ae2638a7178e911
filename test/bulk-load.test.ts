// The bulk loader (src/sql/api/bulk-load.ts) against INSERT: random rows (affinity cases,
// NULLs, blobs, numeric strings) into random table shapes (INTEGER PRIMARY KEY, automatic
// rowid, WITHOUT ROWID with a composite key, TEXT PRIMARY KEY, secondary and UNIQUE indexes,
// NOCASE) loaded by bulkLoad into one database and by INSERT into another dosql database and
// better-sqlite3. The stored bytes (rows and index entries) equal INSERT's; the answers (full
// contents with typeof, index lookups) equal SQLite's, now, AS OF before and after the load,
// after reopen, a full compaction and a cold compaction. Constraint failures load nothing and
// leave no file; tables the fast path does not take are refused with the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import type { Database } from '../src/sql/api/database.js';
import { bulkLoad, bulkLoadFallback } from '../src/sql/api/host.js';
import type { BindValue } from '../src/sql/api/values.js';
import { DoSQLError } from '../src/errors.js';
import { encodeTablePrefix } from '../src/mvcc/internal-key.js';
import { Prng } from '../src/util/prng.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dosql-bulk-'));
  dirs.push(d);
  return d;
}

interface Shape {
  ddl: string[];
  columns: string[];
  order: string;
  /** Makes row i (distinct keys for distinct i). */
  row(rng: Prng, i: number): BindValue[];
  lookups: { sql: string; arg: (rng: Prng) => BindValue }[];
  /** Rows come sorted by key (else shuffled). */
  sorted: boolean;
}

function anyValue(rng: Prng): BindValue {
  switch (rng.int(9)) {
    case 0:
      return null;
    case 1:
      return rng.int(1000) - 500;
    case 2:
      return rng.int(1000) / 8;
    case 3:
      return String(rng.int(100));
    case 4:
      return `${rng.int(50) / 4}`;
    case 5:
      return new Uint8Array([rng.int(256), rng.int(256), 0, 7]);
    case 6:
      return BigInt(rng.int(1 << 20)) * 1_000_000_000n;
    case 7:
      return ` ${rng.int(9)}`;
    default:
      return `s${rng.int(40)}`;
  }
}

const SHAPES: Shape[] = [
  {
    ddl: ['CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b REAL, c BLOB, d INTEGER NOT NULL, e NUMERIC)', 'CREATE INDEX t_a ON t(a)', 'CREATE UNIQUE INDEX t_d ON t(d)'],
    columns: ['id', 'a', 'b', 'c', 'd', 'e'],
    order: 'id',
    row: (rng, i) => [i * 3 + 1, anyValue(rng), anyValue(rng), anyValue(rng), i * 7 - 100, anyValue(rng)],
    lookups: [
      { sql: 'SELECT id, a FROM t WHERE a = ? ORDER BY id', arg: (rng) => String(rng.int(100)) },
      { sql: 'SELECT id FROM t WHERE d = ?', arg: (rng) => rng.int(400) * 7 - 100 },
    ],
    sorted: false,
  },
  {
    ddl: ['CREATE TABLE t(k TEXT, n INTEGER, v, w TEXT COLLATE NOCASE, PRIMARY KEY(k, n)) WITHOUT ROWID', 'CREATE INDEX t_v ON t(v)', 'CREATE INDEX t_w ON t(w, n)'],
    columns: ['k', 'n', 'v', 'w'],
    order: 'k, n',
    row: (rng, i) => [`k${i % 37}`, Math.floor(i / 37), anyValue(rng), rng.int(2) ? `W${rng.int(20)}` : `w${rng.int(20)}`],
    lookups: [
      { sql: 'SELECT k, n FROM t WHERE v = ? ORDER BY k, n', arg: (rng) => anyValue(rng) },
      { sql: 'SELECT k, n, w FROM t WHERE w = ? ORDER BY k, n', arg: (rng) => `w${rng.int(20)}` },
    ],
    sorted: false,
  },
  {
    ddl: ['CREATE TABLE t(x INTEGER, y TEXT COLLATE NOCASE, z)', 'CREATE INDEX t_yx ON t(y, x)'],
    columns: ['x', 'y', 'z'],
    order: 'rowid',
    row: (rng) => [anyValue(rng), anyValue(rng), anyValue(rng)],
    lookups: [{ sql: 'SELECT rowid, x FROM t WHERE y = ? ORDER BY rowid', arg: (rng) => `S${rng.int(40)}` }],
    sorted: true,
  },
  {
    ddl: ["CREATE TABLE t(a TEXT PRIMARY KEY, b INT DEFAULT 7, c TEXT DEFAULT 'q', d REAL DEFAULT -2)"],
    columns: ['a', 'd'],
    order: 'a',
    row: (rng, i) => [`a${String(i).padStart(5, '0')}`, anyValue(rng)],
    lookups: [{ sql: 'SELECT a, b, c, d FROM t WHERE a = ?', arg: (rng) => `a${String(rng.int(300)).padStart(5, '0')}` }],
    sorted: true,
  },
];

function canon(v: unknown): unknown {
  if (v instanceof Uint8Array) return `x'${Buffer.from(v).toString('hex')}'`;
  if (typeof v === 'bigint') return Number(v);
  return v;
}
const canonRows = (rows: Record<string, unknown>[]): unknown[][] => rows.map((r) => Object.values(r).map(canon));

/** dosql binds an integral JS number as an INTEGER, better-sqlite3 as a REAL: bind SQLite the same value. */
function liteValue(v: BindValue): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

async function rawEntries(db: Database, upto = false): Promise<string[]> {
  const e = await db.engine();
  const out: string[] = [];
  for await (const kv of e.scanRaw(encodeTablePrefix(0, 16), encodeTablePrefix(0, 1 << 20), e.lastVisibleLsn, false)) {
    out.push(`${Buffer.from(kv.rawKey).toString('hex')}=${Buffer.from(kv.value).toString('hex')}`);
  }
  void upto;
  return out;
}

async function* batchesOf(rows: BindValue[][], per = 64): AsyncGenerator<BindValue[][]> {
  for (let i = 0; i < rows.length; i += per) yield rows.slice(i, i + per);
}

async function insertAll(db: Database, shape: Shape, rows: BindValue[][]): Promise<void> {
  const sql = `INSERT INTO t(${shape.columns.join(', ')}) VALUES (${shape.columns.map(() => '?').join(', ')})`;
  await db.transaction(async (tx) => {
    for (const r of rows) await tx.run(sql, r);
  });
}

describe('bulk load', () => {
  SHAPES.forEach((shape, si) => {
    it(`shape ${si}: same bytes as INSERT, same answers as SQLite, AS OF, reopen, compactions`, { timeout: 120_000 }, async () => {
      const rng = new Prng(100 + si);
      const n = 300 + rng.int(200);
      const rows = Array.from({ length: n }, (_, i) => shape.row(rng, i));
      if (!shape.sorted) for (let i = rows.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      }
      const lite = new Sqlite(':memory:');
      for (const d of shape.ddl) lite.exec(d);
      const ins = lite.prepare(`INSERT INTO t(${shape.columns.join(', ')}) VALUES (${shape.columns.map(() => '?').join(', ')})`);
      for (const r of rows) ins.run(...r.map(liteValue));

      const viaInsert = DB('ins', { storage: 'memory' });
      for (const d of shape.ddl) await viaInsert.exec(d);
      await insertAll(viaInsert, shape, rows);

      const path = tmp();
      let db = DB('bulk', { path, retention: 'forever' });
      for (const d of shape.ddl) await db.exec(d);
      expect(await bulkLoadFallback(db, 't', shape.columns)).toBeNull();
      const before = (await db.engine()).lastVisibleLsn;
      const res = await bulkLoad(db, 't', shape.columns, batchesOf(rows));
      expect(res.rows).toBe(n);
      expect(res.lsn).toBe(before + 1);

      expect(await rawEntries(db)).toEqual(await rawEntries(viaInsert));
      const select = `SELECT *, ${shape.columns.map((c) => `typeof(${c})`).join(', ')} FROM t ORDER BY ${shape.order}`;
      const want = canonRows(lite.prepare(select).all() as Record<string, unknown>[]);
      const atLoad = want.map((r) => r.slice(0, r.length - shape.columns.length));
      const lookArgs = Array.from({ length: 20 }, (_, i) => shape.lookups[i % shape.lookups.length]!).map((l) => ({ sql: l.sql, arg: l.arg(rng) }));
      const check = async (): Promise<void> => {
        expect(canonRows(await db.query(select))).toEqual(want);
        for (const l of lookArgs) expect(canonRows(await db.query(l.sql, [l.arg]))).toEqual(canonRows(lite.prepare(l.sql).all(liteValue(l.arg)) as Record<string, unknown>[]));
        expect(await db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${res.lsn - 1}`)).toEqual([]);
        expect(canonRows(await db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${res.lsn} ORDER BY ${shape.order}`))).toEqual(atLoad);
      };
      await check();
      // later DML on top of the loaded rows: the next commit is above the load's LSN
      const r = await db.run(`DELETE FROM t WHERE ${shape.order.split(',')[0]} = (SELECT min(${shape.order.split(',')[0]}) FROM t)`);
      expect(r.lsn).toBe(res.lsn + 1);
      lite.exec(`DELETE FROM t WHERE ${shape.order.split(',')[0]} = (SELECT min(${shape.order.split(',')[0]}) FROM t)`);
      want.splice(0, want.length, ...canonRows(lite.prepare(select).all() as Record<string, unknown>[]));
      await db.close();
      db = DB('bulk', { path, retention: 'forever' });
      await check();
      await db.compact({ full: true });
      await check();
      await db.compact({ tier: 'cold' });
      expect(canonRows(await db.query(select))).toEqual(want);
      expect(await db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${res.lsn - 1}`)).toEqual([]);
      await db.close();
      await viaInsert.close();
      lite.close();
    });
  });

  it('a duplicate primary key, a duplicate UNIQUE value or a NULL in a NOT NULL column loads nothing and leaves no file', async () => {
    const shape = SHAPES[0]!;
    const cases: { name: string; rows: BindValue[][]; code: string; message: RegExp }[] = [
      { name: 'pk', rows: [[1, 'a', 1, null, 1, 1], [5, 'b', 1, null, 2, 1], [1, 'c', 1, null, 3, 1]], code: 'CONSTRAINT_PRIMARYKEY', message: /UNIQUE constraint failed: t\.id/ },
      { name: 'unique', rows: [[1, 'a', 1, null, 1, 1], [2, 'b', 1, null, 1, 1]], code: 'CONSTRAINT_UNIQUE', message: /UNIQUE constraint failed: t\.d/ },
      { name: 'not null', rows: [[1, 'a', 1, null, 1, 1], [2, 'b', 1, null, null, 1]], code: 'CONSTRAINT_NOTNULL', message: /NOT NULL constraint failed: t\.d/ },
    ];
    for (const c of cases) {
      const lite = new Sqlite(':memory:');
      for (const d of shape.ddl) lite.exec(d);
      const ins = lite.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)');
      expect(() => lite.transaction(() => c.rows.forEach((r) => ins.run(...r)))()).toThrow(c.message);
      const db = DB(`fail-${c.name.replace(" ", "-")}`, { storage: 'memory' });
      for (const d of shape.ddl) await db.exec(d);
      const e = await db.engine();
      const lsn = e.lastVisibleLsn;
      const err = await bulkLoad(db, 't', shape.columns, batchesOf(c.rows, 1)).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(DoSQLError);
      expect((err as DoSQLError).code).toBe(c.code);
      expect((err as DoSQLError).message).toMatch(c.message);
      expect(e.lastVisibleLsn).toBe(lsn);
      expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
      const files = (await e.stores.hot.list('sst/')).map((o) => o.key).sort();
      expect(files).toEqual(e.manifest.levels.flat(2).map((f) => f.key).sort());
      // the table is still empty: a corrected load goes through
      expect((await bulkLoad(db, 't', shape.columns, batchesOf([c.rows[0]!]))).rows).toBe(1);
      await db.close();
      lite.close();
    }
  });

  it('a row over maxLength (each value under it) fails the load as INSERT fails, loading nothing', async () => {
    const shape = SHAPES[0]!;
    const rows: BindValue[][] = [[1, 'a', 1, null, 1, 1], [2, 'x'.repeat(120), 1, new Uint8Array(120), 2, 1]];
    const viaInsert = DB('len-insert', { storage: 'memory', limits: { maxLength: 200 } });
    for (const d of shape.ddl) await viaInsert.exec(d);
    const ierr = await viaInsert.run('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', rows[1]).catch((x: unknown) => x);
    expect((ierr as DoSQLError).code).toBe('LIMIT_EXCEEDED');
    const db = DB('len-bulk', { storage: 'memory', limits: { maxLength: 200 } });
    for (const d of shape.ddl) await db.exec(d);
    const err = await bulkLoad(db, 't', shape.columns, batchesOf(rows, 1)).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('LIMIT_EXCEEDED');
    expect((err as DoSQLError).details).toMatchObject({ limit: 'maxLength', max: 200, what: 'a row of t' });
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    expect((await bulkLoad(db, 't', shape.columns, batchesOf([rows[0]!]))).rows).toBe(1);
    await db.close();
    await viaInsert.close();
  });

  it('input larger than a chunk: sorted rows stream into one run, index chunks become L0 runs; unsorted chunks that interleave and UNIQUE entries past one chunk are refused, loading nothing', async () => {
    const rows = (ids: number[]): BindValue[][] => ids.map((i) => [i, `v${i % 13}`]);
    const ids = Array.from({ length: 200 }, (_, i) => i + 1);
    const db = DB('chunks', { storage: 'memory' });
    await db.exec('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)');
    await db.exec('CREATE INDEX t_b ON t(b)');
    // sorted within chunks of 50 but chunks out of order: still one run per chunk would be valid,
    // but chunks [51..100] after [101..150] interleave nothing; [1..200] reversed per chunk is fine
    const chunked = [...ids.slice(0, 50).reverse(), ...ids.slice(50, 100).reverse(), ...ids.slice(100)];
    const res = await bulkLoad(db, 't', ['a', 'b'], batchesOf(rows(chunked), 7), { chunkRows: 50 });
    expect(res.rows).toBe(200);
    expect(res.level).toBe(0); // four index chunks overlap: L0
    expect(await db.query('SELECT count(*) AS n, sum(a) AS s FROM t')).toEqual([{ n: 200, s: 20100 }]);
    expect(await db.query("SELECT a FROM t WHERE b = 'v3' ORDER BY a")).toEqual(ids.filter((i) => i % 13 === 3).map((a) => ({ a })));
    const e = await db.engine();
    const ins = DB('chunks-ins', { storage: 'memory' });
    await ins.exec('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)');
    await ins.exec('CREATE INDEX t_b ON t(b)');
    await insertAll(ins, { columns: ['a', 'b'] } as Shape, rows(chunked));
    expect(await rawEntries(db)).toEqual(await rawEntries(ins));
    await ins.close();
    await db.close();
    for (const c of [
      { ddl: 'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)', order: [...ids.slice(50, 100), ...ids.slice(0, 50)], dup: false },
      { ddl: 'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE)', order: ids, dup: false },
      { ddl: 'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)', order: [...ids.slice(0, 60), 60, ...ids.slice(61)], dup: true },
    ]) {
      const d2 = DB('chunks2', { storage: 'memory' });
      await d2.exec(c.ddl);
      const e2 = await d2.engine();
      const lsn = e2.lastVisibleLsn;
      const err = await bulkLoad(d2, 't', ['a', 'b'], batchesOf(c.order.map((i) => [i, `u${i}`])), { chunkRows: 50 }).catch((x: unknown) => x);
      expect((err as DoSQLError).code).toBe(c.dup ? 'CONSTRAINT_PRIMARYKEY' : 'NOT_SUPPORTED');
      expect(e2.lastVisibleLsn).toBe(lsn);
      expect(await d2.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
      expect((await e2.stores.hot.list('sst/')).map((o) => o.key).sort()).toEqual(e2.manifest.levels.flat(2).map((f) => f.key).sort());
      await d2.close();
    }
    void e;
  });

  it('tables the fast path does not take are refused with the reason, and nothing changes', async () => {
    const cases: { ddl: string[]; reason: RegExp }[] = [
      { ddl: ['CREATE TABLE t(a INTEGER PRIMARY KEY, b)', 'INSERT INTO t VALUES (1, 2)'], reason: /not empty/ },
      { ddl: ['CREATE TABLE t(a INTEGER PRIMARY KEY, b)', 'CREATE TABLE log(x)', 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END'], reason: /triggers/ },
      { ddl: ['CREATE TABLE p(id INTEGER PRIMARY KEY)', 'CREATE TABLE t(a INTEGER PRIMARY KEY, b REFERENCES p(id))'], reason: /foreign keys/ },
      { ddl: ['CREATE TABLE t(a INTEGER PRIMARY KEY, b CHECK (b > 0))'], reason: /CHECK/ },
      { ddl: ['CREATE TABLE t(a INTEGER PRIMARY KEY, b, c AS (b * 2))'], reason: /generated/ },
      { ddl: ['CREATE TABLE t(a INTEGER PRIMARY KEY, b)', 'CREATE INDEX t_e ON t(b + 1)'], reason: /expression/ },
      { ddl: ['CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b)'], reason: /AUTOINCREMENT/ },
    ];
    for (const c of cases) {
      const db = DB('refuse', { storage: 'memory' });
      for (const d of c.ddl) await db.exec(d);
      expect(await bulkLoadFallback(db, 't', ['a', 'b'])).toMatch(c.reason);
      const lsn = (await db.engine()).lastVisibleLsn;
      const err = await bulkLoad(db, 't', ['a', 'b'], batchesOf([[10, 20]])).catch((x: unknown) => x);
      expect((err as DoSQLError).code).toBe('NOT_SUPPORTED');
      expect((await db.engine()).lastVisibleLsn).toBe(lsn);
      await db.close();
    }
    const db = DB('branch', { storage: 'memory' });
    await db.exec('CREATE TABLE t(a INTEGER PRIMARY KEY, b)');
    await db.branch('dev');
    await db.checkout('dev');
    expect(await bulkLoadFallback(db, 't', ['a', 'b'])).toMatch(/branch/);
    await db.close();
  });
});
