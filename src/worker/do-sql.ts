// The DoSQL Durable Object: one database per object (the Worker maps a database name to
// exactly one object with idFromName). The hot tier (WAL, SSTables, manifest) lives in the
// object's SQLite-backed storage through DurableObjectStore; the cold tier (columnar runs and
// Iceberg tables) in the R2 bucket COLD under `db/<name>/`.
//
// Lifecycle: the engine opens on the first event after the object starts (a request, a
// WebSocket message after hibernation, or an alarm), recovering from storage alone: the
// database name is kept in the object's own table `dosql_object`. Flushes are queued by the
// engine and run from the alarm (alarm-executor.ts); compactions start only from the alarm
// (maintenance.ts). Eviction at any moment loses nothing acknowledged: a response leaves the
// object only once the writes before it are durable (output gate), and recovery replays the WAL.
//
// Async safety: requests, socket messages and the alarm interleave at every await; the
// engine and the Database serialise what must be serialised (commit queue, commit lock).
import '../virtual/index.js';
import { DoSQLError } from '../errors.js';
import { LsmEngine } from '../lsm/engine.js';
import { WriteBatch } from '../lsm/write-batch.js';
import { Database } from '../sql/api/database.js';
import { SQL_ENGINE_OPTIONS } from '../sql/api/host.js';
import type { Warehouse } from '../cold/index.js';
import { DurableObjectStore } from '../storage/do-store.js';
import { R2ObjectStore } from '../storage/r2-store.js';
import { PrefixedObjectStore } from '../storage/prefixed-store.js';
import { AlarmExecutor } from './alarm-executor.js';
import { newWebSocketPair, type DurableObjectState, type Env, type WorkerWebSocket } from './cf-types.js';
import { checkDatabaseName, readConfig, type DoConfig } from './config.js';
import { consoleSink, createLogger } from '../util/log.js';
import { DatabaseHost } from './database-host.js';
import { HttpApi } from './http-api.js';
import { decodePathSegment, discardBody, errorResponse } from './http-wire.js';
import { runMaintenance, type MaintenanceResult } from './maintenance.js';
import { handleSocketMessage } from './websocket-api.js';
import { acceptCdcSocket, CDC_TAG, cdcAttachment, cdcSocketClosed, cdcSocketMessage, resumeCdcSockets, sessionOptions } from './cdc-socket.js';
import { initWasm } from './wasm.js';
import { readLakeLinkConfig, type LakeLinkConfig } from './lake-config.js';
import { LakeLink } from './lake-link.js';
import { DoSQLTarget, handleDoSQLRequest } from '../rpc/server.js';

/** The Worker passes the database name in this header. */
export const DATABASE_HEADER = 'x-dosql-database';

/** An open database inside the object. */
export interface OpenDatabase {
  name: string;
  /** The handle change streams read (src/worker/cdc-socket.ts). */
  main: Database;
  engine: LsmEngine;
  store: DurableObjectStore;
  cold: R2ObjectStore;
  host: DatabaseHost;
  api: HttpApi;
  /** The stream into a DoLake object (DOSQL_LAKE), or null. */
  lake: LakeLink | null;
}

export class DoSQL {
  protected readonly config: DoConfig;
  protected readonly executor: AlarmExecutor;
  private readonly lakeConfig: LakeLinkConfig;
  private opened: Promise<OpenDatabase> | null = null;
  private lastWriteAt = 0;
  private alarmAt: number | null = null;
  private readonly startedAt = Date.now();
  /** Tells instances apart in status (a restarted object is a new instance). */
  private readonly instanceId = Math.random().toString(36).slice(2);
  private maintenance = { runs: 0, last: null as (MaintenanceResult & { at: number; ms: number }) | null };

  constructor(
    protected readonly ctx: DurableObjectState,
    protected readonly env: Env,
  ) {
    this.config = readConfig(env);
    this.lakeConfig = readLakeLinkConfig(env);
    this.executor = new AlarmExecutor(() => this.scheduleAlarm(0));
  }

