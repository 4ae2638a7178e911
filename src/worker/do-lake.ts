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
// The protocol, the flush / maintenance schedule and the control routes are the lake's LakeHost
// (src/lake/host.ts), shared with `dosql lake serve`; this class adapts it to hibernated sockets
// and the storage alarm.
//
// Async safety: socket messages, requests and the alarm interleave at every await; the lake
// serialises ingests per source and runs flushes, compactions and cleanups one at a time.
import { DoSQLError } from '../errors.js';
import { LAKE_SOURCE_ID, LakeHost, openLake, type LakeConnection } from '../lake/index.js';
import { DurableObjectStore } from '../storage/do-store.js';
import { R2ObjectStore, type R2BucketLike } from '../storage/r2-store.js';
import { newWebSocketPair, type DurableObjectState, type Env, type WorkerWebSocket } from './cf-types.js';
import { discardBody, errorResponse, json, readJsonObject, wireError } from './http-wire.js';
import { readLakeConfig, type DoLakeConfig } from './lake-config.js';
import { initWasm } from './wasm.js';

/** Tag of every ingest socket (a second tag `src:<id>` names its source). */
export const LAKE_TAG = 'lake-ingest';

export class DoLake {
  protected readonly config: DoLakeConfig;
  private opened: Promise<LakeHost> | null = null;
  private alarmAt: number | null = null;

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
      const host = await this.open();
      const body = req.method === 'POST' ? await readJsonObject(req).catch(() => ({}) as Record<string, unknown>) : {};
      return json(await host.control(req.method, path, body, { config: this.config }));
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
  protected open(): Promise<LakeHost> {
    if (!this.opened) {
      const p = this.openOnce();
      this.opened = p;
      p.catch(() => {
        if (this.opened === p) this.opened = null;
      });
    }
    return this.opened;
  }

  private async openOnce(): Promise<LakeHost> {
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
    const host: LakeHost = new LakeHost(lake, {
      flushIntervalMs: c.flushIntervalMs,
      maintenanceIntervalMs: c.maintenanceIntervalMs,
      connections: (sourceId) => this.ctx.getWebSockets(sourceId === undefined ? LAKE_TAG : `src:${sourceId}`).flatMap((ws) => connection(ws) ?? []),
      rearm: () => this.arm(host),
    });
    this.alarmAt = await this.ctx.storage.getAlarm();
    this.arm(host);
    return host;
  }

  // ---------------------------------------------------------------- ingest sockets

  private async acceptIngest(req: Request, url: URL): Promise<Response> {
    if ((req.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') throw new DoSQLError('INVALID_ARGUMENT', 'lake: /lake/ingest expects a WebSocket upgrade request', { details: { status: 426 } });
    const source = url.searchParams.get('source') ?? '';
    if (!LAKE_SOURCE_ID.test(source)) throw new DoSQLError('INVALID_ARGUMENT', `lake: /lake/ingest needs ?source=<id> (1-128 characters of [A-Za-z0-9_.:-]), got ${JSON.stringify(source)}`);
    await this.open();
    const [client, server] = newWebSocketPair();
    this.ctx.acceptWebSocket(server, [LAKE_TAG, `src:${source}`]);
    server.serializeAttachment({ v: 1, sourceId: source });
    const offered = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
    const headers: Record<string, string> = offered.includes('dosql') ? { 'sec-websocket-protocol': 'dosql' } : {};
    return new Response(null, { status: 101, webSocket: client, headers } as ResponseInit);
  }

  async webSocketMessage(ws: WorkerWebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = connection(ws);
    if (!conn) return;
    let host: LakeHost;
    try {
      host = await this.open();
    } catch (e) {
      return conn.refuse(e, 1011);
    }
    await host.message(conn, typeof message === 'string' ? message : new TextDecoder().decode(message));
  }

  async webSocketClose(ws: WorkerWebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  async webSocketError(_ws: WorkerWebSocket): Promise<void> {}

  // ---------------------------------------------------------------- the alarm

  async alarm(): Promise<void> {
    this.alarmAt = null;
    const host = await this.open();
    await host.tick();
    this.arm(host);
  }

  /** Arms the alarm for the host's next wake-up (never later than one already set). */
  private arm(host: LakeHost): void {
    const at = host.wakeAt();
    if (at === null) return;
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at).catch(() => {
      if (this.alarmAt === at) this.alarmAt = null;
    });
  }
}

/** A hibernated ingest socket as the host's connection (null: not an ingest socket). */
function connection(ws: WorkerWebSocket): LakeConnection | null {
  const sourceId = (ws.deserializeAttachment() as { sourceId?: string } | null)?.sourceId;
  if (!sourceId) return null;
  return {
    sourceId,
    send: (text) => ws.send(text),
    refuse(e, code) {
      try {
        ws.send(JSON.stringify({ type: 'error', error: wireError(e) }));
        ws.close(code, 'lake: session refused');
      } catch {
        // Already closed.
      }
    },
  };
}
