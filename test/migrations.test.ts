// Schema migrations (src/sql/api/migrations.ts, DB({ migrations }), `dosql migrate`): a folder
// of NNN_name.sql files applied in order once per database across reopens, each in its own
// transaction with its SHA-256 recorded in _dosql_migrations; an edited, renamed or removed
// applied migration, or one numbered below an applied one, is MIGRATION_DRIFT and nothing runs; a
// failing migration leaves the database at the version before it; migrations applied on a branch
// stay on the branch; two handles migrating at once apply each migration once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, PassThrough } from 'node:stream';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Database, DB, DoSQLError, LsmEngine, MemoryObjectStore, migrate, migrationStatus, type Migration } from '../src/index.js';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-migrations-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const M1: Migration = { name: '001_init.sql', sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);\nINSERT INTO users VALUES (1, 'root@x.test');\n" };
const M2: Migration = { name: '002_orders.sql', sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), total REAL);\nCREATE INDEX orders_user ON orders(user_id);\n' };
const M3: Migration = { name: '003_status.sql', sql: "ALTER TABLE orders ADD COLUMN status TEXT DEFAULT 'new';\nUPDATE orders SET status = 'old';\n" };

function folderOf(name: string, files: readonly Migration[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.sql);
  return dir;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DoSQLError);
  const d = e as DoSQLError;
  return { code: d.code, message: d.message, details: { ...d.details } };
}

const tables = async (db: Database): Promise<string[]> => {
  const out: string[] = [];
  for (const t of ['users', 'orders', 'extra']) {
    if (await db.query(`SELECT 1 FROM ${t} LIMIT 0`).then(() => true, () => false)) out.push(t);
  }
  return out;
};

