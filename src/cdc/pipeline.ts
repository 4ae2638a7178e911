// One running subscription: LogSource -> prepareCommit/commitEvents (lazy per commit) ->
// filter -> bounded buffer (maxBufferSize events) -> take(). The pump runs only while the
// buffer has room: a consumer that stops taking stops the pump (inside a commit if need be:
// its state is the commit's event generator), so reading from the log stops; the next take()
// resumes it where it stopped. Nothing is dropped, and memory stays bounded by the buffer, the
// source's read-ahead (batchSize records) and the record being decoded, however far the
// writer runs ahead (docs/cdc.md, "Backpressure").
//
// Async safety: one pump at a time (`filling`); take() may be called while it runs.
import type { LsmEngine } from '../lsm/engine.js';
import type { CommitRecord } from '../lsm/wal-format.js';
import { deferred, type Deferred } from '../util/async.js';
import { commitEvents, prepareCommit, recordBranch, type DecodeContext, type DecodedEvent } from './commit-decoder.js';
import { asCDCError, lsnNotFound } from './errors.js';
import { toWALEntry } from './event-forms.js';
import type { CompiledFilter } from './filter.js';
import { LogSource } from './log-source.js';
import { comparePositions, formatPosition, type Pos } from './position.js';
import { SchemaTimeline } from './schema-timeline.js';

export interface PipelineOptions {
  readonly branch: number;
  /** Start after this position (a whole commit when seq is null). */
  readonly start: Pos;
  readonly filter: CompiledFilter;
  readonly maxBufferSize: number;
  readonly batchSize: number;
  /** End the iteration after the commit at this LSN (inclusive). */
  readonly until?: number;
  /** Called each time the pump stops because the buffer is full. */
  readonly onFull?: () => void;
  /** Counters shared by the CDC instance. */
  readonly counters: DecodeContext['counters'];
  branchName(id: number): string;
}

export class Pipeline {
  private queue: DecodedEvent[] = [];
  private qHead = 0;
  private gen: Generator<DecodedEvent> | null = null;
  private pendingBegin: DecodedEvent | null = null;
  private began = false;
  /** An event that passed the filter but did not fit behind its commit's BEGIN yet (the decoder's, not the buffer's). */
  private stash: DecodedEvent | null = null;
  private filling: Promise<void> | null = null;
  private failure: unknown = null;
  private waiter: Deferred<void> | null = null;
  private closedFlag = false;
  private readonly abort = new AbortController();
  private readonly ctx: DecodeContext;
  /** Position of the last event taken by the consumer (start until then). */
  private delivered: Pos;
  /** LSN of the last commit the pump finished (all its events pushed or filtered out). */
  private lastDone: number;
  /** Past `until`: nothing more will come. */
  private ended = false;
  /** Events taken, and the commit time (ms) of the last one. */
  readonly status = { entriesProcessed: 0, lastEntryAt: undefined as number | undefined };

  private constructor(
    private readonly engine: LsmEngine,
    private readonly o: PipelineOptions,
    private readonly source: LogSource,
    timeline: SchemaTimeline,
  ) {
    this.delivered = o.start;
    this.lastDone = source.position;
    this.ctx = { engine, timeline, branchName: (id) => o.branchName(id), counters: o.counters };
  }

  /**
   * Opens a pipeline after `o.start`: CDC_LSN_NOT_FOUND (with the oldest retained LSN) when the
   * log no longer holds the commits after it, or when it is past the head.
   */
  static async open(engine: LsmEngine, o: PipelineOptions): Promise<Pipeline> {
    // Re-read the commit of a position inside a commit (its earlier events are skipped).
    const after = o.start.seq === null ? o.start.lsn : o.start.lsn - 1;
    const source = new LogSource(engine, after, o.batchSize);
    try {
      const oldest = engine.log.oldestLsn();
      const head = engine.lastVisibleLsn;
      if (after < oldest || after > head) throw lsnNotFound(after, oldest, head);
      return new Pipeline(engine, o, source, await SchemaTimeline.load(engine, o.branch, after));
    } catch (e) {
      source.close();
      throw asCDCError(e, formatPosition(o.start));
    }
  }

  /** Events waiting in the buffer. */
  get buffered(): number {
    return this.queue.length - this.qHead;
  }

  /** Commit records fetched from the feed or the log so far. */
  get recordsRead(): number {
    return this.source.counters.fromFeed + this.source.counters.fromLog;
  }

