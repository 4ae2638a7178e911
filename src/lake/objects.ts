// GET|HEAD /lake/objects/<key>: a warehouse object served read-only over HTTP, for Iceberg
// readers (icebird, DuckDB over HTTP) — by the Worker straight from R2 (src/worker/lake-routes.ts)
// and by `dosql lake serve` from its folder (src/node/lake-server.ts). Keys under `warehouse/`
// only, no listing, one `Range: bytes=…` answered 206 (RFC 9110 §14).
import { DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';

/** The answer to `req` for warehouse object `key` (decoded path after /lake/objects/). NOT_FOUND (404), INVALID_ARGUMENT (405) otherwise. */
export async function serveWarehouseObject(store: ObjectStore, req: Request, key: string): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new DoSQLError('INVALID_ARGUMENT', 'lake: /lake/objects is read-only (GET, HEAD)', { details: { status: 405 } });
  if (!key.startsWith('warehouse/') || key.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new DoSQLError('NOT_FOUND', `lake: /lake/objects serves warehouse objects only (warehouse/<namespace>/<table>/...), not ${JSON.stringify(key)}`, { details: { status: 404 } });
  }
  const missing = (): never => {
    throw new DoSQLError('NOT_FOUND', `lake: no warehouse object ${key}`, { details: { status: 404 } });
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
