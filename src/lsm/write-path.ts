// The write path: write(batch) -> commit queue -> group commit (one WAL append [+ fsync] for
// every commit queued meanwhile) -> fence check -> memtable (apply-commit.ts) -> visible ->
// commit listeners. A full memtable (memtableBytes, or its share of the WAL budget maxWalBytes)
// is frozen and a new WAL segment started (`switchMemtable`);
// the flush (flush.ts) turns frozen memtables into L0 runs. Writers stall while too many frozen
// memtables wait or L0 holds too many runs, and slow down near that limit (LevelDB's
// MakeRoomForWrite).
//
// Async safety: `write` may be called concurrently; it only queues. One `runCommits` loop at a
// time drains the queue, holding `walLock`; group commits and memtable switches happen only
// under `walLock` (flush() and close() take it too). `mem`, `imm`, `visible` and
// `lastTimestamp` change only there, synchronously after the WAL append, so a reader's
// synchronous snapshot of (memtables, visible) is consistent.
import { DoSQLError } from '../errors.js';
import { Memtable } from '../memtable/memtable.js';
import { TRAILER_SIZE } from '../mvcc/internal-key.js';
import { ByteWriter } from '../util/byte-writer.js';
import { Mutex, deferred, type Deferred } from '../util/async.js';
import { applyCommit } from './apply-commit.js';
import { encodeCommit, type CommitRecord, type WalOp } from './wal-format.js';
import { WalWriter } from './wal-writer.js';
import type { LiveLog } from './wal-index.js';
import { WriteBatch } from './write-batch.js';
import type { CommitInfo } from './engine-types.js';
import type { EngineContext } from './engine-context.js';

/** A memtable and the WAL bookkeeping of the commits it holds. */
export interface MemState {
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

/**
 * Called with each group of commits once they are visible (in LSN order), before their writers
 * are told: the seam change data capture publishes its feed from. Must not throw or block.
 */
export type CommitListener = (records: readonly CommitRecord[]) => void;

interface PendingCommit {
  batch: WriteBatch;
  txnId: number;
  timestamp?: number;
  done: Deferred<CommitInfo>;
}

export class WritePath {
  /** The active memtable. */
  mem: MemState;
  /** Frozen memtables waiting for flush, oldest first. */
  readonly imm: MemState[] = [];
  wal!: WalWriter;
  private walSegment = 0;
  /** LSN of the last commit appended to the WAL (visible or not yet). */
  lastLsn: number;
  /** LSN of the newest visible commit. */
  visible: number;
  lastTimestamp: number;
  private nextTxnId = 1;
  private readonly queue: PendingCommit[] = [];
  private committing = false;
  /** Serialises group commits, memtable switches, flush() and close(). */
  readonly walLock = new Mutex();
  private readonly walBuf = new ByteWriter(1 << 16);
  private readonly trailer = new Uint8Array(TRAILER_SIZE);
  /** Writers waiting for a flush or compaction to make room. */
  private roomWaiters: (() => void)[] = [];
  private readonly listeners: CommitListener[] = [];
  readonly stats = { groups: 0, commits: 0, bytesWritten: 0, syncs: 0 };
  /** Key and value bytes of committed writes. */
  userBytes = 0;
  stallMs = 0;
  slowdowns = 0;
  /** The executor was asked to prepare for flushes (once, see memtableFull). */
  private executorReady = false;

  constructor(
    private readonly ctx: EngineContext,
    /** A memtable was frozen: flush it. */
    private readonly scheduleFlush: () => void,
    mem: MemState,
    recovered: { lastLsn: number; lastTimestamp: number },
    /** The index of live WAL segments (their LSN ranges and lengths), for the log reader. */
    readonly live: LiveLog,
  ) {
    this.mem = mem;
    this.lastLsn = recovered.lastLsn;
    this.visible = recovered.lastLsn;
    this.lastTimestamp = recovered.lastTimestamp;
  }

  /** Starts WAL segment `segment` of this epoch (at open). */
  async start(segment: number): Promise<void> {
    this.walSegment = segment;
    this.wal = await WalWriter.create(this.ctx.o.store, this.ctx.versions.epoch, segment);
    this.live.start(this.wal.key, this.wal.size);
  }