  get sourceCounters(): LogSource['counters'] {
    return this.source.counters;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Position of the last event taken. */
  get position(): Pos {
    return this.delivered;
  }

  /**
   * The furthest position whose events were all taken: past the last event taken, and past
   * whole commits the filter left empty when nothing is pending (a slot on a quiet table still
   * advances).
   */
  safePosition(): Pos {
    if (this.buffered === 0 && this.stash === null && this.gen === null) {
      const whole: Pos = { lsn: this.lastDone, seq: null };
      if (comparePositions(whole, this.delivered) > 0) return whole;
    }
    return this.delivered;
  }

  /** The next buffered event without waiting, or undefined when none is buffered (then call take()). */
  takeNow(): DecodedEvent | undefined {
    if (this.closedFlag || this.qHead >= this.queue.length) return undefined;
    const e = this.queue[this.qHead]!;
    this.queue[this.qHead++] = undefined as unknown as DecodedEvent;
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
    this.delivered = e.op === 'COMMIT' ? { lsn: e.lsn, seq: null } : { lsn: e.lsn, seq: e.seq };
    this.status.entriesProcessed++;
    this.status.lastEntryAt = e.timestamp;
    this.kick();
    return e;
  }

  /** The next event, or null once closed. Throws the pump's failure after the events before it. */
  async take(): Promise<DecodedEvent | null> {
    for (;;) {
      if (this.closedFlag) return null;
      const e = this.takeNow();
      if (e) return e;
      if (this.failure !== null) throw asCDCError(this.failure, formatPosition(this.delivered));
      if (this.ended && this.stash === null) return null;
      this.waiter ??= deferred<void>();
      const w = this.waiter.promise;
      this.kick();
      await w;
    }
  }

  /**
   * Starts the pump unless it runs, or the buffer is more than half full (refilling in
   * batches rather than one event at a time; an empty buffer always starts it). `topUp`:
   * whenever there is room (read ahead to a full buffer).
   */
  kick(topUp = false): void {
    if (this.filling || this.closedFlag || this.failure !== null || (this.ended && this.stash === null)) return;
    const n = this.queue.length - this.qHead;
    if (n >= this.o.maxBufferSize || (!topUp && n > 0 && n > this.o.maxBufferSize / 2)) return;
    this.filling = this.fill()
      .catch((e: unknown) => {
        if (!this.closedFlag) this.failure = e;
      })
      .finally(() => {
        this.filling = null;
        this.wake();
      });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
  }

  private push(e: DecodedEvent): void {
    this.queue.push(e);
    this.wake();
  }

  private async fill(): Promise<void> {
    const max = this.o.maxBufferSize;
    const f = this.o.filter;
    while (!this.closedFlag) {
      const room = max - (this.queue.length - this.qHead);
      if (room <= 0) {
        this.o.onFull?.();
        return;
      }
      let e = this.stash;
      this.stash = null;
      if (!e) {
        if (!this.gen) {
          if (this.o.until !== undefined && this.lastDone >= this.o.until) {
            this.ended = true;
            return;
          }
          const rec = await this.source.next(this.abort.signal);
          if (this.closedFlag) return;
          if (!this.onLineage(rec)) {
            this.lastDone = rec.lsn;
            continue;
          }
          const p = await prepareCommit(rec, this.ctx);
          this.gen = commitEvents(p, this.ctx);
          this.pendingBegin = null;
          // Resuming inside a commit: its BEGIN was delivered before.
          this.began = this.o.start.seq !== null && rec.lsn === this.o.start.lsn;
          continue;
        }
        const r = this.gen.next();
        if (r.done) {
          this.gen = null;
          this.lastDone = this.source.position;
          continue;
        }
        e = r.value;
        if (comparePositions({ lsn: e.lsn, seq: e.seq }, this.o.start) <= 0) continue;
        if (e.op === 'BEGIN') {
          this.pendingBegin = e;
          continue;
        }
        if (e.op === 'COMMIT') {
          if (this.began && f.control) this.push(e);
          continue;
        }
        let entry: ReturnType<typeof toWALEntry> | undefined;
        const ev = e;
        if (!f.passes(ev, () => (entry ??= toWALEntry(ev)))) continue;
      }
      // The commit's first passing event brings its BEGIN first.
      if (!this.began) {
        this.began = true;
        if (f.control && this.pendingBegin !== null) {
          this.push(this.pendingBegin);
          if (room < 2) {
            this.stash = e;
            return;
          }
        }
      }
      this.push(e);
    }
  }

  /** A commit of this subscription's branch, or of an ancestor at or before the branch's base there. */
  private onLineage(rec: CommitRecord): boolean {
    const b = recordBranch(rec);
    if (b === this.o.branch) return true;
    for (const l of this.engine.ancestorLayers(this.o.branch)) if (l.branch === b) return rec.lsn <= l.lsn;
    return false;
  }

  /** Stops the pump, releases the log pin; a pending take() returns null. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.abort.abort();
    this.source.close();
    this.queue = [];
    this.qHead = 0;
    this.stash = null;
    this.wake();
  }
}
