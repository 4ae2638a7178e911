// The lakehouse streamer (seed 002 `createLakehouseStreamer`; docs/lake.md, "Streamer"): reads a
// database's changes from a replication slot, cuts them into `CDCBatch`es (at `maxBatchSize`
// events, `maxBatchBytes`, `maxBatchAge`, or as soon as nothing more is readable — the head),
// sends them to a lake and waits for each acknowledgement, retrying with exponential backoff.
// The slot is advanced only when the lake reports that the events are in Iceberg snapshots
// (`committed`), so a crash of either side loses nothing: after `hello` the lake says where it
// stands (`resumeAfter`) and the streamer reads again from there; the lake trims what it holds.
//
// Async safety: one session runs at a time; its loop awaits each batch's answer (a lake in
// process acknowledges once the batch is durable). `stop()` and `abort()` may be called at any
// time; slot updates are serialised.
import { DoSQLError } from '../errors.js';
import { createCDC, type CDC, type CDCSource } from './cdc.js';
import { LAKE_PROTOCOL_VERSION, lakeEventPosition, toLakeEvent, type BackpressureSignal, type CDCBatch, type LakeAck, type LakeCommitted, type LakeEndpoint, type LakeEvent, type LakeNack } from './lake-protocol.js';
import { comparePositions, parsePosition } from './position.js';
import { backoffDelay, resolveRetry, type RetryOptions } from './retry.js';
import type { CDCEvent } from './types.js';
import type { CDCSubscription } from './subscription.js';
import { webSocketLake, WebSocketLakeEndpoint, type LakeSocket } from './lake-transport-ws.js';

/** Seed 002 `LakehouseStreamConfig`, with dosql's additions (docs/lake.md). */
export interface LakehouseStreamConfig {
  /** The source's id in the lake (`_dosql_source`): 1-128 characters of [A-Za-z0-9_.:-]. */
  sourceDoId: string;
  /** The lake, in process. */
  lake?: LakeEndpoint;
  /**
   * A lake over the network: its WebSocket ingest URL (`wss://host/lake/ingest`); the streamer
   * connects with `WebSocket` (default the global one), `?source=<sourceDoId>` appended and
   * `token` as the `bearer.<token>` subprotocol. Ignored when `lake` is given.
   */
  lakehouseUrl?: string;
  /** Bearer token for `lakehouseUrl`. */
  token?: string;
  /** WebSocket constructor for `lakehouseUrl` (Node < 22, tests). */
  WebSocket?: new (url: string, protocols?: string[]) => LakeSocket;
  /** A call to a lake over the network unanswered this long fails and is retried. Default 30000 ms. */
  ackTimeoutMs?: number;
  sourceShardName?: string;
  /** Replication slot the streamer reads from and advances. Default 'dosql-lake'. */
  slot?: string;
  /** Events per batch. Default 1000. */
  maxBatchSize?: number;
  /** Wire bytes per batch. Default 900 KiB (a Workers WebSocket message is at most 1 MiB). */
  maxBatchBytes?: number;
  /** A batch is sent once its first event is this old, ms. Default 5000. */
  maxBatchAge?: number;
  retry?: RetryOptions;
  /** Ping a lake over the network when idle this long, ms; silence for twice it reconnects. Default 30000 (in-process lakes need none). */
  heartbeatInterval?: number;
  /** Refuse to skip events the lake lacks (LAKE_POSITION_GAP). Default true. */
  exactlyOnce?: boolean;
  /** Only these tables. */
  tables?: readonly string[];
  /** How long a pull may take before the source counts as at its head, ms. Default 2. */
  headWaitMs?: number;
  /** Events the subscription reads ahead. Default 1000. */
  maxBufferSize?: number;
  /** Injected waits and randomness (tests). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface LakehouseStreamerOptions {
  /** The source: a Database from DB(), or a CDC handle on one. */
  cdc: CDCSource;
  config: LakehouseStreamConfig;
  onBatchSent?: (batch: CDCBatch) => void;
  onAck?: (ack: LakeAck) => void;
  onNack?: (nack: LakeNack) => void;
  onBackpressure?: (signal: BackpressureSignal) => void;
  onCommitted?: (c: LakeCommitted) => void;
  onError?: (error: DoSQLError) => void;
}

