// CORS for browser clients, off unless the var DOSQL_CORS_ORIGINS lists the allowed origins
// ("*" or "https://a.example,https://b.example"). The bearer token still guards every request;
// CORS only lets pages on those origins read the answers.
const ALLOW_HEADERS = 'authorization, content-type, accept';
const EXPOSE_HEADERS = 'x-dosql-lsn, x-dosql-changes';

/** The CORS headers for `req`, or null when CORS is off or its origin is not allowed. */
export function corsHeaders(req: Request, allowed: unknown): Record<string, string> | null {
  if (typeof allowed !== 'string' || allowed.trim() === '') return null;
  const origin = req.headers.get('origin');
  if (!origin) return null;
  const list = allowed.split(',').map((s) => s.trim());
  if (!list.includes('*') && !list.includes(origin)) return null;
  return { 'access-control-allow-origin': list.includes('*') ? '*' : origin, 'access-control-expose-headers': EXPOSE_HEADERS, vary: 'Origin' };
}

/** The answer to a preflight request. */
export function preflight(headers: Record<string, string>): Response {
  return new Response(null, { status: 204, headers: { ...headers, 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': ALLOW_HEADERS, 'access-control-max-age': '86400' } });
}

/** `res` with the CORS headers added (WebSocket upgrades pass through untouched). */
export function withCors(res: Response, headers: Record<string, string> | null): Response {
  if (!headers || res.status === 101) return res;
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}
