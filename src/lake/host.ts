// What every process hosting a lake for remote streamers does, whatever its transport and timer
// (docs/lake.md, "Serving a lake"): the DoLake Durable Object (src/worker/do-lake.ts: hibernated
// WebSockets, the storage alarm) and `dosql lake serve` (src/node/lake-server.ts: a Node HTTP
// server, setTimeout) both drive one LakeHost.
//
//   message(conn, text)   the ingest protocol (docs/format/lake.md, "Wire protocol"): ping → pong,
//                         hello → welcome, batch → ack | nack; a batch is acknowledged only after
//                         the lake's state write (Lake.ingest), so a crash loses nothing acknowledged
//   tick()                what the timer runs: a flush when due by age / size / event count
//                         (Lake.flushDueAt), then `committed` to each moved source's connections;
//                         compaction and cleanup every `maintenanceIntervalMs` after flushes wrote
//   wakeAt()              when the timer must fire next (null: nothing due)
//   control(method, path, body)   /status, /flush, /compact, /cleanup (JSON answers)
//
// Async safety: messages, control calls and ticks interleave at every await; the lake serialises
// ingests per source and runs flushes, compactions and cleanups one at a time.
import { DoSQLError } from '../errors.js';
import type { BackpressureSignal, CDCBatch, LakeHello } from '../cdc/lake-protocol.js';
import type { Lake } from './lake.js';
import type { FlushResult } from './types.js';

/** A source id as the ingest endpoints accept it (`?source=<id>`). */
export const LAKE_SOURCE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** One streamer's connection, as the host sees it. */
export interface LakeConnection {
  /** The source the connection was opened for (`?source=<id>`). */
  readonly sourceId: string;
  send(text: string): void;
  /** Sends `{ type: 'error', error }` for `e` and closes the connection with `code`. */
  refuse(e: unknown, code: number): void;
}

export interface LakeHostOptions {
  /** Flush interval, ms: also how long to wait after a flush that could take nothing. */
  flushIntervalMs: number;
  /** Compaction and cleanup this often after flushes wrote; 0 = only on request. */
  maintenanceIntervalMs: number;
  /** The open connections, all or of one source. */
  connections(sourceId?: string): Iterable<LakeConnection>;
  /** Called whenever wakeAt() may have moved earlier: the host's timer re-arms. */
  rearm(): void;
}

export interface LakeHostCounters {
  runs: number;
  flushes: number;
  failedFlushes: number;
  maintenanceRuns: number;
  lastError: string | undefined;
}

export class LakeHost {
  private lastMaintenanceAt = Date.now();
  private flushedSinceMaintenance = false;
  /** After a flush that took nothing (only open transactions buffered): no flush before this. */
  private noFlushUntil = 0;
  /** After a failed flush: no retry before this. */
  private retryAt: number | null = null;
  readonly counters: LakeHostCounters = { runs: 0, flushes: 0, failedFlushes: 0, maintenanceRuns: 0, lastError: undefined };

  constructor(
    readonly lake: Lake,
    private readonly o: LakeHostOptions,
  ) {
    lake.onBackpressure((signal) => this.broadcast(this.o.connections(), { type: 'backpressure', signal } satisfies { type: string; signal: BackpressureSignal }));
  }

