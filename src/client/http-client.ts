// createHttpClient: the DB() surface over the Worker's HTTP API. Every call is one request;
// `transaction(fn)` opens a server-side transaction (POST /transaction {action:'begin'}) and
// sends its statements with the transaction id. Errors come back as DoSQLError with the
// server's code.
import { DoSQLError } from '../errors.js';
import { errorFromWire, type WireError, type WireResult } from './wire.js';
import { clientSurface } from './surface.js';
import type { ClientOptions, DoSQLClient } from './types.js';

export interface HttpClientOptions extends ClientOptions {
  /** fetch implementation (default globalThis.fetch). */
  fetch?: (input: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;
}

export function createHttpClient(options: HttpClientOptions): DoSQLClient {
  const base = `${options.url.replace(/\/+$/, '')}/db/${encodeURIComponent(options.database ?? 'default')}`;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let closed = false;

  async function post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    if (closed) throw new DoSQLError('CLOSED', 'client: closed');
    let res: Response;
    try {
      res = await doFetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (e) {
      throw new DoSQLError('IO_ERROR', `client: request to ${path} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new DoSQLError('IO_ERROR', `client: ${path} answered HTTP ${res.status} with a body that is not JSON`, { details: { status: res.status } });
    }
    if (!res.ok) throw errorFromWire((parsed as { error?: WireError }).error, res.status);
    return parsed as T;
  }

  return clientSurface({
    statement: (sql, params, extra) => post<WireResult>('/query', { sql, ...(params !== undefined ? { params } : {}), rowMode: 'array', ...extra }),
    script: async (sql, extra) => {
      await post('/exec', { sql, ...extra });
    },
    begin: async (extra) => (await post<{ txId: string }>('/transaction', { action: 'begin', ...extra })).txId,
    commit: async (txId) => {
      await post('/transaction', { action: 'commit', txId });
    },
    atomic: (statements, extra) => post<{ results: WireResult[]; lsn: number }>('/transaction', { statements, rowMode: 'array', ...extra }),
    rollback: async (txId) => {
      await post('/transaction', { action: 'rollback', txId });
    },
    close: async () => {
      closed = true;
    },
  });
}
