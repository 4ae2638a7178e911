// The Worker's `/lake/*` routes (docs/workers.md, "The lake"), behind the bearer token
// DOLAKE_AUTH_TOKEN (else DOSQL_TOKEN; neither configured → every request refused):
//   GET|HEAD /lake/objects/<key>   a warehouse object from the bucket LAKEHOUSE_BUCKET, served
//                                  here without waking the DoLake object: keys under
//                                  `warehouse/` only, no listing, `Range: bytes=…` answered 206
//                                  — what Iceberg readers (icebird, DuckDB over HTTP) fetch
//   anything else                  forwarded to the DoLake object `?lake=<name>` (default
//                                  'default'): /lake/ingest (WebSocket), status, flush, compact, cleanup
import { DoSQLError } from '../errors.js';
import { R2ObjectStore, type R2BucketLike } from '../storage/r2-store.js';
import { authenticate } from './auth.js';
import type { DurableObjectNamespace, Env } from './cf-types.js';
import { checkDatabaseName } from './config.js';
import { errorResponse } from './http-wire.js';

/** Handles a request whose path starts with /lake. */
export async function lakeRoute(req: Request, env: Env, url: URL): Promise<Response> {
  try {
    await authenticate(req, (env.DOLAKE_AUTH_TOKEN as string | undefined) || env.DOSQL_TOKEN);
  } catch (e) {
    return errorResponse(e, { 'www-authenticate': 'Bearer realm="dosql-lake"' });
  }
  try {
    if (url.pathname.startsWith('/lake/objects/')) return await serveObject(req, env, decodeURIComponent(url.pathname.slice('/lake/objects/'.length)));
    const ns = env.DOLAKE as DurableObjectNamespace | undefined;
    if (!ns) throw new DoSQLError('NOT_FOUND', 'worker: no DOLAKE binding: the lake is not configured (wrangler.toml)', { details: { status: 404 } });
    const name = url.searchParams.get('lake') ?? 'default';
    checkDatabaseName(name);
    return await ns.get(ns.idFromName(name)).fetch(req);
  } catch (e) {
    return errorResponse(e);
  }
}

async function serveObject(req: Request, env: Env, key: string): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new DoSQLError('INVALID_ARGUMENT', 'worker: /lake/objects is read-only (GET, HEAD)', { details: { status: 405 } });
  if (!key.startsWith('warehouse/') || key.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new DoSQLError('NOT_FOUND', `worker: /lake/objects serves warehouse objects only (warehouse/<namespace>/<table>/...), not ${JSON.stringify(key)}`, { details: { status: 404 } });
  }
  const bucket = env.LAKEHOUSE_BUCKET as R2BucketLike | undefined;
  if (!bucket) throw new DoSQLError('NOT_FOUND', 'worker: no LAKEHOUSE_BUCKET binding', { details: { status: 404 } });
  const store = new R2ObjectStore(bucket, { bucketName: 'LAKEHOUSE_BUCKET' });
  const missing = (): never => {
    throw new DoSQLError('NOT_FOUND', `worker: no warehouse object ${key}`, { details: { status: 404 } });
  };
  const head = (await store.head(key)) ?? missing();
  const base = { 'accept-ranges': 'bytes', etag: `"${head.etag}"`, 'content-type': contentType(key) };
  const range = parseRange(req.headers.get('range'), head.size);
  if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { ...base, 'content-range': `bytes */${head.size}` } });
  if (req.method === 'HEAD') return new Response(null, { status: 200, headers: { ...base, 'content-length': String(head.size) } });
  if (range) {
    const got = (await store.get(key, { range })) ?? missing();
    return new Response(got.data, { status: 206, headers: { ...base, 'content-length': String(got.data.length), 'content-range': `bytes ${range.offset}-${range.offset + got.data.length - 1}/${got.size}` } });
  }
  const got = (await store.get(key)) ?? missing();
  return new Response(got.data, { status: 200, headers: { ...base, 'content-length': String(got.data.length) } });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range, RFC 9110 §14.1.2); null = the whole object. */
export function parseRange(h: string | null, size: number): { offset: number; length: number } | null | 'unsatisfiable' {
  if (!h) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // not one simple range: send the whole object
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? 'unsatisfiable' : { offset: size - n, length: n };
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (end < start) return null;
  return { offset: start, length: end - start + 1 };
}

function contentType(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.text')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
