// createHttpClient: the DB() surface over the Worker's HTTP API. Every call is one request;
// `transaction(fn)` opens a server-side transaction (POST /transaction {action:'begin'}) and
// sends its statements with the transaction id. Errors come back as DoSQLError with the
// server's code.
import { DoSQLError } from '../errors.js';
import { encodeParams, errorFromWire, type WireError, type WireResult } from './wire.js';
import { lastRowId, rowObjects } from './rows.js';
import type { ClientOptions, ClientParams, ClientQueryOptions, ClientRunResult, ClientTransaction, DoSQLClient } from './types.js';

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

  const statement = (sql: string, params: ClientParams | undefined, extra: Record<string, unknown>): Promise<WireResult> => {
    const p = encodeParams(params);
    return post<WireResult>('/query', { sql, ...(p !== undefined ? { params: p } : {}), rowMode: 'array', ...extra });
  };

  async function query<T>(sql: string, params?: ClientParams, o: ClientQueryOptions = {}): Promise<T[]> {
    const r = await statement(sql, params, { safeIntegers: o.safeIntegers ?? false, ...(o.asOf !== undefined ? { asOf: o.asOf } : {}), ...(o.branch !== undefined ? { branch: o.branch } : {}) });
    return rowObjects(r.columns, r.rows, o.safeIntegers ?? false) as T[];
  }

  function txHandle(txId: string): ClientTransaction {
    const q = async <T>(sql: string, params?: ClientParams, o: { safeIntegers?: boolean } = {}): Promise<T[]> => {
      const r = await statement(sql, params, { txId, safeIntegers: o.safeIntegers ?? false });
      return rowObjects(r.columns, r.rows, o.safeIntegers ?? false) as T[];
    };
    return {
      query: q,
      queryOne: async (sql, params, o) => (await q(sql, params, o))[0] as never,
      run: async (sql, params) => {
        const r = await statement(sql, params, { txId });
        return { changes: r.changes, lastInsertRowId: lastRowId(r.lastInsertRowId) };
      },
      exec: async (sql) => {
        await post('/exec', { sql, txId });
      },
    };
  }

  return {
    query,
    queryOne: async (sql, params, o) => (await query(sql, params, o))[0] as never,
    async run(sql, params, o = {}): Promise<ClientRunResult> {
      const r = await statement(sql, params, o.branch !== undefined ? { branch: o.branch } : {});
      return { changes: r.changes, lastInsertRowId: lastRowId(r.lastInsertRowId), lsn: r.lsn ?? 0 };
    },
    async exec(sql, o = {}) {
      await post('/exec', { sql, ...(o.branch !== undefined ? { branch: o.branch } : {}) });
    },
    async transaction(fn, o = {}) {
      for (let attempt = 0; ; attempt++) {
        const { txId } = await post<{ txId: string }>('/transaction', { action: 'begin', ...(o.branch !== undefined ? { branch: o.branch } : {}) });
        let result;
        try {
          result = await fn(txHandle(txId));
        } catch (e) {
          await post('/transaction', { action: 'rollback', txId }).catch(() => undefined);
          throw e;
        }
        try {
          await post('/transaction', { action: 'commit', txId });
          return result;
        } catch (e) {
          if (e instanceof DoSQLError && e.code === 'WRITE_CONFLICT' && attempt < (o.retries ?? 0)) continue;
          throw e;
        }
      }
    },
    async close() {
      closed = true;
    },
  };
}
