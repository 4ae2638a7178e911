// The CapnWeb client of dosql/rpc (seed 001; docs/rpc.md): createWebSocketClient over one
// WebSocket (a long-lived CapnWeb session with promise pipelining) and createHttpClient over
// HTTP batches (calls made in the same tick travel in one request). Both have the DB()-shaped
// surface (query, queryOne, run, exec, batch, transaction) plus `rpc`, the raw stub, for
// pipelined calls such as `client.rpc.begin().run(...)`.
//
// Reconnect (WebSocket, `reconnect: true`, the default): when the session breaks (the server
// dropped the socket, the object restarted), calls in flight fail with IO_ERROR (they may or
// may not have run: the client does not guess) and the next call opens a new socket. An open
// transaction dies with its socket: the server rolls it back.
import { newHttpBatchRpcSession, RpcSession, type RpcStub } from 'capnweb';
import { DoSQLError, type ErrorCode } from '../errors.js';
import type { DoSQLTarget, RpcParams, RpcRow, RpcRunResult, TransactionTarget } from './server.js';
import { SocketTransport } from './socket-transport.js';
import { plainRows } from './rows.js';

/** The WHATWG WebSocket constructor (browsers, workerd, Node 22+, undici's on Node 20). */
export type RpcWebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

export interface RpcClientOptions {
  /**
   * The endpoint: a dosql Worker's base URL with `database` (…/db/<database>/rpc is used), or
   * the full URL of an endpoint (a user's own object serving handleDoSQLRequest).
   */
  url: string;
  database?: string;
  /** The API token: a `bearer.<token>` subprotocol on the WebSocket, an Authorization header on HTTP. */
  token?: string;
  /** Open a new socket after the session breaks (default true). WebSocket only. */
  reconnect?: boolean;
  /** WebSocket implementation (default globalThis.WebSocket). */
  WebSocket?: RpcWebSocketConstructor;
  /** HTTP only: kept for seed 001's shape; HTTP batching is always on. */
  batch?: boolean;
}

