// The storage engine: an MVCC log-structured merge tree over an ObjectStore.
//
// Write path: write(batch) -> commit queue -> group commit (one WAL append [+ fsync] for
// every commit queued meanwhile) -> fence check -> memtable -> visible. A full memtable is
// frozen, a new WAL segment started, and the frozen memtable flushed to an L0 run in the
// background; compactions then merge runs down the levels (docs/compaction.md).
// Read path: memtables, then the runs of the current manifest version.
//
// Async safety: all public methods may be called concurrently. Group commits and memtable
// switches are serialised by `walLock`; flushes by the flush loop; compactions by the
// scheduler; manifest updates by the version set. Readers take a consistent snapshot of
// (memtables, version) synchronously.
import { DoSQLError, asIoError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { Memtable } from '../memtable/memtable.js';
import { VersionSet, type Version } from '../manifest/version-set.js';
import type { ManifestState } from '../manifest/manifest-format.js';
import { ColdTier, type ColdCodec, type ColdTierApi } from '../cold/index.js';
import type { CompactionResult } from '../compaction/compaction-job.js';
import type { Compaction } from '../compaction/compaction-picker.js';
import { BlockCache } from '../sstable/block-cache.js';
import { TableCache } from '../sstable/table-cache.js';
import { ensureCodec, type CompressionName } from '../sstable/compression.js';
import { encodeUserKey, KIND_PUT, MAIN_BRANCH, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import { MvccIterator } from '../mvcc/mvcc-iterator.js';
import { resolveCompactionOptions, type ResolvedCompactionOptions } from '../compaction/options.js';
import { horizonLsn, parseRetention, RetainedPoints, type RetentionPolicy, type TimeSample } from '../compaction/retention.js';
import { ByteWriter } from '../util/byte-writer.js';
import { Mutex, deferred, yieldToEventLoop, type Deferred } from '../util/async.js';
import { InlineExecutor, type BackgroundExecutor, type JobContext } from './background-executor.js';
import { systemClock, type Clock } from '../util/clock.js';
import { encodeCommit, walSegmentKey, type CommitRecord } from './wal-format.js';
import { WalWriter } from './wal-writer.js';
import { applyCommit, recoverWal } from './recovery.js';
import { getVersion, mergedIterator, type GetCounters, type ReadSources } from './read-path.js';
import { CompactionScheduler } from './compaction-scheduler.js';
import { ReadView } from './read-view.js';
import { deleteOrphans, listDataFiles } from './orphans.js';
import { WriterFence } from './writer-fence.js';
import type { WriteBatch } from './write-batch.js';
import {
  encodeRange,
  KvEntry,
  type CommitInfo,
  type Durability,
  type EngineEvent,
  type EngineOptions,
  type EngineStats,
  type KeyRange,
  type LevelStats,
  type ReadOptions,
  type ScanOptions,
} from './engine-types.js';

export type { CommitInfo, Durability, EngineEvent, EngineOptions, EngineStats, KeyRange, ReadOptions, ScanOptions } from './engine-types.js';

interface MemState {
  mt: Memtable;
  /** First WAL segment (of this epoch) holding its commits. */
  firstSegment: number;
  minLsn: number;
  maxLsn: number;
  /** Commit timestamp of maxLsn. */
  maxTs: number;
  /** Holds commits replayed from sealed segments of earlier epochs. */
  hasSealed: boolean;
}

interface PendingCommit {
  batch: WriteBatch;
  txnId: number;
  timestamp?: number;
  done: Deferred<CommitInfo>;
}

type ResolvedOptions = Required<Omit<EngineOptions, 'clock' | 'compaction' | 'retention' | 'onEvent' | 'executor' | 'yieldEveryOps' | 'fenceCheckMs'>> & { clock: Clock };

const DEFAULTS = {
  durability: 'full' as Durability,
  memtableBytes: 64 * 1024 * 1024,
  maxImmutableMemtables: 2,
  blockCacheBytes: 256 * 1024 * 1024,
  maxOpenTables: 1000,
  blockSize: 4096,
  compression: 'lz4' as CompressionName,
  bloomBitsPerKey: 10,
  targetFileBytes: 32 * 1024 * 1024,
  maxGroupBytes: 8 * 1024 * 1024,
};

/**
 * Reads and commits between yields to the event loop. A caller looping over cached reads
 * otherwise never leaves the microtask queue, and background work (flush and compaction
 * results, timers) would wait until it stops.
 */
const YIELD_EVERY_OPS = 1024;
/** Most time (ms) between fence checks that reads start (EngineOptions.fenceCheckMs). */
const FENCE_CHECK_MS = 1000;
/** Time samples are at least this far apart (ms) and at most this many. */
const SAMPLE_SPACING_MS = 100;
const MAX_SAMPLES = 1024;

export class LsmEngine {
  private readonly o: ResolvedOptions;
  private readonly compactionOptions: ResolvedCompactionOptions;
  private readonly retention: RetentionPolicy;
  private readonly tables: TableCache;
  private readonly coldStore: ObjectStore;
  private readonly coldTier: ColdTier;
  private readonly scheduler: CompactionScheduler;
  private readonly executor: BackgroundExecutor;
  private readonly jobs: JobContext;
  private mem: MemState;
  private readonly imm: MemState[] = [];
  private wal!: WalWriter;
  private walSegment = 0;
  private lastLsn: number;
  private visible: number;
  private lastTimestamp: number;
  private nextFileNumber: number;
  private nextTxnId = 1;
  private readonly queue: PendingCommit[] = [];
  private committing = false;
  private readonly walLock = new Mutex();
  private readonly walBuf = new ByteWriter(1 << 16);
  private readonly trailer = new Uint8Array(TRAILER_SIZE);
  private flushing: Promise<void> | null = null;
  /** Writers waiting for a flush or compaction to make room. */
  private roomWaiters: (() => void)[] = [];
  private bgError: DoSQLError | null = null;
  private closed = false;
  private readonly views = new Map<number, number>();
  private samples: TimeSample[];
  private readonly counters: GetCounters = { gets: 0, filesSearched: 0, bloomSkips: 0 };
  private readonly walStats = { groups: 0, commits: 0, bytesWritten: 0, syncs: 0 };
  private readonly flushStats = { count: 0, bytesWritten: 0 };
  private userBytes = 0;
  private opsSinceYield = 0;
  private readonly yieldEvery: number;
  private stallMs = 0;
  private slowdowns = 0;
  private readonly fence: WriterFence;

  private constructor(
    private readonly userOptions: EngineOptions,
    private readonly versions: VersionSet,
    mem: MemState,
    recovered: { lastLsn: number; lastTimestamp: number; nextFileNumber: number },
  ) {
    const options = userOptions;
    this.o = { ...DEFAULTS, ...definedOnly(options), clock: options.clock ?? systemClock } as ResolvedOptions;
    this.yieldEvery = Math.max(1, options.yieldEveryOps ?? YIELD_EVERY_OPS);
    this.fence = new WriterFence(versions, options.store, Math.max(0, options.fenceCheckMs ?? FENCE_CHECK_MS), (e) => this.fail(e));
    this.compactionOptions = resolveCompactionOptions(options.compaction);
    this.retention = parseRetention(options.retention);
    this.tables = new TableCache(options.store, new BlockCache(this.o.blockCacheBytes), this.o.maxOpenTables);
    this.coldStore = options.coldStore ?? options.store;
    this.mem = mem;
    this.lastLsn = recovered.lastLsn;
    this.visible = recovered.lastLsn;
    this.lastTimestamp = recovered.lastTimestamp;
    this.nextFileNumber = recovered.nextFileNumber;
    this.samples = [...versions.state.timeIndex];
    this.executor = options.executor ? options.executor(options.store) : new InlineExecutor();
    this.jobs = {
      store: options.store,
      epoch: versions.epoch,
      tables: this.tables,
      targetFileBytes: this.o.targetFileBytes,
      sstable: this.sstableOptions(),
      newFileNumber: () => this.nextFileNumber++,
      reserveFileNumbers: (count) => {
        const first = this.nextFileNumber;
        this.nextFileNumber += count;
        return first;
      },
      aborted: () => this.closed,
    };
    this.coldTier = new ColdTier({
      store: options.store,
      coldStore: this.coldStore,
      tables: this.tables,
      versions,
      targetFileBytes: this.o.targetFileBytes,
      hotDataMaxAge: options.hotDataMaxAge,
      coldFromLevel: options.coldFromLevel,
      sstableOptions: () => this.sstableOptions(),
      newFileNumber: () => this.nextFileNumber++,
      memtables: () => [this.mem.mt, ...this.imm.map((m) => m.mt)],
      samples: () => this.samples,
      now: () => this.o.clock.now(),
      closed: () => this.closed,
      assertOpen: () => this.assertOpen(),
      assertReadable: () => this.assertReadable(),
      compactCold: () => this.scheduler.cold(),
      kick: () => this.scheduler.kick(),
      deleteObsolete: () => void this.scheduler.deleteObsolete(),
    });
    this.scheduler = new CompactionScheduler({
      store: options.store,
      coldStore: this.coldStore,
      coldCompact: (c, state, retained) => this.coldCompact(c, state, retained),
      tables: this.tables,
      versions,
      options: this.compactionOptions,
      executor: this.executor,
      jobContext: this.jobs,
      nextFileNumber: () => this.nextFileNumber,
      retainedPoints: () => this.retainedPoints(),
      onInstalled: () => {
        this.wakeRoomWaiters();
        this.maybeColdCompact();
      },
      onError: (e) => {
        void this.blameFence(e).then((err) => {
          this.fail(err);
          this.wakeRoomWaiters();
        });
      },
      closing: () => this.closed,
      emit: (e) => this.emit(e),
    });
  }

  private emit(e: EngineEvent): void {
    try {
      this.onEvent?.(e);
    } catch {
      // An observer's failure must not break background work.
    }
  }

  private get onEvent(): EngineOptions['onEvent'] {
    return this.userOptions.onEvent;
  }

  /**
   * Opens (or creates) the database in `options.store`: claims a writer epoch (fencing any
   * other writer), replays the WAL, writes the epoch's first manifest, starts a new WAL
   * segment and deletes files no manifest references (leftovers of a crash). Throws
   * `CORRUPTION` for a damaged manifest or WAL record, `IO_ERROR` for store failures,
   * `INVALID_ARGUMENT` for bad options.
   */
  static async open(options: EngineOptions): Promise<LsmEngine> {
    if (typeof (options as Partial<EngineOptions> | null)?.store?.get !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'engine: open() needs options with an ObjectStore as store');
    resolveCompactionOptions(options.compaction);
    parseRetention(options.retention);
    await ensureCodec(options.compression ?? DEFAULTS.compression);
    for (let attempt = 0; ; attempt++) {
      try {
        return await LsmEngine.openOnce(options);
      } catch (e) {
        // An earlier writer's last manifest update raced with our open: start over.
        if (e instanceof DoSQLError && e.code === 'BUSY' && attempt < 5) continue;
        throw e;
      }
    }
  }

  private static async openOnce(options: EngineOptions): Promise<LsmEngine> {
    const store = options.store;
    const coldStore = options.coldStore ?? store;
    const versions = await VersionSet.open(store);
    const state = versions.state;
    let rec;
    try {
      rec = await recoverWal(store, state, 1);
    } catch (e) {
      // A writer we just fenced may have updated the manifest after we loaded it and deleted
      // a WAL segment it no longer needs: that is a race to retry, not corruption.
      throw await versions.staleOpenError(e);
    }
    const files = await listDataFiles(store, coldStore);
    let maxFile = 0;
    for (const f of files) maxFile = Math.max(maxFile, f.number);
    const mem: MemState = { mt: rec.memtable, firstSegment: 1, minLsn: rec.minLsn, maxLsn: rec.maxLsn, maxTs: rec.lastTimestamp, hasSealed: rec.commits > 0 };
    const engine = new LsmEngine(options, versions, mem, {
      lastLsn: rec.lastLsn,
      lastTimestamp: rec.lastTimestamp,
      nextFileNumber: Math.max(state.nextFileNumber, maxFile + 1),
    });
    // The first manifest of this epoch: seals what we replayed, so a fenced writer's
    // later appends are never replayed.
    try {
      await versions.update((d) => {
        d.walSeals = rec.commits > 0 ? rec.seals : [];
        d.logNumber = 1;
        d.lastLsn = rec.lastLsn;
        d.lastTimestamp = rec.lastTimestamp;
        d.nextFileNumber = engine.nextFileNumber;
        if (rec.commits === 0) d.flushedLsn = Math.max(d.flushedLsn, rec.lastLsn);
      });
    } catch (e) {
      // Another open claimed a newer epoch while we recovered: it won; ours may be retried.
      if (e instanceof DoSQLError && e.code === 'FENCED') {
        throw new DoSQLError('BUSY', `engine: another writer opened ${store.name} while this open recovered; retry the open`, { cause: e });
      }
      throw e;
    }
    engine.walSegment = 1;
    engine.wal = await WalWriter.create(store, versions.epoch, 1);
    for (const key of rec.obsolete) await store.delete(key).catch(() => undefined);
    if (rec.commits === 0) for (const s of rec.seals) await store.delete(s.key).catch(() => undefined);
    await deleteOrphans(files, versions.liveFiles(), versions.epoch, store, coldStore);
    engine.scheduler.kick();
    return engine;
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
    if (this.closed) return Promise.reject(new DoSQLError('CLOSED', 'engine: closed'));
    if (this.bgError) return Promise.reject(this.bgError);
    if (batch.size === 0) return Promise.resolve({ lsn: this.visible, timestamp: this.lastTimestamp });
    const done = deferred<CommitInfo>();
    const pending: PendingCommit = { batch, txnId: this.nextTxnId++, done };
    if (options.timestamp !== undefined) pending.timestamp = options.timestamp;
    this.queue.push(pending);
    if (!this.committing) void this.runCommits();
    return done.promise;
  }

  private async runCommits(): Promise<void> {
    this.committing = true;
    const unlock = await this.walLock.lock();
    try {
      while (this.queue.length > 0) {
        if (this.bgError) {
          for (const p of this.queue.splice(0)) p.done.reject(this.bgError);
          break;
        }
        try {
          await this.makeRoomForWrite();
        } catch (e) {
          this.fail(e);
          continue;
        }
        await this.commitGroup();
        if (++this.opsSinceYield >= this.yieldEvery / 16) await this.yieldNow();
      }
    } finally {
      this.committing = false;
      unlock();
    }
  }

  /** Takes queued commits up to maxGroupBytes and makes them durable with one append. */
  private async commitGroup(): Promise<void> {
    const group: PendingCommit[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && (group.length === 0 || bytes + this.queue[0]!.batch.byteSize <= this.o.maxGroupBytes)) {
      const p = this.queue.shift()!;
      group.push(p);
      bytes += p.batch.byteSize;
    }
    const records: CommitRecord[] = [];
    const w = this.walBuf;
    w.reset();
    const segmentStart = this.wal.size;
    /** Where each record ends in the segment: decides its fate if we turn out to be fenced. */
    const ends: number[] = [];
    let lsn = this.lastLsn;
    let ts = this.lastTimestamp;
    for (const p of group) {
      ts = Math.max(p.timestamp ?? this.o.clock.now(), ts);
      const rec: CommitRecord = { lsn: ++lsn, timestamp: ts, txnId: p.txnId, ops: p.batch.ops };
      records.push(rec);
      encodeCommit(w, rec);
      ends.push(segmentStart + w.pos);
    }
    this.lastLsn = lsn;
    this.lastTimestamp = ts;
    let fenced: boolean;
    try {
      await this.wal.append(w.view());
      if (this.o.durability === 'full') {
        await this.wal.sync();
        this.walStats.syncs++;
      }
      fenced = await this.versions.isFenced();
    } catch (e) {
      const err = this.fail(e);
      for (const p of group) p.done.reject(err);
      return;
    }
    if (fenced) {
      const starts = ends.map((_, i) => (i === 0 ? segmentStart : ends[i - 1]!));
      const settled = await this.fence.settle(records, this.wal.key, starts, ends);
      settled.forEach((r, i) => ('ok' in r ? group[i]!.done.resolve(r.ok) : group[i]!.done.reject(r.err)));
      return;
    }
    this.walStats.groups++;
    this.walStats.commits += group.length;
    this.walStats.bytesWritten += w.pos;
    this.userBytes += bytes;
    const mem = this.mem;
    for (const rec of records) applyCommit(mem.mt, rec, this.trailer);
    if (mem.minLsn === 0) mem.minLsn = records[0]!.lsn;
    mem.maxLsn = lsn;
    mem.maxTs = ts;
    this.visible = lsn;
    this.sample(lsn, ts);
    for (let i = 0; i < group.length; i++) group[i]!.done.resolve({ lsn: records[i]!.lsn, timestamp: records[i]!.timestamp });
  }

  /** Records a fatal write-path error (LevelDB's bg_error): reads go on, writes fail until reopen. */
  private fail(e: unknown): DoSQLError {
    const err = e instanceof DoSQLError ? e : asIoError('engine', 'write', this.wal?.key ?? 'wal', e);
    if (!this.bgError) this.bgError = err;
    return err;
  }

  /**
   * REQUIRES: walLock held. Freezes a full memtable and starts a new WAL segment; stalls
   * while too many frozen memtables wait for flush or L0 has too many runs; slows down
   * (1 ms per group) while L0 is near that limit.
   */
  private async makeRoomForWrite(force = false): Promise<void> {
    let slowed = false;
    for (;;) {
      if (this.bgError) throw this.bgError;
      const l0 = this.versions.state.levels[0]?.length ?? 0;
      if (!force && l0 >= this.compactionOptions.l0StopTrigger && this.compactionOptions.background) {
        await this.waitForRoom();
        continue;
      }
      if (!force && !slowed && l0 >= this.compactionOptions.l0SlowdownTrigger && this.compactionOptions.background) {
        slowed = true;
        this.slowdowns++;
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, 1));
        this.stallMs += Date.now() - t0;
        continue;
      }
      if (this.mem.mt.count === 0) return;
      if (!force && this.mem.mt.approximateBytes < this.o.memtableBytes) return;
      if (this.imm.length >= this.o.maxImmutableMemtables) {
        await this.waitForRoom();
        continue;
      }
      await this.switchMemtable();
      if (force) return;
    }
  }

  private async waitForRoom(): Promise<void> {
    const t0 = Date.now();
    await new Promise<void>((r) => this.roomWaiters.push(r));
    this.stallMs += Date.now() - t0;
  }

  private wakeRoomWaiters(): void {
    const ws = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of ws) w();
  }

  private async switchMemtable(): Promise<void> {
    const old = this.wal;
    if (this.o.durability !== 'off') {
      await old.sync();
      this.walStats.syncs++;
    }
    const segment = this.walSegment + 1;
    const next = await WalWriter.create(this.o.store, this.versions.epoch, segment);
    this.walSegment = segment;
    this.wal = next;
    await old.close();
    this.mem.mt.freeze();
    this.imm.push(this.mem);
    this.mem = { mt: this.newMemtable(this.mem.mt.id + 1), firstSegment: segment, minLsn: 0, maxLsn: 0, maxTs: 0, hasSealed: false };
    this.scheduleFlush();
  }

  private newMemtable(id: number): Memtable {
    // Entries average ~150 bytes in practice; size the hash table for that.
    return new Memtable(id, {
      suffixLength: TRAILER_SIZE,
      expectedEntries: Math.min(1 << 22, Math.ceil(this.o.memtableBytes / 150)),
      shared: this.executor.wantsSharedMemtables,
    });
  }

  /** Keeps (LSN, timestamp) samples for time-based retention, spaced and bounded. */
  private sample(lsn: number, ts: number): void {
    const s = this.samples;
    const last = s[s.length - 1];
    if (last && ts - last[1] < SAMPLE_SPACING_MS) {
      if (s.length >= 2 && ts - s[s.length - 2]![1] < SAMPLE_SPACING_MS) s[s.length - 1] = [lsn, ts];
      else s.push([lsn, ts]);
    } else s.push([lsn, ts]);
    if (s.length > MAX_SAMPLES) this.samples = s.filter((_, i) => i % 2 === 1 || i === s.length - 1);
  }

  private sstableOptions(): { blockSize: number; compression: CompressionName; bitsPerKey: number } {
    return { blockSize: this.o.blockSize, compression: this.o.compression, bitsPerKey: this.o.bloomBitsPerKey };
  }

  // ---------------------------------------------------------------- flush

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      this.wakeRoomWaiters();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.imm.length > 0 && !this.bgError) {
      const m = this.imm[0]!;
      try {
        await this.flushOne(m);
      } catch (e) {
        this.fail(await this.blameFence(e));
        return;
      }
      this.imm.shift();
      this.wakeRoomWaiters();
      this.scheduler.kick();
    }
  }

  /** Writes one frozen memtable as an L0 run, then records it in the manifest. */
  private async flushOne(m: MemState): Promise<void> {
    const t0 = Date.now();
    this.emit({ type: 'flush-start', memtableBytes: m.mt.approximateBytes });
    const { files, bytesWritten } = await this.executor.flush(m.mt, this.jobs);
    const nextFirst = this.imm[1]?.firstSegment ?? this.mem.firstSegment;
    const oldLog = this.versions.state.logNumber;
    const seals = this.versions.state.walSeals;
    const timeIndex = this.samples.filter((s) => s[0] <= m.maxLsn).map((s): [number, number] => [s[0], s[1]]);
    await this.versions.update((d) => {
      if (files.length > 0) d.levels[0]!.unshift(files);
      d.flushedLsn = Math.max(d.flushedLsn, m.maxLsn);
      d.lastLsn = Math.max(d.lastLsn, this.visible);
      d.lastTimestamp = Math.max(d.lastTimestamp, this.lastTimestamp);
      d.logNumber = nextFirst;
      d.nextFileNumber = Math.max(d.nextFileNumber, this.nextFileNumber);
      d.timeIndex = timeIndex;
      if (m.hasSealed) d.walSeals = [];
    });
    this.flushStats.count++;
    this.flushStats.bytesWritten += bytesWritten;
    this.emit({ type: 'flush-end', files: files.length, bytes: bytesWritten, ms: Date.now() - t0 });
    this.maybeColdCompact();
    // WAL segments wholly flushed are garbage now.
    for (let s = oldLog; s < nextFirst; s++) await this.o.store.delete(walSegmentKey(this.versions.epoch, s)).catch(() => undefined);
    if (m.hasSealed) for (const s of seals) await this.o.store.delete(s.key).catch(() => undefined);
  }

  /**
   * Freezes the memtable (if it holds anything) and waits until every frozen memtable is
   * written to SSTables and recorded in the manifest.
   */
  async flush(): Promise<void> {
    this.assertOpen();
    await this.checkStillWriter();
    const unlock = await this.walLock.lock();
    try {
      if (this.bgError) throw this.bgError;
      await this.makeRoomForWrite(true);
    } finally {
      unlock();
    }
    while (this.imm.length > 0) {
      if (this.bgError) throw this.bgError;
      if (!this.flushing) this.scheduleFlush();
      await this.flushing;
    }
    if (this.bgError) throw this.bgError;
  }

  /**
   * Compacts. `{ full: true }` flushes the memtable and merges every file into one sorted
   * run at the deepest level, dropping every version outside the retained read points;
   * otherwise runs the compactions the level scores call for and returns when balanced.
   */
  async compact(options: { full?: boolean; tier?: 'hot' | 'cold' } = {}): Promise<void> {
    this.assertOpen();
    await this.checkStillWriter();
    if (options.tier === 'cold' && !this.coldTier.hasCodec) throw new DoSQLError('NOT_SUPPORTED', 'engine: a cold compaction needs a cold codec (setColdCodec; the SQL layer installs one)');
    try {
      if (options.tier === 'cold') {
        await this.flush();
        await this.scheduler.cold();
      } else if (options.full) {
        await this.flush();
        await this.scheduler.full();
      } else {
        await this.scheduler.balance();
      }
    } catch (e) {
      throw await this.blameFence(e);
    }
    if (this.bgError) throw this.bgError;
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

  private maybeColdCompact(): void {
    this.coldTier.maybeCompact();
  }

  private coldCompact(c: Compaction, state: ManifestState, retained: RetainedPoints): Promise<CompactionResult> {
    return this.coldTier.compact(c, state, retained);
  }

  // ---------------------------------------------------------------- reads

  /** LSN of the newest visible commit: the default read point. */
  get lastVisibleLsn(): number {
    return this.visible;
  }

  /** Commit timestamp of the newest commit, ms since the epoch. */
  get lastCommitTimestamp(): number {
    return this.lastTimestamp;
  }

  /** The engine's clock reading, ms since the epoch (the injected clock in tests). */
  clockNow(): number {
    return this.o.clock.now();
  }

  /** Epoch of this writer. */
  get epoch(): number {
    return this.versions.epoch;
  }

  /** The value of (table, key) as of `asOf` (default: latest), or undefined. */
  async get(table: number, key: KeyTuple, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
    this.assertReadable();
    const uk = encodeUserKey(options.branch ?? MAIN_BRANCH, table, key);
    const found = await this.getRaw(uk, this.readPoint(options.asOf));
    if (++this.opsSinceYield >= this.yieldEvery) await this.yieldNow();
    return found && found.kind === KIND_PUT ? found.value : undefined;
  }

  /** Lets I/O callbacks and background results run (see YIELD_EVERY_OPS). */
  yieldNow(): Promise<void> {
    this.opsSinceYield = 0;
    return yieldToEventLoop();
  }

  /**
   * The visible version of an encoded user key at `asOf` (already checked by `readPoint`),
   * with its kind and LSN; the building block for the SQL layer's reads. May return
   * synchronously.
   */
  getRaw(uk: Uint8Array, asOf: number): ReturnType<typeof getVersion> {
    this.assertReadable();
    const src = this.sources();
    const v = src.version;
    v.ref();
    let res: ReturnType<typeof getVersion>;
    try {
      res = getVersion(src, uk, asOf, this.counters);
    } catch (e) {
      v.unref();
      return this.blameFence(e).then((err) => Promise.reject(err));
    }
    if (res instanceof Promise) {
      return res.then(
        (r) => (v.unref(), r),
        (e: unknown) => (v.unref(), this.blameFence(e).then((err) => Promise.reject(err))),
      );
    }
    v.unref();
    return res;
  }

  /**
   * Rows of `table` in `range`, as of `asOf`, in key order (or reverse). Bad arguments and
   * reads below the retention horizon throw here, before iteration starts.
   */
  scan(table: number, range: KeyRange = {}, options: ScanOptions = {}): AsyncGenerator<KvEntry> {
    this.assertReadable();
    const branch = options.branch ?? MAIN_BRANCH;
    const bounds = encodeRange(branch, table, range);
    return this.scanRaw(bounds.lower, bounds.upper, this.readPoint(options.asOf), options.reverse ?? false, options.limit ?? Infinity);
  }

  /** Scan over encoded user-key bounds [lower, upper) at a checked read point. */
  async *scanRaw(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, limit = Infinity): AsyncGenerator<KvEntry> {
    this.assertReadable();
    const src = this.sources();
    src.version.ref();
    const it = new MvccIterator(mergedIterator(src), asOf, { lower, upper }, reverse);
    try {
      let n = 0;
      while (n < limit) {
        const p = it.next();
        if (p) await p;
        const e = it.entry();
        if (!e) break;
        n++;
        if (++this.opsSinceYield >= this.yieldEvery) await this.yieldNow();
        yield new KvEntry(e.userKey, e.value, e.lsn);
      }
    } catch (e) {
      throw await this.blameFence(e);
    } finally {
      it.close();
      src.version.unref();
    }
  }

  /**
   * `scanRaw` in batches of up to `batch` entries: one async step per batch instead of per
   * row, for bulk readers (table scans).
   */
  async *scanRawBatches(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, batch = 256): AsyncGenerator<KvEntry[]> {
    this.assertReadable();
    const src = this.sources();
    src.version.ref();
    const it = new MvccIterator(mergedIterator(src), asOf, { lower, upper }, reverse);
    try {
      let out: KvEntry[] = [];
      for (;;) {
        const p = it.next();
        if (p) await p;
        const e = it.entry();
        if (!e) break;
        out.push(new KvEntry(e.userKey, e.value, e.lsn));
        if (out.length >= batch) {
          this.opsSinceYield += out.length;
          if (this.opsSinceYield >= this.yieldEvery) await this.yieldNow();
          yield out;
          out = [];
        }
      }
      if (out.length) yield out;
    } catch (e) {
      throw await this.blameFence(e);
    } finally {
      it.close();
      src.version.unref();
    }
  }

  /**
   * Versions of the user keys in [lower, upper) with LSN <= `asOf` (already checked by
   * `readPoint`), in key order and, per key, newest first. `all` false: only the newest
   * version per key, tombstones included (value null) — what branch overlays need. `all`
   * true: every version still stored — history queries. Versions below the retention horizon
   * may already be collapsed into the one visible there.
   */
  async *scanVersions(lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean): AsyncGenerator<{ userKey: Uint8Array; value: Uint8Array | null; lsn: number }> {
    for await (const b of this.scanVersionBatches(lower, upper, asOf, all)) yield* b;
  }

  /** `scanVersions` in arrays of up to `batch` versions: one await per batch for bulk readers (branch scans). */
  async *scanVersionBatches(lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean, batch = 256): AsyncGenerator<{ userKey: Uint8Array; value: Uint8Array | null; lsn: number }[]> {
    this.assertReadable();
    const src = this.sources();
    src.version.ref();
    const it = mergedIterator(src);
    try {
      let p = it.seek(lower);
      if (p) await p;
      let last: Uint8Array | null = null;
      let out: { userKey: Uint8Array; value: Uint8Array | null; lsn: number }[] = [];
      while (it.valid()) {
        const k = it.key();
        const ukLen = k.length - TRAILER_SIZE;
        if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
        const lsn = trailerLsn(k);
        if (lsn <= asOf && (all || !last || compareRange(k, 0, ukLen, last, 0, last.length) !== 0)) {
          const uk = k.slice(0, ukLen);
          last = uk;
          out.push({ userKey: uk, value: trailerKind(k) === KIND_PUT ? it.value().slice() : null, lsn });
          if (out.length >= batch) {
            this.opsSinceYield += out.length;
            if (this.opsSinceYield >= this.yieldEvery) await this.yieldNow();
            yield out;
            out = [];
          }
        }
        p = it.next();
        if (p) await p;
      }
      if (out.length) yield out;
    } catch (e) {
      throw await this.blameFence(e);
    } finally {
      it.close();
      src.version.unref();
    }
  }

  /**
   * Applies `edit` to the manifest atomically (a new manifest version): the hook higher layers
   * use for branches, named snapshots and their own bookkeeping in `extra`. Removing pins,
   * snapshots or branches lets compaction collect what only they kept.
   */
  async editManifest(edit: (draft: ManifestState) => void): Promise<void> {
    this.assertOpen();
    await this.versions.update(edit);
    this.scheduler.kick();
  }

  /**
   * A read view pinned at the latest visible LSN: every read through it sees the same
   * snapshot until `release()` (also `await using`), and compaction keeps what it sees.
   */
  readView(): ReadView {
    this.assertReadable();
    return new ReadView(this, this.visible);
  }

  /**
   * Pins `lsn` in the manifest: compaction keeps every version visible at it, and reads as
   * of it stay allowed, until `unpinLsn`. Named snapshots and branch bases use the same
   * mechanism. Throws BEFORE_RETENTION_HORIZON if history at `lsn` may already be gone.
   */
  async pinLsn(lsn: number, reason: string): Promise<void> {
    this.assertOpen();
    const at = this.readPoint(lsn);
    await this.versions.update((d) => {
      d.pins.push({ lsn: at, reason });
    });
  }

  /** Removes one pin of `lsn` (with this reason, if given). */
  async unpinLsn(lsn: number, reason?: string): Promise<void> {
    this.assertOpen();
    await this.versions.update((d) => {
      const i = d.pins.findIndex((p) => p.lsn === lsn && (reason === undefined || p.reason === reason));
      if (i >= 0) d.pins.splice(i, 1);
    });
    this.scheduler.kick();
  }

  /** @internal */
  registerView(lsn: number): void {
    this.views.set(lsn, (this.views.get(lsn) ?? 0) + 1);
  }

  /** @internal */
  releaseView(lsn: number): void {
    const n = (this.views.get(lsn) ?? 0) - 1;
    if (n <= 0) this.views.delete(lsn);
    else this.views.set(lsn, n);
  }

  /**
   * The read points compaction must preserve: everything at or above the retention horizon,
   * plus open read views, named snapshots, branch bases and pinned LSNs.
   */
  retainedPoints(): RetainedPoints {
    const s = this.versions.state;
    const horizon = Math.max(s.gcHorizon, horizonLsn(this.retention, this.visible, this.o.clock.now(), this.samples));
    const points: number[] = [...this.views.keys()];
    for (const snap of s.snapshots) points.push(snap.lsn);
    for (const b of s.branches) points.push(b.baseLsn);
    for (const p of s.pins) points.push(p.lsn);
    return new RetainedPoints(horizon, points);
  }

  /**
   * Validates a read point: defaults to the latest; clamps future LSNs to the latest; fails
   * with BEFORE_RETENTION_HORIZON below the horizon unless it is a retained point.
   */
  readPoint(asOf: number | undefined): number {
    if (asOf === undefined) return this.visible;
    if (!Number.isInteger(asOf) || asOf < 0) throw new DoSQLError('INVALID_ARGUMENT', `engine: asOf must be a non-negative integer LSN, got ${asOf}`);
    if (asOf >= this.visible) return this.visible;
    // Common case first, without building the retained-point list: at or above the horizon.
    const s = this.versions.state;
    if (asOf >= Math.max(s.gcHorizon, horizonLsn(this.retention, this.visible, this.o.clock.now(), this.samples))) return asOf;
    const retained = this.retainedPoints();
    if (!retained.allows(asOf)) {
      throw new DoSQLError('BEFORE_RETENTION_HORIZON', `engine: LSN ${asOf} is older than the retention horizon (LSN ${retained.horizon}); its history may have been garbage-collected`, {
        details: { lsn: asOf, horizon: retained.horizon },
      });
    }
    return asOf;
  }

  private sources(): ReadSources {
    const memtables: Memtable[] = [this.mem.mt];
    for (let i = this.imm.length - 1; i >= 0; i--) memtables.push(this.imm[i]!.mt);
    return { memtables, version: this.versions.current, tables: this.tables };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Current manifest state (read-only view for tools and higher layers). */
  get manifest(): ManifestState {
    return this.versions.state;
  }

  /** @internal the current version, for diagnostics. */
  get currentVersion(): Version {
    return this.versions.current;
  }

  stats(): EngineStats {
    const s = this.versions.state;
    const scores = this.scheduler.scores();
    let sstBytes = 0;
    let lastLevelBytes = 0;
    const cold = { level: s.coldLevel, files: 0, bytes: 0, rows: 0, tables: [] as number[] };
    const levels: LevelStats[] = s.levels.map((runs, level) => {
      let files = 0;
      let bytes = 0;
      let entries = 0;
      for (const run of runs)
        for (const f of run) {
          files++;
          bytes += f.size;
          entries += f.entries;
          if (f.tier === 'cold') {
            cold.files++;
            cold.bytes += f.size;
            cold.rows += f.entries;
            if (f.cold && !cold.tables.includes(f.cold.table)) cold.tables.push(f.cold.table);
          } else sstBytes += f.size;
        }
      if (bytes > 0) lastLevelBytes = bytes;
      return { level, runs: runs.filter((r) => r.length > 0).length, files, bytes, entries, score: scores[level] ?? 0 };
    });
    const bc = this.tables.blockCache;
    const c = this.counters;
    const cs = this.scheduler.stats;
    return {
      epoch: this.versions.epoch,
      lastLsn: this.lastLsn,
      visibleLsn: this.visible,
      flushedLsn: s.flushedLsn,
      manifestVersion: s.version,
      retentionHorizon: this.retainedPoints().horizon,
      memtable: { bytes: this.mem.mt.approximateBytes, entries: this.mem.mt.count },
      immutableMemtables: this.imm.length,
      levels,
      wal: { segment: this.wal.key, bytes: this.wal.size, ...this.walStats },
      userBytesWritten: this.userBytes,
      flush: { ...this.flushStats },
      compaction: { ...cs },
      writeAmplification: this.userBytes === 0 ? 0 : (this.flushStats.bytesWritten + cs.bytesWritten) / this.userBytes,
      spaceAmplification: lastLevelBytes === 0 ? 0 : sstBytes / lastLevelBytes,
      sstBytes,
      cold,
      blockCache: { bytes: bc.usedBytes, capacity: bc.capacityBytes, hits: bc.hits, misses: bc.misses },
      reads: { ...c, readAmplification: c.gets === 0 ? 0 : c.filesSearched / c.gets },
      stallMs: this.stallMs,
      slowdowns: this.slowdowns,
      openReadViews: [...this.views.values()].reduce((a, b) => a + b, 0),
    };
  }

  /**
   * Waits for queued commits, the running flush and the running compaction (which stops at
   * its next slice; its partial output is collected at the next open), syncs the WAL
   * (unless durability is 'off') and releases resources. Unflushed commits stay in the WAL
   * for the next open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const unlock = await this.walLock.lock();
    this.closed = true;
    try {
      if (this.flushing) await this.flushing.catch(() => undefined);
      await this.scheduler.waitIdle().catch(() => undefined);
      if (!this.bgError && this.o.durability !== 'off') await this.wal.sync().catch(() => undefined);
      await this.wal.close();
      await this.executor.close().catch(() => undefined);
    } finally {
      this.wakeRoomWaiters();
      unlock();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'engine: closed');
  }

  /** Reads: `CLOSED` after close, `FENCED` once a newer writer is known (writer-fence.ts). */
  private assertReadable(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'engine: closed');
    this.fence.assertCurrent();
  }

  /** A failure to report as `FENCED` if a newer writer caused it (writer-fence.ts, `blame`). */
  private blameFence(e: unknown): Promise<unknown> {
    return this.fence.blame(e);
  }

  /** Throws the background error, or `FENCED` if a newer writer took over: flush and compact notice it with nothing to write. */
  private async checkStillWriter(): Promise<void> {
    if (this.bgError) throw this.bgError;
    await this.fence.check();
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
