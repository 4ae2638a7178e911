// The lake (`dosql/lake`, docs/lake.md): receives change batches from any number of source
// databases and keeps one set of Iceberg v2 tables for all of them, exactly once. One service
// for every host: in process (`openLake`), behind `dosql lake sync`, in the DoLake object.
//
//   ingest  ingest.ts      batch → dedup by position → buffer in the state engine → ack
//   flush   flush.ts       buffer up to each source's last whole transaction → per table:
//           table-writer.ts   net effect, position deletes via the key index, data files per
//                             day, positions object, conditional metadata commit → index update
//                          → trim, committed(S) → `committed` to the source's streamer
//
// Async safety: ingests of one source run one at a time (batches must follow each other);
// ingests of different sources and a flush may interleave (they touch different records, or
// fields of a record that each writes whole from memory). Flushes, compactions and cleanups run
// one at a time under the lake's mutex.
import type { BackpressureSignal, CDCBatch, LakeAck, LakeCommitted, LakeEndpoint, LakeHello, LakeNack, LakeWelcome } from '../cdc/lake-protocol.js';
import { LAKE_PROTOCOL_VERSION } from '../cdc/lake-protocol.js';
import { DoSQLError } from '../errors.js';
import { initParquet, parquetReady } from '../columnar/index.js';
import { PrefixedObjectStore } from '../storage/prefixed-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { systemClock, type Clock } from '../util/clock.js';
import { Backpressure } from './backpressure.js';
import { cleanupLake, type CleanupResult, type LakeRetentionOptions } from './cleanup.js';
import { compactLake, type CompactionResult, type LakeCompactionOptions } from './compaction.js';
import { openTable, runFlush, type FlushHost, type OpenTable } from './flush.js';
import { ingestBatch, type IngestHost } from './ingest.js';
import { lakeMetrics, type LakeMetrics } from './metrics.js';
import { LakeState, T_BUFFER } from './state.js';
import { lakeTableLocation } from './table-state.js';
import type { FlushResult, LakeOptions, LakeSourceStatus, LakeTableConfig, LakeTableStatus } from './types.js';
import { decodeJson } from './state.js';
import type { LakeEvent } from '../cdc/lake-protocol.js';

const DEFAULTS = { intervalMs: 60_000, maxBufferBytes: 64 * 1024 * 1024, eventThreshold: 10_000, rowGroupRows: 100_000, maxRowsPerFile: 1_000_000 };

/** A table's current snapshot as the lake committed it. */
export interface LakeTableSnapshot {
  namespace: string;
  name: string;
  /** Table URL (readers' `tableUrl`). */
  url: string;
  /** Current metadata version (0: no commit yet) and its file name (readers' `metadataFileName`). */
  version: number;
  metadataFileName: string;
  /** Per source: every event up to this LSN is in the snapshot, none after it. */
  positions: Record<string, number>;
}

export class Lake implements LakeEndpoint, IngestHost, FlushHost {
  readonly store: ObjectStore;
  readonly url: string;
  readonly namespace: string;
  readonly tableConfig: Readonly<Record<string, LakeTableConfig>>;
  readonly writerId: string;
  readonly rowGroupRows: number;
  readonly maxRowsPerFile: number;
  readonly maxBufferBytes: number;
  readonly maxTransactionBytes: number;
  readonly orphanMinAgeMs: number;
  readonly open = new Map<string, OpenTable>();
  flushNo = 0;
  bufferedBytes = 0;
  bufferedEvents = 0;
  oldestAt = 0;
  readonly openTxnBytes = new Map<string, number>();
  /** Sources told to pause by a buffer_full refusal while the lake-wide state was not pause (refusedFull). */
  private readonly refusedSources = new Set<string>();
  /** Flush durations, ms (the last 100). */
  readonly flushDurations: number[] = [];
  commits = 0;
  commitConflicts = 0;
  readonly nacks: Record<string, number> = {};
  lastError: string | undefined;
  private readonly clock: Clock;
  private readonly bp: Backpressure;
  private readonly committedListeners = new Map<string, Set<(c: LakeCommitted) => void>>();
  private readonly bpListeners = new Set<(s: BackpressureSignal) => void>();
  private readonly sourceQueues = new Map<string, Promise<unknown>>();
  private mutex: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<FlushResult> | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly retention: LakeRetentionOptions;
  private readonly compaction: LakeCompactionOptions;
  private readonly eventThreshold: number;
  private readonly auto: boolean;