export interface RpcTransaction {
  query<T = RpcRow>(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<T[]>;
  queryOne<T = RpcRow>(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<T | undefined>;
  run(sql: string, params?: RpcParams): Promise<{ changes: number; lastInsertRowId: number | bigint }>;
  exec(sql: string): Promise<void>;
}

export interface RpcClient {
  query<T = RpcRow>(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<T[]>;
  queryOne<T = RpcRow>(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<T | undefined>;
  run(sql: string, params?: RpcParams): Promise<RpcRunResult>;
  exec(sql: string): Promise<void>;
  /** Statements in one transaction, all or nothing (one call). */
  batch(statements: readonly { sql: string; params?: RpcParams }[]): Promise<{ rows: RpcRow[]; changes: number; lastInsertRowId: number | bigint }[]>;
  /** Runs `fn` in one server-side transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: RpcTransaction) => Promise<T>): Promise<T>;
  /** The raw CapnWeb stub of the current session, for pipelining (WebSocket: reconnects give a new one). */
  readonly rpc: RpcStub<DoSQLTarget>;
  close(): Promise<void>;
}

function endpoint(o: RpcClientOptions, ws: boolean): string {
  if (o === null || typeof o !== 'object' || typeof o.url !== 'string') throw new DoSQLError('INVALID_ARGUMENT', 'rpc: the client options need url (string)');
  let url = o.url.replace(/\/+$/, '');
  if (o.database !== undefined) url = `${url}/db/${encodeURIComponent(o.database)}/rpc`;
  return ws ? url.replace(/^http/, 'ws') : url.replace(/^ws/, 'http');
}

/** A DoSQLError from what CapnWeb carried (the server's code and details), or IO_ERROR for a broken session. */
function typed(e: unknown): unknown {
  if (e instanceof DoSQLError) return e;
  const x = e as { code?: unknown; details?: unknown; message?: unknown } | null;
  if (x && typeof x.code === 'string' && typeof x.message === 'string') {
    return new DoSQLError(x.code as ErrorCode, x.message, { details: x.details && typeof x.details === 'object' ? (x.details as Record<string, unknown>) : {} });
  }
  return new DoSQLError('IO_ERROR', `rpc: the session failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

async function call<T>(p: PromiseLike<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw typed(e);
  }
}

function surface(stub: () => RpcStub<DoSQLTarget>, close: () => Promise<void>): RpcClient {
  const txOf = (t: RpcStub<TransactionTarget>): RpcTransaction => ({
    query: async (sql, params, o) => plainRows(await call(t.query(sql, params, o))) as never,
    queryOne: async (sql, params, o) => plainRows(await call(t.queryOne(sql, params, o))) as never,
    run: (sql, params) => call(t.run(sql, params)),
    exec: (sql) => call(t.exec(sql)),
  });
  return {
    query: async (sql, params, o) => plainRows(await call(stub().query(sql, params, o))) as never,
    queryOne: async (sql, params, o) => plainRows(await call(stub().queryOne(sql, params, o))) as never,
    run: (sql, params) => call(stub().run(sql, params)),
    exec: (sql) => call(stub().exec(sql)),
    batch: async (statements) => (await call(stub().batch(statements))).map((r) => ({ ...r, rows: plainRows(r.rows) })),
    async transaction(fn) {
      // Pipelined: the first statement goes out with begin(), not after it.
      const t = stub().begin();
      let result;
      try {
        result = await fn(txOf(t));
      } catch (e) {
        await call(t.rollback()).catch(() => undefined);
        throw e;
      }
      await call(t.commit());
      return result;
    },
    get rpc() {
      return stub();
    },
    close,
  };
}

/**
 * A client over one WebSocket (seed 001: `await createWebSocketClient({ url, reconnect: true })`).
 * Resolves once the first socket is open; UNAUTHORIZED/IO_ERROR when it cannot open.
 */
export async function createWebSocketClient(options: RpcClientOptions): Promise<RpcClient> {
  const url = endpoint(options, true);
  const Ctor = options.WebSocket ?? (globalThis as unknown as { WebSocket?: RpcWebSocketConstructor }).WebSocket;
  if (!Ctor) throw new DoSQLError('NOT_SUPPORTED', 'rpc: no WebSocket implementation; pass options.WebSocket (undici\'s on Node 20)');
  const reconnect = options.reconnect ?? true;
  const protocols = options.token !== undefined ? ['dosql', `bearer.${options.token}`] : ['dosql'];
  let current: { stub: RpcStub<DoSQLTarget>; socket: WebSocket } | null = null;
  let broken: unknown = null;
  let closed = false;

  const open = async (): Promise<{ stub: RpcStub<DoSQLTarget>; socket: WebSocket }> => {
    const socket = new Ctor(url, protocols);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new DoSQLError('IO_ERROR', `rpc: WebSocket to ${url} failed (refused, unauthorized or unreachable)`)), { once: true });
    });
    const stub = new RpcSession<DoSQLTarget>(new SocketTransport(socket)).getRemoteMain();
    const session = { stub, socket };
    stub.onRpcBroken((e: unknown) => {
      if (current !== session) return;
      current = null;
      broken = e;
    });
    return session;
  };
  current = await open();
  let opening: Promise<void> | null = null;

  // Calls need a stub synchronously (pipelining): after a break, the next call waits for a new socket.
  const stub = (): RpcStub<DoSQLTarget> => {
    if (closed) throw new DoSQLError('CLOSED', 'rpc: client closed');
    if (current) return current.stub;
    if (!reconnect) throw typed(broken);
    return pendingStub();
  };
  const pendingStub = (): RpcStub<DoSQLTarget> => {
    opening ??= open().then(
      (s) => {
        current = s;
        opening = null;
      },
      (e: unknown) => {
        opening = null;
        throw e;
      },
    );
    const ready = opening;
    // A stand-in whose methods wait for the new session, then call it.
    return new Proxy({} as RpcStub<DoSQLTarget>, {
      get: (_t, prop) => (...args: unknown[]) => ready.then(() => (current!.stub as unknown as Record<string | symbol, (...a: unknown[]) => unknown>)[prop]!(...args)),
    });
  };

  return surface(stub, async () => {
    closed = true;
    const s = current;
    current = null;
    if (s) {
      s.stub[Symbol.dispose]();
      s.socket.close(1000, 'client closed');
    }
  });
}

/** A client over HTTP batches (seed 001's createHttpClient): calls in the same tick share one request. */
export function createHttpClient(options: RpcClientOptions): RpcClient {
  const url = endpoint(options, false);
  const headers: Record<string, string> = options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {};
  // One batch per tick: a new session per call group (an HTTP batch session ends with its request).
  let batch: RpcStub<DoSQLTarget> | null = null;
  const stub = (): RpcStub<DoSQLTarget> => {
    if (!batch) {
      batch = newHttpBatchRpcSession<DoSQLTarget>(new Request(url, { method: 'POST', headers }));
      queueMicrotask(() => (batch = null));
    }
    return batch;
  };
  return surface(stub, async () => undefined);
}

/** Seed 001's withTransaction(client, fn): client.transaction(fn). */
export function withTransaction<T>(client: RpcClient, fn: (tx: RpcTransaction) => Promise<T>): Promise<T> {
  return client.transaction(fn);
}
