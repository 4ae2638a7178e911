// What every part of one Database handle shares (database.ts is the façade over these parts):
// the engine once open, the checked-out branch and its latest schema, past schemas per read
// point, the handle's limits and default timeout, and the two operations everything else
// builds on: begin a transaction on the checked-out branch, commit one (the commit itself is
// src/mvcc/commit.ts's; this adds the commit-log row and reloads the schema after DDL).
//
// Schema invariant: every transaction begin() returns plans and writes against its branch's
// schema as of its own read LSN. The handle caches that schema (`catalog`, read at
// `catalogLsn`); other handles on the engine may change it at any commit, so begin() asks the
// engine's schema watch (src/sql/catalog/schema-watch.ts) whether a commit changed the
// branch's catalog since `catalogLsn` and, if one did, reads the schema again at the new
// transaction's read LSN. A schema change that commits after the read LSN is caught at commit:
// the commit claims the catalog's key range from the read LSN on (Transaction.claimSchema),
// so the transaction fails with WRITE_CONFLICT (retryable) rather than writing rows or index
// entries in the layout of a schema that is gone.
//
// Async safety: `catalog` / `catalogLsn` are replaced together (never mutated), only by a
// newer read of the checked-out branch (`install`) or a checkout; a transaction keeps the
// catalog it began with.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { encodeUserKey, MAIN_BRANCH, userKeyPrefix } from '../../mvcc/internal-key.js';
import type { CommitOptions } from '../../mvcc/commit.js';
import type { Layer } from '../../mvcc/layers.js';
import { Catalog, CATALOG_TABLE_ID } from '../catalog/catalog.js';
import { NO_WRITES, type PendingWrite } from '../../mvcc/transaction.js';
import type { CommitInfo } from '../../mvcc/version-store.js';
import { schemaWatch, type SchemaWatch } from '../catalog/schema-watch.js';
import type { AfterEvent, RowTriggerHooks } from '../execution/row-triggers.js';
import { flushIndexWork } from '../execution/index-methods.js';
import { checkDeferredForeignKeys } from '../execution/foreign-keys.js';
import type { Limits } from '../execution/limits.js';
import { interruptOf, StatementGuard, type Interrupt, type ResultCaps, type StatementOptions } from '../execution/statement-guard.js';
import { Transaction } from '../txn/transaction.js';
import { preparedXacts } from '../txn/prepared-xacts.js';
import { isTempKey, TEMP_CATALOG_ID, TempStore } from '../txn/temp-store.js';
import { commitLogOp } from './commit-log.js';
import { QueryMetrics, queryMetricsOf } from './query-metrics.js';

/** Past schemas kept per branch (a handle reading many points evicts the oldest first). */
const CATALOGS_PER_BRANCH = 64;

export class DatabaseCore {
  /**
   * The checked-out branch's schema as of `catalogLsn`: its latest unless the schema watch says
   * otherwise (begin() then reads it again; this handle's own DDL reloads it at commit).
   */
  catalog!: Catalog;
  /** The LSN `catalog` was read at. */
  catalogLsn = 0;
  /** This handle's TEMP schema and rows (temp-store.ts), gone with the handle. */
  readonly temp = new TempStore();
  /** The branch this handle reads and writes (main = 0). */
  branchId = MAIN_BRANCH;
  /** The engine, once open and the schema loaded. */
  engineRef: LsmEngine | undefined;
  closed = false;
  /** Why the open failed, once it has. */
  openError: unknown;
  /** Resolves to the engine once the handle is open (see Database's constructor). */
  readonly ready: Promise<LsmEngine>;
  /** The engine's schema watch, once open. */
  private watch!: SchemaWatch;
  /** `watch.version` when `catalog` was last found current (-1: check the branch's changes). */
  private seenVersion = -1;
  private readonly catalogAt = new Map<number, Map<number, Catalog>>();
  /** Before the engine opened: statements that failed waiting for it. */
  private readonly openMetrics = new QueryMetrics();