  async fetch(req: Request): Promise<Response> {
    try {
      const url = new URL(req.url);
      const segments = url.pathname.split('/').filter(Boolean);
      if (segments[0] !== 'db' || segments.length < 2) throw new DoSQLError('NOT_FOUND', `worker: no route ${url.pathname}`);
      const name = decodePathSegment(segments[1]!, 'database name');
      checkDatabaseName(name);
      const headerName = req.headers.get(DATABASE_HEADER);
      if (headerName !== null && headerName !== name) throw new DoSQLError('INVALID_ARGUMENT', 'worker: database header and path disagree');
      const db = await this.open(name);
      const rest = segments.slice(2);
      const special = await this.testRoute(req, rest, db);
      if (special) return special;
      if (rest.length === 1 && rest[0] === 'ws') return this.acceptSocket(req);
      if (rest.length === 1 && rest[0] === 'cdc') return this.acceptSocket(req, db, url);
      // CapnWeb RPC (dosql/rpc, docs/rpc.md): a WebSocket session or an HTTP batch.
      if (rest.length === 1 && rest[0] === 'rpc') return await handleDoSQLRequest(req, () => new DoSQLTarget(db.main, { transactionTimeoutMs: this.config.txTimeoutMs }));
      return await db.api.handle(req, rest, url);
    } catch (e) {
      this.resetIfBroken();
      await discardBody(req);
      return errorResponse(e);
    }
  }

  /**
   * After a failure: if the engine refuses writes (a failed WAL append, flush or compaction
   * leaves it read-only until reopened, like LevelDB's bg_error), restart the object once the
   * response is out; the new instance recovers from storage. An empty write answers at once,
   * with the engine's fatal error if it has one.
   */
  private resetIfBroken(): void {
    const opened = this.opened;
    if (!opened) return;
    void opened
      .then((db) => db.engine.write(new WriteBatch()))
      .catch(() => {
        if (this.opened !== opened) return;
        this.opened = null;
        setTimeout(() => this.ctx.abort?.('dosql: engine failed; restarting from storage'), 0);
      });
  }

  /** Extension point for test builds (test/support/worker-test-entry.ts); null = not handled. */
  protected async testRoute(_req: Request, _rest: string[], _db: OpenDatabase): Promise<Response | null> {
    return null;
  }

  // ---------------------------------------------------------------- open and recovery

  /** Opens (once) the database this object holds; `name` is required on first use. */
  protected open(name?: string): Promise<OpenDatabase> {
    if (!this.opened) {
      const p = this.openOnce(name);
      this.opened = p;
      p.catch(() => {
        if (this.opened === p) this.opened = null;
      });
    }
    return this.opened.then((db) => {
      if (name !== undefined && db.name !== name) throw new DoSQLError('INVALID_ARGUMENT', `worker: this object holds database ${db.name}, not ${name}`);
      return db;
    });
  }