  /** See `LsmEngine.write`. */
  write(batch: WriteBatch, options: { timestamp?: number } = {}): Promise<CommitInfo> {
    const status = this.ctx.status;
    if (status.closed) return Promise.reject(new DoSQLError('CLOSED', 'engine: closed'));
    if (status.error) return Promise.reject(status.error);
    if (batch.size === 0) return Promise.resolve({ lsn: this.visible, timestamp: this.lastTimestamp });
    const done = deferred<CommitInfo>();
    const pending: PendingCommit = { batch, txnId: this.nextTxnId++, done };
    if (options.timestamp !== undefined) pending.timestamp = options.timestamp;
    this.queue.push(pending);
    if (!this.committing) void this.runCommits();
    return done.promise;
  }

  /**
   * Writes `ops` of one branch as one commit at `timestamp` (the transaction commit path).
   * `distinct`: the caller guarantees no two ops share a user key (WriteBatch.ofDistinct).
   */
  writeOps(branch: number, ops: readonly WalOp[], timestamp: number, distinct = false): CommitInfo | Promise<CommitInfo> {
    let batch: WriteBatch;
    if (distinct) batch = WriteBatch.ofDistinct(branch, ops);
    else {
      batch = new WriteBatch(branch);
      for (const op of ops) batch.addRaw(op);
    }
    return this.writeNow(batch, timestamp);
  }

  /**
   * write() of one batch at `timestamp`, done before returning when nothing stands in the way
   * (the autocommit statement's commit): no other commit queued or running, room in the
   * memtable, durability 'normal' or 'off', and a store that appends and answers the fence
   * check synchronously (local files, memory). Then it is the same group commit of one —
   * encode, one append, the fence check, memtable, visible, listeners — without the queue,
   * its promise and the loop's awaits: SQLite's autocommit in WAL mode is one write(2) too.
   * Otherwise (or when the fence check finds a newer writer) the promise of write().
   */
  writeNow(batch: WriteBatch, timestamp: number): CommitInfo | Promise<CommitInfo> {
    if (this.committing || this.queue.length > 0 || batch.size === 0 || this.ctx.o.durability === 'full' || !this.wal.canAppendNow || !this.ctx.versions.canCheckFenceNow) {
      return this.write(batch, { timestamp });
    }
    const status = this.ctx.status;
    if (status.closed || status.error || !this.hasRoom()) return this.write(batch, { timestamp });
    const unlock = this.walLock.tryLock();
    if (!unlock) return this.write(batch, { timestamp });
    let settling = false;
    try {
      const w = this.walBuf;
      w.reset();
      const start = this.wal.size;
      const ts = Math.max(timestamp, this.lastTimestamp);
      const rec: CommitRecord = { lsn: this.lastLsn + 1, timestamp: ts, txnId: this.nextTxnId++, ops: batch.ops };
      encodeCommit(w, rec);
      this.lastLsn = rec.lsn;
      this.lastTimestamp = ts;
      let fenced: boolean;
      try {
        // Acknowledged only after the append (in the OS: survives a process crash) and the fence check, as commitGroup.
        this.wal.appendNow(w.view());
        fenced = this.ctx.versions.isFencedSync()!;
      } catch (e) {
        throw status.fail(e);
      }
      if (fenced) {
        settling = true;
        return this.ctx.fence.settle([rec], this.wal.key, [start], [start + w.pos]).then(
          (settled) => {
            unlock();
            const r = settled[0]!;
            if ('ok' in r) return r.ok;
            throw r.err;
          },
          (e: unknown) => {
            unlock();
            throw e;
          },
        );
      }
      this.madeDurable([rec], batch.byteSize, w.pos);
      const info: CommitInfo = { lsn: rec.lsn, timestamp: ts };
      // As runCommits: a caller committing in a loop still lets I/O and timers run now and then.
      const b = this.ctx.budget;
      if (b.spend(1, b.every / 16)) return b.yieldNow().then(() => info);
      return info;
    } finally {
      if (!settling) unlock();
    }
  }

  /**
   * A read-only engine adopts what its follower read (src/lsm/follower.ts): a new active
   * memtable when the writer's manifest moved (null: keep the current one), the commits to
   * apply to it, and the newer commits (`records`), which become visible and go to the commit
   * listeners. Synchronous,
   * so a reader sees (memtable, visible LSN) of one step.
   */
  adopt(mt: Memtable | null, apply: readonly CommitRecord[], records: readonly CommitRecord[], lastLsn: number, lastTimestamp: number): void {
    if (mt) {
      this.mem = { mt, firstSegment: 1, minLsn: 0, maxLsn: 0, maxTs: 0, hasSealed: false };
      this.imm.length = 0;
    }
    const mem = this.mem;
    for (const r of apply) {
      applyCommit(mem.mt, r, this.trailer);
      if (mem.minLsn === 0) mem.minLsn = r.lsn;
      mem.maxLsn = Math.max(mem.maxLsn, r.lsn);
      mem.maxTs = Math.max(mem.maxTs, r.timestamp);
      this.ctx.pins.sample(r.lsn, r.timestamp);
    }
    this.lastLsn = Math.max(this.lastLsn, lastLsn);
    this.visible = Math.max(this.visible, lastLsn);
    this.lastTimestamp = Math.max(this.lastTimestamp, lastTimestamp);
    if (records.length > 0) this.publish(records);
  }

