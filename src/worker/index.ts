// The Worker entry (wrangler.toml `main`): authenticates every API request with the bearer
// token, then hands it to the Durable Object of its database: /db/<name>/... goes to
// DOSQL.idFromName(<name>), so a name maps to exactly one object and tenants never share one.
// GET /health answers here, without a token and without waking any object.
import { DoSQLError } from '../errors.js';
import { authenticate } from './auth.js';
import type { Env } from './cf-types.js';
import { checkDatabaseName } from './config.js';
import { corsHeaders, preflight, withCors } from './cors.js';
import { DATABASE_HEADER } from './do-sql.js';
import { decodePathSegment, discardBody, errorResponse, json } from './http-wire.js';
import { lakeRoute } from './lake-routes.js';

export { DoSQL } from './do-sql.js';
export { DoLake } from './do-lake.js';

async function route(req: Request, env: Env): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === '/health' || url.pathname === '/') return json({ ok: true, service: 'dosql' });
  if (url.pathname === '/lake' || url.pathname.startsWith('/lake/')) return lakeRoute(req, env, url);
  const m = /^\/db\/([^/]+)(?:\/|$)/.exec(url.pathname);
  if (!m) return errorResponse(new DoSQLError('NOT_FOUND', `worker: no route ${url.pathname} (the API is under /db/<name>/)`, { details: { status: 404 } }));
  try {
    await authenticate(req, env.DOSQL_TOKEN);
  } catch (e) {
    return errorResponse(e, { 'www-authenticate': 'Bearer realm="dosql"' });
  }
  try {
    const name = decodePathSegment(m[1]!, 'database name');
    checkDatabaseName(name);
    const headers = new Headers(req.headers);
    headers.set(DATABASE_HEADER, name);
    const stub = env.DOSQL.get(env.DOSQL.idFromName(name));
    return await stub.fetch(new Request(req, { headers }));
  } catch (e) {
    return errorResponse(e);
  }
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const cors = corsHeaders(req, env.DOSQL_CORS_ORIGINS);
    if (req.method === 'OPTIONS') return cors ? preflight(cors) : new Response(null, { status: 204 });
    const res = await route(req, env);
    // A request refused here still holds its unread body (a forwarded one gave it to the object).
    await discardBody(req);
    return withCors(res, cors);
  },
};