  private async openOnce(requested?: string): Promise<OpenDatabase> {
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS dosql_object (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const stored = sql.exec("SELECT value FROM dosql_object WHERE key = 'database'").toArray()[0]?.value as string | undefined;
    if (stored !== undefined && requested !== undefined && stored !== requested) {
      throw new DoSQLError('INVALID_ARGUMENT', `worker: this object holds database ${stored}, not ${requested}`);
    }
    const name = stored ?? requested;
    if (name === undefined) throw new DoSQLError('NOT_FOUND', 'worker: this object holds no database yet');
    if (stored === undefined) sql.exec("INSERT INTO dosql_object (key, value) VALUES ('database', ?)", name);

    initWasm();
    const c = this.config;
    const store = new DurableObjectStore(this.ctx.storage);
    const cold = new R2ObjectStore(this.env.COLD, { prefix: `db/${name}/`, bucketName: 'COLD' });
    const warehouse: Warehouse = { store: cold, prefix: 'warehouse', url: `${c.coldUrl}/db/${name}/warehouse`, namespace: 'default' };
    const logger = createLogger(c.logLevel, consoleSink);
    const engineOpen = LsmEngine.open({
      store,
      logger,
      ...SQL_ENGINE_OPTIONS,
      coldStore: cold,
      durability: c.durability,
      memtableBytes: c.memtableBytes,
      targetFileBytes: c.targetFileBytes,
      blockCacheBytes: c.blockCacheBytes,
      imageCacheBytes: c.imageCacheBytes,
      coldCacheBytes: c.coldCacheBytes,
      retention: c.retention,
      walArchive: c.walArchive,
      compaction: {
        l0CompactionTrigger: c.l0CompactionTrigger,
        l0SlowdownTrigger: Math.max(8, c.l0CompactionTrigger),
        l0StopTrigger: Math.max(12, c.l0CompactionTrigger),
        levelBaseBytes: c.levelBaseBytes,
        background: false,
      },
      executor: () => this.executor,
    });
    // Statements run under the object's limits: a default timeout, and memory and value sizes
    // sized for 128 MB shared by every database the isolate holds (docs/limits.md).
    // External tables (docs/external-tables.md): `r2://<any>/key` reads the COLD bucket from its root, 32 MiB per file.
    const external = { coldBucket: new R2ObjectStore(this.env.COLD, { prefix: '', bucketName: 'COLD' }), maxBytes: 32 * 1024 * 1024 };
    const dbOptions = { timeoutMs: c.statementTimeoutMs, limits: { maxLength: c.maxLength, maxMemoryBytes: c.maxStatementMemoryBytes }, logger, slowQueryMs: c.slowQueryMs, external };
    const main = new Database(() => engineOpen, name, warehouse, dbOptions);
    await main.open();
    const engine = await engineOpen;
    const host = new DatabaseHost(main, () => new Database(() => engineOpen, name, warehouse, dbOptions), c.txTimeoutMs, () => this.noteWrite(), {
      maxResultRows: c.maxResultRows,
      maxResultBytes: c.maxResultBytes,
      maxOpenTransactions: c.maxOpenTransactions,
    });
    const api = new HttpApi(host, {
      status: () => this.status(),
      flush: () => this.executor.runInline(() => engine.flush()),
      compact: async ({ full, tier }) => {
        const r = await this.executor.runInline(() => main.compact({ full, tier }));
        return { published: r.published.map((p) => ({ ...p, snapshotId: p.snapshotId.toString() })) };
      },
      // Into the cold bucket beside `_archive/` (seed 003's layout): db/<name>/_backups/.
      backup: (incremental) => this.executor.runInline(() => main.backup(new PrefixedObjectStore(cold, '_backups'), { incremental })),
      metrics: () => main.metricsText({ connectionCount: this.ctx.getWebSockets().length }),
      deepHealth: () => deepHealth({ engine: async () => void (await main.query('SELECT 1')), hot: async () => void (await store.list('manifest/')), cold: async () => void (await cold.list('_dosql')) }),
      cold: async () => {
        const objects = await cold.list('');
        return { prefix: `db/${name}/`, warehouse: warehouse.url, objects: objects.map((o) => ({ key: o.key, size: o.size })), bytes: objects.reduce((a, o) => a + o.size, 0) };
      },
    });
    this.alarmAt = await this.ctx.storage.getAlarm();
    // A memtable recovered from the WAL is flushed once it has been idle a while.
    this.lastWriteAt = Date.now();
    if (engine.stats().memtable.entries > 0) this.scheduleAlarm(c.idleFlushMs);
    // Change streams whose sockets outlived the object's memory continue from their last acknowledgement.
    resumeCdcSockets(main, this.ctx.getWebSockets(CDC_TAG));
    const lc = this.lakeConfig;
    const lake = lc.lake !== null && this.env.DOLAKE ? new LakeLink(main, name, this.env.DOLAKE, { ...lc, lake: lc.lake }) : null;
    if (lake) {
      await lake.init();
      this.scheduleAlarm(lc.intervalMs);
    }
    return { name, main, engine, store, cold, host, api, lake };
  }

  // ---------------------------------------------------------------- alarms

  /** Runs queued flushes, idle flushes and due compactions; re-arms itself while data waits. */
  async alarm(): Promise<void> {
    this.alarmAt = null;
    const db = await this.open();
    const t0 = Date.now();
    let r: MaintenanceResult;
    try {
      r = await runMaintenance(db.engine, this.executor, { idleFlushMs: this.config.idleFlushMs }, this.lastWriteAt, t0);
    } catch (e) {
      // The platform retries a failed alarm; a broken engine is reopened first.
      this.resetIfBroken();
      throw e;
    }
    this.maintenance.runs++;
    this.maintenance.last = { ...r, at: t0, ms: Date.now() - t0 };
    if (r.nextAlarm !== null) this.scheduleAlarm(r.nextAlarm - Date.now());
    // The lake stream: started, checked, or stopped once the lake has committed everything.
    const next = await db.lake?.tick();
    if (next !== undefined && next !== null) this.scheduleAlarm(next);
  }

  /** Asks for an alarm in `delayMs` unless one is due sooner. */
  private scheduleAlarm(delayMs: number): void {
    const at = Date.now() + Math.max(0, delayMs);
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at).catch(() => {
      if (this.alarmAt === at) this.alarmAt = null;
    });
  }

