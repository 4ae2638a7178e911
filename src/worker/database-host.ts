// One database as the Worker API sees it: statements (optionally on a branch, as of a time
// point, or inside an interactive transaction), batches, branches and snapshots, on top of
// the SQL layer's `Database`. Shared by the HTTP and WebSocket front ends.
//
// Statements run on a `Database` handle per branch, all on one engine: a handle's own
// session (BEGIN ... COMMIT through SQL text) would be shared by every client of the object,
// so transaction-control statements are refused here; transactions go through
// `begin`/`commit`/`rollback` (a server-side transaction per id) or `transaction()` (one
// request, atomic).
//
// Async safety: any method may run concurrently with any other; statements of one
// interactive transaction run one at a time (its lock); commits serialise in the Database.
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import type { BindParams, BindValue } from '../sql/api/values.js';
import type { SqlValue } from '../sql/types/value.js';
import { lsn as lsnPoint, relative, snapshot, timestamp, branch as branchPoint, type TimePoint } from '../sql/api/time-points.js';
import type { MergeStrategy } from '../sql/api/merge.js';
import { SCRIPT_ARGS, sqlHost, type Prepared, type ResultCaps, type SqlHost, type SqlTransaction } from '../sql/api/host.js';
import type { LsmEngine } from '../lsm/engine.js';
import { Mutex } from '../util/async.js';

/** What one object allows (src/worker/config.ts, docs/limits.md); absent: no cap. */
export interface HostLimits {
  /** Rows one response may carry (every statement of a batch or transaction counts). */
  maxResultRows?: number;
  /** Bytes (estimated in memory) of rows one response may carry. */
  maxResultBytes?: number;
  /** Interactive transactions open at once; `begin` past it is BUSY. */
  maxOpenTransactions?: number;
}

export interface StatementInput {
  sql: string;
  params?: BindParams;
}

export interface QueryInput extends StatementInput {
  asOf?: TimePoint;
  branch?: string;
  txId?: string;
}

/** One statement's outcome; rows as arrays of SQL values (INTEGER as bigint). */
export interface StatementResult {
  columns: readonly string[];
  rows: readonly (readonly SqlValue[])[];
  changes: number;
  lastInsertRowId: bigint;
  /** Commit LSN of a write, read LSN of a read; absent inside an interactive transaction. */
  lsn?: number;
}

interface OpenTx {
  db: Database;
  /** The SQL layer's host interface of `db` (src/sql/api/host.ts). */
  host: SqlHost;
  txn: SqlTransaction;
  lock: Mutex;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** WebSocket that owns it (rolled back when the socket closes). */
  owner?: string;
}

const SESSION_KINDS = new Set(['begin', 'commit', 'rollback', 'savepoint', 'release']);

/** Reads an API `asOf` into a TimePoint: an LSN, a date-time text, or a tagged object. */
export function toTimePoint(v: unknown): TimePoint {
  if (typeof v === 'number') return lsnPoint(v);
  if (typeof v === 'string') return timestamp(v);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.lsn === 'number') return lsnPoint(o.lsn);
    if (typeof o.timestamp === 'string' || typeof o.timestamp === 'number') return timestamp(o.timestamp);
    if (typeof o.snapshot === 'string') return snapshot(o.snapshot);
    if (typeof o.branch === 'string') return branchPoint(o.branch);
    if (typeof o.versionOffset === 'number') return relative({ versionOffset: o.versionOffset });
  }
  throw new DoSQLError('INVALID_ARGUMENT', `worker: asOf must be an LSN, a date-time text or one of {lsn}, {timestamp}, {snapshot}, {branch}, {versionOffset}; got ${JSON.stringify(v)}`);
}

export class DatabaseHost {
  private readonly handles = new Map<string, Promise<Database>>();
  private readonly txs = new Map<string, OpenTx>();

  /**
   * `main` is the database's handle on the main branch; `branchHandle(name)` makes another
   * handle on the same engine (it must not close the engine).
   */
  constructor(
    readonly main: Database,
    private readonly branchHandle: () => Database,
    private readonly txTimeoutMs: number,
    /** Called after every statement that may have written (alarm scheduling). */
    private readonly onWrite: () => void = () => undefined,
    private readonly limits: HostLimits = {},
  ) {}

  /** Fresh result caps for one response. */
  private caps(): ResultCaps {
    const l = this.limits;
    return { rows: 0, bytes: 0, ...(l.maxResultRows !== undefined ? { maxRows: l.maxResultRows } : {}), ...(l.maxResultBytes !== undefined ? { maxBytes: l.maxResultBytes } : {}) };
  }