  /**
   * `open` resolves to the engine; `opened` runs once the schema is loaded, before the handle
   * counts as open (the cold tier installs its codec there).
   */
  /** Programmatic row triggers attached with dosql/triggers' createTriggerExecutor. */
  rowTriggers: RowTriggerHooks | undefined;
  /** Committed row changes whose AFTER triggers have not run yet. */
  private pendingAfter: AfterEvent[] = [];
  /** The last read fast path's transaction, released, for the next read at the same commit (tryBeginRead). */
  private spareRead: Transaction | undefined;
  private draining = false;

  /**
   * Runs the AFTER triggers of committed changes, in commit order; called by the API once the
   * statement or transaction has committed and released the session (a handler may run
   * statements). A handler's error is thrown after the others ran: the changes stay committed.
   */
  /** True when committed changes wait for their AFTER triggers (callers skip the await otherwise). */
  get afterTriggersPending(): boolean {
    return this.pendingAfter.length > 0 && !this.draining;
  }

  async drainAfterTriggers(): Promise<void> {
    if (this.draining || this.pendingAfter.length === 0 || !this.rowTriggers) return;
    this.draining = true;
    let first: unknown;
    try {
      while (this.pendingAfter.length) {
        const batch = this.pendingAfter;
        this.pendingAfter = [];
        try {
          await this.rowTriggers.after(batch);
        } catch (e) {
          first ??= e;
        }
      }
    } finally {
      this.draining = false;
    }
    if (first !== undefined) throw first;
  }

  constructor(
    readonly name: string,
    readonly limits: Readonly<Limits>,
    /** Default statement timeout, ms (0: none). */
    private readonly defaultTimeoutMs: number,
    open: () => Promise<LsmEngine>,
    opened: (engine: LsmEngine) => void,
  ) {
    this.ready = open().then(async (engine) => {
      // The handle counts as open only once its schema loaded: a failed load (CORRUPTION) must
      // leave every later call answering that error, not reading a missing catalog.
      try {
        // Watched before the schema is read: a change committed after this read is then seen.
        this.watch = schemaWatch(engine);
        await this.loadFirstCatalog(engine);
        // Change data capture decodes every retained commit with the schema as of that commit:
        // compaction keeps every version of the catalog (one manifest edit, the first time).
        // A reader writes no manifest: the writer records it at its next open (a repaired database may lack it).
        if (!engine.readOnly) await engine.log.keepFullHistory([CATALOG_TABLE_ID]);
        // Installed before anything scans table data: the prepared-transaction scan below may
        // pass over columnar runs, which only the cold codec reads.
        opened(engine);
        // Transactions prepared before a crash hold their write intents from the first commit on.
        if (!engine.readOnly) await preparedXacts(engine);
      } catch (e) {
        await engine.close().catch(() => undefined);
        throw e;
      }
      this.engineRef = engine;
      return engine;
    });
    // Avoid an unhandled rejection when nobody awaits an open that failed; keep its error for
    // the synchronous methods (Statement.columns()).
    this.ready.catch((e: unknown) => {
      this.openError = e;
    });
  }

