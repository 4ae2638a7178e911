// The DoLake Durable Object (docs/lake.md, "On Workers"): one lake (src/lake) whose state — the
// durable buffer of received batches, the sources' positions, the key index — lives in the
// object's SQLite-backed storage (DurableObjectStore, tables `dolake_*`), and whose Iceberg
// tables live in the R2 bucket LAKEHOUSE_BUCKET under `warehouse/<namespace>/<table>/`.
//
//   /lake/ingest?source=<id>  WebSocket (hibernation API): hello → welcome, batch → ack | nack;
//                             the lake pushes `committed` after each flush and `backpressure` on
//                             each transition; `{"type":"ping"}` is answered without waking it
//   /lake/status              lake status, per-table snapshots and positions, the dolake_* metrics
//   /lake/flush | compact | cleanup   POST, run now (serialised with the alarm's work)
//
// A batch is acknowledged only after its events are in the object's storage (the lake's state
// write; the output gate holds the ack until it is durable), so a reset at any moment loses
// nothing acknowledged: the next instance reopens the state and the streamer resumes from
// `welcome.resumeAfter`. Flushes run from the alarm when due by size, event count or age
// (DOLAKE_* vars, lake-config.ts); maintenance (compaction, expiry, cleanup) runs from the alarm
// every DOLAKE_MAINTENANCE_INTERVAL_MS after flushes wrote something.
//
// Async safety: socket messages, requests and the alarm interleave at every await; the lake
// serialises ingests per source and runs flushes, compactions and cleanups one at a time.
import type { BackpressureSignal, CDCBatch, LakeHello } from '../lake/index.js';
import { DoSQLError } from '../errors.js';
import { openLake, type FlushResult, type Lake } from '../lake/index.js';
import { DurableObjectStore } from '../storage/do-store.js';
import { R2ObjectStore, type R2BucketLike } from '../storage/r2-store.js';
import { newWebSocketPair, type DurableObjectState, type Env, type WorkerWebSocket } from './cf-types.js';
import { discardBody, errorResponse, json, readJsonObject, wireError } from './http-wire.js';
import { readLakeConfig, type DoLakeConfig } from './lake-config.js';
import { initWasm } from './wasm.js';

