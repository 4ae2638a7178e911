// The lake as its own Node process (`dosql lake serve`, docs/lake.md "Serving a lake"): the same
// endpoints, protocol and semantics as the DoLake Durable Object (src/worker/do-lake.ts), both
// driving the lake's LakeHost (src/lake/host.ts):
//
//   /lake/ingest?source=<id>       WebSocket: hello → welcome, batch → ack | nack (acknowledged
//                                  only after the lake's state write, fsync'd at durability
//                                  'full'); `committed` after each flush, `backpressure` on each
//                                  transition; ping → pong
//   GET /lake/status               status, snapshots, dolake_* metrics
//   POST /lake/flush | compact | cleanup
//   GET|HEAD /lake/objects/<key>   the warehouse's objects (Range → 206), for icebird, DuckDB
//
// With a token every request needs `Authorization: Bearer <token>` or the WebSocket subprotocol
// `bearer.<token>` (as on Workers); without one the server refuses to listen on anything but a
// loopback address. The timer (setTimeout) stands in for the Durable Object alarm.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DoSQLError } from '../errors.js';
import { LAKE_SOURCE_ID, LakeHost, serveWarehouseObject, type Lake, type LakeConnection } from '../lake/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { authenticate } from '../worker/auth.js';
import { errorResponse, json, readJsonObject, wireError } from '../worker/http-wire.js';

export interface LakeServerOptions {
  /** The lake, opened with `flush.auto: false` (the server's timer flushes it). */
  lake: Lake;
  /** The lake's warehouse store, served under /lake/objects. */
  warehouse: ObjectStore;
  /** Listen port; 0 (default) = any free port. */
  port?: number;
  /** Listen address. Default '127.0.0.1'. Anything but loopback needs `token`. */
  host?: string;
  /** Bearer token every request must present; undefined = none (loopback only). */
  token?: string;
  /** The lake's flush interval, ms (also the wait after a flush that could take nothing). Default 60000. */
  flushIntervalMs?: number;
  /** Compaction and cleanup this often after flushes wrote; 0 = only on request. Default 300000. */
  maintenanceIntervalMs?: number;
  /** Largest WebSocket message, bytes. Default 4 MiB (a streamer's batch is at most 900 KiB by default). */
  maxMessageBytes?: number;
}

export interface LakeServer {
  /** `http://host:port` (streamers use `ws://host:port/lake/ingest`; readers `<url>/lake/objects`). */
  readonly url: string;
  readonly port: number;
  readonly host: LakeHost;
  /** Stops listening, closes every connection and waits for a running tick; the lake stays open. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts serving `o.lake`. INVALID_ARGUMENT for a non-loopback host without a token. */
export async function serveLake(o: LakeServerOptions): Promise<LakeServer> {
  const bind = o.host ?? '127.0.0.1';
  if (!o.token && !LOOPBACK.has(bind)) throw new DoSQLError('INVALID_ARGUMENT', `lake serve: listening on ${bind} needs a token (--token); without one only loopback is served`);
  const conns = new Set<{ ws: WebSocket; conn: LakeConnection }>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt: number | null = null;
  let ticking: Promise<void> | null = null;
  let closed = false;
  const arm = (): void => {
    if (closed || ticking) return;
    const at = host.wakeAt();
    if (at === null || (timerAt !== null && timerAt <= at)) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = null;
      ticking = host.tick().finally(() => {
        ticking = null;
        arm();
      });
    }, Math.max(0, at - Date.now()));
  };
  const host: LakeHost = new LakeHost(o.lake, {
    flushIntervalMs: o.flushIntervalMs ?? 60_000,
    maintenanceIntervalMs: o.maintenanceIntervalMs ?? 300_000,
    connections: (sourceId) => [...conns].filter((c) => sourceId === undefined || c.conn.sourceId === sourceId).map((c) => c.conn),
    rearm: arm,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes ?? 4 * 1024 * 1024, handleProtocols: (p) => (p.has('dosql') ? 'dosql' : false) });

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Response;
    try {
      const request = toRequest(req, await body(req));
      answer = await route(request);
    } catch (e) {
      answer = errorResponse(e);
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (answer.body && req.method !== 'HEAD') res.end(Buffer.from(await answer.arrayBuffer()));
    else res.end();
  }

  async function route(req: Request): Promise<Response> {
    try {
      if (o.token !== undefined) await authenticate(req, o.token);
    } catch (e) {
      return errorResponse(e, { 'www-authenticate': 'Bearer realm="dosql-lake"' });
    }
    const url = new URL(req.url);
    if (!url.pathname.startsWith('/lake/')) throw new DoSQLError('NOT_FOUND', `lake serve: no route ${req.method} ${url.pathname} (everything is under /lake/)`, { details: { status: 404 } });
    if (url.pathname.startsWith('/lake/objects/')) return serveWarehouseObject(o.warehouse, req, decodeURIComponent(url.pathname.slice('/lake/objects/'.length)));
    if (url.pathname === '/lake/ingest') throw new DoSQLError('INVALID_ARGUMENT', 'lake: /lake/ingest expects a WebSocket upgrade request', { details: { status: 426 } });
    const b = req.method === 'POST' ? await readJsonObject(req).catch(() => ({}) as Record<string, unknown>) : {};
    return json(await host.control(req.method, url.pathname.slice('/lake'.length), b));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const request = toRequest(req, null);
      const url = new URL(request.url);
      let sourceId = '';
      try {
        if (o.token !== undefined) await authenticate(request, o.token);
        if (url.pathname !== '/lake/ingest') throw new DoSQLError('NOT_FOUND', `lake serve: no WebSocket route ${url.pathname} (/lake/ingest)`, { details: { status: 404 } });
        sourceId = url.searchParams.get('source') ?? '';
        if (!LAKE_SOURCE_ID.test(sourceId)) throw new DoSQLError('INVALID_ARGUMENT', `lake: /lake/ingest needs ?source=<id> (1-128 characters of [A-Za-z0-9_.:-]), got ${JSON.stringify(sourceId)}`);
      } catch (e) {
        const r = errorResponse(e);
        socket.end(`HTTP/1.1 ${r.status} Refused\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${await r.text()}`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, sourceId));
    })();
  });

  function accept(ws: WebSocket, sourceId: string): void {
    const conn: LakeConnection = {
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
    const entry = { ws, conn };
    conns.add(entry);
    // One message at a time per connection, in order (a streamer has one batch in flight anyway).
    let chain: Promise<void> = Promise.resolve();
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      chain = chain.then(() => host.message(conn, text));
    });
    ws.on('close', () => conns.delete(entry));
    ws.on('error', () => conns.delete(entry));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, bind, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  arm();
  return {
    url: `http://${bind.includes(':') ? `[${bind}]` : bind}:${port}`,
    port,
    host,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const c of conns) c.ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await ticking;
    },
  };
}

/** Reads a request's body (none for GET / HEAD). */
async function body(req: IncomingMessage): Promise<Buffer | null> {
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > 16 * 1024 * 1024) throw new DoSQLError('INVALID_ARGUMENT', 'lake serve: request body over 16 MiB', { details: { status: 413 } });
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** A Node request as a WHATWG Request (what the shared routes take). */
function toRequest(req: IncomingMessage, b: Buffer | null): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(b && b.length ? { body: b } : {}) });
}
