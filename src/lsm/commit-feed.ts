// The commit feed: the head of the log in memory, published by the write path (its commit
// listener) right after each group of commits becomes visible. Change data capture reads the
// commits it has not seen from here and waits here for the next one, so a subscriber at the
// head is woken by the commit path itself and never polls storage. The feed holds exactly the
// records just appended to the WAL (the same objects), up to a byte budget, and only while a
// reader is attached; a reader that falls behind the oldest one it holds reads the WAL.
//
// Async safety: `publish` runs synchronously inside the write path; readers call `read`
// synchronously and await `waitForCommit`. Waking is one shared deferred replaced per publish.
import { DoSQLError } from '../errors.js';
import { deferred, type Deferred } from '../util/async.js';
import type { CommitRecord } from './wal-format.js';

/**
 * Heap bytes a record is charged in the feed: its keys, values and before images plus what V8
 * spends per object (an op object and a typed array per key, value and image, ~100 bytes
 * each, measured with --expose-gc).
 */
function recordBytes(r: CommitRecord): number {
  let n = 128;
  for (const op of r.ops) n += 120 + op.userKey.length + 100 + (op.value ? op.value.length + 100 : 0) + (op.before ? op.before.length + 100 : 0);
  return n;
}

export class CommitFeed {
  private ring: CommitRecord[] = [];
  /** Index of the oldest live record in `ring` (records before it were evicted). */
  private head = 0;
  private ringBytes = 0;
  private attached = 0;
  private waiter: Deferred<void> | null = null;
  private closedError: DoSQLError | null = null;
  /** LSN of the newest commit published (or visible when the feed started). */
  private newest: number;

  constructor(
    visible: number,
    /** Budget of the records held, bytes (EngineOptions.commitFeedBytes). */
    private readonly budget: number,
  ) {
    this.newest = visible;
  }

  /** The write path's commit listener: `records` are visible, in LSN order. */
  publish(records: readonly CommitRecord[]): void {
    if (records.length === 0) return;
    // A read-only engine's catch-up may skip commits the writer flushed meanwhile (they are in
    // SSTables, not in the WAL it replayed). The ring indexes by consecutive LSNs, so it
    // restarts after the gap: a reader before it gets null from read() and takes the gap from
    // the log (retained or archived segments), or CDC_LSN_NOT_FOUND; never the next records.
    if (records[0]!.lsn > this.newest + 1) this.clear();
    if (this.attached > 0) {
      for (const r of records) {
        const b = recordBytes(r);
        if (b > this.budget) {
          // Too big to hold: the feed restarts after it (readers fetch it from the WAL).
          this.clear();
          continue;
        }
        this.ring.push(r);
        this.ringBytes += b;
        while (this.ringBytes > this.budget) this.evictOne();
      }
      if (this.head > 1024 && this.head * 2 > this.ring.length) {
        this.ring = this.ring.slice(this.head);
        this.head = 0;
      }
    }
    this.newest = records[records.length - 1]!.lsn;
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
  }

  private evictOne(): void {
    const r = this.ring[this.head]!;
    this.ring[this.head] = undefined as unknown as CommitRecord;
    this.head++;
    this.ringBytes -= recordBytes(r);
  }

  private clear(): void {
    this.ring = [];
    this.head = 0;
    this.ringBytes = 0;
  }

  /** A reader starts relying on the feed: it holds records from now on. Returns the detach function. */
  attach(): () => void {
    this.attached++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.attached === 0) this.clear();
    };
  }

  /** LSN of the newest commit published. */
  get newestLsn(): number {
    return this.newest;
  }

  /** LSN of the oldest record held (newest + 1 when none). */
  get oldestLsn(): number {
    return this.head < this.ring.length ? this.ring[this.head]!.lsn : this.newest + 1;
  }

  /** Bytes of the records held. */
  get bytes(): number {
    return this.ringBytes;
  }

  /**
   * Up to `max` records with LSN > `after`, oldest first: [] when `after` is the newest, null
   * when the feed no longer (or never did) hold `after + 1` — read the WAL instead.
   */
  read(after: number, max: number): CommitRecord[] | null {
    if (after >= this.newest) return [];
    const first = this.oldestLsn;
    if (after + 1 < first || this.head >= this.ring.length) return null;
    // LSNs in the ring are consecutive: index by offset.
    const start = this.head + (after + 1 - first);
    return this.ring.slice(start, Math.min(this.ring.length, start + max));
  }

  /**
   * Resolves once a commit with LSN > `after` is visible (at once if one is). Rejects with
   * CLOSED when the engine closes, or with `signal`'s reason.
   */
  async waitForCommit(after: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.closedError) throw this.closedError;
      if (this.newest > after) return;
      signal?.throwIfAborted();
      this.waiter ??= deferred<void>();
      const w = this.waiter.promise;
      if (!signal) await w;
      else {
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          void w.then(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
    }
  }

  /** The engine closed: waiters fail with CLOSED. */
  close(): void {
    this.closedError = new DoSQLError('CLOSED', 'engine: closed');
    this.clear();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
  }
}
