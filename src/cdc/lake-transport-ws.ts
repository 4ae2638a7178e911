// The lake over a WebSocket (docs/format/lake.md, "Wire protocol"): a `LakeEndpoint` whose calls
// are JSON text messages — `hello` → `welcome`, `batch` → `ack`/`nack` — and whose pushes
// (`committed`, `backpressure`) reach the listeners. Used by the DoSQL object to stream to a
// DoLake object (src/worker/lake-link.ts) and by any client with a WebSocket.
//
// Each `hello` opens a fresh connection (a session): the streamer says hello at every
// (re)connect, so a session never outlives its socket. A closed socket, an `error` message, a
// missing answer after `ackTimeoutMs` or no message at all for two heartbeat intervals fail
// every pending call with IO_ERROR; the streamer then reconnects with backoff and resumes
// from the lake's `resumeAfter`. Heartbeats: `{"type":"ping"}` when idle for
// `heartbeatIntervalMs` (the lake answers `{"type":"pong"}`, on Workers without waking).
//
// Async safety: calls may overlap; answers are matched by batch id and sequence number.
import { DoSQLError, type ErrorCode } from '../errors.js';
import type { BackpressureSignal, CDCBatch, LakeAck, LakeCommitted, LakeEndpoint, LakeHello, LakeNack, LakeWelcome } from './lake-protocol.js';

/** The part of a WebSocket (WHATWG / workerd) the endpoint uses. */
export interface LakeSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'close' | 'error', listener: (e: unknown) => void): void;
}

export interface WebSocketLakeOptions {
  /** Opens an accepted, open socket to the lake's ingest endpoint. */
  connect(): Promise<LakeSocket>;
  /** Ping when idle this long; no message for twice this long closes the socket. Default 30000 ms. */
  heartbeatIntervalMs?: number;
  /** A call unanswered this long fails. Default 30000 ms. */
  ackTimeoutMs?: number;
}

interface Waiter {
  key: string;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

export class WebSocketLakeEndpoint implements LakeEndpoint {
  private ws: LakeSocket | null = null;
  private readonly waiters = new Map<string, Waiter>();
  private readonly committedListeners = new Map<string, Set<(c: LakeCommitted) => void>>();
  private readonly bpListeners = new Set<(s: BackpressureSignal) => void>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastMessageAt = 0;
  private lastSentAt = 0;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly ackTimeoutMs: number;
  /** Connections opened so far (status, tests). */
  connects = 0;
  private lostWake: ((e: DoSQLError) => void) | null = null;
  private lostPromise: Promise<DoSQLError> = new Promise(() => undefined);

  constructor(private readonly o: WebSocketLakeOptions) {
    this.heartbeatMs = o.heartbeatIntervalMs ?? 30_000;
    this.ackTimeoutMs = o.ackTimeoutMs ?? 30_000;
  }

  get connected(): boolean {
    return this.ws !== null;
  }

  async hello(h: LakeHello): Promise<LakeWelcome> {
    if (this.closed) throw new DoSQLError('CLOSED', 'cdc: the lake connection is closed');
    this.drop(new DoSQLError('IO_ERROR', 'cdc: lake session replaced by a new hello'));
    const ws = await this.o.connect();
    this.connects++;
    this.ws = ws;
    this.lostPromise = new Promise((r) => (this.lostWake = r));
    this.lastMessageAt = Date.now();
    ws.addEventListener('message', (e) => {
      if (this.ws === ws) this.onMessage(e.data);
    });
    const lost = (): void => {
      if (this.ws === ws) this.drop(new DoSQLError('IO_ERROR', 'cdc: the lake connection closed'));
    };
    ws.addEventListener('close', lost);
    ws.addEventListener('error', lost);
    this.heartbeat = setInterval(() => this.beat(ws), Math.max(10, Math.floor(this.heartbeatMs / 2)));
    return (await this.call('welcome', h)) as LakeWelcome;
  }