  private noteWrite(): void {
    this.lastWriteAt = Date.now();
    this.scheduleAlarm(this.lakeConfig.lake !== null ? Math.min(this.config.idleFlushMs, this.lakeConfig.intervalMs) : this.config.idleFlushMs);
  }

  private async status(): Promise<Record<string, unknown>> {
    const db = await this.open();
    return {
      database: db.name,
      engine: db.engine.stats(),
      storage: db.store.usage(),
      alarm: { scheduledAt: this.alarmAt, pendingJobs: this.executor.pending, jobsRun: this.executor.jobsRun, maintenanceRuns: this.maintenance.runs, lastMaintenance: this.maintenance.last },
      openTransactions: db.host.openTransactions,
      webSockets: this.ctx.getWebSockets().length,
      ...(db.lake ? { lake: db.lake.status() } : {}),
      objectStartedAt: this.startedAt,
      instanceId: this.instanceId,
    };
  }

  // ---------------------------------------------------------------- WebSockets (hibernation API)

  /** /ws (statements), or /cdc with `db` and `url` (a change stream, cdc-socket.ts). */
  private acceptSocket(req: Request, db?: OpenDatabase, url?: URL): Response {
    if ((req.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') {
      throw new DoSQLError('INVALID_ARGUMENT', `worker: /${db ? 'cdc' : 'ws'} expects a WebSocket upgrade request`, { details: { status: 426 } });
    }
    const cdc = db && url ? sessionOptions(url, this.config.cdcBatchSize) : null;
    const [client, server] = newWebSocketPair();
    if (cdc) {
      this.ctx.acceptWebSocket(server, [CDC_TAG]);
      acceptCdcSocket(db!.main, server, cdc);
    } else {
      this.ctx.acceptWebSocket(server);
      server.serializeAttachment({ owner: `ws_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}` });
    }
    // Browsers send the token as a subprotocol and require one to be selected in the reply.
    const offered = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
    const headers: Record<string, string> = offered.includes('dosql') ? { 'sec-websocket-protocol': 'dosql' } : {};
    return new Response(null, { status: 101, webSocket: client, headers } as ResponseInit);
  }

  async webSocketMessage(ws: WorkerWebSocket, message: string | ArrayBuffer): Promise<void> {
    const db = await this.open();
    const cdc = cdcAttachment(ws);
    if (cdc) return cdcSocketMessage(db.main, ws, cdc, message);
    await handleSocketMessage(db.host, ws, ownerOf(ws), message);
  }

  async webSocketClose(ws: WorkerWebSocket, code: number, reason: string): Promise<void> {
    cdcSocketClosed(ws);
    if (this.opened) (await this.opened.catch(() => null))?.host.rollbackOwned(ownerOf(ws));
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  async webSocketError(ws: WorkerWebSocket): Promise<void> {
    cdcSocketClosed(ws);
    if (this.opened) (await this.opened.catch(() => null))?.host.rollbackOwned(ownerOf(ws));
  }
}

function ownerOf(ws: WorkerWebSocket): string {
  const a = ws.deserializeAttachment() as { owner?: string } | null;
  return a?.owner ?? 'unknown';
}

/** Runs each check, timing it; the whole is ok when every check is (GET /health/deep). */
async function deepHealth(checks: Record<string, () => Promise<void>>): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; ms: number; error?: string }> }> {
  const out: Record<string, { ok: boolean; ms: number; error?: string }> = {};
  for (const [name, check] of Object.entries(checks)) {
    const t = Date.now();
    try {
      await check();
      out[name] = { ok: true, ms: Date.now() - t };
    } catch (e) {
      out[name] = { ok: false, ms: Date.now() - t, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return { ok: Object.values(out).every((c) => c.ok), checks: out };
}