  engine(): Promise<LsmEngine> {
    return this.main.engine();
  }

  /** The handle for `branch` (default main); NOT_FOUND for an unknown branch. */
  async handle(branch?: string): Promise<Database> {
    if (branch === undefined || branch === 'main') return this.main;
    let h = this.handles.get(branch);
    if (!h) {
      const db = this.branchHandle();
      h = db.checkout(branch).then(() => db);
      this.handles.set(branch, h);
      h.catch(() => this.handles.delete(branch));
    }
    return h;
  }

  /**
   * Runs one statement (SELECT, DML, DDL) under the database's timeout; its rows count
   * against `caps` (default: this response's own), LIMIT_EXCEEDED past them.
   */
  async query(q: QueryInput, caps: ResultCaps = this.caps()): Promise<StatementResult> {
    if (q.txId !== undefined) {
      if (q.asOf !== undefined || q.branch !== undefined) throw new DoSQLError('INVALID_ARGUMENT', 'worker: asOf and branch do not apply inside a transaction (it has its own)');
      return this.inTx(q.txId, (tx) => this.runIn(tx, q, caps));
    }
    const db = await this.handle(q.branch);
    const host = sqlHost(db);
    const p = prepare(host, q.sql);
    if (q.asOf !== undefined) return this.queryAsOf(db, p, q, caps);
    const engine = await db.engine();
    const readLsn = engine.lastVisibleLsn;
    const fast = host.tryRead(p, q.params, caps);
    if (fast !== undefined) {
      const r = await fast;
      return { columns: r.columns, rows: r.rows, changes: 0, lastInsertRowId: 0n, lsn: readLsn };
    }
    const r = await host.execute(p, q.params, undefined, caps);
    if (p.parsed.statement.kind !== 'select') this.onWrite();
    return { columns: r.columns, rows: r.rows, changes: r.changes, lastInsertRowId: r.lastInsertRowId ?? 0n, lsn: r.lsn };
  }

  /**
   * Runs one statement and hands its rows to `sink` in batches of up to `batchRows` as they
   * are produced: a plain SELECT streams from one read view (Statement.iterate); anything
   * else runs whole first. Resolves with the statement's effect (rows already delivered).
   */
  async stream(q: QueryInput, sink: { columns(columns: readonly string[]): void; rows(rows: (readonly SqlValue[])[]): void }, batchRows = 256): Promise<StatementResult> {
    let streamable = q.txId === undefined && q.asOf === undefined;
    const db = streamable ? await this.handle(q.branch) : undefined;
    if (db) {
      const host = sqlHost(db);
      const p = prepare(host, q.sql);
      streamable = p.parsed.statement.kind === 'select' && !host.readsHistory(p);
    }
    if (!db || !streamable) {
      const r = await this.query(q);
      sink.columns(r.columns);
      for (let i = 0; i < r.rows.length; i += batchRows) sink.rows(r.rows.slice(i, i + batchRows));
      return { ...r, rows: [] };
    }
    const engine = await db.engine();
    const readLsn = engine.lastVisibleLsn;
    const stmt = db.prepare(q.sql).raw().safeIntegers();
    sink.columns(stmt.columns().map((c) => c.name));
    const args = q.params === undefined ? [] : Array.isArray(q.params) ? (q.params as BindValue[]) : [q.params as Readonly<Record<string, BindValue>>];
    let buf: SqlValue[][] = [];
    for await (const row of stmt.iterate<SqlValue[]>(...(args as BindValue[]))) {
      buf.push(row);
      if (buf.length >= batchRows) {
        sink.rows(buf);
        buf = [];
      }
    }
    if (buf.length) sink.rows(buf);
    return { columns: [], rows: [], changes: 0, lastInsertRowId: 0n, lsn: readLsn };
  }

  private async queryAsOf(db: Database, p: Prepared, q: QueryInput, caps: ResultCaps): Promise<StatementResult> {
    if (p.parsed.statement.kind !== 'select') throw new DoSQLError('SQL_ERROR', 'worker: a query with asOf is read-only (SELECT only)');
    const host = sqlHost(db);
    const point = await db.resolve(q.asOf!);
    const view = await host.viewAt(point);
    try {
      const r = await host.execute(p, q.params, view, caps);
      return { columns: r.columns, rows: r.rows, changes: 0, lastInsertRowId: 0n, lsn: point.lsn };
    } finally {
      view.release();
    }
  }