  /** Adds a commit listener; returns the function that removes it. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private async runCommits(): Promise<void> {
    this.committing = true;
    const unlock = this.walLock.tryLock() ?? (await this.walLock.lock());
    try {
      while (this.queue.length > 0) {
        const bg = this.ctx.status.error;
        if (bg) {
          for (const p of this.queue.splice(0)) p.done.reject(bg);
          break;
        }
        // Checked first without an await: there is room nearly always.
        if (!this.hasRoom()) {
          try {
            await this.makeRoomForWrite();
          } catch (e) {
            this.ctx.status.fail(e);
            continue;
          }
        }
        await this.commitGroup();
        const b = this.ctx.budget;
        if (b.spend(1, b.every / 16)) await b.yieldNow();
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
    while (this.queue.length > 0 && (group.length === 0 || bytes + this.queue[0]!.batch.byteSize <= this.ctx.o.maxGroupBytes)) {
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
      ts = Math.max(p.timestamp ?? this.ctx.o.clock.now(), ts);
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
      if (this.ctx.o.durability === 'full') {
        await this.wal.sync();
        this.stats.syncs++;
      }
      fenced = await this.ctx.versions.isFenced();
    } catch (e) {
      const err = this.ctx.status.fail(e);
      for (const p of group) p.done.reject(err);
      return;
    }
    if (fenced) {
      const starts = ends.map((_, i) => (i === 0 ? segmentStart : ends[i - 1]!));
      const settled = await this.ctx.fence.settle(records, this.wal.key, starts, ends);
      settled.forEach((r, i) => ('ok' in r ? group[i]!.done.resolve(r.ok) : group[i]!.done.reject(r.err)));
      return;
    }
    this.madeDurable(records, bytes, w.pos);
    for (let i = 0; i < group.length; i++) group[i]!.done.resolve({ lsn: records[i]!.lsn, timestamp: records[i]!.timestamp });
  }

  /**
   * A group's records are in the WAL and we still hold our epoch: into the memtable, visible,
   * to the listeners (`bytes`: their batches' key and value bytes; `encoded`: bytes appended).
   */
  private madeDurable(records: readonly CommitRecord[], bytes: number, encoded: number): void {
    const last = records[records.length - 1]!;
    this.stats.groups++;
    this.stats.commits += records.length;
    this.stats.bytesWritten += encoded;
    this.userBytes += bytes;
    const mem = this.mem;
    for (const rec of records) applyCommit(mem.mt, rec, this.trailer);
    if (mem.minLsn === 0) mem.minLsn = records[0]!.lsn;
    mem.maxLsn = last.lsn;
    mem.maxTs = last.timestamp;
    this.live.appended(records[0]!.lsn, last.lsn, this.wal.size);
    this.visible = last.lsn;
    this.ctx.pins.sample(last.lsn, last.timestamp);
    this.publish(records);
  }

  /** Hands visible commits to the listeners (also an ingest's commit: ingest.ts). */
  publish(records: readonly CommitRecord[]): void {
    for (const l of this.listeners) {
      try {
        l(records);
      } catch {
        // A listener's failure must not fail commits that are already durable and visible.
      }
    }
  }

