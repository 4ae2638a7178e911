// Three Database handles on one engine, interleaving random DDL (CREATE TABLE [IF NOT EXISTS],
// DROP TABLE, ADD COLUMN, CREATE [UNIQUE] INDEX, DROP INDEX) and DML, compared step by step
// with SQLite: one better-sqlite3 connection per handle on one file. SQLite notices a schema
// change made through another connection (the schema cookie) and plans every statement, cached
// prepared ones included, against the current schema; a dosql handle must do the same
// (src/sql/api/core.ts begin(), src/sql/catalog/schema-watch.ts). At the end a fresh handle and
// a fresh connection must read the same tables.
//
// Then the same handles run their statements concurrently, where SQLite (one writer at a time)
// cannot follow step by step: every statement that wrote is replayed on SQLite in commit (LSN)
// order, which first committer wins (the schema claim included) makes equivalent. Each replay
// must succeed with the same changes, and the final tables must agree: a statement planned
// against a schema other than its read LSN's (a stale CREATE TABLE re-creating a table, a row
// without its new index entry) shows up as a replay that fails or a table that differs.
import Sqlite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database, type Statement } from '../src/index.js';
import { LsmEngine } from '../src/lsm/engine.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { Rng } from './support/sql-gen/random.js';

const HANDLES = 3;
const STEPS = 160;
const SEEDS = [1, 2, 3, 4, 5, 6];
const TABLES = ['t1', 't2'];
const COLUMNS = ['b', 'c'];
const INDEXES = ['i1', 'i2'];

type Param = number | null;
interface Sql {
  sql: string;
  params: Param[];
}
/** One step: statements of one handle, run alone (autocommit), as a cached prepared statement, or together in one transaction. */
interface Step {
  handle: number;
  mode: 'run' | 'prepared' | 'transaction';
  sqls: Sql[];
}
/** What a statement did, in terms both engines share. */
type Outcome = { error: 'constraint' | 'other'; phrase: string | undefined } | { changes: number } | { rows: [string, unknown][][] };

/**
 * What an error is about, by its message: when SQLite's says one of these, dosql's must say
 * the same. (For an unknown column in UPDATE ... SET, dosql says INSERT's "has no column
 * named"; SQLite "no such column".)
 */
const PHRASES: [string, RegExp][] = [
  ['no such table', /no such table/],
  ['already exists', /already exists/],
  ['no such column', /no such column|has no column named/],
  ['value count', /columns but \d+ values/],
  ['no such index', /no such index/],
  ['duplicate column', /duplicate column/],
];

/** A random statement; `plain`: no IF [NOT] EXISTS, so a DDL statement that succeeds always wrote. */
function statement(r: Rng, plain = false): Sql {
  const t = r.pick(TABLES);
  const col = r.pick(COLUMNS);
  const id = r.int(1, 12);
  const v = r.chance(0.1) ? null : r.int(0, 4);
  const ine = !plain && r.chance(0.6) ? 'IF NOT EXISTS ' : '';
  const ie = !plain && r.chance(0.6) ? 'IF EXISTS ' : '';
  const s = (sql: string, ...params: Param[]): Sql => ({ sql, params });
  return r.weighted<() => Sql>([
    [3, () => s(r.chance(0.7) ? `CREATE TABLE ${ine}${t}(id INTEGER PRIMARY KEY, a INTEGER)` : `CREATE TABLE ${ine}${t}(a INTEGER, id INTEGER PRIMARY KEY)`)],
    [2, () => s(`DROP TABLE ${ie}${t}`)],
    [2, () => s(`ALTER TABLE ${t} ADD COLUMN ${col} INTEGER${r.chance(0.5) ? ` DEFAULT ${r.int(5, 9)}` : ''}`)],
    [2, () => s(`CREATE ${r.chance(0.3) ? 'UNIQUE ' : ''}INDEX ${ine}${r.pick(INDEXES)} ON ${t}(${r.chance(0.7) ? 'a' : col})`)],
    [1, () => s(`DROP INDEX ${ie}${r.pick(INDEXES)}`)],
    [6, () => s(`INSERT INTO ${t}(id, a) VALUES (?, ?)`, id, v)],
    [3, () => s(`INSERT INTO ${t} VALUES (${Array.from({ length: r.int(2, 4) }, () => '?').join(', ')})`, id, v, r.int(0, 4), r.int(0, 4))],
    [2, () => s(`INSERT OR REPLACE INTO ${t}(id, a) VALUES (?, ?)`, id, v)],
    [3, () => s(`UPDATE ${t} SET ${r.chance(0.5) ? 'a' : col} = ? WHERE id = ?`, v, id)],
    [2, () => s(`DELETE FROM ${t} WHERE id = ?`, id)],
    [4, () => s(`SELECT * FROM ${t} ORDER BY id`)],
    [2, () => s(`SELECT id FROM ${t} WHERE a = ? ORDER BY id`, v)],
    [1, () => s(`SELECT ${col} FROM ${t} ORDER BY id`)],
  ])();
}