  /** Runs every statement of `sql` in order, each committed on its own; returns the last LSN. */
  async exec(sql: string, options: { branch?: string; txId?: string } = {}): Promise<{ changes: number; lsn?: number }> {
    const parsed = parseChecked(sqlHost(this.main), sql);
    if (options.txId !== undefined) {
      return this.inTx(options.txId, async (tx) => {
        let changes = 0;
        for (const p of parsed) changes += (await tx.host.execute(p, SCRIPT_ARGS, tx.txn)).changes;
        return { changes };
      });
    }
    const host = sqlHost(await this.handle(options.branch));
    let changes = 0;
    let lsn: number | undefined;
    try {
      for (const p of parsed) {
        const r = await host.execute(p, SCRIPT_ARGS);
        changes += r.changes;
        lsn = r.lsn;
      }
    } finally {
      this.onWrite();
    }
    return { changes, ...(lsn !== undefined ? { lsn } : {}) };
  }

  /**
   * Runs statements in order, each committed on its own (not atomic); stops at the first
   * failure, which it throws with `details.index` and the results so far in `details.results`.
   */
  async batch(statements: readonly StatementInput[], branch?: string): Promise<StatementResult[]> {
    const out: StatementResult[] = [];
    const caps = this.caps();
    for (let i = 0; i < statements.length; i++) {
      try {
        out.push(await this.query({ ...statements[i]!, ...(branch !== undefined ? { branch } : {}) }, caps));
      } catch (e) {
        throw withDetails(e, { index: i, completed: i });
      }
    }
    return out;
  }

  /** Runs statements in one transaction: all commit (one LSN) or none does. */
  async transaction(statements: readonly StatementInput[], branch?: string): Promise<{ results: StatementResult[]; lsn: number }> {
    const txId = await this.begin(branch);
    const results: StatementResult[] = [];
    const caps = this.caps();
    try {
      for (let i = 0; i < statements.length; i++) {
        try {
          results.push(await this.query({ ...statements[i]!, txId }, caps));
        } catch (e) {
          throw withDetails(e, { index: i });
        }
      }
    } catch (e) {
      await this.rollback(txId).catch(() => undefined);
      throw e;
    }
    const { lsn } = await this.commit(txId);
    return { results, lsn };
  }

  /** Starts an interactive transaction (snapshot isolation) and returns its id. */
  async begin(branch?: string, owner?: string): Promise<string> {
    const max = this.limits.maxOpenTransactions;
    if (max !== undefined && this.txs.size >= max) {
      // Each open transaction pins a read view and holds its writes in memory.
      throw new DoSQLError('BUSY', `worker: ${this.txs.size} interactive transactions are open, the most this database allows (DOSQL_MAX_OPEN_TRANSACTIONS); commit or roll one back, or retry later`, {
        details: { limit: 'maxOpenTransactions', max, status: 429 },
      });
    }
    const db = await this.handle(branch);
    const engine = await db.engine();
    const host = sqlHost(db);
    const txn = await host.begin(engine);
    const id = randomId();
    const tx: OpenTx = { db, host, txn, lock: new Mutex(), timer: undefined, ...(owner !== undefined ? { owner } : {}) };
    this.txs.set(id, tx);
    this.touch(id, tx);
    return id;
  }

  /** Commits: throws WRITE_CONFLICT (retryable) when first-committer-wins lost. */
  async commit(txId: string): Promise<{ lsn: number }> {
    const tx = this.take(txId);
    const unlock = await tx.lock.lock();
    try {
      const lsn = await tx.host.commit(await tx.db.engine(), tx.txn);
      this.onWrite();
      return { lsn };
    } finally {
      unlock();
    }
  }

  async rollback(txId: string): Promise<void> {
    const tx = this.take(txId);
    const unlock = await tx.lock.lock();
    try {
      tx.txn.release();
    } finally {
      unlock();
    }
  }

  /** Rolls back every transaction `owner` opened (its socket closed). */
  rollbackOwned(owner: string): void {
    for (const [id, tx] of this.txs) if (tx.owner === owner) void this.rollback(id).catch(() => undefined);
  }

  get openTransactions(): number {
    return this.txs.size;
  }

  // ---------------------------------------------------------------- branches and snapshots

  async listBranches(): Promise<Awaited<ReturnType<Database['listBranches']>>> {
    return this.main.listBranches();
  }