  /**
   * REQUIRES: walLock held. Freezes a full memtable and starts a new WAL segment; stalls
   * while too many frozen memtables wait for flush or L0 has too many runs; slows down
   * (1 ms per group) while L0 is near that limit.
   */
  async makeRoomForWrite(force = false): Promise<void> {
    let slowed = false;
    const co = this.ctx.compaction;
    for (;;) {
      this.ctx.status.throwIfFailed();
      const l0 = this.ctx.versions.state.levels[0]?.length ?? 0;
      if (!force && l0 >= co.l0StopTrigger && co.background) {
        await this.waitForRoom();
        continue;
      }
      if (!force && !slowed && l0 >= co.l0SlowdownTrigger && co.background) {
        slowed = true;
        this.slowdowns++;
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, 1));
        this.stallMs += Date.now() - t0;
        continue;
      }
      if (this.mem.mt.count === 0) return;
      if (!force && !this.memtableFull()) return;
      if (this.imm.length >= this.ctx.o.maxImmutableMemtables) {
        await this.waitForRoom();
        continue;
      }
      await this.switchMemtable();
      if (force) return;
    }
  }

  /** True when makeRoomForWrite would return at once: L0 below its slowdown and stop triggers, room in the active memtable. */
  private hasRoom(): boolean {
    const co = this.ctx.compaction;
    const l0 = this.ctx.versions.state.levels[0]?.length ?? 0;
    if (co.background && (l0 >= co.l0SlowdownTrigger || l0 >= co.l0StopTrigger)) return false;
    return this.mem.mt.count === 0 || !this.memtableFull();
  }

  /**
   * The active memtable holds its share: memtableBytes, or its part of the WAL budget
   * (maxWalBytes shared evenly by the active and the frozen memtables it may wait behind).
   * Past a quarter of it, the executor is told to get ready for the first flush (a worker
   * thread's start then overlaps with writes instead of delaying that flush).
   */
  private memtableFull(): boolean {
    const o = this.ctx.o;
    const bytes = this.mem.mt.approximateBytes;
    const walShare = o.maxWalBytes / (o.maxImmutableMemtables + 1);
    const wal = this.wal.size;
    if (!this.executorReady && (bytes >= o.memtableBytes / 4 || wal >= walShare / 4)) {
      this.executorReady = true;
      try {
        this.ctx.executor.prepare?.(this.ctx.jobs);
      } catch {
        // Only a head start: the first flush sets the executor up (and reports a failure) anyway.
      }
    }
    return bytes >= o.memtableBytes || wal >= walShare;
  }

  private async waitForRoom(): Promise<void> {
    const t0 = Date.now();
    await new Promise<void>((r) => this.roomWaiters.push(r));
    this.stallMs += Date.now() - t0;
  }

  /** A flush or compaction finished (or the engine closes): stalled writers look again. */
  wakeRoomWaiters(): void {
    const ws = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of ws) w();
  }

  private async switchMemtable(): Promise<void> {
    const old = this.wal;
    if (this.ctx.o.durability !== 'off') {
      await old.sync();
      this.stats.syncs++;
    }
    const segment = this.walSegment + 1;
    const next = await WalWriter.create(this.ctx.o.store, this.ctx.versions.epoch, segment);
    this.walSegment = segment;
    this.wal = next;
    this.live.closeActive(old.size);
    this.live.start(next.key, next.size);
    await old.close();
    this.mem.mt.freeze();
    this.imm.push(this.mem);
    this.mem = { mt: this.newMemtable(this.mem.mt.id + 1), firstSegment: segment, minLsn: 0, maxLsn: 0, maxTs: 0, hasSealed: false };
    this.scheduleFlush();
  }

  private newMemtable(id: number): Memtable {
    // Entries average ~150 bytes in practice; size the hash table for what the memtable holds
    // before it is frozen: memtableBytes, or its share of the WAL budget when that is smaller
    // (memtableFull). A table sized for memtableBytes alone was 4 MiB of slots for ~80k entries
    // under the default WAL budget, a cache miss per add (it still doubles if entries are smaller).
    const o = this.ctx.o;
    const holds = Math.min(o.memtableBytes, o.maxWalBytes / (o.maxImmutableMemtables + 1));
    return new Memtable(id, {
      suffixLength: TRAILER_SIZE,
      expectedEntries: Math.min(1 << 22, Math.ceil(holds / 150)),
      shared: this.ctx.executor.wantsSharedMemtables,
    });
  }

  /** The memtables a reader merges: active first, then frozen ones newest first. */
  memtables(): readonly Memtable[] {
    // The last answer while the memtables are the same (checked, not tracked: flush.ts also
    // shifts `imm`): a point read then allocates no array. Answers are never changed once given.
    const c = this.lastMemtables;
    const imm = this.imm;
    if (c.length === imm.length + 1 && c[0] === this.mem.mt) {
      let same = true;
      for (let i = 0; i < imm.length; i++) {
        if (c[imm.length - i] !== imm[i]!.mt) {
          same = false;
          break;
        }
      }
      if (same) return c;
    }
    const out: Memtable[] = [this.mem.mt];
    for (let i = imm.length - 1; i >= 0; i--) out.push(imm[i]!.mt);
    this.lastMemtables = out;
    return out;
  }

  private lastMemtables: readonly Memtable[] = [];
}