function step(r: Rng): Step {
  const mode = r.weighted<Step['mode']>([
    [5, 'run'],
    [3, 'prepared'],
    [1, 'transaction'],
  ]);
  const n = mode === 'transaction' ? r.int(2, 3) : 1;
  return { handle: r.int(0, HANDLES - 1), mode, sqls: Array.from({ length: n }, () => statement(r)) };
}

/** The parameters a statement binds (its `?` count; the generator may offer more). */
function bound(s: Sql): Param[] {
  return s.params.slice(0, (s.sql.match(/\?/g) ?? []).length);
}

function isQuery(sql: string): boolean {
  return sql.startsWith('SELECT');
}

function errorOutcome(e: unknown, constraint: boolean): Outcome {
  const message = e instanceof Error ? e.message : String(e);
  return { error: constraint ? 'constraint' : 'other', phrase: PHRASES.find(([, re]) => re.test(message))?.[0] };
}

function rowsOf(rows: readonly Record<string, unknown>[]): Outcome {
  return { rows: rows.map((row) => Object.entries(row)) };
}

/** SQLite's side: one connection per handle, prepared statements cached per connection. */
class Lite {
  readonly conns: Sqlite.Database[];
  private readonly cache: Map<string, Sqlite.Statement>[];

  constructor(readonly file: string) {
    this.conns = Array.from({ length: HANDLES }, () => new Sqlite(file));
    this.cache = this.conns.map(() => new Map());
  }

  private one(h: number, s: Sql, cached: boolean): Outcome {
    const c = this.conns[h]!;
    let st = cached ? this.cache[h]!.get(s.sql) : undefined;
    if (!st) {
      st = c.prepare(s.sql);
      if (cached) this.cache[h]!.set(s.sql, st);
    }
    if (st.reader) return rowsOf(st.all(...bound(s)) as Record<string, unknown>[]);
    return { changes: st.run(...bound(s)).changes };
  }

  run(p: Step): Outcome[] {
    // SQLite compares the schema cookie when a statement starts reading, and prepares new
    // statements against the schema the connection last loaded: an error found while preparing
    // (the value count of INSERT ... VALUES) can come from that older schema. Reading the
    // schema table first makes the connection load the current one, which is the semantics
    // under test: every statement plans against the schema as of when it runs.
    this.conns[p.handle]!.prepare('SELECT count(*) FROM sqlite_schema').get();
    const guard = (f: () => Outcome[]): Outcome[] => {
      try {
        return f();
      } catch (e) {
        return [errorOutcome(e, String((e as { code?: string }).code).startsWith('SQLITE_CONSTRAINT'))];
      }
    };
    if (p.mode === 'transaction') return guard(() => this.conns[p.handle]!.transaction(() => p.sqls.map((s) => this.one(p.handle, s, false)))());
    return guard(() => [this.one(p.handle, p.sqls[0]!, p.mode === 'prepared')]);
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}

/** dosql's side: handles on one engine, prepared statements cached per handle. */
class Dosql {
  private readonly cache: Map<string, Statement>[];

  constructor(
    readonly engine: Promise<LsmEngine>,
    readonly dbs: Database[],
  ) {
    this.cache = dbs.map(() => new Map());
  }