  /** Handles one text message of a connection (answers on it; refuses it on a protocol error). */
  async message(conn: LakeConnection, text: string): Promise<void> {
    let m: { type?: string; sourceId?: string; batch?: CDCBatch };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return conn.refuse(new DoSQLError('INVALID_ARGUMENT', 'lake: a message that is not JSON'), 4400);
    }
    if (m.type === 'ping') return conn.send('{"type":"pong"}');
    try {
      if (m.type === 'hello') {
        if (m.sourceId !== conn.sourceId) return conn.refuse(new DoSQLError('INVALID_ARGUMENT', `lake: hello from ${String(m.sourceId)} on the connection of source ${conn.sourceId}`), 4400);
        conn.send(JSON.stringify(await this.lake.hello(m as LakeHello)));
        return;
      }
      if (m.type === 'batch') {
        const b = m.batch;
        if (b?.sourceDoId !== conn.sourceId) return conn.refuse(new DoSQLError('INVALID_ARGUMENT', `lake: a batch of ${String(b?.sourceDoId)} on the connection of source ${conn.sourceId}`), 4400);
        conn.send(JSON.stringify(await this.lake.ingest(b)));
        // New events may complete a transaction the last flush could not take.
        this.noFlushUntil = 0;
        this.o.rearm();
        return;
      }
      conn.refuse(new DoSQLError('INVALID_ARGUMENT', `lake: unknown message type ${JSON.stringify(m.type)}`), 4400);
    } catch (e) {
      conn.refuse(e, 1011);
    }
  }

  /** Flushes now and tells each moved source's connections what is committed. */
  async flush(): Promise<FlushResult> {
    const r = await this.lake.flush();
    this.counters.flushes++;
    this.noFlushUntil = r.events === 0 ? Date.now() + this.o.flushIntervalMs : 0;
    if (r.commits.length) this.flushedSinceMaintenance = true;
    for (const [sourceId, lsn] of Object.entries(r.committed)) this.broadcast(this.o.connections(sourceId), { type: 'committed', sourceId, lsn, position: String(lsn) });
    return r;
  }

  /** The timer's work: a flush when due, maintenance when due. Never throws (failures are counted and retried). */
  async tick(): Promise<void> {
    this.counters.runs++;
    const due = this.lake.flushDueAt();
    this.retryAt = null;
    if (due !== null && due <= Date.now()) {
      try {
        await this.flush();
        this.counters.lastError = undefined;
      } catch (e) {
        // The buffer keeps everything; the lake signals flush_error backpressure after 3 failures.
        this.counters.failedFlushes++;
        this.counters.lastError = e instanceof Error ? e.message : String(e);
        this.retryAt = Date.now() + Math.min(this.o.flushIntervalMs, 1000);
      }
    }
    const every = this.o.maintenanceIntervalMs;
    if (every > 0 && this.flushedSinceMaintenance && Date.now() - this.lastMaintenanceAt >= every) {
      this.flushedSinceMaintenance = false;
      this.lastMaintenanceAt = Date.now();
      this.counters.maintenanceRuns++;
      try {
        await this.lake.compact();
        await this.lake.cleanup();
      } catch (e) {
        this.counters.lastError = e instanceof Error ? e.message : String(e);
      }
    }
  }

  /** When tick() must run next (ms since the epoch), or null when nothing is due. */
  wakeAt(): number | null {
    let at = this.lake.flushDueAt();
    if (at !== null && at < this.noFlushUntil) at = this.noFlushUntil;
    if (this.retryAt !== null) at = Math.max(at ?? this.retryAt, this.retryAt);
    if (this.flushedSinceMaintenance && this.o.maintenanceIntervalMs > 0) {
      const m = this.lastMaintenanceAt + this.o.maintenanceIntervalMs;
      at = at === null ? m : Math.min(at, m);
    }
    return at;
  }

  /**
   * The control routes under /lake: GET /status, POST /flush, /compact (`{ tables?, mode?:
   * 'full', … LakeCompactionOptions }`), /cleanup (`{ tables?, … LakeRetentionOptions }`).
   * NOT_FOUND (404) for anything else; INVALID_ARGUMENT for a bad number.
   */
  async control(method: string, path: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<unknown> {
    if (path === '/status' && method === 'GET') return this.status(extra);
    if (method !== 'POST' || !['/flush', '/compact', '/cleanup'].includes(path)) throw new DoSQLError('NOT_FOUND', `lake: no route ${method} /lake${path} (GET /lake/status; POST /lake/flush, /lake/compact, /lake/cleanup; /lake/ingest WebSocket)`, { details: { status: 404 } });
    if (path === '/flush') return this.flush();
    const tables = Array.isArray(body.tables) ? body.tables.map(String) : undefined;
    const nums = pickNumbers(body);
    if (path === '/compact') return this.lake.compact({ ...nums, ...(tables ? { tables } : {}), ...(body.mode === 'full' ? { mode: 'full' as const } : {}) });
    return this.lake.cleanup({ ...nums, ...(tables ? { tables } : {}) });
  }

  /** /lake/status: the lake's status, every table's snapshot, the dolake_* metrics, the timer's counters. */
  async status(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const s = this.lake.status();
    const sources = new Set<string>();
    for (const c of this.o.connections()) sources.add(c.sourceId);
    const snapshots = [];
    for (const t of s.tables) snapshots.push(await this.lake.snapshot(t.name, t.namespace));
    return { ...s, snapshots, metrics: { ...this.lake.metrics(), dolake_connected_sources: sources.size }, alarm: { scheduledAt: this.wakeAt(), ...this.counters }, ...extra };
  }

  private broadcast(conns: Iterable<LakeConnection>, msg: unknown): void {
    const text = JSON.stringify(msg);
    for (const c of conns) {
      try {
        c.send(text);
      } catch {
        // A closing connection; its streamer learns the state at its next hello.
      }
    }
  }
}

/** The numeric tuning fields of a compact / cleanup request body. */
function pickNumbers(body: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['minFilesThreshold', 'targetFileSizeBytes', 'maxFilesPerCompaction', 'minPartitionAgeMs', 'maxSmallFilesPerPartition', 'maxDeleteRatio', 'minSnapshotsToKeep', 'maxSnapshotAgeMs', 'maxSnapshots', 'orphanMinAgeMs']) {
    const v = body[k];
    if (v !== undefined) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DoSQLError('INVALID_ARGUMENT', `lake: ${k} must be a number >= 0, got ${JSON.stringify(v)}`);
      out[k] = v;
    }
  }
  return out;
}