  /**
   * Loads the schema at open. A read-only engine may find an SSTable of the manifest it follows
   * already collected by the writer (src/lsm/follower.ts): it catches up and loads again.
   */
  private async loadFirstCatalog(engine: LsmEngine): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const version = engine.manifest.version;
      this.catalogLsn = engine.lastVisibleLsn;
      try {
        this.catalog = await this.loadCatalog(engine, MAIN_BRANCH, this.catalogLsn);
        return;
      } catch (e) {
        if (!engine.readOnly || attempt >= 8 || !(e instanceof DoSQLError) || e.code !== 'NOT_FOUND' || typeof e.details.file !== 'string') throw e;
        await engine.catchUp();
        if (engine.manifest.version === version) throw e;
      }
    }
  }

  /** What the statements on this handle's engine took and how many failed (db.metrics()). */
  get metrics(): QueryMetrics {
    return this.engineRef ? queryMetricsOf(this.engineRef) : this.openMetrics;
  }

  /** The engine; CLOSED after close. */
  async eng(): Promise<LsmEngine> {
    if (this.closed) throw new DoSQLError('CLOSED', `sql: database ${this.name} is closed`);
    return this.ready;
  }

  /**
   * The cached schema of the checked-out branch, without waiting (requires the database to be
   * open): the latest as of this handle's last statement, checkout or DDL; a schema change by
   * another handle on the engine shows once a statement of this handle began (begin()).
   */
  currentCatalog(): Catalog {
    if (this.openError !== undefined) throw this.openError;
    if (!this.engineRef) throw new DoSQLError('INVALID_ARGUMENT', `sql: database ${this.name} is not open yet; await db.open() first`);
    return this.catalog;
  }

  /** The interrupt of a call: its options over the database's default timeout. */
  interruptOf(options: StatementOptions | undefined): Interrupt {
    return interruptOf(options, this.defaultTimeoutMs);
  }

  /**
   * A statement's guard (the database's default timeout when `interrupt` is undefined);
   * INTERRUPTED at once when its signal already aborted.
   */
  guard(interrupt: Interrupt | undefined, caps?: ResultCaps): StatementGuard {
    const g = new StatementGuard(this.limits, interrupt ?? this.interruptOf(undefined), caps);
    g.check();
    return g;
  }

  // ---------------------------------------------------------------- transactions

  /**
   * Starts a transaction on the checked-out branch, reading the latest commit, with the
   * branch's schema as of that commit (read again when another handle changed it).
   */
  async begin(engine: LsmEngine): Promise<Transaction> {
    return this.tryBegin(engine) ?? this.beginReloading(engine);
  }

  /**
   * begin() without waiting: the transaction when the cached schema is current, else
   * undefined (the read fast path then takes the general path, which reads the schema).
   */
  tryBegin(engine: LsmEngine): Transaction | undefined {
    if (!this.schemaCurrent()) return undefined;
    const b = this.branchId;
    const txn = new Transaction(engine, engine.lastVisibleLsn, b, this.catalog, b === MAIN_BRANCH ? [] : this.ancestors(b));
    txn.temp = this.temp;
    txn.tempSince = this.temp.version;
    return txn;
  }

  /**
   * tryBegin() for a statement that only reads and ends synchronously or soon (the read fast
   * path): the last such transaction again, pinned anew, when it reads the same commit with
   * the same schema on main; give it back with `endRead`.
   */
  tryBeginRead(engine: LsmEngine): Transaction | undefined {
    const s = this.spareRead;
    if (s !== undefined && s.engine === engine && s.readLsn === engine.lastVisibleLsn && this.branchId === MAIN_BRANCH && s.catalog === this.catalog && s.tempSince === this.temp.version && this.schemaCurrent()) {
      this.spareRead = undefined;
      s.reacquire();
      return s;
    }
    return this.tryBegin(engine);
  }

  /** Ends a transaction from tryBeginRead: released, and kept for the next read when it stayed read-only. */
  endRead(txn: Transaction): void {
    txn.release();
    if (txn.branch === MAIN_BRANCH && txn.temp === this.temp && txn.writes.size === 0 && txn.claims.length === 0 && !txn.ddl) this.spareRead = txn;
  }

  /** `main` (a schema read from the engine) with this handle's TEMP objects on `branch` (temp-store.ts). */
  private withTemps(main: Catalog, branch: number): Catalog {
    const values: Uint8Array[] = [];
    for (const e of this.temp.scan(encodeUserKey(branch, TEMP_CATALOG_ID, []), encodeUserKey(branch, TEMP_CATALOG_ID + 1, []), false)) values.push(e.value);
    return main.withTemps(values);
  }

  /** The checked-out branch's latest schema, read again if another handle changed it. */
  async latestCatalog(engine: LsmEngine): Promise<Catalog> {
    if (this.schemaCurrent()) return this.catalog;
    const t = await this.beginReloading(engine);
    t.release();
    return t.catalog;
  }

  /** True when no visible commit changed the branch's schema after `catalogLsn` (schema-watch.ts). */
  private schemaCurrent(): boolean {
    const w = this.watch;
    if (w.version === this.seenVersion) return true;
    if (w.changedAfter(this.branchId, this.catalogLsn)) return false;
    this.seenVersion = w.version;
    return true;
  }

  /** A transaction at the latest commit with the schema read at that very LSN (pinned meanwhile). */
  private async beginReloading(engine: LsmEngine): Promise<Transaction> {
    const b = this.branchId;
    const txn = new Transaction(engine, engine.lastVisibleLsn, b, this.catalog, b === MAIN_BRANCH ? [] : this.ancestors(b));
    txn.temp = this.temp;
    txn.tempSince = this.temp.version;
    try {
      txn.catalog = this.withTemps(await this.loadCatalog(engine, b, txn.readLsn), b);
    } catch (e) {
      txn.release();
      throw e;
    }
    this.install(b, txn.readLsn, txn.catalog);
    return txn;
  }

  /** Makes `catalog` (branch `branch` as of `lsn`) the cached schema unless a newer one is. */
  private install(branch: number, lsn: number, catalog: Catalog): void {
    if (branch !== this.branchId || lsn <= this.catalogLsn) return;
    this.catalog = catalog;
    this.catalogLsn = lsn;
    this.seenVersion = -1;
  }

  /**
   * Commits `txn` through the engine (src/mvcc/commit.ts): first committer wins. Throws
   * WRITE_CONFLICT (retryable) when a key it wrote, a unique-index range it checked or the
   * schema it planned against changed after its read LSN. Adds the commit-log row
   * (commit-log.ts), which makes the commit's timestamp findable from its LSN and back.
   * Returns the commit's LSN (the read LSN when nothing was written).
   */
  commit(engine: LsmEngine, txn: Transaction): Promise<number> {
    const r = this.commitNow(engine, txn);
    return Promise.resolve(r);
  }

  /**
   * commit(), answering with the LSN itself when the commit finished before returning (the
   * autocommit statement's, made durable at once by the write path: WritePath.writeNow);
   * errors are rejections.
   */
  commitNow(engine: LsmEngine, txn: Transaction): number | Promise<number> {
    // Statements flush their deferred index writes; anything else that wrote rows did not.
    if (txn.deferredIndexWork.length) return flushIndexWork(txn).then(() => this.commitFlushed(engine, txn));
    try {
      return this.commitFlushed(engine, txn);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** commit() once the deferred index writes are flushed. */
  private commitFlushed(engine: LsmEngine, txn: Transaction): number | Promise<number> {
    // Deferred foreign keys hold or the commit fails (sessions check first to keep the transaction open).
    checkDeferredForeignKeys(txn);
    // TEMP keys never reach the engine: they become the handle's once the rest commits.
    const temps = txn.temp && txn.writes.size ? txn.takeWrites(isTempKey) : NO_WRITES;
    if (temps.length) this.temp.reserve(temps, txn.tempSince);
    let done: CommitInfo | Promise<CommitInfo>;
    try {
      if (txn.writes.size === 0) {
        return engine.commit(txn).then(
          (info) => {
            this.applyTemps(txn, temps);
            return info.lsn;
          },
          (e: unknown) => {
            this.temp.release(temps);
            throw e;
          },
        );
      }
      txn.claimSchema();
      // The engine's commit (LsmEngine.commit), answered at once when it finished synchronously.
      done = engine.committer.commitNow(txn, this.commitLogOptions(txn.branch));
    } catch (e) {
      this.temp.release(temps);
      throw e;
    }
    if (!(done instanceof Promise)) return this.committed(engine, txn, temps, done);
    return done.then(
      (info) => this.committed(engine, txn, temps, info),
      (e: unknown) => {
        this.temp.release(temps);
        throw e;
      },
    );
  }

  /** The last branch committed on and its commit options (they add the commit-log row). */
  private logOptions: { branch: number; options: CommitOptions } | undefined;

  /**
   * The commit options that add the commit-log row on `branch`, made once per branch in a row:
   * a closure per commit cost more than the rest of the commit's bookkeeping (and, under tsx,
   * a defineProperty for its name).
   */
  private commitLogOptions(branch: number): CommitOptions {
    const c = this.logOptions;
    if (c !== undefined && c.branch === branch) return c.options;
    const options: CommitOptions = { extraOps: (ts) => [commitLogOp(branch, ts)] };
    this.logOptions = { branch, options };
    return options;
  }

  /** A transaction with writes committed: its TEMP writes, AFTER trigger events and (DDL) the new schema. */
  private committed(engine: LsmEngine, txn: Transaction, temps: readonly PendingWrite[], info: CommitInfo): number | Promise<number> {
    this.applyTemps(txn, temps);
    // Committed: its row changes go to the AFTER triggers (drainAfterTriggers, once no lock is held).
    if (txn.afterEvents.length && this.rowTriggers) for (const e of txn.afterEvents) this.pendingAfter.push(e.event);
    // Read the new schema now rather than at the next begin, so synchronous callers
    // (Statement.columns(), the schema listing) see this handle's own DDL.
    if (txn.ddl && txn.branch === this.branchId) {
      return this.loadCatalog(engine, txn.branch, info.lsn).then((c) => {
        this.install(txn.branch, info.lsn, this.withTemps(c, txn.branch));
        return info.lsn;
      });
    }
    return info.lsn;
  }

  /** Moves a committed transaction's TEMP writes into the handle's temp store; temp DDL shows in `catalog` at once. */
  private applyTemps(txn: Transaction, temps: readonly PendingWrite[]): void {
    if (temps.length === 0) return;
    this.temp.apply(temps);
    if (txn.branch === this.branchId && temps.some((w) => userKeyPrefix(w.uk).table === TEMP_CATALOG_ID)) this.catalog = this.withTemps(this.catalog.mainOnly(), this.branchId);
  }

  // ---------------------------------------------------------------- branches and schemas

  /** Switches the handle to `branch`, with that branch's latest schema. */
  async checkout(engine: LsmEngine, branch: number): Promise<void> {
    const lsn = engine.lastVisibleLsn;
    this.catalog = this.withTemps(await this.loadCatalog(engine, branch, lsn), branch);
    this.catalogLsn = lsn;
    this.branchId = branch;
    this.seenVersion = -1;
  }

  /** Ancestor layers of a branch: parent at the base LSN, then its parent, ... */
  ancestors(branch: number): Layer[] {
    return this.engineRef!.ancestorLayers(branch);
  }

  /** The schema of `branch` as of `lsn`. */
  async loadCatalog(engine: LsmEngine, branch: number, lsn: number): Promise<Catalog> {
    // Past schemas never change: cache them per read point (branch ids are never reused; a
    // delete clears the cache anyway).
    const hit = this.catalogAt.get(branch)?.get(lsn);
    if (hit) return hit;
    const c = await this.loadCatalogUncached(engine, branch, lsn);
    let m = this.catalogAt.get(branch);
    if (!m) this.catalogAt.set(branch, (m = new Map()));
    if (m.size >= CATALOGS_PER_BRANCH) m.delete(m.keys().next().value!);
    m.set(lsn, c);
    return c;
  }

  /** The schema at a read point if already loaded (for the synchronous read path). */
  cachedCatalog(branch: number, lsn: number): Catalog | undefined {
    return this.catalogAt.get(branch)?.get(lsn);
  }

  /** Forgets every past schema (a branch was deleted). */
  forgetCatalogs(): void {
    this.catalogAt.clear();
  }

  private async loadCatalogUncached(engine: LsmEngine, branch: number, lsn: number): Promise<Catalog> {
    const t = new Transaction(engine, lsn, branch, new Catalog([]), branch === MAIN_BRANCH ? [] : this.ancestors(branch), true);
    try {
      return await Catalog.load(t);
    } finally {
      t.release();
    }
  }
}
