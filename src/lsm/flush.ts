// Flush: each frozen memtable becomes an L0 run (written by the background executor), then
// one manifest edit records the run, moves `flushedLsn` and `logNumber` past it and drops the
// WAL seals it replaced; the WAL segments it wholly covered are deleted after that edit
// (docs/format/wal.md, "Recovery").
//
// Async safety: one flush loop at a time (`schedule` starts it if none runs), oldest frozen
// memtable first; `flushAll` takes the write path's `walLock` only to freeze the active
// memtable, then waits for the loop.
import type { EngineContext } from './engine-context.js';
import { walSegmentKey } from './wal-format.js';
import type { MemState, WritePath } from './write-path.js';

/** What the engine does around a flush. */
export interface FlushHooks {
  nextFileNumber(): number;
  /** After each flush's manifest edit, before its WAL segments are deleted. */
  flushed(): void;
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
    const { versions, o } = this.ctx;
    const w = this.writes;
    const t0 = Date.now();
    this.ctx.emit({ type: 'flush-start', memtableBytes: m.mt.approximateBytes });
    const { files, bytesWritten } = await this.ctx.executor.flush(m.mt, this.ctx.jobs);
    const nextFirst = w.imm[1]?.firstSegment ?? w.mem.firstSegment;
    const oldLog = versions.state.logNumber;
    const seals = versions.state.walSeals;
    const timeIndex = this.ctx.pins.timeIndexUpTo(m.maxLsn);
    await versions.update((d) => {
      if (files.length > 0) d.levels[0]!.unshift(files);
      d.flushedLsn = Math.max(d.flushedLsn, m.maxLsn);
      d.lastLsn = Math.max(d.lastLsn, w.visible);
      d.lastTimestamp = Math.max(d.lastTimestamp, w.lastTimestamp);
      d.logNumber = nextFirst;
      d.nextFileNumber = Math.max(d.nextFileNumber, this.hooks.nextFileNumber());
      d.timeIndex = timeIndex;
      if (m.hasSealed) d.walSeals = [];
    });
    this.stats.count++;
    this.stats.bytesWritten += bytesWritten;
    this.ctx.emit({ type: 'flush-end', files: files.length, bytes: bytesWritten, ms: Date.now() - t0 });
    this.hooks.flushed();
    // WAL segments wholly flushed are garbage now.
    for (let s = oldLog; s < nextFirst; s++) await o.store.delete(walSegmentKey(versions.epoch, s)).catch(() => undefined);
    if (m.hasSealed) for (const s of seals) await o.store.delete(s.key).catch(() => undefined);
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