  private constructor(
    readonly state: LakeState,
    o: LakeOptions,
  ) {
    this.store = o.warehouse;
    this.url = o.url.replace(/\/+$/, '');
    this.namespace = o.namespace ?? 'default';
    this.tableConfig = o.tables ?? {};
    this.clock = o.clock ?? systemClock;
    this.writerId = o.writerId ?? crypto.randomUUID();
    const f = o.flush ?? {};
    this.intervalMs = f.intervalMs ?? DEFAULTS.intervalMs;
    this.maxBufferBytes = f.maxBufferBytes ?? DEFAULTS.maxBufferBytes;
    this.maxTransactionBytes = 4 * this.maxBufferBytes;
    this.eventThreshold = f.eventThreshold ?? DEFAULTS.eventThreshold;
    this.rowGroupRows = f.rowGroupRows ?? DEFAULTS.rowGroupRows;
    this.maxRowsPerFile = f.maxRowsPerFile ?? DEFAULTS.maxRowsPerFile;
    this.auto = f.auto ?? true;
    this.orphanMinAgeMs = o.retention?.orphanMinAgeMs ?? 86_400_000;
    this.retention = o.retention ?? {};
    this.compaction = o.compaction ?? {};
    this.bp = new Backpressure(this.clock.now());
  }

  /** Opens the lake: its state engine, the buffer's accounting. See `openLake`. */
  static async open(o: LakeOptions): Promise<Lake> {
    if (typeof o?.warehouse?.get !== 'function' || typeof o.url !== 'string') throw new DoSQLError('INVALID_ARGUMENT', 'lake: openLake() needs { warehouse: ObjectStore, url: string }');
    if (o.parquetWasm !== undefined) initParquet(o.parquetWasm);
    if (!parquetReady()) throw new DoSQLError('INVALID_ARGUMENT', 'lake: the Parquet writer is not loaded: open a database with DB() first, or pass openLake({ parquetWasm })');
    const state = await LakeState.open(o.state ?? new PrefixedObjectStore(o.warehouse, '_lake/state'), { durability: o.durability ?? 'full', ...(o.clock ? { clock: o.clock } : {}) });
    const lake = new Lake(state, o);
    for (const src of state.sources.values()) {
      let open = 0;
      for await (const e of state.scan(T_BUFFER, [src.no])) {
        lake.bufferedBytes += e.value.length;
        lake.bufferedEvents++;
        if (Number(e.key[1]) > src.lastComplete) open += e.value.length;
        else if (decodeJson<LakeEvent>(e.value, 'buffer').op === 'commit') open = 0;
      }
      lake.openTxnBytes.set(src.id, open);
    }
    if (lake.bufferedEvents) lake.oldestAt = lake.now();
    lake.schedule();
    return lake;
  }

  now(): number {
    return this.clock.now();
  }

  backpressure(): BackpressureSignal {
    return this.bp.current;
  }

  async hello(h: LakeHello): Promise<LakeWelcome> {
    this.check();
    if (h?.type !== 'hello' || typeof h.sourceId !== 'string') throw new DoSQLError('INVALID_ARGUMENT', 'lake: hello needs { type: "hello", sourceId }');
    const src = this.state.source(h.sourceId);
    return { type: 'welcome', v: LAKE_PROTOCOL_VERSION, sourceId: h.sourceId, resumeAfter: src.received, committed: src.committed, backpressure: this.bp.current };
  }

  ingest(batch: CDCBatch): Promise<LakeAck | LakeNack> {
    this.check();
    const id = String(batch?.sourceDoId);
    const prev = this.sourceQueues.get(id) ?? Promise.resolve();
    const run = prev.then(async () => {
      const r = await ingestBatch(this, batch);
      this.signal();
      if (r.type === 'nack') {
        this.nacks[r.reason] = (this.nacks[r.reason] ?? 0) + 1;
        // A refused batch carries the state the streamer must follow (pause / slow_down / resume).
        r.backpressure = r.reason === 'buffer_full' ? this.refusedFull(id, r.retryAfterMs) : this.bp.current;
      }
      this.schedule();
      return r;
    });
    this.sourceQueues.set(id, run.catch(() => undefined));
    return run;
  }

