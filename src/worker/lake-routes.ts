// The Worker's `/lake/*` routes (docs/workers.md, "The lake"), behind the bearer token
// DOLAKE_AUTH_TOKEN (else DOSQL_TOKEN; neither configured → every request refused):
//   GET|HEAD /lake/objects/<key>   a warehouse object from the bucket LAKEHOUSE_BUCKET, served
//                                  here without waking the DoLake object (src/lake/objects.ts:
//                                  `warehouse/` keys only, no listing, Range → 206)
//   anything else                  forwarded to the DoLake object `?lake=<name>` (default
//                                  'default'): /lake/ingest (WebSocket), status, flush, compact, cleanup
import { DoSQLError } from '../errors.js';
import { serveWarehouseObject } from '../lake/index.js';
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
  const bucket = env.LAKEHOUSE_BUCKET as R2BucketLike | undefined;
  if (!bucket) throw new DoSQLError('NOT_FOUND', 'worker: no LAKEHOUSE_BUCKET binding', { details: { status: 404 } });
  return serveWarehouseObject(new R2ObjectStore(bucket, { bucketName: 'LAKEHOUSE_BUCKET' }), req, key);
}