  async createBranch(name: string, options: { parent?: string; from?: string; fromLSN?: number }): Promise<{ name: string; baseLsn: number }> {
    const db = await this.handle(options.parent);
    const r = await db.branch(name, { ...(options.from !== undefined ? { from: options.from } : {}), ...(options.fromLSN !== undefined ? { fromLSN: options.fromLSN } : {}) });
    this.onWrite();
    return r;
  }

  async deleteBranch(name: string, force: boolean): Promise<void> {
    this.handles.delete(name);
    await this.main.deleteBranch(name, { force });
    this.onWrite();
  }

  async merge(source: string, options: { into?: string; strategy?: MergeStrategy; message?: string }): Promise<Awaited<ReturnType<Database['merge']>>> {
    const db = await this.handle(options.into);
    const r = await db.merge(source, { ...(options.strategy ? { strategy: options.strategy } : {}), ...(options.message ? { message: options.message } : {}) });
    this.onWrite();
    return r;
  }

  async listSnapshots(): Promise<Awaited<ReturnType<Database['listSnapshots']>>> {
    return this.main.listSnapshots();
  }

  async createSnapshot(name: string | undefined, branch?: string): Promise<{ name: string; lsn: number; branch: string }> {
    const db = await this.handle(branch);
    const r = await db.createSnapshot(name);
    this.onWrite();
    return r;
  }

  async deleteSnapshot(name: string): Promise<void> {
    await this.main.deleteSnapshot(name);
    this.onWrite();
  }

  // ---------------------------------------------------------------- internals

  private async runIn(tx: OpenTx, q: StatementInput, caps: ResultCaps): Promise<StatementResult> {
    const p = prepare(tx.host, q.sql);
    const r = await tx.host.execute(p, q.params, tx.txn, caps);
    return { columns: r.columns, rows: r.rows, changes: r.changes, lastInsertRowId: r.lastInsertRowId ?? 0n };
  }

  private async inTx<T>(txId: string, fn: (tx: OpenTx) => Promise<T>): Promise<T> {
    const tx = this.txs.get(txId);
    if (!tx) throw noTx(txId);
    const unlock = await tx.lock.lock();
    try {
      if (!this.txs.has(txId)) throw noTx(txId);
      this.touch(txId, tx);
      return await fn(tx);
    } finally {
      unlock();
    }
  }

  private take(txId: string): OpenTx {
    const tx = this.txs.get(txId);
    if (!tx) throw noTx(txId);
    this.txs.delete(txId);
    if (tx.timer !== undefined) clearTimeout(tx.timer);
    return tx;
  }

  /** (Re)starts the idle timer that rolls an abandoned transaction back. */
  private touch(txId: string, tx: OpenTx): void {
    if (tx.timer !== undefined) clearTimeout(tx.timer);
    tx.timer = setTimeout(() => void this.rollback(txId).catch(() => undefined), this.txTimeoutMs);
  }
}

function prepare(host: SqlHost, sql: string): Prepared {
  if (typeof sql !== 'string' || sql.trim() === '') throw new DoSQLError('INVALID_ARGUMENT', 'worker: sql must be a non-empty string');
  const p = host.prepare(sql);
  checkNotSession(p);
  return p;
}

function parseChecked(host: SqlHost, sql: string): Prepared[] {
  if (typeof sql !== 'string' || sql.trim() === '') throw new DoSQLError('INVALID_ARGUMENT', 'worker: sql must be a non-empty string');
  const statements = host.script(sql);
  for (const p of statements) checkNotSession(p);
  return statements;
}

function checkNotSession(p: Prepared): void {
  const kind = p.parsed.statement.kind;
  if (SESSION_KINDS.has(kind)) {
    throw new DoSQLError('SQL_ERROR', `worker: ${kind.toUpperCase()} is not accepted here; use the transaction API (begin/commit/rollback, or /transaction with statements)`);
  }
}

function noTx(txId: string): DoSQLError {
  return new DoSQLError('NOT_FOUND', `worker: no open transaction ${txId} (finished, timed out, or the object restarted)`, { details: { txId } });
}

function withDetails(e: unknown, extra: Record<string, unknown>): unknown {
  if (!(e instanceof DoSQLError)) return e;
  return new DoSQLError(e.code, e.message, { cause: e, details: { ...e.details, ...extra } });
}

function randomId(): string {
  const b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  let s = 'tx_';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