  onCommitted(sourceId: string, listener: (c: LakeCommitted) => void): () => void {
    let s = this.committedListeners.get(sourceId);
    if (!s) this.committedListeners.set(sourceId, (s = new Set()));
    s.add(listener);
    return () => s.delete(listener);
  }

  onBackpressure(listener: (s: BackpressureSignal) => void): () => void {
    this.bpListeners.add(listener);
    return () => this.bpListeners.delete(listener);
  }

  /** Writes every whole buffered transaction to Iceberg now; resolves with what was committed. */
  flush(): Promise<FlushResult> {
    this.check();
    return this.exclusive(() => this.flushLocked());
  }

  private async flushLocked(): Promise<FlushResult> {
    const started = this.now();
    try {
      const r = await runFlush(this);
      this.bufferedBytes -= r.trimmedBytes;
      this.bufferedEvents -= r.trimmedEvents;
      this.oldestAt = this.bufferedEvents > 0 ? started : 0;
      this.commits += r.commits.length;
      this.record(this.now() - started, true);
      this.lastError = undefined;
      for (const src of r.sources) {
        const c: LakeCommitted = { type: 'committed', sourceId: src.id, lsn: src.committed, position: String(src.committed) };
        for (const l of this.committedListeners.get(src.id) ?? []) l(c);
      }
      return { commits: r.commits, committed: r.committed, events: r.events };
    } catch (e) {
      this.record(this.now() - started, false);
      this.lastError = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      this.signal();
    }
  }

  private record(ms: number, ok: boolean): void {
    this.flushDurations.push(ms);
    if (this.flushDurations.length > 100) this.flushDurations.shift();
    this.bp.flushed(ok, ms);
  }

