// The storage engine: an MVCC log-structured merge tree over an ObjectStore.
//
// Write path: write(batch) -> commit queue -> group commit (one WAL append [+ fsync] for
// every commit queued meanwhile) -> fence check -> memtable -> visible. A full memtable is
// frozen, a new WAL segment started, and the frozen memtable flushed to an L0 run in the
// background. Read path: memtables, then the runs of the current manifest version.
//
// Async safety: all public methods may be called concurrently. Group commits and memtable
// switches are serialised by `walLock`; flushes by the flush loop; manifest updates by the
// version set. Readers take a consistent snapshot of (memtables, version) synchronously.
import { DoSQLError, asIoError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { Memtable } from '../memtable/memtable.js';
import { VersionSet, type Version } from '../manifest/version-set.js';
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import { BlockCache } from '../sstable/block-cache.js';
import { TableCache } from '../sstable/table-cache.js';
import { ensureCodec, type CompressionName } from '../sstable/compression.js';
import { encodeTablePrefix, encodeUserKey, KIND_PUT, MAIN_BRANCH, TRAILER_SIZE, decodeUserKey } from '../mvcc/internal-key.js';
import { writeKeyValue, type KeyTuple, type KeyValue } from '../mvcc/key-codec.js';
import { MvccIterator } from '../mvcc/mvcc-iterator.js';
import { RunBuilder } from '../compaction/run-builder.js';
import { ByteWriter } from '../util/byte-writer.js';
import { Mutex, yieldToEventLoop, deferred, type Deferred } from '../util/async.js';
import { systemClock, type Clock } from '../util/clock.js';
import { encodeCommit, walSegmentKey, type CommitRecord } from './wal-format.js';
import { WalWriter } from './wal-writer.js';
import { applyCommit, recoverWal } from './recovery.js';
import { getVersion, mergedIterator, type GetCounters, type ReadSources } from './read-path.js';
import type { WriteBatch } from './write-batch.js';

/**
 * When a write is acknowledged (SQLite's `synchronous` levels):
 * - `full`: after its WAL record is fsynced (survives power loss);
 * - `normal`: after its WAL record is written to the OS; fsync at segment boundaries
 *   (survives a process crash, not a power loss);
 * - `off`: no fsync at all (tests and throwaway data).
 */
export type Durability = 'full' | 'normal' | 'off';

export interface EngineOptions {
  /** The hot tier: WAL, SSTables and manifest live here. The engine does not close it. */
  store: ObjectStore;
  /** Default 'full'. */
  durability?: Durability;
  /** Bytes a memtable holds before it is frozen and flushed. Default 64 MiB. */
  memtableBytes?: number;
  /** Frozen memtables allowed to wait for flush before writes stall. Default 2. */
  maxImmutableMemtables?: number;
  /** Decoded-block cache capacity, bytes. Default 256 MiB. */
  blockCacheBytes?: number;
  /** SSTables kept open. Default 1000. */
  maxOpenTables?: number;
  /** Uncompressed data block size, bytes. Default 4096. */
  blockSize?: number;
  /** Default 'lz4'. */
  compression?: CompressionName;
  /** Bloom filter bits per key. Default 10. */
  bloomBitsPerKey?: number;
  /** SSTables are cut near this size, bytes. Default 32 MiB. */
  targetFileBytes?: number;
  /** Most bytes one group commit appends. Default 8 MiB. */
  maxGroupBytes?: number;
  /** Wall clock for commit timestamps. Default: Date.now. */
  clock?: Clock;
}

/** What a commit returns: its LSN and its wall-clock timestamp (ms since the epoch). */
export interface CommitInfo {
  lsn: number;
  timestamp: number;
}

export interface ReadOptions {
  /** Read as of this LSN (default: the latest visible commit). */
  asOf?: number;
  /** Branch id (default: main, 0). */
  branch?: number;
}

/**
 * A key range within one table. Bounds compare encoded tuples (SQLite's order,
 * element by element, a shorter tuple before its extensions). `prefix` selects every key
 * whose leading elements equal it.
 */
export interface KeyRange {
  gte?: KeyTuple;
  gt?: KeyTuple;
  lte?: KeyTuple;
  lt?: KeyTuple;
  prefix?: KeyTuple;
}

export interface ScanOptions extends ReadOptions {
  limit?: number;
  reverse?: boolean;
}

/** One row version returned by `scan`. */
export class KvEntry {
  constructor(
    /** Encoded user key (branch, table, primary key). */
    readonly rawKey: Uint8Array,
    /** The value: a view of an immutable buffer, safe to keep. */
    readonly value: Uint8Array,
    /** LSN of the version. */
    readonly lsn: number,
  ) {}
  /** The primary-key tuple (decoded on access). */
  get key(): KeyValue[] {
    return decodeUserKey(this.rawKey).key;
  }
}

export interface LevelStats {
  level: number;
  runs: number;
  files: number;
  bytes: number;
  entries: number;
}

export interface EngineStats {
  epoch: number;
  lastLsn: number;
  visibleLsn: number;
  flushedLsn: number;
  manifestVersion: number;
  memtable: { bytes: number; entries: number };
  immutableMemtables: number;
  levels: LevelStats[];
  wal: { segment: string; bytes: number; groups: number; commits: number; bytesWritten: number; syncs: number };
  flush: { count: number; bytesWritten: number };
  blockCache: { bytes: number; capacity: number; hits: number; misses: number };
  reads: { gets: number; filesSearched: number; bloomSkips: number; readAmplification: number };
  stallMs: number;
  openReadViews: number;
}

interface MemState {
  mt: Memtable;
  /** First WAL segment (of this epoch) holding its commits. */
  firstSegment: number;
  minLsn: number;
  maxLsn: number;
  /** Holds commits replayed from sealed segments of earlier epochs. */
  hasSealed: boolean;
}

interface PendingCommit {
  batch: WriteBatch;
  txnId: number;
  timestamp?: number;
  done: Deferred<CommitInfo>;
}

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

/** Rows a flush adds between yields to the event loop. */
const FLUSH_YIELD_EVERY = 8192;

export class LsmEngine {
  private readonly o: Required<Omit<EngineOptions, 'clock'>> & { clock: Clock };
  private readonly tables: TableCache;
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
  private flushWaiters: (() => void)[] = [];
  private bgError: DoSQLError | null = null;
  private closed = false;
  private readonly views = new Map<number, number>();
  private readonly counters: GetCounters = { gets: 0, filesSearched: 0, bloomSkips: 0 };
  private readonly walStats = { groups: 0, commits: 0, bytesWritten: 0, syncs: 0 };
  private readonly flushStats = { count: 0, bytesWritten: 0 };
  private stallMs = 0;

  private constructor(
    options: EngineOptions,
    private readonly versions: VersionSet,
    mem: MemState,
    recovered: { lastLsn: number; lastTimestamp: number; nextFileNumber: number },
  ) {
    this.o = { ...DEFAULTS, ...definedOnly(options), clock: options.clock ?? systemClock } as LsmEngine['o'];
    this.tables = new TableCache(options.store, new BlockCache(this.o.blockCacheBytes), this.o.maxOpenTables);
    this.mem = mem;
    this.lastLsn = recovered.lastLsn;
    this.visible = recovered.lastLsn;
    this.lastTimestamp = recovered.lastTimestamp;
    this.nextFileNumber = recovered.nextFileNumber;
  }

  /**
   * Opens (or creates) the database in `options.store`: claims a writer epoch (fencing any
   * other writer), replays the WAL, writes the epoch's first manifest and starts a new WAL
   * segment. Throws `CORRUPTION` for a damaged manifest or WAL record, `IO_ERROR` for store
   * failures.
   */
  static async open(options: EngineOptions): Promise<LsmEngine> {
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
    const versions = await VersionSet.open(store);
    const state = versions.state;
    const rec = await recoverWal(store, state, 1);
    const maxFileInStore = await maxSstNumber(store);
    const mem: MemState = { mt: rec.memtable, firstSegment: 1, minLsn: rec.minLsn, maxLsn: rec.maxLsn, hasSealed: rec.commits > 0 };
    const engine = new LsmEngine(options, versions, mem, {
      lastLsn: rec.lastLsn,
      lastTimestamp: rec.lastTimestamp,
      nextFileNumber: Math.max(state.nextFileNumber, maxFileInStore + 1),
    });
    // The first manifest of this epoch: seals what we replayed, so a fenced writer's
    // later appends are never replayed.
    await versions.update((d) => {
      d.walSeals = rec.commits > 0 ? rec.seals : [];
      d.logNumber = 1;
      d.lastLsn = rec.lastLsn;
      d.lastTimestamp = rec.lastTimestamp;
      d.nextFileNumber = engine.nextFileNumber;
      if (rec.commits === 0) d.flushedLsn = Math.max(d.flushedLsn, rec.lastLsn);
    });
    engine.walSegment = 1;
    engine.wal = await WalWriter.create(store, versions.epoch, 1);
    for (const key of rec.obsolete) await store.delete(key).catch(() => undefined);
    if (rec.commits === 0) for (const s of rec.seals) await store.delete(s.key).catch(() => undefined);
    return engine;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Commits `batch` atomically and returns its LSN and timestamp once durable per the
   * durability level. Throws `FENCED` if another writer took over, `IO_ERROR` if the WAL
   * could not be written (the engine then refuses writes until reopened; the commit may or
   * may not be in the WAL), `CLOSED` after close.
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
    let lsn = this.lastLsn;
    for (const p of group) {
      const ts = Math.max(p.timestamp ?? this.o.clock.now(), this.lastTimestamp);
      this.lastTimestamp = ts;
      const rec: CommitRecord = { lsn: ++lsn, timestamp: ts, txnId: p.txnId, ops: p.batch.ops };
      records.push(rec);
      encodeCommit(w, rec);
    }
    this.lastLsn = lsn;
    try {
      await this.wal.append(w.view());
      if (this.o.durability === 'full') {
        await this.wal.sync();
        this.walStats.syncs++;
      }
      // Fenced after our append? Then the new writer may or may not have replayed it: fail.
      await this.versions.checkFence();
    } catch (e) {
      const err = this.fail(e);
      for (const p of group) p.done.reject(err);
      return;
    }
    this.walStats.groups++;
    this.walStats.commits += group.length;
    this.walStats.bytesWritten += w.pos;
    const mem = this.mem;
    for (const rec of records) applyCommit(mem.mt, rec, this.trailer);
    if (mem.minLsn === 0) mem.minLsn = records[0]!.lsn;
    mem.maxLsn = lsn;
    this.visible = lsn;
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
   * while too many frozen memtables wait for flush.
   */
  private async makeRoomForWrite(force = false): Promise<void> {
    for (;;) {
      if (this.mem.mt.count === 0) return;
      if (!force && this.mem.mt.approximateBytes < this.o.memtableBytes) return;
      if (this.imm.length >= this.o.maxImmutableMemtables) {
        const t0 = Date.now();
        await new Promise<void>((r) => this.flushWaiters.push(r));
        this.stallMs += Date.now() - t0;
        if (this.bgError) throw this.bgError;
        continue;
      }
      await this.switchMemtable();
      if (force) return;
    }
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
    this.mem = { mt: new Memtable(this.mem.mt.id + 1, { suffixLength: TRAILER_SIZE }), firstSegment: segment, minLsn: 0, maxLsn: 0, hasSealed: false };
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------- flush

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      this.wakeFlushWaiters();
    });
  }

  private wakeFlushWaiters(): void {
    const ws = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of ws) w();
  }

  private async flushLoop(): Promise<void> {
    while (this.imm.length > 0 && !this.bgError) {
      const m = this.imm[0]!;
      try {
        await this.flushOne(m);
      } catch (e) {
        this.fail(e);
        return;
      }
      this.imm.shift();
      this.wakeFlushWaiters();
    }
  }

  /** Writes one frozen memtable as an L0 run, then records it in the manifest. */
  private async flushOne(m: MemState): Promise<void> {
    const builder = new RunBuilder({
      store: this.o.store,
      targetFileBytes: this.o.targetFileBytes,
      sstable: { blockSize: this.o.blockSize, compression: this.o.compression, bitsPerKey: this.o.bloomBitsPerKey },
      newFileNumber: () => this.nextFileNumber++,
    });
    const it = m.mt.iterator();
    it.seekToFirst();
    let n = 0;
    while (it.valid()) {
      builder.add(it.key(), it.value());
      it.next();
      if (++n % FLUSH_YIELD_EVERY === 0) await yieldToEventLoop();
    }
    const files = await builder.finish();
    const nextFirst = this.imm[1]?.firstSegment ?? this.mem.firstSegment;
    const oldLog = this.versions.state.logNumber;
    const seals = this.versions.state.walSeals;
    await this.versions.update((d) => {
      if (files.length > 0) d.levels[0]!.unshift(files);
      d.flushedLsn = Math.max(d.flushedLsn, m.maxLsn);
      d.lastLsn = Math.max(d.lastLsn, this.visible);
      d.lastTimestamp = Math.max(d.lastTimestamp, this.lastTimestamp);
      d.logNumber = nextFirst;
      d.nextFileNumber = this.nextFileNumber;
      if (m.hasSealed) d.walSeals = [];
    });
    this.flushStats.count++;
    this.flushStats.bytesWritten += builder.bytesWritten;
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

  // ---------------------------------------------------------------- reads

  /** LSN of the newest visible commit: the default read point. */
  get lastVisibleLsn(): number {
    return this.visible;
  }

  /** Epoch of this writer. */
  get epoch(): number {
    return this.versions.epoch;
  }

  /** The value of (table, key) as of `asOf` (default: latest), or undefined. */
  async get(table: number, key: KeyTuple, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
    this.assertOpen();
    const uk = encodeUserKey(options.branch ?? MAIN_BRANCH, table, key);
    const found = await this.getRaw(uk, this.readPoint(options.asOf));
    return found && found.kind === KIND_PUT ? found.value : undefined;
  }

  /**
   * The visible version of an encoded user key at `asOf`, with its kind and LSN; the
   * building block for the SQL layer's reads. May return synchronously.
   */
  getRaw(uk: Uint8Array, asOf: number): ReturnType<typeof getVersion> {
    const src = this.sources();
    const v = src.version;
    v.ref();
    let res: ReturnType<typeof getVersion>;
    try {
      res = getVersion(src, uk, asOf, this.counters);
    } catch (e) {
      v.unref();
      throw e;
    }
    if (res instanceof Promise) return res.finally(() => v.unref());
    v.unref();
    return res;
  }

  /** Rows of `table` in `range`, as of `asOf`, in key order (or reverse). */
  async *scan(table: number, range: KeyRange = {}, options: ScanOptions = {}): AsyncGenerator<KvEntry> {
    this.assertOpen();
    const branch = options.branch ?? MAIN_BRANCH;
    const bounds = encodeRange(branch, table, range);
    yield* this.scanRaw(bounds.lower, bounds.upper, this.readPoint(options.asOf), options.reverse ?? false, options.limit ?? Infinity);
  }

  /** Scan over encoded user-key bounds [lower, upper). */
  async *scanRaw(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, limit = Infinity): AsyncGenerator<KvEntry> {
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
        yield new KvEntry(e.userKey, e.value, e.lsn);
      }
    } finally {
      it.close();
      src.version.unref();
    }
  }

  /**
   * A read view pinned at the latest visible LSN: every read through it sees the same
   * snapshot until `release()` (also `await using`).
   */
  readView(): ReadView {
    this.assertOpen();
    return new ReadView(this, this.visible);
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

  /** LSNs of open read views (retained read points for garbage collection). */
  openViewLsns(): number[] {
    return [...this.views.keys()];
  }

  private readPoint(asOf: number | undefined): number {
    if (asOf === undefined) return this.visible;
    if (!Number.isInteger(asOf) || asOf < 0) throw new DoSQLError('INVALID_ARGUMENT', `engine: asOf must be a non-negative integer LSN, got ${asOf}`);
    return Math.min(asOf, this.visible);
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

  /** @internal the current version, for compaction and diagnostics. */
  get currentVersion(): Version {
    return this.versions.current;
  }

  stats(): EngineStats {
    const s = this.versions.state;
    const levels: LevelStats[] = s.levels.map((runs, level) => {
      let files = 0;
      let bytes = 0;
      let entries = 0;
      for (const run of runs) for (const f of run as FileMeta[]) {
        files++;
        bytes += f.size;
        entries += f.entries;
      }
      return { level, runs: runs.filter((r) => r.length > 0).length, files, bytes, entries };
    });
    const bc = this.tables.blockCache;
    const c = this.counters;
    return {
      epoch: this.versions.epoch,
      lastLsn: this.lastLsn,
      visibleLsn: this.visible,
      flushedLsn: s.flushedLsn,
      manifestVersion: s.version,
      memtable: { bytes: this.mem.mt.approximateBytes, entries: this.mem.mt.count },
      immutableMemtables: this.imm.length,
      levels,
      wal: { segment: this.wal.key, bytes: this.wal.size, ...this.walStats },
      flush: { ...this.flushStats },
      blockCache: { bytes: bc.usedBytes, capacity: bc.capacityBytes, hits: bc.hits, misses: bc.misses },
      reads: { ...c, readAmplification: c.gets === 0 ? 0 : c.filesSearched / c.gets },
      stallMs: this.stallMs,
      openReadViews: [...this.views.values()].reduce((a, b) => a + b, 0),
    };
  }

  /**
   * Waits for queued commits and the running flush, syncs the WAL (unless durability is
   * 'off') and releases resources. Unflushed commits stay in the WAL for the next open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const unlock = await this.walLock.lock();
    this.closed = true;
    try {
      if (this.flushing) await this.flushing.catch(() => undefined);
      if (!this.bgError && this.o.durability !== 'off') await this.wal.sync().catch(() => undefined);
      await this.wal.close();
    } finally {
      unlock();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'engine: closed');
  }
}

/** A consistent snapshot for many reads: see `LsmEngine.readView`. */
export class ReadView {
  private released = false;
  constructor(
    private readonly engine: LsmEngine,
    /** The LSN every read of this view sees. */
    readonly lsn: number,
  ) {
    engine.registerView(lsn);
  }

  get(table: number, key: KeyTuple, options: { branch?: number } = {}): Promise<Uint8Array | undefined> {
    this.check();
    return this.engine.get(table, key, { ...options, asOf: this.lsn });
  }

  scan(table: number, range: KeyRange = {}, options: Omit<ScanOptions, 'asOf'> = {}): AsyncGenerator<KvEntry> {
    this.check();
    return this.engine.scan(table, range, { ...options, asOf: this.lsn });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.engine.releaseView(this.lsn);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  private check(): void {
    if (this.released) throw new DoSQLError('INVALID_ARGUMENT', 'engine: read view already released');
  }
}

/** Encodes a KeyRange of one table into user-key bounds [lower, upper). */
export function encodeRange(branch: number, table: number, r: KeyRange): { lower: Uint8Array; upper: Uint8Array } {
  const prefix = encodeTablePrefix(branch, table);
  let lower = prefix;
  let upper = concat(prefix, [0xff]);
  const tighter = (candidate: Uint8Array, isLower: boolean): void => {
    if (isLower) {
      if (compare(candidate, lower) > 0) lower = candidate;
    } else if (compare(candidate, upper) < 0) upper = candidate;
  };
  if (r.prefix) {
    const w = new ByteWriter(64);
    w.bytes(prefix);
    for (const v of r.prefix) writeKeyValue(w, v);
    const p = w.toBytes();
    tighter(p, true);
    tighter(concat(p, [0xff]), false);
  }
  // User keys are prefix-free, so uk + 0xFF lies above uk and below every greater user key
  // (and above every internal key of uk except those with trailer bytes 0xFF..., which the
  // iterator's user-key comparison excludes).
  if (r.gte) tighter(encodeUserKey(branch, table, r.gte), true);
  if (r.gt) tighter(concat(encodeUserKey(branch, table, r.gt), [0xff]), true);
  if (r.lt) tighter(encodeUserKey(branch, table, r.lt), false);
  if (r.lte) tighter(concat(encodeUserKey(branch, table, r.lte), [0xff]), false);
  return { lower, upper };
}

function concat(a: Uint8Array, tail: number[]): Uint8Array {
  const out = new Uint8Array(a.length + tail.length);
  out.set(a);
  out.set(tail, a.length);
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

async function maxSstNumber(store: ObjectStore): Promise<number> {
  let max = 0;
  try {
    for (const o of await store.list('sst/')) {
      const m = /^sst\/(\d+)\.sst$/.exec(o.key);
      if (m) max = Math.max(max, Number(m[1]));
    }
  } catch (e) {
    throw asIoError('engine', 'list', 'sst/', e);
  }
  return max;
}