export type LakehouseStreamerState = 'idle' | 'connecting' | 'streaming' | 'slowed' | 'paused' | 'stopped' | 'error';

export interface LakehouseStreamerStatus {
  state: LakehouseStreamerState;
  /** Last LSN the lake acknowledged as durable. */
  lastAckLSN: bigint;
  /** Seed 001's name for lastAckLSN. */
  lastProcessedLSN: bigint;
  /** Every event up to this LSN is in the lake's Iceberg snapshots (the slot follows it). */
  lastCommittedLSN: bigint;
  pendingBatches: number;
  /** Events read but not yet acknowledged. */
  pendingCount: number;
  totalEntriesSent: number;
  totalBatchesSent: number;
  retries: number;
  backpressure: BackpressureSignal | null;
  lastError?: string;
}

export interface LakehouseCheckpoint {
  committedLSN: bigint;
  ackedLSN: bigint;
  position: string;
  sequenceNumber: number;
  pendingBatchIds: string[];
}

export interface LakehouseStreamer {
  /** Connects and streams; resolves once streaming (seed 000 `await start()`). */
  start(): Promise<void>;
  /** Sends what is batched, stops, waits for the loop to end. */
  stop(): Promise<void>;
  /** Stops at once, as a killed process would: nothing more is sent or acknowledged. */
  abort(): void;
  getStatus(): LakehouseStreamerStatus;
  /** null before the lake's first welcome. */
  getCheckpoint(): LakehouseCheckpoint | null;
  onBackpressure(listener: (s: BackpressureSignal) => void): () => void;
  /** Resolves once every event up to `lsn` is committed in the lake (rejects if the streamer fails). */
  waitCommitted(lsn: bigint | number): Promise<void>;
  /** Resolves when the loop has ended (stopped, aborted or failed). */
  readonly done: Promise<void>;
}

class Fatal extends Error {
  constructor(readonly error: DoSQLError) {
    super(error.message);
  }
}

const STOP = Symbol('stop');
const IDLE = Symbol('idle');

/**
 * A streamer (see the header). Call forms: `({ cdc, config, onAck, ... })` (seed 000) or
 * `(reader, backend, config)` (seed 002; `backend` is ignored: `config.lake` is the lake).
 * INVALID_ARGUMENT for a config without `lake` or `sourceDoId`.
 */
export function createLakehouseStreamer(a: LakehouseStreamerOptions | CDCSource, _backend?: unknown, config?: LakehouseStreamConfig): LakehouseStreamer {
  const o: LakehouseStreamerOptions = config !== undefined ? { cdc: a as CDCSource, config } : (a as LakehouseStreamerOptions);
  if (typeof o?.config !== 'object' || o.config === null) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: createLakehouseStreamer() needs { cdc, config }');
  if (!o.config.lake && typeof o.config.lakehouseUrl !== 'string') throw new DoSQLError('INVALID_ARGUMENT', 'cdc: createLakehouseStreamer() needs config.lake (a lake in process) or config.lakehouseUrl (a lake over WebSocket)');
  if (typeof o.config.sourceDoId !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(o.config.sourceDoId)) throw new DoSQLError('INVALID_ARGUMENT', `cdc: sourceDoId must be 1-128 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(o.config.sourceDoId)}`);
  return new Streamer(o);
}