/** Tag of every ingest socket (a second tag `src:<id>` names its source). */
export const LAKE_TAG = 'lake-ingest';
const SOURCE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export class DoLake {
  protected readonly config: DoLakeConfig;
  private opened: Promise<Lake> | null = null;
  private alarmAt: number | null = null;
  private lastMaintenanceAt = Date.now();
  private flushedSinceMaintenance = false;
  /** After a flush that took nothing (only open transactions buffered): no flush before this. */
  private noFlushUntil = 0;
  private readonly alarms = { runs: 0, flushes: 0, failedFlushes: 0, maintenanceRuns: 0, lastError: undefined as string | undefined };

  constructor(
    protected readonly ctx: DurableObjectState,
    protected readonly env: Env,
  ) {
    this.config = readLakeConfig(env);
    // Heartbeats are answered by the runtime, so they never wake a hibernated object.
    const Pair = (globalThis as { WebSocketRequestResponsePair?: new (req: string, res: string) => unknown }).WebSocketRequestResponsePair;
    if (Pair && ctx.setWebSocketAutoResponse) ctx.setWebSocketAutoResponse(new Pair('{"type":"ping"}', '{"type":"pong"}'));
  }

  async fetch(req: Request): Promise<Response> {
    try {
      const url = new URL(req.url);
      const path = url.pathname.replace(/^\/lake(?=\/|$)/, '') || '/';
      const special = await this.testRoute(req, path);
      if (special) return special;
      if (path === '/ingest') return await this.acceptIngest(req, url);
      const lake = await this.open();
      if (path === '/status' && req.method === 'GET') return json(await this.status(lake));
      if (req.method !== 'POST' || !['/flush', '/compact', '/cleanup'].includes(path)) throw new DoSQLError('NOT_FOUND', `lake: no route ${req.method} /lake${path} (GET /lake/status; POST /lake/flush, /lake/compact, /lake/cleanup; /lake/ingest WebSocket)`, { details: { status: 404 } });
      const body = await readJsonObject(req).catch(() => ({}) as Record<string, unknown>);
      if (path === '/flush') return json(await this.flushNow(lake));
      const tables = Array.isArray(body.tables) ? body.tables.map(String) : undefined;
      const nums = pickNumbers(body);
      if (path === '/compact') return json(await lake.compact({ ...nums, ...(tables ? { tables } : {}), ...(body.mode === 'full' ? { mode: 'full' as const } : {}) }));
      return json(await lake.cleanup({ ...nums, ...(tables ? { tables } : {}) }));
    } catch (e) {
      await discardBody(req);
      return errorResponse(e);
    }
  }

  /** Extension point for test builds (test/support/worker-test-entry.ts); null = not handled. */
  protected async testRoute(_req: Request, _path: string): Promise<Response | null> {
    return null;
  }

  /** Opens (once per instance) the lake on this object's storage and the bucket. */
  protected open(): Promise<Lake> {
    if (!this.opened) {
      const p = this.openOnce();
      this.opened = p;
      p.catch(() => {
        if (this.opened === p) this.opened = null;
      });
    }
    return this.opened;
  }

  private async openOnce(): Promise<Lake> {
    initWasm();
    const c = this.config;
    const bucket = this.env.LAKEHOUSE_BUCKET as R2BucketLike | undefined;
    if (!bucket) throw new DoSQLError('INVALID_ARGUMENT', 'lake: no LAKEHOUSE_BUCKET binding (wrangler.toml [[r2_buckets]])');
    const lake = await openLake({
      warehouse: new R2ObjectStore(bucket, { bucketName: 'LAKEHOUSE_BUCKET' }),
      url: c.warehouseUrl,
      state: new DurableObjectStore(this.ctx.storage, { tablePrefix: 'dolake' }),
      namespace: c.namespace,
      tables: c.tables,
      // The output gate holds every ack until the state write is durable.
      durability: 'normal',
      flush: { intervalMs: c.flushIntervalMs, maxBufferBytes: c.maxBufferBytes, eventThreshold: c.eventThreshold, rowGroupRows: c.rowGroupRows, auto: false },
      retention: { orphanMinAgeMs: c.orphanMinAgeMs },
      writerId: `dolake:${this.ctx.id.toString()}`,
    });
    lake.onBackpressure((signal) => this.broadcast(this.ctx.getWebSockets(LAKE_TAG), { type: 'backpressure', signal } satisfies { type: string; signal: BackpressureSignal }));
    this.alarmAt = await this.ctx.storage.getAlarm();
    this.arm(lake);
    return lake;
  }

  // ---------------------------------------------------------------- ingest sockets

  private async acceptIngest(req: Request, url: URL): Promise<Response> {
    if ((req.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') throw new DoSQLError('INVALID_ARGUMENT', 'lake: /lake/ingest expects a WebSocket upgrade request', { details: { status: 426 } });
    const source = url.searchParams.get('source') ?? '';
    if (!SOURCE_ID.test(source)) throw new DoSQLError('INVALID_ARGUMENT', `lake: /lake/ingest needs ?source=<id> (1-128 characters of [A-Za-z0-9_.:-]), got ${JSON.stringify(source)}`);
    await this.open();
    const [client, server] = newWebSocketPair();
    this.ctx.acceptWebSocket(server, [LAKE_TAG, `src:${source}`]);
    server.serializeAttachment({ v: 1, sourceId: source });
    const offered = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
    const headers: Record<string, string> = offered.includes('dosql') ? { 'sec-websocket-protocol': 'dosql' } : {};
    return new Response(null, { status: 101, webSocket: client, headers } as ResponseInit);
  }

  async webSocketMessage(ws: WorkerWebSocket, message: string | ArrayBuffer): Promise<void> {
    const source = (ws.deserializeAttachment() as { sourceId?: string } | null)?.sourceId;
    if (!source) return;
    let m: { type?: string; sourceId?: string; batch?: CDCBatch };
    try {
      m = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message)) as typeof m;
    } catch {
      return this.refuse(ws, new DoSQLError('INVALID_ARGUMENT', 'lake: a message that is not JSON'), 4400);
    }
    if (m.type === 'ping') return ws.send('{"type":"pong"}');
    try {
      const lake = await this.open();
      if (m.type === 'hello') {
        if (m.sourceId !== source) return this.refuse(ws, new DoSQLError('INVALID_ARGUMENT', `lake: hello from ${String(m.sourceId)} on the socket of source ${source}`), 4400);
        ws.send(JSON.stringify(await lake.hello(m as LakeHello)));
        return;
      }
      if (m.type === 'batch') {
        const b = m.batch;
        if (b?.sourceDoId !== source) return this.refuse(ws, new DoSQLError('INVALID_ARGUMENT', `lake: a batch of ${String(b?.sourceDoId)} on the socket of source ${source}`), 4400);
        ws.send(JSON.stringify(await lake.ingest(b)));
        // New events may complete a transaction the last flush could not take.
        this.noFlushUntil = 0;
        this.arm(lake);
        return;
      }
      this.refuse(ws, new DoSQLError('INVALID_ARGUMENT', `lake: unknown message type ${JSON.stringify(m.type)}`), 4400);
    } catch (e) {
      this.refuse(ws, e, 1011);
    }
  }

  async webSocketClose(ws: WorkerWebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  async webSocketError(_ws: WorkerWebSocket): Promise<void> {}

  private refuse(ws: WorkerWebSocket, e: unknown, code: number): void {
    try {
      ws.send(JSON.stringify({ type: 'error', error: wireError(e) }));
      ws.close(code, 'lake: session refused');
    } catch {
      // Already closed.
    }
  }

  private broadcast(sockets: WorkerWebSocket[], msg: unknown): void {
    const text = JSON.stringify(msg);
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // A closing socket; its streamer learns the state at its next hello.
      }
    }
  }

  // ---------------------------------------------------------------- flushes and the alarm

  /** Flushes and tells each source's sockets what is now committed. */
  private async flushNow(lake: Lake): Promise<FlushResult> {
    const r = await lake.flush();
    this.alarms.flushes++;
    this.noFlushUntil = r.events === 0 ? Date.now() + this.config.flushIntervalMs : 0;
    if (r.commits.length) this.flushedSinceMaintenance = true;
    for (const [sourceId, lsn] of Object.entries(r.committed)) this.broadcast(this.ctx.getWebSockets(`src:${sourceId}`), { type: 'committed', sourceId, lsn, position: String(lsn) });
    return r;
  }

  async alarm(): Promise<void> {
    this.alarmAt = null;
    this.alarms.runs++;
    const lake = await this.open();
    const due = lake.flushDueAt();
    let retryAt: number | null = null;
    if (due !== null && due <= Date.now()) {
      try {
        await this.flushNow(lake);
        this.alarms.lastError = undefined;
      } catch (e) {
        // The buffer keeps everything; the lake signals flush_error backpressure after 3 failures.
        this.alarms.failedFlushes++;
        this.alarms.lastError = e instanceof Error ? e.message : String(e);
        retryAt = Date.now() + Math.min(this.config.flushIntervalMs, 1000);
      }
    }
    const every = this.config.maintenanceIntervalMs;
    if (every > 0 && this.flushedSinceMaintenance && Date.now() - this.lastMaintenanceAt >= every) {
      this.flushedSinceMaintenance = false;
      this.lastMaintenanceAt = Date.now();
      this.alarms.maintenanceRuns++;
      try {
        await lake.compact();
        await lake.cleanup();
      } catch (e) {
        this.alarms.lastError = e instanceof Error ? e.message : String(e);
      }
    }
    this.arm(lake, retryAt);
  }

  /** Arms the alarm for the next flush (or maintenance) due. */
  private arm(lake: Lake, retryAt: number | null = null): void {
    let at = lake.flushDueAt();
    if (at !== null && at < this.noFlushUntil) at = this.noFlushUntil;
    if (retryAt !== null) at = Math.max(at ?? retryAt, retryAt);
    if (this.flushedSinceMaintenance && this.config.maintenanceIntervalMs > 0) {
      const m = this.lastMaintenanceAt + this.config.maintenanceIntervalMs;
      at = at === null ? m : Math.min(at, m);
    }
    if (at === null) return;
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at).catch(() => {
      if (this.alarmAt === at) this.alarmAt = null;
    });
  }

  private async status(lake: Lake): Promise<Record<string, unknown>> {
    const s = lake.status();
    const sources = new Set<string>();
    for (const ws of this.ctx.getWebSockets(LAKE_TAG)) {
      const id = (ws.deserializeAttachment() as { sourceId?: string } | null)?.sourceId;
      if (id) sources.add(id);
    }
    const snapshots = [];
    for (const t of s.tables) snapshots.push(await lake.snapshot(t.name, t.namespace));
    return {
      ...s,
      snapshots,
      metrics: { ...lake.metrics(), dolake_connected_sources: sources.size },
      alarm: { scheduledAt: this.alarmAt, ...this.alarms },
      config: this.config,
    };
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