  async run(p: Step): Promise<Outcome[]> {
    const db = this.dbs[p.handle]!;
    try {
      if (p.mode === 'transaction') {
        return await db.transaction(async (tx) => {
          const out: Outcome[] = [];
          for (const s of p.sqls) out.push(isQuery(s.sql) ? rowsOf(await tx.query(s.sql, bound(s))) : { changes: (await tx.run(s.sql, bound(s))).changes });
          return out;
        });
      }
      const s = p.sqls[0]!;
      if (p.mode === 'prepared') {
        let st = this.cache[p.handle]!.get(s.sql);
        if (!st) this.cache[p.handle]!.set(s.sql, (st = db.prepare(s.sql)));
        return [isQuery(s.sql) ? rowsOf((await st.all(...bound(s))) as Record<string, unknown>[]) : { changes: (await st.run(...bound(s))).changes }];
      }
      return [isQuery(s.sql) ? rowsOf(await db.query(s.sql, bound(s))) : { changes: (await db.run(s.sql, bound(s))).changes }];
    } catch (e) {
      return [errorOutcome(e, String((e as { code?: string }).code).startsWith('CONSTRAINT'))];
    }
  }
}

/** What a reader that opened last sees: each table's columns and rows, or that it is missing. */
async function finalState(read: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  for (const t of TABLES) {
    try {
      out[t] = rowsOf(await read(`SELECT * FROM ${t} ORDER BY id`));
    } catch (e) {
      out[t] = errorOutcome(e, false);
    }
  }
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'dosql-stale-schema-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('handles on one engine interleaving DDL and DML agree with SQLite connections on one file', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    const r = new Rng(seed);
    const lite = new Lite(join(root, `seed-${seed}.db`));
    const engine = LsmEngine.open({ store: new MemoryObjectStore() });
    const dbs = Array.from({ length: HANDLES }, () => new Database(() => engine, 'model'));
    await Promise.all(dbs.map((d) => d.open()));
    const dosql = new Dosql(engine, dbs);
    const log: string[] = [];
    try {
      for (let i = 0; i < STEPS; i++) {
        const p = step(r);
        log.push(`${i} h${p.handle} ${p.mode}: ${p.sqls.map((s) => `${s.sql} ${JSON.stringify(bound(s))}`).join('; ')}`);
        const want = lite.run(p);
        const got = await dosql.run(p);
        // The failing step with the steps before it: a runnable history.
        expect(got, log.slice(-25).join('\n')).toEqual(want);
      }
      const fresh = await new Database(() => engine, 'model').open();
      const reader = new Sqlite(lite.file);
      expect(await finalState((sql) => fresh.query(sql))).toEqual(await finalState(async (sql) => reader.prepare(sql).all() as Record<string, unknown>[]));
      reader.close();
    } finally {
      lite.close();
      await dbs[0]!.close();
    }
  });
});

describe('handles on one engine running statements concurrently commit what SQLite commits replayed in LSN order', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    const r = new Rng(seed + 1000);
    const engine = LsmEngine.open({ store: new MemoryObjectStore() });
    const dbs = Array.from({ length: HANDLES }, () => new Database(() => engine, 'concurrent'));
    await Promise.all(dbs.map((d) => d.open()));
    const cache = dbs.map(() => new Map<string, Statement>());
    /** Statements that wrote, with their commit LSNs. */
    const writes: { lsn: number; s: Sql; changes: number; handle: number }[] = [];
    let conflicts = 0;
    const runOne = async (h: number, s: Sql, prepared: boolean): Promise<void> => {
      const db = dbs[h]!;
      try {
        let st = prepared ? cache[h]!.get(s.sql) : undefined;
        if (prepared && !st) cache[h]!.set(s.sql, (st = db.prepare(s.sql)));
        if (isQuery(s.sql)) {
          await (st ? st.all(...bound(s)) : db.query(s.sql, bound(s)));
          return;
        }
        const res = await (st ? st.run(...bound(s)) : db.run(s.sql, bound(s)));
        // A DDL statement here has no IF [NOT] EXISTS: succeeding, it wrote. DML wrote when it changed rows.
        if (res.changes > 0 || !/^(INSERT|UPDATE|DELETE)/.test(s.sql)) writes.push({ lsn: res.lsn, s, changes: res.changes, handle: h });
      } catch (e) {
        if ((e as { code?: string }).code === 'WRITE_CONFLICT') conflicts++;
      }
    };
    try {
      for (let round = 0; round < STEPS / HANDLES; round++) {
        await Promise.all(dbs.map((_, h) => runOne(h, statement(r, true), r.chance(0.4))));
      }
      writes.sort((a, b) => a.lsn - b.lsn);
      const lsns = writes.map((w) => w.lsn);
      expect(new Set(lsns).size, 'one statement per commit LSN').toBe(lsns.length);
      const lite = new Sqlite(join(root, `concurrent-${seed}.db`));
      const history: string[] = [];
      for (const w of writes) {
        history.push(`lsn ${w.lsn} h${w.handle}: ${w.s.sql} ${JSON.stringify(bound(w.s))} -> ${w.changes} changes`);
        let replayed: Outcome;
        try {
          replayed = { changes: lite.prepare(w.s.sql).run(...bound(w.s)).changes };
        } catch (e) {
          replayed = errorOutcome(e, false);
        }
        expect(replayed, history.slice(-20).join('\n')).toEqual({ changes: w.changes });
      }
      const fresh = await new Database(() => engine, 'concurrent').open();
      expect(await finalState((sql) => fresh.query(sql))).toEqual(await finalState(async (sql) => lite.prepare(sql).all() as Record<string, unknown>[]));
      lite.close();
      // The run met concurrency (transactions that lost first committer wins), not just turns taken in order.
      expect(writes.length).toBeGreaterThan(10);
      expect(conflicts).toBeGreaterThan(0);
    } finally {
      await dbs[0]!.close();
    }
  });
});