describe('migrations', () => {
  it('a folder is applied in version order once per database, across reopens, with the same results as SQLite', async () => {
    const dir = folderOf('once', [M2, M1, { name: 'README.md', sql: 'not a migration' }]);
    const path = join(root, 'once-db');
    const open = (): Database => DB('once', { path, migrations: { folder: dir }, workerThreads: false });
    const db = open();
    const first = await migrationStatus(db);
    expect(first.map((m) => [m.version, m.name, m.state])).toEqual([
      [1, '001_init.sql', 'applied'],
      [2, '002_orders.sql', 'applied'],
    ]);
    await db.run('INSERT INTO orders VALUES (1, 1, 9.5)');
    await db.close();
    // Reopened (twice), nothing runs again: 001's INSERT would fail on the UNIQUE email.
    for (let i = 0; i < 2; i++) {
      const again = open();
      expect(await migrationStatus(again)).toEqual(first);
      expect(await again.query('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
      await again.close();
    }
    // The checksums are SHA-256 of the files, as any tool computes them.
    const { createHash } = await import('node:crypto');
    expect(first.map((m) => m.checksum)).toEqual([M1, M2].map((m) => createHash('sha256').update(m.sql).digest('hex')));
    // The migrated schema answers as SQLite's does after the same scripts.
    const lite = new Sqlite(':memory:');
    lite.exec(M1.sql + M2.sql + 'INSERT INTO orders VALUES (1, 1, 9.5);');
    const q = 'SELECT u.email, o.total FROM users u JOIN orders o ON o.user_id = u.id ORDER BY o.id';
    const re = open();
    expect(await re.query(q)).toEqual(lite.prepare(q).all());
    await re.close();
    lite.close();
  });

  it('a later migration added to the folder is applied at the next open, after the earlier ones', async () => {
    const store = new MemoryObjectStore();
    const db1 = DB('grow', { store, migrations: [M1] });
    expect(await tables(db1)).toEqual(['users']);
    await db1.close();
    const db2 = DB('grow', { store, migrations: [M1, M2, M3] });
    expect(await tables(db2)).toEqual(['users', 'orders']);
    expect((await migrationStatus(db2)).map((m) => m.name)).toEqual(['001_init.sql', '002_orders.sql', '003_status.sql']);
    expect(await db2.query('SELECT status FROM orders')).toEqual([]);
    await db2.close();
  });

  it('an edited, renamed or removed applied migration, or one numbered below the latest, is MIGRATION_DRIFT and nothing runs', async () => {
    const store = new MemoryObjectStore();
    const db = DB('drift', { store, migrations: [M1, M2] });
    await db.open();
    await db.close();
    const extra: Migration = { name: '004_extra.sql', sql: 'CREATE TABLE extra (x);' };
    const cases: [string, Migration[], string, RegExp][] = [
      ['edited', [{ ...M1, sql: M1.sql.replace('UNIQUE', '') }, M2, extra], 'drift', /001_init.sql was edited after it was applied/],
      ['renamed', [{ name: '001_initial.sql', sql: M1.sql }, M2, extra], 'drift', /the file of version 1 is now 001_initial.sql/],
      ['removed', [M2, extra], 'missing', /001_init.sql was applied .* but is not among the migrations given/],
      ['below the latest', [M1, { name: '000_first.sql', sql: 'CREATE TABLE extra (x);' }, M2], 'out-of-order', /000_first.sql is not applied, but a later migration is/],
    ];
    for (const [what, files, state, re] of cases) {
      const d = DB('drift', { store, migrations: files });
      const e = await codeOf(d.query('SELECT 1'));
      expect(e.code, what).toBe('MIGRATION_DRIFT');
      expect(e.message, what).toMatch(re);
      expect(e.details.state, what).toBe(state);
      await d.close();
      const plain = DB('drift', { store });
      expect(await tables(plain), what).toEqual(['users', 'orders']);
      expect((await migrationStatus(plain, files)).some((m) => m.state === state), what).toBe(true);
      await plain.close();
    }
    // Other line endings are the same text: not drift.
    const crlf = DB('drift', { store, migrations: [{ ...M1, sql: M1.sql.replace(/\n/g, '\r\n') }, M2] });
    expect(await crlf.query('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
    await crlf.close();
  });

  it('a failing migration leaves the database at the previous version: its earlier statements undone, the open failed, a fixed file applies', async () => {
    const store = new MemoryObjectStore();
    const bad: Migration = { name: '003_bad.sql', sql: 'CREATE TABLE extra (x);\nINSERT INTO extra VALUES (1);\nINSERT INTO nope VALUES (1);\n' };
    const db = DB('fail', { store, migrations: [M1, M2, bad] });
    const e = await codeOf(db.query('SELECT 1'));
    expect(e.code).toBe('SQL_ERROR');
    expect(e.message).toMatch(/^migrate: 003_bad.sql, statement 3: sql: no such table: nope/);
    expect(e.details).toMatchObject({ migration: '003_bad.sql', statement: 3 });
    // Every later call answers the same error.
    expect((await codeOf(db.run('INSERT INTO users VALUES (2, ?)', ['b@x.test']))).message).toBe(e.message);
    await db.close();
    const plain = DB('fail', { store });
    expect((await migrationStatus(plain)).map((m) => m.name)).toEqual(['001_init.sql', '002_orders.sql']);
    expect(await tables(plain)).toEqual(['users', 'orders']);
    await plain.close();
    const fixed = DB('fail', { store, migrations: [M1, M2, { name: '003_bad.sql', sql: 'CREATE TABLE extra (x);\nINSERT INTO extra VALUES (1);\n' }] });
    expect(await fixed.query('SELECT x FROM extra')).toEqual([{ x: 1 }]);
    await fixed.close();
  });

  it('transaction control inside a migration is refused (each migration is one transaction)', async () => {
    const db = DB('ctl', { storage: 'memory' });
    const e = await codeOf(migrate(db, [M1, { name: '002_tx.sql', sql: 'BEGIN; CREATE TABLE extra (x); COMMIT;' }]));
    expect(e.message).toBe('migrate: 002_tx.sql, statement 1: BEGIN is not allowed; each migration runs in its own transaction');
    expect(await tables(db)).toEqual([]);
    await db.close();
  });

  it('migrations applied on a branch stay on the branch', async () => {
    const db = DB('branchy', { storage: 'memory', migrations: [M1, M2] });
    await db.branch('feature');
    await db.checkout('feature');
    expect(await migrate(db, [M1, M2, M3])).toEqual({ applied: ['003_status.sql'], version: 3 });
    await db.run('INSERT INTO orders (id, user_id, total) VALUES (7, 1, 1.0)');
    expect(await db.query('SELECT status FROM orders')).toEqual([{ status: 'new' }]);
    await db.checkout('main');
    expect((await migrationStatus(db, [M1, M2, M3])).map((m) => m.state)).toEqual(['applied', 'applied', 'pending']);
    expect((await codeOf(db.query('SELECT status FROM orders'))).code).toBe('SQL_ERROR');
    // Main applies it on its own later; the branch's record is its own.
    expect(await migrate(db, [M1, M2, M3])).toEqual({ applied: ['003_status.sql'], version: 3 });
    await db.close();
  });

  it('two handles migrating one database at once apply each migration once', async () => {
    // The second starts after 0..5 turns of the event loop, so they meet at different steps.
    for (let delay = 0; delay <= 5; delay++) {
      const engine = LsmEngine.open({ store: new MemoryObjectStore() });
      const a = new Database(() => engine, 'race');
      const b = new Database(() => engine, 'race');
      await Promise.all([a.open(), b.open()]);
      const later = async (): Promise<{ applied: string[] }> => {
        for (let i = 0; i < delay; i++) await new Promise((r) => setImmediate(r));
        return migrate(b, [M1, M2, M3]);
      };
      const results = await Promise.all([migrate(a, [M1, M2, M3]), later()]);
      expect(results.flatMap((r) => r.applied).sort(), `delay ${delay}`).toEqual(['001_init.sql', '002_orders.sql', '003_status.sql']);
      // A fresh handle sees each record once and 001's row once (nothing re-created over it).
      const c = new Database(() => engine, 'race');
      expect(await c.query('SELECT version FROM _dosql_migrations ORDER BY version'), `delay ${delay}`).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
      expect(await c.query('SELECT count(*) AS n FROM users'), `delay ${delay}`).toEqual([{ n: 1 }]);
      expect(await c.query('SELECT status FROM orders'), `delay ${delay}`).toEqual([]);
      await c.close();
    }
  });

  it('reading a folder: a misnamed .sql file and a missing folder are refused by name', async () => {
    const dir = folderOf('misnamed', [M1, { name: 'add-orders.sql', sql: M2.sql }]);
    const e = await codeOf(DB('misnamed', { storage: 'memory', migrations: { folder: dir } }).query('SELECT 1'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/add-orders.sql: a migration is named NNN_name.sql/);
    const missing = await codeOf(DB('missing', { storage: 'memory', migrations: { folder: join(root, 'nope') } }).query('SELECT 1'));
    expect(missing.code).toBe('NOT_FOUND');
  });
});

describe('dosql migrate', () => {
  const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out: string[] = [];
    const err: string[] = [];
    const w = (to: string[]): Writable => new Writable({ write: (c: Buffer, _e, cb) => (to.push(c.toString()), cb()) });
    const stdin = new PassThrough();
    stdin.end();
    const io: CliIO = { stdout: w(out), stderr: w(err), stdin, cwd: root, home: join(root, 'home') };
    const code = await main(args, io);
    return { code, out: out.join(''), err: err.join('') };
  };

  it('applies a folder, reports status, refuses drift, and works on a branch', async () => {
    folderOf('cli-m', [M1, M2]);
    expect(await run(['migrate', 'cli-db', 'cli-m'])).toEqual({ code: 0, out: 'applied 001_init.sql\napplied 002_orders.sql\nat version 2 (2 applied now)\n', err: '' });
    expect(await run(['migrate', 'cli-db', 'cli-m'])).toEqual({ code: 0, out: 'up to date at version 2\n', err: '' });
    writeFileSync(join(root, 'cli-m', M3.name), M3.sql);
    const status = await run(['migrate', 'cli-db', '--status', 'cli-m', '--format', 'json']);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.out) as { name: string; state: string }[]).map((m) => [m.name, m.state])).toEqual([
      ['001_init.sql', 'applied'],
      ['002_orders.sql', 'applied'],
      ['003_status.sql', 'pending'],
    ]);
    expect(await run(['branches', 'cli-db', '--create', 'dev'])).toMatchObject({ code: 0 });
    expect(await run(['migrate', 'cli-db', 'cli-m', '--branch', 'dev'])).toEqual({ code: 0, out: 'applied 003_status.sql on branch dev\nat version 3 on branch dev (1 applied now)\n', err: '' });
    const mainStatus = await run(['migrate', 'cli-db', '--status', '--format', 'csv']);
    expect(mainStatus.out.trim().split('\n').length).toBe(3);
    writeFileSync(join(root, 'cli-m', M1.name), M1.sql + '-- edited\n');
    const drift = await run(['migrate', 'cli-db', 'cli-m']);
    expect(drift.code).toBe(1);
    expect(drift.err).toMatch(/^dosql: MIGRATION_DRIFT: migrate: 001_init.sql was edited after it was applied/);
    expect(await run(['migrate', 'cli-db'])).toMatchObject({ code: 2, err: expect.stringMatching(/give the folder of migrations, or --status/) });
    expect(await run(['migrate', 'no-such-db', '--status'])).toMatchObject({ code: 1, err: expect.stringMatching(/NOT_FOUND/) });
  });
});
