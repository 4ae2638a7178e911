// createWebSocketClient: the DB() surface over one WebSocket to the database's object
// (GET /db/<name>/ws). Requests are JSON messages with an id; query rows stream back in
// batches and are collected here. The token travels as the subprotocol `bearer.<token>` next
// to `dosql`, which browsers can send (they cannot set an Authorization header). The socket
// opens on first use and again after it closes; transactions belong to the socket that began
// them (the server rolls them back when it closes).
import { DoSQLError } from '../errors.js';
import { errorFromWire, type WireError, type WireResult } from './wire.js';
import { clientSurface } from './surface.js';
import type { ClientOptions, DoSQLClient } from './types.js';

/** The WHATWG WebSocket shape the client needs (browsers, workerd, Node 22+, undici). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (ev: { data?: unknown; code?: number; reason?: string }) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketClientOptions extends ClientOptions {
  /** WebSocket implementation (default globalThis.WebSocket; on Node 20 pass undici's). */
  WebSocket?: WebSocketConstructor;
}

interface Pending {
  resolve(v: Reply): void;
  reject(e: unknown): void;
  columns: string[];
  rows: unknown[][];
}

interface Reply {
  columns: string[];
  rows: unknown[][];
  done: Record<string, unknown>;
}

export function createWebSocketClient(options: WebSocketClientOptions): DoSQLClient {
  const found = options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!found) throw new DoSQLError('NOT_SUPPORTED', 'client: no WebSocket implementation; pass options.WebSocket');
  const Ctor: WebSocketConstructor = found;
  const url = `${options.url.replace(/\/+$/, '').replace(/^http/, 'ws')}/db/${encodeURIComponent(options.database ?? 'default')}/ws`;
  let socket: Promise<WebSocketLike> | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let closed = false;

  function connect(): Promise<WebSocketLike> {
    if (socket) return socket;
    const s = new Promise<WebSocketLike>((resolve, reject) => {
      const ws = new Ctor(url, ['dosql', `bearer.${options.token}`]);
      let open = false;
      ws.addEventListener('open', () => {
        open = true;
        resolve(ws);
      });
      ws.addEventListener('message', (ev) => onMessage(typeof ev.data === 'string' ? ev.data : String(ev.data)));
      const fail = (why: string): void => {
        if (socket === s) socket = null;
        const err = new DoSQLError('IO_ERROR', `client: WebSocket ${why}`);
        if (!open) reject(err);
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      };
      ws.addEventListener('close', (ev) => fail(`closed (${ev.code ?? ''} ${ev.reason ?? ''})`.trim()));
      ws.addEventListener('error', () => fail('failed (refused, unauthorized or unreachable)'));
    });
    socket = s;
    s.catch(() => undefined);
    return s;
  }

  function onMessage(text: string): void {
    let m: { id?: number; type?: string; columns?: string[]; rows?: unknown[][]; error?: WireError; [k: string]: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    const p = pending.get(m.id as number);
    if (!p) return;
    switch (m.type) {
      case 'columns':
        p.columns = m.columns ?? [];
        return;
      case 'rows':
        for (const r of m.rows ?? []) p.rows.push(r);
        return;
      case 'done':
        pending.delete(m.id as number);
        p.resolve({ columns: p.columns, rows: p.rows, done: m });
        return;
      case 'error':
        pending.delete(m.id as number);
        p.reject(errorFromWire(m.error));
        return;
    }
  }

  async function request(msg: Record<string, unknown>): Promise<Reply> {
    if (closed) throw new DoSQLError('CLOSED', 'client: closed');
    const ws = await connect();
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, { resolve, reject, columns: [], rows: [] });
      try {
        ws.send(JSON.stringify({ id, ...msg }));
      } catch (e) {
        pending.delete(id);
        reject(new DoSQLError('IO_ERROR', `client: WebSocket send failed: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  return clientSurface({
    statement: async (sql, params, extra) => {
      const reply = await request({ type: 'query', sql, ...(params !== undefined ? { params } : {}), ...extra });
      return { ...(reply.done as unknown as WireResult), columns: reply.columns, rows: reply.rows as WireResult['rows'] };
    },
    script: async (sql, extra) => {
      await request({ type: 'exec', sql, ...extra });
    },
    begin: async (extra) => ((await request({ type: 'begin', ...extra })).done.result as { txId: string }).txId,
    commit: async (txId) => {
      await request({ type: 'commit', txId });
    },
    rollback: async (txId) => {
      await request({ type: 'rollback', txId });
    },
    close: async () => {
      closed = true;
      const s = socket;
      socket = null;
      if (s) (await s.catch(() => null))?.close(1000, 'client closed');
    },
  });
}
