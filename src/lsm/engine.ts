// The storage engine: an MVCC log-structured merge tree over an ObjectStore. This class wires
// the paths together; each lives in its own file:
//   write path  write-path.ts  write(batch) -> commit queue -> group commit (one WAL append
//                              [+ fsync]) -> fence check -> memtable (apply-commit.ts) -> visible
//   flush       flush.ts       frozen memtable -> L0 run -> manifest edit -> WAL segments deleted
//   compaction  compaction-scheduler.ts, src/compaction (docs/compaction.md)
//   read path   read-path.ts   memtables, then the runs of one manifest version (MvccIterator);
//                              the read API in engine-reads.ts
//   background  engine-wiring.ts  flusher, cold tier and compaction scheduler built together
//   retention   lsn-pins.ts    read views, snapshots, branch bases, pins, the horizon
//   open        open.ts        epoch claim, WAL replay (recovery.ts), first manifest, orphans
//   commit      src/mvcc/commit.ts  transactions (src/mvcc/transaction.ts): one engine-wide
//                              commit lock, first-committer-wins check, then the write path
//   branches    branch-ops.ts  branches and named snapshots, each one manifest edit
//   log         log-service.ts the WAL as change data capture reads it: commit feed, log
//                              reader, replication slots, retained and archived segments
//
// Async safety: all public methods may be called concurrently. Group commits and memtable
// switches are serialised by the write path's `walLock`; flushes by the flush loop;
// compactions by the scheduler; manifest updates by the version set. Readers take a
// consistent snapshot of (memtables, version) synchronously.
import { DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { VersionSet, type Version } from '../manifest/version-set.js';
import type { ManifestState } from '../manifest/manifest-format.js';
import type { ColdTier, ColdCodec, ColdTierApi } from '../cold/index.js';
import { BlockCache } from '../sstable/block-cache.js';
import { TableCache } from '../sstable/table-cache.js';
import { MAIN_BRANCH } from '../mvcc/internal-key.js';
import { resolveCompactionOptions } from '../compaction/options.js';
import { parseRetention, type RetainedPoints } from '../compaction/retention.js';
import { YieldBudget } from '../util/async.js';
import { InlineExecutor } from './background-executor.js';
import { EngineStatus, resolveOptions, type EngineContext, type ResolvedOptions } from './engine-context.js';
import { finishOpen, loadForOpen, openWithRetry } from './open.js';
import type { GetCounters, ReadContext, ReadSources } from './read-path.js';
import { EngineReadApi } from './engine-reads.js';
import type { CompactionScheduler, CompactionProgressCallback } from './compaction-scheduler.js';
import { ReadView } from '../mvcc/read-view.js';
import { WriterFence } from './writer-fence.js';
import { Follower } from './follower.js';
import { backupPlanOf, type BackupPlan } from './backup-files.js';
import type { WriteBatch } from './write-batch.js';
import { Committer, type CommitOptions } from '../mvcc/commit.js';
import { ancestorLayers, type Layer } from '../mvcc/layers.js';
import { Transaction, type TransactionOptions } from '../mvcc/transaction.js';
import { Branches, branchName, Snapshots } from './branch-ops.js';
import { WritePath, type CommitListener, type MemState } from './write-path.js';
import type { Flusher } from './flush.js';
import { FileNumbers, jobContext, wireBackground, type SstableBuildOptions } from './engine-wiring.js';
import { ingestRuns, type IngestContext, type IngestResult } from './ingest.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { LsnPins } from './lsn-pins.js';
import { collectStats } from './engine-stats.js';
import { LogService } from './log-service.js';
import { LiveLog } from './wal-index.js';
import { logOpen } from './engine-log.js';
import { EngineEvents } from './engine-events.js';
import { ReaderFollow } from './reader-follow.js';
import { SILENT } from '../util/log.js';
import { layerSnapshot, type LayerSnapshot } from './layer-scan.js';
import type { CommitInfo, EngineEvent, EngineOptions, EngineStats } from './engine-types.js';

export type { CommitInfo, Durability, EngineEvent, EngineOptions, EngineStats, KeyRange, ReadOptions, ScanOptions } from './engine-types.js';
export type { CommitListener } from './write-path.js';

/** Reads and commits between yields to the event loop (EngineOptions.yieldEveryOps). */
const YIELD_EVERY_OPS = 1024;
/** Most time (ms) between fence checks that reads start (EngineOptions.fenceCheckMs). */
const FENCE_CHECK_MS = 1000;

export class LsmEngine extends EngineReadApi {
  /** Branches: create, delete, list, mark merged (branch-ops.ts); each one manifest edit. */
  readonly branches: Branches;
  /** Named snapshots: create, delete, list (branch-ops.ts); each one manifest edit. */
  readonly snapshots: Snapshots;
  /** The log for change data capture (log-service.ts): commit feed, reader, slots, retention. */
  readonly log: LogService;
  protected readonly ctx: EngineContext;
  private readonly o: ResolvedOptions;
  private readonly versions: VersionSet;
  private readonly tables: TableCache;
  private readonly coldStore: ObjectStore;
  private readonly coldTier: ColdTier;
  private readonly scheduler: CompactionScheduler;
  private readonly writes: WritePath;
  private readonly flusher: Flusher;
  private readonly pins: LsnPins;
  private readonly status: EngineStatus;
  private readonly files: FileNumbers;
  private readonly sstable: SstableBuildOptions;
  protected readonly counters: GetCounters = { gets: 0, filesSearched: 0, bloomSkips: 0 };
  protected readonly reads: ReadContext;
  /** @internal The one commit path (src/mvcc/commit.ts); two-phase commit (src/sql/txn/prepared-xacts.ts) sets its intents and uses its lock. */
  readonly committer: Committer;
  /** A read-only engine's following of the writer (EngineOptions.readOnly), else undefined. */
  private reader: ReaderFollow | undefined;
  private readonly events: EngineEvents;

  private constructor(
    private readonly userOptions: EngineOptions,
    versions: VersionSet,
    mem: MemState,
    recovered: { lastLsn: number; lastTimestamp: number; nextFileNumber: number },
    /** The live WAL segments recovery replayed (sealed; the write path adds its own). */
    live: LiveLog,
  ) {
    super();
    const o = (this.o = resolveOptions(userOptions));
    this.events = new EngineEvents(userOptions.logger ?? SILENT, userOptions.onEvent);
    this.versions = versions;
    this.status = new EngineStatus(() => this.writes?.wal?.key ?? 'wal');
    this.pins = new LsnPins(parseRetention(userOptions.retention), versions.state.timeIndex);
    this.tables = new TableCache(o.store, new BlockCache(o.blockCacheBytes), o.maxOpenTables);
    this.coldStore = userOptions.coldStore ?? o.store;
    const fence = new WriterFence(versions, o.store, Math.max(0, userOptions.fenceCheckMs ?? FENCE_CHECK_MS), (e) => {
      if (!this.status.error) (userOptions.logger ?? SILENT).warn('fenced', { store: o.store.name, epoch: versions.epoch, code: e.code, message: e.message });
      return this.status.fail(e);
    });
    const budget = new YieldBudget(userOptions.yieldEveryOps ?? YIELD_EVERY_OPS);
    const files = (this.files = new FileNumbers(recovered.nextFileNumber));
    const sstable = (this.sstable = { blockSize: o.blockSize, compression: o.compression, bitsPerKey: o.bloomBitsPerKey });
    const jobs = jobContext({ o, versions }, this.tables, sstable, files, () => this.closed);
    const executor = userOptions.executor ? userOptions.executor(o.store) : new InlineExecutor();
    const compaction = resolveCompactionOptions(userOptions.compaction);
    this.ctx = { o, compaction, versions, status: this.status, fence, budget, pins: this.pins, executor, jobs, emit: (e) => this.emit(e) };
    this.reads = { sources: () => (this.assertReadable(), this.sources()), budget, blame: (e) => fence.blame(e) };
    this.writes = new WritePath(this.ctx, () => this.flusher.schedule(), mem, recovered, live);
    this.committer = new Committer(this, (branch, ops, timestamp, distinct) => (this.assertWritable(), this.writes.writeOps(branch, ops, timestamp, distinct)));
    const log = (this.log = new LogService(
      { versions, store: o.store, coldStore: this.coldStore, pins: this.pins, visible: () => this.writes.visible, now: () => o.clock.now(), edit: (e) => this.edit(e), beforeImageReads: () => this.committer.beforeImageReads },
      userOptions,
      live,
      recovered.lastLsn,
    ));
    this.writes.onCommit((records) => log.feed.publish(records));
    this.branches = new Branches(this, (e) => this.edit(e));
    this.snapshots = new Snapshots(this, (e) => this.edit(e));
    ({ flusher: this.flusher, coldTier: this.coldTier, scheduler: this.scheduler } = wireBackground({
      ctx: this.ctx,
      options: userOptions,
      versions,
      tables: this.tables,
      coldStore: this.coldStore,
      writes: this.writes,
      log,
      files,
      sstable,
      closed: () => this.closed,
      assertOpen: () => this.assertOpen(),
      assertReadable: () => this.assertReadable(),
      retainedPoints: () => this.retainedPoints(),
      fail: (e) => this.status.fail(e),
    }));
  }

  private emit(e: EngineEvent): void {
    this.events.emit(e);
  }

  /**
   * @internal Calls `listener` with every flush and compaction event after the user's
   * `onEvent`, once the new manifest version is installed (derived per-layer indexes, src/vector,
   * build beside new files and drop those of removed ones). Returns the unsubscribe function.
   */
  onEngineEvent(listener: (e: EngineEvent) => void): () => void {
    return this.events.listen(listener);
  }

  /**
   * @internal The current memtables and files, each readable on its own (layer-scan.ts), for
   * indexes kept per immutable layer. Release it when done.
   */
  layerSnapshot(): LayerSnapshot {
    this.assertReadable();
    return layerSnapshot(this.reads);
  }

  private get closed(): boolean {
    return this.status.closed;
  }

  /**
   * Opens (or creates) the database in `options.store`: claims a writer epoch (fencing any
   * other writer), replays the WAL, writes the epoch's first manifest, starts a new WAL
   * segment and deletes files no manifest references (leftovers of a crash). Throws
   * `CORRUPTION` for a damaged manifest or WAL record, `IO_ERROR` for store failures,
   * `INVALID_ARGUMENT` for bad options.
   */
  static open(options: EngineOptions): Promise<LsmEngine> {
    return openWithRetry(options, (o) => LsmEngine.openOnce(o));
  }

  private static async openOnce(options: EngineOptions): Promise<LsmEngine> {
    if (options.readOnly) return LsmEngine.openReader(options);
    const t0 = Date.now();
    const stores = { store: options.store, coldStore: options.coldStore ?? options.store };
    const s = await loadForOpen(stores.store, stores.coldStore);
    // Replayed segments stay live (sealed) until a flush covers them; with nothing replayed they
    // retire at once (into walHistory if change data capture still needs them).
    const engine = new LsmEngine(options, s.versions, s.mem, s.recovered, new LiveLog(s.rec.commits > 0 ? s.rec.ranges : []));
    await finishOpen(s, stores, engine.files.next, { startWal: () => engine.writes.start(1), log: engine.log, fullHistoryTables: options.fullHistoryTables ?? [] });
    engine.scheduler.kick();
    logOpen(options.logger ?? SILENT, { store: stores.store.name, epoch: s.versions.epoch, rec: s.rec, lastLsn: s.recovered.lastLsn, ms: Date.now() - t0 });
    return engine;
  }

  /** A read-only follower (EngineOptions.readOnly): no epoch, no writes, no background work. */
  private static async openReader(options: EngineOptions): Promise<LsmEngine> {
    const follower = new Follower(options.store);
    const step = (await follower.next())!;
    const versions = await VersionSet.openReader(options.store);
    versions.follow(step.state);
    const recovered = { lastLsn: step.lastLsn, lastTimestamp: step.lastTimestamp, nextFileNumber: step.state.nextFileNumber };
    const mem: MemState = { mt: step.fresh!, firstSegment: 1, minLsn: 0, maxLsn: 0, maxTs: 0, hasSealed: false };
    const engine = new LsmEngine(options, versions, mem, recovered, new LiveLog(step.ranges));
    engine.reader = new ReaderFollow(follower, { versions, log: engine.log, writes: engine.writes, closed: () => engine.closed });
    engine.writes.adopt(null, step.apply, [], step.lastLsn, step.lastTimestamp);
    return engine;
  }

  /**
   * A read-only engine calls `listener(upTo)` when commits up to LSN `upTo` became visible
   * without passing the commit listeners (the writer flushed them between two catch-ups):
   * whatever a listener derives from commits (a schema cache) is unknown up to there. Returns
   * the function that removes it. Never called on a writer's engine.
   */
  onFollowGap(listener: (upTo: number) => void): () => void {
    return this.reader?.onGap(listener) ?? (() => undefined);
  }

  /** True for a read-only follower (EngineOptions.readOnly). */
  get readOnly(): boolean {
    return this.reader !== undefined;
  }

  /**
   * A read-only engine reads what the writer committed since its last catch-up (follower.ts)
   * and makes it visible at once: later reads see it. Resolves to true when the writer's
   * manifest moved (files a read was using may have been collected: retry that read), false
   * when only new commits (or nothing) arrived. A writer's engine: false, nothing to do.
   */
  async catchUp(): Promise<boolean> {
    if (!this.reader) return false;
    this.assertOpen();
    return this.reader.catchUp();
  }

  /** READ_ONLY on a read-only engine. */
  private assertWritable(): void {
    if (this.reader) throw new DoSQLError('READ_ONLY', `engine: ${this.o.store.name} is open read-only: writes, flushes, compactions and manifest edits go through the writer`);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Commits `batch` atomically and returns its LSN and timestamp once durable per the
   * durability level. `timestamp` overrides the clock (never earlier than the last commit).
   * Throws `FENCED` if another writer took over and this commit is not committed (refused
   * before its WAL append, or appended after the new writer sealed our log);
   * `COMMIT_UNKNOWN` if it was appended but the new writer's seal cannot be read yet (it may or
   * may not be committed; docs/format/wal.md, "Fencing and the outcome of a write"); `IO_ERROR`
   * if the WAL could not be written (the engine then refuses writes until reopened; the commit
   * may or may not be in the WAL); `CLOSED` after close. A commit the new writer's seal
   * includes is acknowledged even though this handle is fenced.
   */
  write(batch: WriteBatch, options: { timestamp?: number } = {}): Promise<CommitInfo> {
    if (this.reader) return Promise.reject(new DoSQLError('READ_ONLY', `engine: ${this.o.store.name} is open read-only: writes go through the writer`));
    return this.writes.write(batch, options);
  }

  /**
   * Calls `listener` with every group of commits right after they become visible, in LSN
   * order, before their writers are answered (write-path.ts, `CommitListener`). Returns the
   * function that removes it.
   */
  onCommit(listener: CommitListener): () => void {
    return this.writes.onCommit(listener);
  }

  /**
   * @internal Bulk load (ingest.ts): `build` writes runs whose entries all carry `c.lsn`; they
   * become visible at that LSN in one manifest edit. Commits wait meanwhile.
   */
  ingest(build: (c: IngestContext) => Promise<FileMeta[][]>): Promise<IngestResult> {
    this.assertOpen();
    this.assertWritable();
    const sched = this.scheduler;
    return ingestRuns({ ctx: this.ctx, writes: this.writes, flusher: this.flusher, files: this.files, sstable: this.sstable, compacting: () => sched.busy, kick: () => sched.kick() }, build);
  }

  // ---------------------------------------------------------------- flush and compaction

  /**
   * Freezes the memtable (if it holds anything) and waits until every frozen memtable is
   * written to SSTables and recorded in the manifest.
   */
  async flush(): Promise<void> {
    this.assertOpen();
    this.assertWritable();
    await this.checkStillWriter();
    await this.flusher.flushAll();
  }

  /**
   * Compacts. `{ full: true }` flushes and leaves every file in one sorted run at the deepest level,
   * every version outside the retained read points dropped (unchanged files not rewritten);
   * otherwise runs the compactions the level scores call for and returns when balanced.
   * `onProgress` hears of each job's input files and bytes (CompactionProgress); it must not throw.
   */
  async compact(options: { full?: boolean; tier?: 'hot' | 'cold'; onProgress?: CompactionProgressCallback } = {}): Promise<void> {
    this.assertOpen();
    this.assertWritable();
    await this.checkStillWriter();
    if (options.tier === 'cold' && !this.coldTier.hasCodec) throw new DoSQLError('NOT_SUPPORTED', 'engine: a cold compaction needs a cold codec (setColdCodec; the SQL layer installs one)');
    try {
      if (options.tier === 'cold') {
        await this.flush();
        await this.scheduler.cold(options.onProgress);
      } else if (options.full) {
        await this.flush();
        await this.scheduler.full(options.onProgress);
      } else {
        await this.scheduler.balance(options.onProgress);
      }
    } catch (e) {
      throw await this.blameFence(e);
    }
    this.status.throwIfFailed();
  }

  // ---------------------------------------------------------------- cold tier (src/cold)

  /**
   * Installs the codec that turns rows into columns and back (the SQL layer's; ColdTier.setCodec).
   * Needed before a cold compaction and before reading columnar run files; install it right
   * after open, before the first read.
   */
  setColdCodec(codec: ColdCodec): void {
    this.coldTier.setCodec(codec);
  }

  /** The cold tier: columnar reads of a table's runs, and Iceberg publishing from them. */
  get cold(): ColdTierApi {
    return this.coldTier;
  }

  // ---------------------------------------------------------------- reads

  /** LSN of the newest visible commit: the default read point. */
  get lastVisibleLsn(): number {
    return this.writes.visible;
  }

  /** Commit timestamp of the newest commit, ms since the epoch. */
  get lastCommitTimestamp(): number {
    return this.writes.lastTimestamp;
  }

  /** The engine's clock reading, ms since the epoch (the injected clock in tests). */
  clockNow(): number {
    return this.o.clock.now();
  }

  /** Epoch of this writer. */
  get epoch(): number {
    return this.versions.epoch;
  }

  protected sources(): ReadSources {
    return { memtables: this.writes.memtables(), version: this.versions.current, tables: this.tables };
  }

  // ---------------------------------------------------------------- transactions

  /**
   * Starts a transaction (src/mvcc/transaction.ts): reads see `branch` (default main) as of
   * `asOf` (default the latest commit; BEFORE_RETENTION_HORIZON when gone) plus its own writes,
   * and that LSN stays retained until it commits or is released. NOT_FOUND for an unknown branch.
   */
  begin(options: TransactionOptions = {}): Transaction {
    this.assertReadable();
    const branch = options.branch ?? MAIN_BRANCH;
    if (branchName(this.versions.state, branch) === undefined) throw new DoSQLError('NOT_FOUND', `engine: no branch with id ${branch}`, { details: { branch } });
    return new Transaction(this, this.readPoint(options.asOf), branch, this.ancestorLayers(branch), options.readOnly ?? false);
  }

  /**
   * Commits `txn` through the engine's one commit path (src/mvcc/commit.ts): under one
   * engine-wide commit lock, first committer wins — WRITE_CONFLICT (retryable, nothing written)
   * when a key it wrote or a range it claimed changed after its read LSN — then one WAL record
   * with its writes and `extraOps`, as `write`. Releases `txn`. A transaction that wrote
   * nothing returns its read LSN (and timestamp 0).
   */
  commit(txn: Transaction, options?: CommitOptions): Promise<CommitInfo> {
    return this.committer.commit(txn, options);
  }

  /** @internal The ancestor read layers of `branch`: parent at its base LSN, then up to main. */
  ancestorLayers(branch: number): Layer[] {
    return branch === MAIN_BRANCH ? [] : ancestorLayers(this.versions.state.branches, branch);
  }

  // ---------------------------------------------------------------- branches (engine.branches, engine.snapshots), pins

  /**
   * Pins `lsn` in the manifest: compaction keeps every version visible at it, and reads as
   * of it stay allowed, until `unpinLsn`. Named snapshots and branch bases use the same
   * mechanism. Throws BEFORE_RETENTION_HORIZON if history at `lsn` may already be gone.
   */
  async pinLsn(lsn: number, reason: string): Promise<void> {
    this.assertOpen();
    this.assertWritable();
    const at = this.readPoint(lsn);
    await this.versions.update((d) => {
      d.pins.push({ lsn: at, reason });
    });
  }

  /** Removes one pin of `lsn` (with this reason, if given). */
  unpinLsn(lsn: number, reason?: string): Promise<void> {
    return this.edit((d) => {
      const i = d.pins.findIndex((p) => p.lsn === lsn && (reason === undefined || p.reason === reason));
      if (i >= 0) d.pins.splice(i, 1);
    });
  }

  /**
   * @internal Applies `edit` to the manifest atomically (a new manifest version). Left for the
   * cold tier's `externalRefs` bookkeeping; branches, snapshots and pins have their own operations.
   */
  editManifest(edit: (draft: ManifestState) => void): Promise<void> {
    return this.edit(edit);
  }

  /** One manifest edit; compaction may now collect what a removed reference kept. */
  private async edit(edit: (draft: ManifestState) => void): Promise<void> {
    this.assertOpen();
    this.assertWritable();
    await this.versions.update(edit);
    this.scheduler.kick();
  }

  // ---------------------------------------------------------------- read points

  /**
   * A read view pinned at the latest visible LSN: every read through it sees the same
   * snapshot until `release()` (also `await using`), and compaction keeps what it sees.
   */
  readView(): ReadView {
    this.assertReadable();
    return new ReadView(this, this.writes.visible);
  }

  /** @internal Pins `lsn` in memory (read views, transactions) until `releaseView`. */
  registerView(lsn: number): void {
    this.pins.registerView(lsn);
  }

  /** @internal */
  releaseView(lsn: number): void {
    this.pins.releaseView(lsn);
  }

  /**
   * The read points compaction must preserve: everything at or above the retention horizon,
   * plus open read views, named snapshots, branch bases and pinned LSNs.
   */
  retainedPoints(): RetainedPoints {
    return this.pins.retainedPoints(this.versions.state, this.writes.visible, this.o.clock.now());
  }

  /**
   * Validates a read point: defaults to the latest; clamps future LSNs to the latest; fails
   * with BEFORE_RETENTION_HORIZON below the horizon unless it is a retained point.
   */
  readPoint(asOf: number | undefined): number {
    if (asOf === undefined) return this.writes.visible;
    return this.pins.readPoint(asOf, this.versions.state, this.writes.visible, this.o.clock.now());
  }

  // ---------------------------------------------------------------- lifecycle

  /** Current manifest state (read-only view for tools and higher layers). */
  get manifest(): ManifestState {
    return this.versions.state;
  }

  /**
   * A checkpoint (SQLite's `PRAGMA wal_checkpoint`, seed 003's `db.checkpoint()`): flushes the
   * memtable so every commit so far is in SSTables and the WAL segments it held are retired.
   * Resolves to the flushed LSN.
   */
  async checkpoint(): Promise<{ lsn: number }> {
    await this.flush();
    return { lsn: this.versions.state.flushedLsn };
  }

  /**
   * @internal A physical backup's content (backup-files.ts): checkpoints, then takes the current
   * manifest version, referenced until the plan's `release()`. Its files are consistent at the
   * plan's LSN. Throws READ_ONLY on a read-only engine (back up from the writer).
   */
  async backupPlan(): Promise<BackupPlan> {
    await this.checkpoint();
    const v = this.versions.current;
    v.ref();
    return backupPlanOf(v);
  }

  /** @internal The stores, for backups: SSTables and the manifest in `hot`, columnar runs in `cold`. */
  get stores(): { hot: ObjectStore; cold: ObjectStore } {
    return { hot: this.o.store, cold: this.coldStore };
  }

  /** @internal the current version, for diagnostics. */
  get currentVersion(): Version {
    return this.versions.current;
  }

  stats(): EngineStats {
    return collectStats({
      epoch: this.versions.epoch,
      state: this.versions.state,
      scores: this.scheduler.scores(),
      compaction: this.scheduler.stats,
      writes: this.writes,
      flush: this.flusher.stats,
      tables: this.tables,
      reads: this.counters,
      retentionHorizon: this.retainedPoints().horizon,
      openReadViews: this.pins.openViews,
    });
  }

  /**
   * Waits for queued commits, the running flush and the running compaction (which stops at
   * its next slice; its partial output is collected at the next open), syncs the WAL
   * (unless durability is 'off') and releases resources. Unflushed commits stay in the WAL
   * for the next open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const w = this.writes;
    const unlock = await w.walLock.lock();
    this.status.closed = true;
    try {
      if (this.flusher.running) await this.flusher.running.catch(() => undefined);
      await this.scheduler.waitIdle().catch(() => undefined);
      // A read-only engine never started a WAL segment.
      if (!this.reader) {
        if (!this.status.error && this.o.durability !== 'off') await w.wal.sync().catch(() => undefined);
        await w.wal.close();
      }
      this.log.close();
      await this.ctx.executor.close().catch(() => undefined);
    } finally {
      w.wakeRoomWaiters();
      unlock();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'engine: closed');
  }

  /** Reads: `CLOSED` after close, `FENCED` once a newer writer is known (writer-fence.ts). */
  protected assertReadable(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'engine: closed');
    if (this.reader) {
      // A reader is never fenced; it catches up in the background at most every followMs.
      this.reader.poke(this.userOptions.followMs ?? 100);
      return;
    }
    this.ctx.fence.assertCurrent();
  }

  /** A failure to report as `FENCED` if a newer writer caused it (writer-fence.ts, `blame`). */
  private blameFence(e: unknown): Promise<unknown> {
    return this.ctx.fence.blame(e);
  }

  /** Throws the background error, or `FENCED` if a newer writer took over: flush and compact notice it with nothing to write. */
  private async checkStillWriter(): Promise<void> {
    this.status.throwIfFailed();
    await this.ctx.fence.check();
  }
}
