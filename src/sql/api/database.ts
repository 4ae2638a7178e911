// The DB() API: one database on one engine. Statements run in transactions with
// snapshot isolation on LSN read views; commits are first-committer-wins.
//
// Async safety: statements of one session (the handle's own BEGIN ... COMMIT, or one
// `db.transaction` callback) run one at a time; different transactions interleave freely
// and are serialised only at commit, under `commitLock`, where write-write conflicts
// against commits made after the transaction's read LSN are detected.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { WriteBatch } from '../../lsm/write-batch.js';
import { MAIN_BRANCH } from '../../mvcc/internal-key.js';
import { Mutex } from '../../util/async.js';
import { Catalog } from '../catalog/catalog.js';
import { ExecEnv, type Row, type SessionInfo } from '../execution/env.js';
import type { ParsedStatement } from '../parser/ast.js';
import { parse, parseOne } from '../parser/index.js';
import { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { compileStatement, type Executable, type ExecResult } from './executor.js';
import { bindParams, toJsValue, type BindParams, type JsValue } from './values.js';
import { Statement } from './statement.js';

/** What `run` returns: rows changed, the last rowid inserted, and the commit's LSN. */
export interface RunResult {
  changes: number;
  lastInsertRowId: number | bigint;
  /** LSN of the commit (the read LSN when nothing was written). */
  lsn: number;
}

export interface QueryOptions {
  /** Return INTEGER values as bigint (better-sqlite3's safeIntegers). */
  safeIntegers?: boolean;
}

/** A session: the connection's own explicit transaction and savepoints. */
interface Session {
  txn?: Transaction;
  savepoints: { name: string; mark: number }[];
  /** SAVEPOINT outside BEGIN started the transaction: RELEASE of the outermost commits it. */
  implicitBySavepoint: boolean;
}

/** @internal A prepared plan cache entry. */
export interface Prepared {
  readonly parsed: ParsedStatement;
  readonly sql: string;
  plan?: Executable;
}

export class Database {
  private catalog!: Catalog;
  private readonly commitLock = new Mutex();
  private readonly session: Session = { savepoints: [], implicitBySavepoint: false };
  private readonly cache = new Map<string, Prepared>();
  private readonly info: SessionInfo = { changes: 0, totalChanges: 0, lastInsertRowId: 0n };
  private readonly ready: Promise<LsmEngine>;
  private engineRef: LsmEngine | undefined;
  private closed = false;
  /** Serialises statements of the handle's own session. */
  private readonly sessionLock = new Mutex();

  /** `open` resolves to the engine; the database opens lazily on first use. */
  constructor(
    open: () => Promise<LsmEngine>,
    readonly name: string,
  ) {
    this.ready = open().then(async (engine) => {
      this.engineRef = engine;
      const t = new Transaction(engine, engine.lastVisibleLsn, MAIN_BRANCH, new Catalog([]));
      try {
        this.catalog = await Catalog.load(t);
      } finally {
        t.release();
      }
      return engine;
    });
    // Avoid an unhandled rejection when nobody awaits an open that failed.
    this.ready.catch(() => undefined);
  }

  /** Resolves when the database is open (every method also waits for it). */
  async open(): Promise<this> {
    await this.ready;
    return this;
  }

  /** The underlying key-value engine (statistics, compaction, flush). */
  async engine(): Promise<LsmEngine> {
    return this.ready;
  }

  private async eng(): Promise<LsmEngine> {
    if (this.closed) throw new DoSQLError('CLOSED', `sql: database ${this.name} is closed`);
    return this.ready;
  }

  // ---------------------------------------------------------------- statements

  /** @internal Parses (cached) one statement. */
  prepared(sql: string): Prepared {
    let p = this.cache.get(sql);
    if (!p) {
      p = { parsed: parseOne(sql), sql };
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(sql, p);
    }
    return p;
  }

  /** Prepares one statement (better-sqlite3's shape, async methods). */
  prepare(sql: string): Statement {
    return new Statement(this, this.prepared(sql));
  }

  /** Rows of a query as objects keyed by column name. */
  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T[]> {
    const p = this.prepared(sql);
    const r = (await this.tryRead(p, params)) ?? (await this.execPrepared(p, params));
    return rowsToObjects(r.columns, r.rows, options.safeIntegers ?? false) as T[];
  }

  /** The first row of a query, or undefined. */
  async queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T | undefined> {
    return (await this.query<T>(sql, params, options))[0];
  }

  /** Runs one statement and reports its effect. */
  async run(sql: string, params?: BindParams): Promise<RunResult> {
    const r = await this.execPrepared(this.prepared(sql), params);
    return { changes: r.changes, lastInsertRowId: jsRowid(this.info.lastInsertRowId), lsn: r.lsn };
  }

  /** Runs every statement in `sql` (no parameters, results discarded). */
  async exec(sql: string): Promise<void> {
    for (const p of parse(sql)) await this.execPrepared({ parsed: p, sql: sql.slice(p.start, p.end) }, undefined);
  }

  /**
   * @internal The fast path of an autocommit SELECT outside any explicit transaction: no
   * session lock, no commit, synchronous when the rows are in memory. Returns undefined
   * when the statement must take the general path.
   */
  tryRead(p: Prepared, params: BindParams | undefined): { columns: readonly string[]; rows: Row[] } | Promise<{ columns: readonly string[]; rows: Row[] }> | undefined {
    const engine = this.engineRef;
    if (!engine || this.closed || this.session.txn || this.sessionLock.locked || p.parsed.statement.kind !== 'select') return undefined;
    const values = bindParams(p.parsed, params);
    const txn = new Transaction(engine, engine.lastVisibleLsn, MAIN_BRANCH, this.catalog);
    let rows: Row[] | Promise<Row[]>;
    let plan: Executable;
    try {
      plan = this.planFor(p, txn.catalog);
      rows = plan.runRows!(new ExecEnv(txn, values, this.info, engine.clockNow(), randomInt64));
    } catch (e) {
      txn.release();
      throw e;
    }
    if (rows instanceof Promise) {
      return rows.then(
        (r) => {
          txn.release();
          return { columns: plan.columns, rows: r };
        },
        (e: unknown) => {
          txn.release();
          throw e;
        },
      );
    }
    txn.release();
    return { columns: plan.columns, rows };
  }

  /** @internal Executes a prepared statement in the handle's session. */
  async execPrepared(p: Prepared, params: BindParams | undefined, txn?: Transaction): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    const engine = await this.eng();
    const values = bindParams(p.parsed, params);
    if (txn) return this.runIn(engine, txn, p, values, false);
    const unlock = await this.sessionLock.lock();
    try {
      return await this.runSession(engine, p, values);
    } finally {
      unlock();
    }
  }

  private async runSession(engine: LsmEngine, p: Prepared, values: SqlValue[]): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    const s = this.session;
    const st = p.parsed.statement;
    const none = { rows: [] as Row[], changes: 0, columns: [] as string[] };
    switch (st.kind) {
      case 'begin':
        if (s.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot start a transaction within a transaction');
        s.txn = this.begin(engine);
        s.implicitBySavepoint = false;
        return { ...none, lsn: s.txn.readLsn };
      case 'commit': {
        if (!s.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot commit - no transaction is active');
        const txn = s.txn;
        s.txn = undefined;
        s.savepoints = [];
        return { ...none, lsn: await this.commit(engine, txn) };
      }
      case 'rollback': {
        if (!s.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot rollback - no transaction is active');
        if (st.savepoint) {
          const i = findSavepoint(s, st.savepoint);
          s.txn.rollbackTo(s.savepoints[i]!.mark);
          s.savepoints.length = i + 1;
          return { ...none, lsn: s.txn.readLsn };
        }
        s.txn.release();
        s.txn = undefined;
        s.savepoints = [];
        return { ...none, lsn: engine.lastVisibleLsn };
      }
      case 'savepoint':
        if (!s.txn) {
          s.txn = this.begin(engine);
          s.implicitBySavepoint = true;
        }
        s.savepoints.push({ name: st.name, mark: s.txn.mark() });
        return { ...none, lsn: s.txn.readLsn };
      case 'release': {
        if (!s.txn) throw new DoSQLError('SQL_ERROR', `sql: no such savepoint: ${st.name}`);
        const i = findSavepoint(s, st.name);
        s.savepoints.length = i;
        if (i === 0 && s.implicitBySavepoint) {
          const txn = s.txn;
          s.txn = undefined;
          return { ...none, lsn: await this.commit(engine, txn) };
        }
        return { ...none, lsn: s.txn.readLsn };
      }
      default:
        break;
    }
    if (s.txn) return this.runIn(engine, s.txn, p, values, false);
    const txn = this.begin(engine);
    return this.runIn(engine, txn, p, values, true);
  }

  /** Runs a statement in `txn`; on error undoes the statement's writes; commits when `autocommit`. */
  private async runIn(engine: LsmEngine, txn: Transaction, p: Prepared, values: SqlValue[], autocommit: boolean): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    const mark = txn.mark();
    let result: ExecResult;
    let plan: Executable;
    try {
      plan = this.planFor(p, txn.catalog);
      const env = new ExecEnv(txn, values, this.info, engineNow(engine), randomInt64);
      result = await plan.execute(env, p.sql);
    } catch (e) {
      // lang_conflict.html: FAIL keeps the statement's earlier changes, ROLLBACK ends the
      // whole transaction, everything else (ABORT) undoes just this statement.
      const action = e instanceof DoSQLError ? e.details.conflictAction : undefined;
      if (action === 'FAIL') {
        if (autocommit) await this.commit(engine, txn);
      } else if (action === 'ROLLBACK') {
        txn.rollbackTo(0);
        if (this.session.txn === txn) {
          this.session.txn = undefined;
          this.session.savepoints = [];
        }
        txn.release();
      } else {
        txn.rollbackTo(mark);
        if (autocommit) txn.release();
      }
      throw e;
    }
    if (plan.writes) {
      this.info.changes = result.changes;
      this.info.totalChanges += result.changes;
      if (result.lastInsertRowId !== undefined) this.info.lastInsertRowId = result.lastInsertRowId;
    }
    let lsn = txn.readLsn;
    if (autocommit) lsn = await this.commit(engine, txn);
    return { ...result, columns: plan.columns, lsn };
  }

  /** @internal The plan of `p` for `catalog`, re-planned when the schema changed. */
  planFor(p: Prepared, catalog: Catalog): Executable {
    if (!p.plan || p.plan.catalogVersion !== catalog.version) p.plan = compileStatement(p.parsed.statement, catalog);
    return p.plan;
  }

  /** @internal The latest committed schema (requires the database to be open). */
  currentCatalog(): Catalog {
    if (!this.engineRef) throw new DoSQLError('INVALID_ARGUMENT', `sql: database ${this.name} is not open yet; await db.open() first`);
    return this.catalog;
  }

  /** @internal Starts a transaction reading the latest commit. */
  begin(engine: LsmEngine): Transaction {
    return new Transaction(engine, engine.lastVisibleLsn, MAIN_BRANCH, this.catalog);
  }

  /**
   * @internal Commits `txn`: first committer wins. Throws WRITE_CONFLICT (retryable) when a
   * key it wrote, or a unique-index range it checked, changed after its read LSN.
   */
  async commit(engine: LsmEngine, txn: Transaction): Promise<number> {
    const unlock = await this.commitLock.lock();
    try {
      if (txn.writes.size === 0) return txn.readLsn;
      const latest = engine.lastVisibleLsn;
      if (latest !== txn.readLsn) await this.checkConflicts(engine, txn, latest);
      const batch = new WriteBatch(txn.branch);
      for (const op of txn.ops()) batch.addRaw(op);
      const info = await engine.write(batch);
      if (txn.ddl) {
        const t = new Transaction(engine, info.lsn, txn.branch, this.catalog);
        try {
          this.catalog = await Catalog.load(t);
        } finally {
          t.release();
        }
      }
      return info.lsn;
    } finally {
      unlock();
      txn.release();
    }
  }

  private async checkConflicts(engine: LsmEngine, txn: Transaction, latest: number): Promise<void> {
    for (const w of txn.writes.values()) {
      const v = await engine.getRaw(w.uk, latest);
      if (v && v.lsn > txn.readLsn) {
        throw new DoSQLError('WRITE_CONFLICT', `sql: write conflict: a row this transaction wrote was changed by a transaction that committed after it began (LSN ${v.lsn} > ${txn.readLsn}); retry`, {
          details: { readLsn: txn.readLsn, conflictLsn: v.lsn },
        });
      }
    }
    for (const c of txn.claims) {
      for await (const e of engine.scanRaw(c.lower, c.upper, latest, false)) {
        if (e.lsn > txn.readLsn) throw new DoSQLError('WRITE_CONFLICT', `sql: write conflict on a unique index (LSN ${e.lsn} > ${txn.readLsn}); retry`, { details: { readLsn: txn.readLsn, conflictLsn: e.lsn } });
      }
    }
    if (this.catalog.version !== txn.baseCatalogVersion) {
      // The schema changed since this transaction planned its writes (an index it did not
      // maintain may exist now): retry against the new schema.
      throw new DoSQLError('WRITE_CONFLICT', 'sql: the schema changed while this transaction ran; retry', { details: { readLsn: txn.readLsn } });
    }
  }

  /**
   * Runs `fn` in its own transaction (snapshot isolation): commits when it resolves, rolls
   * back when it throws. A WRITE_CONFLICT at commit is thrown (retryable) unless
   * `retries` allows running `fn` again.
   */
  async transaction<T>(fn: (tx: TransactionHandle) => Promise<T>, options: { retries?: number } = {}): Promise<T> {
    const engine = await this.eng();
    for (let attempt = 0; ; attempt++) {
      const txn = this.begin(engine);
      const handle = new TransactionHandle(this, txn);
      let result: T;
      try {
        result = await fn(handle);
      } catch (e) {
        handle.done = true;
        txn.release();
        throw e;
      }
      handle.done = true;
      try {
        await this.commit(engine, txn);
        return result;
      } catch (e) {
        if (e instanceof DoSQLError && e.code === 'WRITE_CONFLICT' && attempt < (options.retries ?? 0)) continue;
        throw e;
      }
    }
  }

  /** Closes the database: rolls back an open transaction, closes the engine. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.txn?.release();
    this.session.txn = undefined;
    const engine = await this.ready.catch(() => undefined);
    await engine?.close();
  }

  /** True while the handle's own BEGIN ... COMMIT is open. */
  get inTransaction(): boolean {
    return this.session.txn !== undefined;
  }

  /** @internal */
  get engineIfOpen(): LsmEngine | undefined {
    return this.engineRef;
  }
}

/** The handle passed to `db.transaction(fn)`: the same query methods, inside one transaction. */
export class TransactionHandle {
  /** @internal */
  done = false;
  private readonly lock = new Mutex();

  constructor(
    private readonly db: Database,
    private readonly txn: Transaction,
  ) {}

  private async execute(p: Prepared, params: BindParams | undefined): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    if (this.done) throw new DoSQLError('SQL_ERROR', 'sql: transaction already finished');
    const k = p.parsed.statement.kind;
    if (k === 'begin' || k === 'commit' || k === 'rollback' || k === 'savepoint' || k === 'release') {
      throw new DoSQLError('SQL_ERROR', `sql: ${k.toUpperCase()} is not allowed inside db.transaction(); return or throw from the callback instead`);
    }
    const unlock = await this.lock.lock();
    try {
      return await this.db.execPrepared(p, params, this.txn);
    } finally {
      unlock();
    }
  }

  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T[]> {
    const r = await this.execute(this.db.prepared(sql), params);
    return rowsToObjects(r.columns, r.rows, options.safeIntegers ?? false) as T[];
  }

  async queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T | undefined> {
    return (await this.query<T>(sql, params, options))[0];
  }

  async run(sql: string, params?: BindParams): Promise<Omit<RunResult, 'lsn'>> {
    const r = await this.execute(this.db.prepared(sql), params);
    return { changes: r.changes, lastInsertRowId: jsRowid(r.lastInsertRowId ?? 0n) };
  }

  /** Runs every statement in `sql`. */
  async exec(sql: string): Promise<void> {
    for (const p of parse(sql)) await this.execute({ parsed: p, sql: sql.slice(p.start, p.end) }, undefined);
  }
}

function findSavepoint(s: Session, name: string): number {
  for (let i = s.savepoints.length - 1; i >= 0; i--) if (s.savepoints[i]!.name.toLowerCase() === name.toLowerCase()) return i;
  throw new DoSQLError('SQL_ERROR', `sql: no such savepoint: ${name}`);
}

function jsRowid(r: bigint): number | bigint {
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

export function rowsToObjects(columns: readonly string[], rows: readonly Row[], safe: boolean): Record<string, JsValue>[] {
  const out: Record<string, JsValue>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const o: Record<string, JsValue> = {};
    for (let j = 0; j < columns.length; j++) o[columns[j]!] = toJsValue(r[j]!, safe);
    out[i] = o;
  }
  return out;
}

function engineNow(engine: LsmEngine): number {
  return engine.clockNow();
}

const rnd = new BigInt64Array(1);
function randomInt64(): bigint {
  globalThis.crypto.getRandomValues(rnd);
  return rnd[0]!;
}
