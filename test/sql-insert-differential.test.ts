// The insert path against SQLite (better-sqlite3 as the oracle): random single-row and
// multi-row INSERTs (plain, OR IGNORE, OR REPLACE) that hit PRIMARY KEY, UNIQUE, NOT NULL and
// CHECK constraints, some mid-statement, inside BEGIN ... COMMIT / ROLLBACK, savepoints and
// db.transaction() batches that throw; then concurrent transactions whose keys or unique values
// overlap (first committer wins: the later one fails with WRITE_CONFLICT and leaves nothing).
// Every statement's outcome (changes or the constraint that failed) and the table contents after
// every step must equal SQLite's. Covers the write path's batching (VALUES evaluated in place,
// a commit's write set appended without looking for duplicate keys, the undo log).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB, type Database } from '../src/index.js';
import { DoSQLError } from '../src/errors.js';
import { Prng } from '../src/util/prng.js';

const SCHEMA = [
  'CREATE TABLE t(id INTEGER PRIMARY KEY, u TEXT UNIQUE, v INTEGER NOT NULL, w REAL CHECK (w >= 0))',
  'CREATE INDEX t_v ON t(v)',
  'CREATE TABLE k(a TEXT, b INTEGER, c TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID',
];

type Value = number | string | null;
type Outcome = { ok: true; changes: number } | { ok: false; code: string };

function liteOutcome(f: () => { changes: number }): Outcome {
  try {
    return { ok: true, changes: f().changes };
  } catch (e) {
    return { ok: false, code: String((e as { code?: string }).code) };
  }
}

async function dosqlOutcome(f: () => Promise<{ changes: number }>): Promise<Outcome> {
  try {
    return { ok: true, changes: (await f()).changes };
  } catch (e) {
    if (!(e instanceof DoSQLError)) throw e;
    // SQLite's extended result code for the same constraint.
    return { ok: false, code: `SQLITE_${e.code}` };
  }
}

/** A random INSERT with its parameters: small key and value domains, so constraints fail often. */
function randomInsert(rng: Prng): { sql: string; params: Value[] } {
  const verb = rng.pick(['INSERT', 'INSERT', 'INSERT', 'INSERT OR IGNORE', 'INSERT OR REPLACE']);
  const rows = rng.chance(0.6) ? 1 : 2 + rng.int(6);
  const params: Value[] = [];
  if (rng.chance(0.75)) {
    for (let r = 0; r < rows; r++) {
      params.push(rng.chance(0.1) ? null : rng.int(60));
      params.push(rng.chance(0.2) ? null : `u${rng.int(40)}`);
      params.push(rng.chance(0.05) ? null : rng.int(10));
      params.push(rng.chance(0.05) ? -1 : rng.int(1000) / 8);
    }
    return { sql: `${verb} INTO t(id, u, v, w) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ')}`, params };
  }
  for (let r = 0; r < rows; r++) {
    params.push(`a${rng.int(5)}`);
    params.push(rng.int(8));
    params.push(rng.chance(0.3) ? null : `c${rng.int(100)}`);
  }
  return { sql: `${verb} INTO k VALUES ${Array.from({ length: rows }, () => '(?, ?, ?)').join(', ')}`, params };
}

async function contents(db: Database): Promise<unknown[]> {
  return [await db.prepare('SELECT id, u, v, w FROM t ORDER BY id').raw().all(), await db.prepare('SELECT a, b, c FROM k ORDER BY a, b').raw().all()];
}

function liteContents(lite: Sqlite.Database): unknown[] {
  return [lite.prepare('SELECT id, u, v, w FROM t ORDER BY id').raw().all(), lite.prepare('SELECT a, b, c FROM k ORDER BY a, b').raw().all()];
}

