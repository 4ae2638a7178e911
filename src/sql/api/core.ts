// What every part of one Database handle shares (database.ts is the façade over these parts):
// the engine once open, the checked-out branch and its latest schema, past schemas per read
// point, the handle's limits and default timeout, and the two operations everything else
// builds on: begin a transaction on the checked-out branch, commit one (the commit itself is
// src/mvcc/commit.ts's; this adds the commit-log row and reloads the schema after DDL).
//
// Async safety: `catalog` is replaced (never mutated) after a DDL commit of this handle or a
// checkout; a transaction keeps the catalog it began with. `ddlCommits` counts this handle's
// schema-changing commits in flight, so a transaction that begins meanwhile claims the schema
// from where `catalog` was read (see begin()).
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { KIND_PUT, MAIN_BRANCH } from '../../mvcc/internal-key.js';
import type { Layer } from '../../mvcc/layers.js';
import { Catalog } from '../catalog/catalog.js';
import { checkDeferredForeignKeys } from '../execution/foreign-keys.js';
import type { Limits } from '../execution/limits.js';
import { interruptOf, StatementGuard, type Interrupt, type ResultCaps, type StatementOptions } from '../execution/statement-guard.js';
import { Transaction } from '../txn/transaction.js';
import { COMMIT_LOG_VALUE, commitLogKey } from './commit-log.js';

/** Past schemas kept per branch (a handle reading many points evicts the oldest first). */
const CATALOGS_PER_BRANCH = 64;

export class DatabaseCore {
  /** The checked-out branch's latest schema (this handle's own DDL reloads it). */
  catalog!: Catalog;
  /** The LSN `catalog` was read at. */
  catalogLsn = 0;
  /** The branch this handle reads and writes (main = 0). */
  branchId = MAIN_BRANCH;
  /** The engine, once open and the schema loaded. */
  engineRef: LsmEngine | undefined;
  closed = false;
  /** Why the open failed, once it has. */
  openError: unknown;
  /** Resolves to the engine once the handle is open (see Database's constructor). */
  readonly ready: Promise<LsmEngine>;
  /** Commits with schema changes on this handle's branch whose catalog is not reloaded yet. */
  private ddlCommits = 0;
  private readonly catalogAt = new Map<number, Map<number, Catalog>>();

  /**
   * `open` resolves to the engine; `opened` runs once the schema is loaded, before the handle
   * counts as open (the cold tier installs its codec there).
   */
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
        this.catalogLsn = engine.lastVisibleLsn;
        this.catalog = await this.loadCatalog(engine, MAIN_BRANCH, this.catalogLsn);
      } catch (e) {
        await engine.close().catch(() => undefined);
        throw e;
      }
      this.engineRef = engine;
      opened(engine);
      return engine;
    });
    // Avoid an unhandled rejection when nobody awaits an open that failed; keep its error for
    // the synchronous methods (Statement.columns()).
    this.ready.catch((e: unknown) => {
      this.openError = e;
    });
  }

  /** The engine; CLOSED after close. */
  async eng(): Promise<LsmEngine> {
    if (this.closed) throw new DoSQLError('CLOSED', `sql: database ${this.name} is closed`);
    return this.ready;
  }

  /** The latest committed schema (requires the database to be open). */
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

  /** Starts a transaction on the checked-out branch, reading the latest commit. */
  begin(engine: LsmEngine): Transaction {
    const b = this.branchId;
    const txn = new Transaction(engine, engine.lastVisibleLsn, b, this.catalog, b === MAIN_BRANCH ? [] : this.ancestors(b));
    // A schema change of this handle is visible but its catalog not reloaded yet: the schema
    // this transaction plans against may be older than its read LSN, so its schema claim starts
    // where that schema was read (and it retries if the change lands in between).
    if (this.ddlCommits > 0) txn.schemaSince = this.catalogLsn;
    return txn;
  }

  /**
   * Commits `txn` through the engine (src/mvcc/commit.ts): first committer wins. Throws
   * WRITE_CONFLICT (retryable) when a key it wrote, a unique-index range it checked or the
   * schema it planned against changed after its read LSN. Adds the commit-log row
   * (commit-log.ts), which makes the commit's timestamp findable from its LSN and back.
   * Returns the commit's LSN (the read LSN when nothing was written).
   */
  async commit(engine: LsmEngine, txn: Transaction): Promise<number> {
    // Deferred foreign keys hold or the commit fails (sessions check first to keep the transaction open).
    checkDeferredForeignKeys(txn);
    if (txn.writes.size === 0) return (await engine.commit(txn)).lsn;
    txn.claimSchema();
    const reload = txn.ddl && txn.branch === this.branchId;
    if (reload) this.ddlCommits++;
    try {
      const info = await engine.commit(txn, { extraOps: (ts) => [{ kind: KIND_PUT, userKey: commitLogKey(txn.branch, ts), value: COMMIT_LOG_VALUE }] });
      if (reload) {
        this.catalog = await this.loadCatalog(engine, txn.branch, info.lsn);
        this.catalogLsn = info.lsn;
      }
      return info.lsn;
    } finally {
      if (reload) this.ddlCommits--;
    }
  }

  // ---------------------------------------------------------------- branches and schemas

  /** Switches the handle to `branch`, with that branch's latest schema. */
  async checkout(engine: LsmEngine, branch: number): Promise<void> {
    const lsn = engine.lastVisibleLsn;
    this.catalog = await this.loadCatalog(engine, branch, lsn);
    this.catalogLsn = lsn;
    this.branchId = branch;
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