  /** Runs `f` under the lake's mutex (flush, compaction, cleanup). */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(f);
    this.mutex = run.catch(() => undefined);
    return run;
  }

  private signal(): void {
    // Open transactions' bytes do not count: no flush can take them before their COMMIT, which a
    // paused streamer would never send (a stall for good). They are bounded by
    // maxTransactionBytes per source instead, as ingest's buffer_full exemption already has it.
    let open = 0;
    for (const b of this.openTxnBytes.values()) open += b;
    const s = this.bp.update(Math.max(0, this.bufferedBytes - open) / this.maxBufferBytes, this.now());
    if (s) {
      if (s.type !== 'pause') this.refusedSources.clear();
      for (const l of this.bpListeners) l(s);
    } else if (this.refusedSources.size > 0 && this.bp.current.type !== 'pause' && this.bufferedBytes <= this.maxBufferBytes / 2) {
      // Sources refused for a full buffer (refusedFull) were told to pause on their own; once a
      // flush has freed the buffer they hear the current state, as a broadcast.
      this.refusedSources.clear();
      for (const l of this.bpListeners) l(this.bp.current);
    }
  }

  /**
   * The signal a batch refused with buffer_full carries: the lake-wide state when that already
   * says pause; otherwise a pause for that source alone (the lake-wide state leaves open
   * transactions out, so it may say resume while they fill the buffer), remembered so that the
   * flush that frees the buffer tells it to go on (signal).
   */
  private refusedFull(sourceId: string, retryAfterMs: number | undefined): BackpressureSignal {
    if (this.bp.current.type === 'pause') return this.bp.current;
    this.refusedSources.add(sourceId);
    return { type: 'pause', bufferUtilization: this.bufferedBytes / this.maxBufferBytes, suggestedDelayMs: retryAfterMs ?? 1000, reason: 'buffer', at: this.now() };
  }

  /**
   * When the next flush is due by the flush settings (ms since the epoch; at most now when it is
   * overdue), or null when nothing is buffered. Hosts that flush themselves (`auto: false`, the
   * DoLake object's alarm) arm their timer with it.
   */
  flushDueAt(): number | null {
    if (this.bufferedEvents === 0) return null;
    if (this.bufferedBytes >= this.maxBufferBytes / 4 || this.bufferedEvents >= this.eventThreshold) return this.now();
    return this.oldestAt + this.intervalMs;
  }

  /** Starts a flush when one is due (auto mode), else arms the timer for the interval. */
  private schedule(): void {
    if (!this.auto || this.closed || this.flushing) return;
    const due = this.bufferedBytes >= this.maxBufferBytes / 4 || this.bufferedEvents >= this.eventThreshold || (this.bufferedEvents > 0 && this.now() - this.oldestAt >= this.intervalMs);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (due) {
      this.flushing = this.flush();
      this.flushing
        .then(
          (r) => r.events,
          () => -1,
        )
        .then((taken) => {
          this.flushing = null;
          // After a failure, wait before trying again (the buffer keeps everything). After a
          // flush that could take nothing (only open transactions buffered, which stay "due" by
          // size or count) wait the interval, as LakeHost does: rescheduling at once looped
          // through microtasks alone and starved the event loop. The next ingest reschedules.
          if (this.lastError) this.arm(Math.min(this.intervalMs, 1000));
          else if (taken === 0) this.arm(this.intervalMs);
          else this.schedule();
        });
    } else if (this.bufferedEvents > 0) this.arm(Math.max(0, this.oldestAt + this.intervalMs - this.now()));
  }

  private arm(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, ms);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * Rewrites small files and files with many deleted rows, per day partition (seed 003
   * CompactionConfig; `o` over the lake's `compaction` option). Serialised with flushes.
   */
  compact(o: LakeCompactionOptions = {}): Promise<CompactionResult> {
    this.check();
    return this.exclusive(() => compactLake(this, { ...this.compaction, ...o }));
  }

  /** Expires old snapshots and deletes old unreferenced files (`o` over the lake's `retention` option). */
  cleanup(o: LakeRetentionOptions = {}): Promise<CleanupResult> {
    this.check();
    return this.exclusive(() => cleanupLake(this, { ...this.retention, ...o }));
  }

  /** The table's current snapshot: version, metadata file and per-source positions. */
  async snapshot(name: string, namespace?: string): Promise<LakeTableSnapshot> {
    const ns = namespace ?? this.tableConfig[name]?.namespace ?? this.namespace;
    const o = await this.exclusive(() => openTable(this, ns, name));
    const version = o.t.loaded?.version ?? 0;
    const positions: Record<string, number> = {};
    for (const [s, p] of Object.entries(o.t.positions.sources)) positions[s] = p.lsn;
    return { namespace: ns, name, url: o.t.loc.url, version, metadataFileName: `v${version}.metadata.json`, positions };
  }

  /** The URL readers open a lake table at. */
  async tableUrl(name: string, namespace?: string): Promise<string> {
    return (await lakeTableLocation(this.url, namespace ?? this.tableConfig[name]?.namespace ?? this.namespace, name)).url;
  }

  /** Per source and per table progress. */
  status(): { sources: LakeSourceStatus[]; tables: LakeTableStatus[]; backpressure: BackpressureSignal; lastError?: string } {
    const sources = [...this.state.sources.values()].map((s) => ({ sourceId: s.id, received: s.received, committed: s.committed, buffered: 0, lastBatchAt: s.lastBatchAt }));
    const tables = [...this.state.tables.values()].map((r) => {
      const o = this.open.get(`${r.namespace}\u0000${r.name}`);
      return { name: r.name, namespace: r.namespace, version: o?.t.loaded?.version ?? r.indexedVersion, dataFiles: o?.t.dataFiles.size ?? 0, deleteFiles: o?.t.deleteFiles.size ?? 0 };
    });
    return { sources, tables, backpressure: this.bp.current, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /** The seed's metrics (docs/lake.md, "Metrics"). */
  metrics(): LakeMetrics {
    return lakeMetrics(this, [...this.committedListeners.values()].filter((s) => s.size > 0).length);
  }

  /** Stops the timers, waits for a running flush, closes the state engine. The warehouse store stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.mutex.catch(() => undefined);
    await Promise.all([...this.sourceQueues.values()]);
    await this.state.close();
  }

  private check(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'lake: the lake is closed');
  }
}

/** Opens a lake (see LakeOptions). */
export function openLake(o: LakeOptions): Promise<Lake> {
  return Lake.open(o);
}