async function withDbs(name: string, f: (db: Database, lite: Sqlite.Database) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-insert-diff-'));
  const db = DB(name, { path: join(dir, 'db'), durability: 'normal' });
  const lite = new Sqlite(':memory:');
  try {
    for (const s of SCHEMA) {
      await db.exec(s);
      lite.exec(s);
    }
    await f(db, lite);
  } finally {
    await db.close();
    lite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('INSERT agrees with SQLite', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: statements, transactions, savepoints and batches', async (seed) => {
    const rng = new Prng(seed);
    await withDbs(`insert-diff-${seed}`, async (db, lite) => {
      let inTxn = false;
      let savepoints = 0;
      const log: string[] = [];
      const failed = new Set<string>();
      for (let step = 0; step < 250; step++) {
        const r = rng.next();
        if (r < 0.08 && !inTxn) {
          log.push('BEGIN');
          await db.exec('BEGIN');
          lite.exec('BEGIN');
          inTxn = true;
        } else if (r < 0.14 && inTxn) {
          const sql = rng.chance(0.6) ? 'COMMIT' : 'ROLLBACK';
          log.push(sql);
          await db.exec(sql);
          lite.exec(sql);
          inTxn = false;
          savepoints = 0;
        } else if (r < 0.2 && inTxn) {
          log.push(`SAVEPOINT s${savepoints}`);
          await db.exec(`SAVEPOINT s${savepoints}`);
          lite.exec(`SAVEPOINT s${savepoints}`);
          savepoints++;
        } else if (r < 0.25 && inTxn && savepoints > 0) {
          const to = rng.int(savepoints);
          const sql = rng.chance(0.5) ? `ROLLBACK TO s${to}` : `RELEASE s${to}`;
          log.push(sql);
          await db.exec(sql);
          lite.exec(sql);
          savepoints = sql.startsWith('RELEASE') ? to : to + 1;
        } else if (r < 0.32 && !inTxn) {
          // A batch in db.transaction(): rolled back whole when one of its statements fails
          // (unless the callback catches it) or the callback throws.
          const stmts = Array.from({ length: 1 + rng.int(30) }, () => randomInsert(rng));
          const catchErrors = rng.chance(0.5);
          const throwAtEnd = rng.chance(0.2);
          log.push(`batch of ${stmts.length} (catch ${catchErrors}, throw ${throwAtEnd})`);
          const dOut: Outcome[] = [];
          const dRes = await dosqlOutcome(() =>
            db.transaction(async (tx) => {
              for (const s of stmts) {
                if (catchErrors) dOut.push(await dosqlOutcome(() => tx.run(s.sql, s.params)));
                else {
                  dOut.push({ ok: true, changes: (await tx.run(s.sql, s.params)).changes });
                }
              }
              if (throwAtEnd) throw new DoSQLError('INVALID_ARGUMENT', 'test: the callback throws');
              return { changes: 0 };
            }),
          );
          const lOut: Outcome[] = [];
          const lRes = liteOutcome(() =>
            lite.transaction(() => {
              for (const s of stmts) {
                if (catchErrors) lOut.push(liteOutcome(() => lite.prepare(s.sql).run(...s.params)));
                else lOut.push({ ok: true, changes: lite.prepare(s.sql).run(...s.params).changes });
              }
              if (throwAtEnd) throw Object.assign(new Error('test: the callback throws'), { code: 'SQLITE_INVALID_ARGUMENT' });
              return { changes: 0 };
            })(),
          );
          expect(dOut, log.join('\n')).toEqual(lOut);
          expect(dRes, log.join('\n')).toEqual(lRes);
        } else {
          const s = randomInsert(rng);
          log.push(`${s.sql} ${JSON.stringify(s.params)}`);
          const d = await dosqlOutcome(() => db.run(s.sql, s.params));
          const l = liteOutcome(() => lite.prepare(s.sql).run(...s.params));
          expect(d, log.join('\n')).toEqual(l);
          if (!l.ok) failed.add(l.code);
        }
        expect(await contents(db), log.join('\n')).toEqual(liteContents(lite));
      }
      if (inTxn) {
        await db.exec('COMMIT');
        lite.exec('COMMIT');
      }
      expect(await contents(db)).toEqual(liteContents(lite));
      // The seed exercised every constraint the statements can break.
      expect([...failed].sort()).toEqual(['SQLITE_CONSTRAINT_CHECK', 'SQLITE_CONSTRAINT_NOTNULL', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);
    });
  });

  it.each([11, 12, 13, 14])('seed %i: concurrent transactions, first committer wins', async (seed) => {
    const rng = new Prng(seed);
    await withDbs(`insert-conflict-${seed}`, async (db, lite) => {
      let conflicts = 0;
      for (let round = 0; round < 40; round++) {
        // Two transactions from the same snapshot, each inserting rows with fresh keys; some
        // rounds share a key or a unique value. The first to commit wins; the second must fail
        // with WRITE_CONFLICT exactly when it overlaps the first (else both are kept).
        const base = 1000 + round * 100;
        const rowsOf = (): Value[][] =>
          Array.from({ length: 1 + rng.int(20) }, () => [base + rng.int(60), rng.chance(0.5) ? `x${round}-${rng.int(60)}` : null, rng.int(10), rng.int(100)]);
        const a = dedupe(rowsOf());
        const b = dedupe(rowsOf()).filter(() => rng.chance(0.7));
        if (b.length === 0) continue;
        let releaseA!: () => void;
        const aWritten = new Promise<void>((r) => (releaseA = r));
        let goA!: () => void;
        const aMayCommit = new Promise<void>((r) => (goA = r));
        const ta = db.transaction(async (tx) => {
          for (const row of a) await tx.run('INSERT INTO t(id, u, v, w) VALUES (?, ?, ?, ?)', row);
          releaseA();
          await aMayCommit;
          return 'a';
        });
        await aWritten;
        const tb = db.transaction(async (tx) => {
          for (const row of b) await tx.run('INSERT INTO t(id, u, v, w) VALUES (?, ?, ?, ?)', row);
          goA();
          // Let a commit first.
          await ta;
          return 'b';
        });
        expect(await ta).toBe('a');
        const ins = lite.prepare('INSERT INTO t(id, u, v, w) VALUES (?, ?, ?, ?)');
        lite.transaction(() => a.forEach((row) => ins.run(...row)))();
        const overlaps = b.some((rb) => a.some((ra) => ra[0] === rb[0] || (ra[1] !== null && ra[1] === rb[1])));
        const outcome = await tb.then(
          () => 'ok',
          (e: unknown) => (e instanceof DoSQLError ? e.code : String(e)),
        );
        expect(outcome).toBe(overlaps ? 'WRITE_CONFLICT' : 'ok');
        if (!overlaps) lite.transaction(() => b.forEach((row) => ins.run(...row)))();
        else conflicts++;
        expect(await contents(db)).toEqual(liteContents(lite));
      }
      expect(conflicts).toBeGreaterThan(0);
    });
  });
});

/** Rows with distinct ids and distinct non-null unique values (a transaction's own rows never conflict). */
function dedupe(rows: Value[][]): Value[][] {
  const ids = new Set<Value>();
  const us = new Set<Value>();
  return rows.filter((r) => {
    if (ids.has(r[0]!) || (r[1] !== null && us.has(r[1]!))) return false;
    ids.add(r[0]!);
    if (r[1] !== null) us.add(r[1]!);
    return true;
  });
}