  async ingest(batch: CDCBatch): Promise<LakeAck | LakeNack> {
    if (!this.ws) throw new DoSQLError('IO_ERROR', 'cdc: not connected to the lake (say hello first)');
    return (await this.call(`batch:${batch.batchId}:${batch.sequenceNumber}`, { type: 'batch', batch })) as LakeAck | LakeNack;
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

  /**
   * Resolves with the reason when the current session's connection is lost — also while no call
   * is pending, so an idle streamer notices and reconnects.
   */
  lost(): Promise<DoSQLError> {
    return this.lostPromise;
  }

  /** Closes the connection; pending calls fail with CLOSED. */
  close(): void {
    this.closed = true;
    this.drop(new DoSQLError('CLOSED', 'cdc: the lake connection is closed'));
  }

  private call(key: string, msg: unknown): Promise<unknown> {
    const ws = this.ws!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new DoSQLError('IO_ERROR', `cdc: the lake did not answer ${key} within ${this.ackTimeoutMs} ms`));
        if (this.ws === ws) this.drop(new DoSQLError('IO_ERROR', 'cdc: lake connection timed out'));
      }, this.ackTimeoutMs);
      this.waiters.get(key)?.reject(new DoSQLError('IO_ERROR', `cdc: ${key} sent again`));
      this.waiters.set(key, { key, resolve, reject, timer });
      try {
        ws.send(JSON.stringify(msg));
        this.lastSentAt = Date.now();
      } catch (e) {
        this.drop(new DoSQLError('IO_ERROR', `cdc: sending to the lake failed: ${String(e)}`, { cause: e }));
      }
    });
  }

  private settle(key: string, v: unknown): void {
    const w = this.waiters.get(key);
    if (!w) return;
    this.waiters.delete(key);
    clearTimeout(w.timer);
    w.resolve(v);
  }

  private onMessage(data: unknown): void {
    this.lastMessageAt = Date.now();
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)) as Record<string, unknown>;
    } catch {
      this.drop(new DoSQLError('IO_ERROR', 'cdc: the lake sent a message that is not JSON'));
      return;
    }
    switch (m.type) {
      case 'welcome':
        this.settle('welcome', m);
        return;
      case 'ack':
      case 'nack':
        this.settle(`batch:${String(m.batchId)}:${String(m.sequenceNumber)}`, m);
        return;
      case 'committed': {
        const c = m as unknown as LakeCommitted;
        for (const l of this.committedListeners.get(c.sourceId) ?? []) l(c);
        return;
      }
      case 'backpressure':
        for (const l of this.bpListeners) l(m.signal as BackpressureSignal);
        return;
      case 'error': {
        const err = (m.error ?? {}) as { code?: string; message?: string };
        this.drop(new DoSQLError((err.code as ErrorCode | undefined) ?? 'IO_ERROR', `cdc: the lake refused the session: ${err.message ?? 'no message'}`));
        return;
      }
      default:
        return; // pong and anything newer
    }
  }

  private beat(ws: LakeSocket): void {
    if (this.ws !== ws) return;
    const now = Date.now();
    if (now - this.lastMessageAt > 2 * this.heartbeatMs) {
      this.drop(new DoSQLError('IO_ERROR', `cdc: no message from the lake for ${now - this.lastMessageAt} ms`));
      return;
    }
    if (now - Math.max(this.lastSentAt, this.lastMessageAt) >= this.heartbeatMs) {
      try {
        ws.send('{"type":"ping"}');
        this.lastSentAt = now;
      } catch {
        this.drop(new DoSQLError('IO_ERROR', 'cdc: the lake connection closed'));
      }
    }
  }

  /** Closes the current socket and fails every pending call with `err`. */
  private drop(err: DoSQLError): void {
    const ws = this.ws;
    this.ws = null;
    this.lostWake?.(err);
    this.lostWake = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (ws) {
      try {
        ws.close(1000, 'done');
      } catch {
        // Already closed.
      }
    }
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }
}

/**
 * An endpoint on a lake's WebSocket ingest URL (`wss://<worker>/lake/ingest[?lake=<name>]`):
 * `?source=<sourceId>` is appended, `token` goes as the `bearer.<token>` subprotocol (beside
 * `dosql`), `WebSocket` defaults to the global one. INVALID_ARGUMENT without a WebSocket.
 */
export function webSocketLake(o: { url: string; sourceId: string; token?: string; WebSocket?: new (url: string, protocols?: string[]) => LakeSocket; heartbeatIntervalMs?: number; ackTimeoutMs?: number }): WebSocketLakeEndpoint {
  const WS = o.WebSocket ?? (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => LakeSocket }).WebSocket;
  if (!WS) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: no WebSocket in this runtime: pass one for the lake URL');
  const url = new URL(o.url);
  url.searchParams.set('source', o.sourceId);
  return new WebSocketLakeEndpoint({
    connect: () =>
      new Promise<LakeSocket>((resolve, reject) => {
        const ws = new WS(url.toString(), o.token ? ['dosql', `bearer.${o.token}`] : undefined);
        (ws as unknown as { binaryType?: string }).binaryType = 'arraybuffer';
        ws.addEventListener('open' as 'close', () => resolve(ws));
        ws.addEventListener('error', () => reject(new DoSQLError('IO_ERROR', `cdc: could not connect to the lake at ${o.url}`)));
      }),
    ...(o.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: o.heartbeatIntervalMs } : {}),
    ...(o.ackTimeoutMs !== undefined ? { ackTimeoutMs: o.ackTimeoutMs } : {}),
  });
}