class Streamer implements LakehouseStreamer {
  private readonly c: Required<Pick<LakehouseStreamConfig, 'slot' | 'maxBatchSize' | 'maxBatchBytes' | 'maxBatchAge' | 'exactlyOnce' | 'headWaitMs' | 'maxBufferSize'>>;
  private readonly lake: LakeEndpoint;
  private readonly cdc: CDC;
  private readonly retry;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private state: LakehouseStreamerState = 'idle';
  private stopped = false;
  private aborted = false;
  /** Waiters woken by stop() / by the session's connection loss (see interruptible). */
  private readonly stopListeners = new Set<(v: typeof STOP | DoSQLError) => void>();
  private readonly lostListeners = new Set<(v: typeof STOP | DoSQLError) => void>();
  private lostError: DoSQLError | null = null;
  private sessionNo = 0;
  private loop: Promise<void> | null = null;
  private started: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  private status = { lastAckLSN: 0, lastCommittedLSN: 0, pending: 0, pendingCount: 0, entries: 0, batches: 0, retries: 0 };
  private bp: BackpressureSignal | null = null;
  private bpWake: (() => void) | null = null;
  private readonly bpListeners = new Set<(s: BackpressureSignal) => void>();
  private lastError: string | undefined;
  private welcomed = false;
  private streamed = false;
  private position = '0';
  private sequence = 0;
  private pendingId: string | null = null;
  private slotChain: Promise<void> = Promise.resolve();
  private readonly committedWaiters: { lsn: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private ended!: () => void;
  readonly done: Promise<void>;

  constructor(private readonly o: LakehouseStreamerOptions) {
    const c = o.config;
    this.c = { slot: c.slot ?? 'dosql-lake', maxBatchSize: c.maxBatchSize ?? 1000, maxBatchBytes: Math.min(c.maxBatchBytes ?? 900 * 1024, 64 * 1024 * 1024), maxBatchAge: c.maxBatchAge ?? 5000, exactlyOnce: c.exactlyOnce ?? true, headWaitMs: c.headWaitMs ?? 2, maxBufferSize: c.maxBufferSize ?? 1000 };
    this.lake = c.lake ?? wsLake(c);
    this.cdc = createCDC(o.cdc);
    this.retry = resolveRetry(c.retry);
    this.sleep = c.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = c.now ?? (() => Date.now());
    this.random = c.random ?? Math.random;
    this.done = new Promise((r) => (this.ended = r));
  }

  start(): Promise<void> {
    if (this.loop) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => (this.started = { resolve, reject }));
    this.loop = this.run().finally(() => {
      this.ended();
      this.started?.reject(new DoSQLError('CLOSED', `cdc: lakehouse streamer of ${this.o.config.sourceDoId} stopped before streaming`));
    });
    return p;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of [...this.stopListeners]) l(STOP);
    this.bpWake?.();
    await this.loop;
    if (this.state !== 'error') this.state = 'stopped';
    if (!this.o.config.lake && this.lake instanceof WebSocketLakeEndpoint) this.lake.close();
  }

  abort(): void {
    this.aborted = true;
    void this.stop();
  }

  getStatus(): LakehouseStreamerStatus {
    const s = this.status;
    return {
      state: this.state,
      lastAckLSN: BigInt(s.lastAckLSN),
      lastProcessedLSN: BigInt(s.lastAckLSN),
      lastCommittedLSN: BigInt(s.lastCommittedLSN),
      pendingBatches: s.pending,
      pendingCount: s.pendingCount,
      totalEntriesSent: s.entries,
      totalBatchesSent: s.batches,
      retries: s.retries,
      backpressure: this.bp,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  getCheckpoint(): LakehouseCheckpoint | null {
    if (!this.welcomed) return null;
    return { committedLSN: BigInt(this.status.lastCommittedLSN), ackedLSN: BigInt(this.status.lastAckLSN), position: this.position, sequenceNumber: this.sequence, pendingBatchIds: this.pendingId ? [this.pendingId] : [] };
  }

  onBackpressure(listener: (s: BackpressureSignal) => void): () => void {
    this.bpListeners.add(listener);
    return () => this.bpListeners.delete(listener);
  }

  waitCommitted(lsn: bigint | number): Promise<void> {
    const n = Number(lsn);
    if (this.status.lastCommittedLSN >= n) return Promise.resolve();
    if (this.state === 'error' || this.stopped) return Promise.reject(new DoSQLError('CLOSED', `cdc: lakehouse streamer of ${this.o.config.sourceDoId} is not running`));
    return new Promise((resolve, reject) => this.committedWaiters.push({ lsn: n, resolve, reject }));
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.streamed = false;
        await this.session();
        break;
      } catch (e) {
        if (this.stopped) break;
        // A session that reached streaming was a success: a later loss starts the count again.
        if (this.streamed) failures = 0;
        const err = e instanceof Fatal ? e.error : e instanceof DoSQLError ? e : new DoSQLError('IO_ERROR', `cdc: lakehouse streamer of ${this.o.config.sourceDoId}: ${String(e)}`, { cause: e });
        this.lastError = err.message;
        failures++;
        if (e instanceof Fatal || failures >= this.retry.maxAttempts) {
          this.fail(err);
          return;
        }
        this.status.retries++;
        this.state = 'connecting';
        await this.interruptible([this.sleep(backoffDelay(this.retry, failures, this.random))]);
      }
    }
    for (const w of this.committedWaiters.splice(0)) w.reject(new DoSQLError('CLOSED', `cdc: lakehouse streamer of ${this.o.config.sourceDoId} stopped`));
  }

  private fail(err: DoSQLError): void {
    this.state = 'error';
    this.started?.reject(err);
    this.started = null;
    for (const w of this.committedWaiters.splice(0)) w.reject(err);
    this.o.onError?.(err);
  }

  private signal(s: BackpressureSignal | undefined): void {
    if (!s || (this.bp && this.bp.type === s.type && this.bp.at === s.at)) return;
    const changed = (this.bp?.type ?? 'resume') !== s.type;
    this.bp = s;
    if (this.state === 'streaming' || this.state === 'slowed' || this.state === 'paused') this.state = s.type === 'pause' ? 'paused' : s.type === 'slow_down' ? 'slowed' : 'streaming';
    if (changed) {
      this.o.onBackpressure?.(s);
      for (const l of this.bpListeners) l(s);
    }
    if (s.type !== 'pause') this.bpWake?.();
  }

  private committed(c: LakeCommitted): void {
    if (this.aborted || c.lsn <= this.status.lastCommittedLSN) return;
    this.status.lastCommittedLSN = c.lsn;
    this.o.onCommitted?.(c);
    // The slot follows what the lake committed, and only that (docs/lake.md, "Exactly once").
    this.slotChain = this.slotChain.then(() => (this.aborted ? undefined : this.cdc.slots.updateSlot(this.c.slot, BigInt(c.lsn)).catch(() => undefined)));
    for (let i = this.committedWaiters.length - 1; i >= 0; i--) {
      const w = this.committedWaiters[i]!;
      if (w.lsn <= c.lsn) {
        this.committedWaiters.splice(i, 1);
        void this.slotChain.then(w.resolve);
      }
    }
  }

  private async session(): Promise<void> {
    this.state = 'connecting';
    const id = this.o.config.sourceDoId;
    const welcome = await this.lake.hello({ type: 'hello', v: LAKE_PROTOCOL_VERSION, sourceId: id, ...(this.o.config.sourceShardName ? { shard: this.o.config.sourceShardName } : {}), exactlyOnce: this.c.exactlyOnce });
    this.welcomed = true;
    // What the lake already holds counts as acknowledged (every whole commit up to it).
    const held = parsePosition(welcome.resumeAfter);
    this.status.lastAckLSN = Math.max(this.status.lastAckLSN, held.seq === null ? held.lsn : held.lsn - 1);
    this.signal(welcome.backpressure);
    const slots = this.cdc.slots;
    let slot = await slots.getSlot(this.c.slot);
    if (!slot) {
      try {
        slot = await slots.createSlot(this.c.slot, 0n);
      } catch (e) {
        if (e instanceof DoSQLError && e.code === 'CDC_LSN_NOT_FOUND') throw new Fatal(new DoSQLError('LAKE_POSITION_GAP', `cdc: source ${id} no longer has its changes from the first commit (${e.message}); the lake would miss them — stream it with a slot made when the database was created`, { cause: e, details: { source: id } }));
        throw e;
      }
    }
    const slotPos = { lsn: Number(slot.acknowledgedLSN), seq: slot.acknowledgedSeq };
    if (this.c.exactlyOnce && comparePositions(slotPos, parsePosition(welcome.resumeAfter)) > 0) {
      throw new Fatal(new DoSQLError('LAKE_POSITION_GAP', `cdc: the lake holds source ${id} up to ${welcome.resumeAfter}, but slot ${this.c.slot} is already at ${slotPos.lsn}${slotPos.seq === null ? '' : `:${slotPos.seq}`}: the events between are gone from the source`, { details: { source: id, lake: welcome.resumeAfter, slot: slotPos.lsn } }));
    }
    const no = ++this.sessionNo;
    this.lostError = null;
    if (this.lake instanceof WebSocketLakeEndpoint) {
      // One reaction per session on the loss of its connection (never one per event).
      void this.lake.lost().then((e) => {
        if (this.sessionNo !== no) return;
        this.lostError = e;
        for (const l of [...this.lostListeners]) l(e);
      });
    }
    const off = this.lake.onCommitted(id, (c) => this.committed(c));
    if (welcome.committed > this.status.lastCommittedLSN) this.committed({ type: 'committed', sourceId: id, lsn: welcome.committed, position: String(welcome.committed) });
    const offBp = this.lake.onBackpressure?.((s) => this.signal(s));
    this.position = welcome.resumeAfter;
    const sub = await slots.subscribeFromSlot(this.c.slot, { after: welcome.resumeAfter, includeTransactionControl: true, safeIntegers: true, maxBufferSize: this.c.maxBufferSize, ...(this.o.config.tables ? { filter: { tables: this.o.config.tables } } : {}) });
    this.state = this.bp?.type === 'pause' ? 'paused' : this.bp?.type === 'slow_down' ? 'slowed' : 'streaming';
    this.started?.resolve();
    this.started = null;
    this.streamed = true;
    try {
      await this.pump(sub);
    } finally {
      off();
      offBp?.();
      await sub.close();
    }
  }

  private async pump(sub: CDCSubscription): Promise<void> {
    const it = sub.subscribeChanges()[Symbol.asyncIterator]();
    const pending: { next: Promise<IteratorResult<CDCEvent>> | null } = { next: null };
    try {
      await this.pumpFrom(sub, it, pending);
    } finally {
      void pending.next?.catch(() => undefined);
    }
  }

  private async pumpFrom(sub: CDCSubscription, it: AsyncIterator<CDCEvent>, pending: { next: Promise<IteratorResult<CDCEvent>> | null }): Promise<void> {
    let next: Promise<IteratorResult<CDCEvent>> | null = null;
    let batch: LakeEvent[] = [];
    let bytes = 0;
    let firstAt = 0;
    for (;;) {
      if (this.stopped) {
        if (!this.aborted && batch.length) await this.send(batch, bytes);
        return;
      }
      // With events already read ahead the next one is at hand; otherwise a short wait tells
      // whether the source is at its head (then the batch goes now).
      const ready = sub.getStatus().bufferedEntries > 0;
      const wait = batch.length === 0 || ready ? Infinity : Math.max(0, Math.min(this.c.headWaitMs, firstAt + this.c.maxBatchAge - this.now()));
      next ??= it.next();
      pending.next = next;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const races: Promise<IteratorResult<CDCEvent> | typeof IDLE>[] = [next];
      if (wait !== Infinity) races.push(new Promise((r) => (timer = setTimeout(() => r(IDLE), wait))));
      // A lake over the network may go away while nothing is sent: end the session, reconnect.
      const r = await this.interruptible(races, true);
      if (timer) clearTimeout(timer);
      if (r === STOP) continue;
      if (r instanceof DoSQLError) throw r;
      if (r !== IDLE) {
        next = null;
        if (r.done) {
          if (batch.length) await this.send(batch, bytes);
          return;
        }
        const le = toLakeEvent(r.value);
        if (le) {
          batch.push(le);
          bytes += JSON.stringify(le).length;
          if (firstAt === 0) firstAt = this.now();
          this.status.pendingCount++;
        }
        if (batch.length < this.c.maxBatchSize && bytes < this.c.maxBatchBytes && (batch.length === 0 || this.now() - firstAt < this.c.maxBatchAge)) continue;
      }
      if (batch.length === 0) continue;
      await this.send(batch, bytes);
      batch = [];
      bytes = 0;
      firstAt = 0;
    }
  }

  /**
   * Races `ps` against stop() (and, with `lost`, the session's connection loss) without adding a
   * reaction to a long-lived promise per call: `Promise.race([x, stopSignal])` once per event
   * left a reaction on stopSignal holding each event until the streamer stopped — ~1 KB per
   * event streamed (bench/lake-profile.ts: 147 MB of heap after 150,000 events).
   */
  private interruptible<T>(ps: readonly Promise<T>[], lost = false): Promise<T | typeof STOP | DoSQLError> {
    if (this.stopped) return Promise.resolve(STOP);
    if (lost && this.lostError) return Promise.resolve(this.lostError);
    return new Promise((resolve, reject) => {
      const off = (): void => {
        this.stopListeners.delete(wake);
        this.lostListeners.delete(wake);
      };
      const wake = (v: typeof STOP | DoSQLError): void => {
        off();
        resolve(v);
      };
      this.stopListeners.add(wake);
      if (lost) this.lostListeners.add(wake);
      for (const p of ps) {
        p.then(
          (v) => {
            off();
            resolve(v);
          },
          (e: unknown) => {
            off();
            reject(e);
          },
        );
      }
    });
  }

  /** Sends one batch until the lake acknowledges it (retries, backpressure). */
  private async send(events: LakeEvent[], bytes: number): Promise<void> {
    const id = this.o.config.sourceDoId;
    const first = events[0]!;
    const last = events[events.length - 1]!;
    const batch: CDCBatch = {
      batchId: `${id}/${lakeEventPosition(first)}-${lakeEventPosition(last)}`,
      sourceDoId: id,
      sequenceNumber: ++this.sequence,
      firstLSN: first.lsn,
      lastLSN: last.lsn,
      afterPosition: this.position,
      lastPosition: lakeEventPosition(last),
      complete: last.op === 'commit',
      createdAt: this.now(),
      sizeBytes: bytes,
      isRetry: false,
      retryCount: 0,
      events,
    };
    this.pendingId = batch.batchId;
    this.status.pending = 1;
    for (let attempt = 1; ; attempt++) {
      // Paused until the lake says resume — on this session's connection: a connection lost
      // meanwhile can never carry it, so the loss ends the session (the next welcome says where
      // the lake stands). Waiting on the signal alone stalled a drain for good.
      while (this.bp?.type === 'pause' && !this.stopped) {
        const r = await this.interruptible([new Promise<void>((res) => (this.bpWake = res)), this.sleep(30_000)], true);
        if (r instanceof DoSQLError) throw r;
      }
      if (this.aborted) return;
      if (this.bp?.type === 'slow_down') await this.interruptible([this.sleep(this.bp.suggestedDelayMs)]);
      batch.isRetry = attempt > 1;
      batch.retryCount = attempt - 1;
      this.o.onBatchSent?.(batch);
      let r: LakeAck | LakeNack;
      try {
        r = await this.lake.ingest(batch);
      } catch (e) {
        if (this.aborted) return;
        // A lost connection ends the session: the next one says hello and resumes.
        if (attempt >= this.retry.maxAttempts || (this.lake instanceof WebSocketLakeEndpoint && !this.lake.connected)) throw e;
        this.status.retries++;
        await this.interruptible([this.sleep(backoffDelay(this.retry, attempt, this.random))]);
        continue;
      }
      if (this.aborted) return;
      this.signal(r.backpressure);
      if (r.type === 'ack') {
        this.status.lastAckLSN = Math.max(this.status.lastAckLSN, r.lsn);
        this.status.entries += events.length;
        this.status.batches++;
        this.status.pendingCount = Math.max(0, this.status.pendingCount - events.length);
        this.status.pending = 0;
        this.pendingId = null;
        this.position = batch.lastPosition;
        this.o.onAck?.(r);
        return;
      }
      this.o.onNack?.(r);
      if (r.reason === 'buffer_full') {
        attempt--;
        await this.interruptible([this.sleep(r.retryAfterMs ?? 1000)]);
        if (this.stopped) return;
        continue;
      }
      if (r.reason === 'out_of_order') throw new DoSQLError('LAKE_OUT_OF_ORDER', r.message, { details: { expected: r.expected } });
      if (!r.retryable) throw new Fatal(new DoSQLError(r.reason === 'transaction_too_large' ? 'LAKE_TRANSACTION_TOO_LARGE' : 'INVALID_ARGUMENT', r.message));
      if (attempt >= this.retry.maxAttempts) throw new DoSQLError('IO_ERROR', r.message);
      this.status.retries++;
      await this.interruptible([this.sleep(backoffDelay(this.retry, attempt, this.random))]);
    }
  }
}

/** The endpoint of `config.lakehouseUrl`. */
function wsLake(c: LakehouseStreamConfig): WebSocketLakeEndpoint {
  return webSocketLake({ url: c.lakehouseUrl!, sourceId: c.sourceDoId, ...(c.token ? { token: c.token } : {}), ...(c.WebSocket ? { WebSocket: c.WebSocket } : {}), ...(c.heartbeatInterval !== undefined ? { heartbeatIntervalMs: c.heartbeatInterval } : {}), ...(c.ackTimeoutMs !== undefined ? { ackTimeoutMs: c.ackTimeoutMs } : {}) });
}
