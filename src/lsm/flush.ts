// Flush: each frozen memtable becomes an L0 run (written by the background executor), then
// one manifest edit records the run, moves `flushedLsn` and `logNumber` past it and drops the
// WAL seals it replaced. The WAL segments it wholly covered are no longer needed for recovery:
// the same edit retires them into `walHistory` when change data capture still needs them (a
// replication slot, an open reader, the archive window: log-service.ts), and the rest are
// deleted after that edit (docs/format/wal.md, "Recovery" and "Retained segments").
//
// Async safety: one flush loop at a time (`schedule` starts it if none runs), oldest frozen
// memtable first; `flushAll` takes the write path's `walLock` only to freeze the active
// memtable, then waits for the loop.
import type { ManifestState } from '../manifest/manifest-format.js';
import type { EngineContext } from './engine-context.js';
import type { Deletion } from './log-service.js';
import { walSegmentKey } from './wal-format.js';
import type { MemState, WritePath } from './write-path.js';

/** What the engine does around a flush. */
export interface FlushHooks {
  nextFileNumber(): number;
  /** After each flush's manifest edit, before its WAL segments are deleted. */
  flushed(): void;
  /**
   * Inside the flush's manifest edit: the WAL segments `keys` are no longer needed for
   * recovery. Returns the objects to delete once the edit is durable (LogService.retireAtFlush).
   */
  retireLog(draft: ManifestState, keys: ReadonlySet<string>): Deletion[];
  /** After the edit: the segments left the live log; delete `deletions`. */
  logRetired(keys: ReadonlySet<string>, deletions: readonly Deletion[]): Promise<void>;
  /** After a frozen memtable left the read sources: compactions may be due. */
  retired(): void;
}

export class Flusher {
  private flushing: Promise<void> | null = null;
  readonly stats = { count: 0, bytesWritten: 0 };

  constructor(
    private readonly ctx: EngineContext,
    private readonly writes: WritePath,
    private readonly hooks: FlushHooks,
  ) {}

  /** Starts the flush loop unless it runs. */
  schedule(): void {
    if (this.flushing) return;
    this.flushing = this.loop().finally(() => {
      this.flushing = null;
      this.writes.wakeRoomWaiters();
    });
  }

  /** The running flush loop, if any (close waits for it). */
  get running(): Promise<void> | null {
    return this.flushing;
  }

  private async loop(): Promise<void> {
    const imm = this.writes.imm;
    while (imm.length > 0 && !this.ctx.status.error) {
      const m = imm[0]!;
      try {
        await this.flushOne(m);
      } catch (e) {
        this.ctx.status.fail(await this.ctx.fence.blame(e));
        return;
      }
      imm.shift();
      this.writes.wakeRoomWaiters();
      this.hooks.retired();
    }
  }

  /** Writes one frozen memtable as an L0 run, then records it in the manifest. */
  private async flushOne(m: MemState): Promise<void> {
    const { versions } = this.ctx;
    const w = this.writes;
    const t0 = Date.now();
    this.ctx.emit({ type: 'flush-start', memtableBytes: m.mt.approximateBytes });
    const { files, bytesWritten } = await this.ctx.executor.flush(m.mt, this.ctx.jobs);
    const nextFirst = w.imm[1]?.firstSegment ?? w.mem.firstSegment;
    const oldLog = versions.state.logNumber;
    const seals = versions.state.walSeals;
    const timeIndex = this.ctx.pins.timeIndexUpTo(m.maxLsn);
    const retired = new Set<string>();
    if (m.hasSealed) for (const s of seals) retired.add(s.key);
    for (let s = oldLog; s < nextFirst; s++) retired.add(walSegmentKey(versions.epoch, s));
    let deletions: Deletion[] = [];
    await versions.update((d) => {
      if (files.length > 0) d.levels[0]!.unshift(files);
      d.flushedLsn = Math.max(d.flushedLsn, m.maxLsn);
      d.lastLsn = Math.max(d.lastLsn, w.visible);
      d.lastTimestamp = Math.max(d.lastTimestamp, w.lastTimestamp);
      d.logNumber = nextFirst;
      d.nextFileNumber = Math.max(d.nextFileNumber, this.hooks.nextFileNumber());
      d.timeIndex = timeIndex;
      if (m.hasSealed) d.walSeals = [];
      deletions = this.hooks.retireLog(d, retired);
    });
    this.stats.count++;
    this.stats.bytesWritten += bytesWritten;
    this.ctx.emit({ type: 'flush-end', files: files.length, bytes: bytesWritten, ms: Date.now() - t0 });
    this.hooks.flushed();
    await this.hooks.logRetired(retired, deletions);
  }

  /**
   * REQUIRES: the caller checked the engine is open and still the writer. Freezes the active
   * memtable (if it holds anything) and waits until every frozen memtable is flushed.
   */
  async flushAll(): Promise<void> {
    const w = this.writes;
    const status = this.ctx.status;
    const unlock = await w.walLock.lock();
    try {
      status.throwIfFailed();
      await w.makeRoomForWrite(true);
    } finally {
      unlock();
    }
    while (w.imm.length > 0) {
      status.throwIfFailed();
      if (!this.flushing) this.schedule();
      await this.flushing;
    }
    status.throwIfFailed();
  }
}
