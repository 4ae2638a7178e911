// Commit records in LSN order for one subscription: from the engine's commit feed when it
// holds the next one (the head, in memory, published by the commit path), else from the WAL
// (retained, archived and live segments, src/lsm/wal-reader.ts), and at the head it waits on
// the feed, which the commit path wakes — nothing polls storage. Holds a log pin at the next
// LSN it needs, so retention keeps that history while the subscription is open, and at most
// `batchSize` records read ahead.
//
// Async safety: one caller at a time (the subscription's pump).
import type { LsmEngine } from '../lsm/engine.js';
import type { LogPin } from '../lsm/log-service.js';
import type { CommitRecord } from '../lsm/wal-format.js';
import type { LogReader } from '../lsm/wal-reader.js';

export class LogSource {
  private batch: CommitRecord[] = [];
  private next0 = 0;
  private reader: LogReader | undefined;
  private readonly pin: LogPin;
  private readonly detach: () => void;
  private closed = false;
  /** Records handed out, and read from storage or the feed (statistics, tests). */
  readonly counters = { records: 0, fromFeed: 0, fromLog: 0, logBytes: 0 };

  constructor(
    private readonly engine: LsmEngine,
    /** LSN of the last commit already consumed. */
    private pos: number,
    private readonly batchSize: number,
  ) {
    // Pin first: a check of the oldest retained LSN made after this stays true.
    this.pin = engine.log.pin(pos + 1);
    this.detach = engine.log.feed.attach();
  }

  /** LSN of the last record handed out. */
  get position(): number {
    return this.pos;
  }

  /** The next record (waiting for a commit at the head); CLOSED when the engine or this source closes. */
  async next(signal?: AbortSignal): Promise<CommitRecord> {
    for (;;) {
      if (this.next0 < this.batch.length) {
        const r = this.batch[this.next0]!;
        this.batch[this.next0++] = undefined as unknown as CommitRecord;
        this.pos = r.lsn;
        this.pin.move(r.lsn + 1);
        this.counters.records++;
        return r;
      }
      this.batch = [];
      this.next0 = 0;
      const feed = this.engine.log.feed;
      const held = feed.read(this.pos, this.batchSize);
      if (held && held.length > 0) {
        this.batch = held;
        this.counters.fromFeed += held.length;
        continue;
      }
      if (held === null || this.pos < this.engine.lastVisibleLsn) {
        const recs = await this.readLog();
        if (recs.length > 0) {
          this.batch = recs;
          this.counters.fromLog += recs.length;
          continue;
        }
      }
      await feed.waitForCommit(this.pos, signal);
    }
  }

  private async readLog(): Promise<CommitRecord[]> {
    if (!this.reader) this.reader = this.engine.log.openReader(this.pos);
    else this.reader.seek(this.pos);
    const before = this.reader.bytesRead;
    const recs = await this.reader.next(this.batchSize);
    this.counters.logBytes += this.reader.bytesRead - before;
    return recs;
  }

  /** Records read ahead and not handed out yet. */
  get readAhead(): number {
    return this.batch.length - this.next0;
  }

  /** Releases the pin and the feed (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batch = [];
    this.pin.release();
    this.detach();
  }
}
