// A shard reached over HTTP: the DoSQL Durable Object's JSON API (src/worker/http-api.ts,
// docs/workers.md). `POST <url>/query { sql, params, rowMode: 'array', safeIntegers: true }`
// runs one statement; `POST <url>/transaction { statements }` runs several atomically;
// `GET <url>/health` answers the LSN. In a Worker, pass the shard object's stub as `fetch`
// (`(req) => env.DOSQL.get(env.DOSQL.idFromName(name)).fetch(req)`) or the Worker's own URL.
import { DoSQLError, type ErrorCode } from '../errors.js';
import type { SqlValue } from '../sql/types/value.js';
import type { ShardConnection, ShardResult } from './connection.js';
import { decodeWire, encodeWire } from './http-wire.js';

export interface HttpShardOptions {
  /** The database's base URL, e.g. `https://db.example.com/db/shard-0` (routes are appended). */
  readonly url: string;
  /** The fetch to use (default: the global fetch); a Durable Object stub's `fetch` works. */
  readonly fetch?: (request: Request) => Promise<Response>;
  /** Extra request headers (e.g. `authorization: Bearer ...`). */
  readonly headers?: Readonly<Record<string, string>>;
}

interface WireResult {
  columns: string[];
  rows: unknown[][];
  changes: number;
  lastInsertRowId?: unknown;
  lsn?: number;
}

/** A connection to shard `id` over the Worker HTTP API at `options.url`. */
export function httpShard(id: string, options: HttpShardOptions): ShardConnection {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((r: Request) => fetch(r));
  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    let res: Response;
    try {
      res = await doFetch(new Request(`${base}/${path}`, { method, headers: { 'content-type': 'application/json', ...(options.headers ?? {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
    } catch (e) {
      throw new DoSQLError('IO_ERROR', `shard: ${id}: request to ${base}/${path} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { shard: id } });
    }
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new DoSQLError('IO_ERROR', `shard: ${id}: HTTP ${res.status}: not JSON: ${text.slice(0, 80)}`, { cause: e, details: { shard: id, status: res.status } });
    }
    if (!res.ok) {
      const err = json.error as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
      throw new DoSQLError((err?.code ?? 'IO_ERROR') as ErrorCode, err?.message ?? `shard: ${id}: HTTP ${res.status}`, { details: { ...(err?.details ?? {}), shard: id, status: res.status } });
    }
    return json;
  };
  const result = (r: WireResult): ShardResult => ({
    columns: r.columns ?? [],
    rows: (r.rows ?? []).map((row) => row.map(decodeWire)),
    changes: r.changes ?? 0,
    ...(r.lastInsertRowId !== undefined && r.lastInsertRowId !== null ? { lastInsertRowId: BigInt(decodeWire(r.lastInsertRowId) as bigint | number) } : {}),
    ...(r.lsn !== undefined ? { lsn: r.lsn } : {}),
  });
  const params = (ps: readonly unknown[] | undefined): unknown[] => (ps ?? []).map(encodeWire);
  return {
    id,
    async exec(sql, ps) {
      return result((await call('POST', 'query', { sql, params: params(ps), rowMode: 'array', safeIntegers: true })) as unknown as WireResult);
    },
    async batch(statements) {
      const r = await call('POST', 'transaction', { statements: statements.map((s) => ({ sql: s.sql, params: params(s.params as readonly SqlValue[] | undefined) })), rowMode: 'array', safeIntegers: true });
      return (r.results as WireResult[]).map(result);
    },
    async ping() {
      const r = await call('GET', 'health');
      return { lsn: Number(r.lsn ?? 0) };
    },
  };
}
