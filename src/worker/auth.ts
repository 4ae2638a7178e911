// Bearer-token authentication of every API request. The token is the Worker secret
// DOSQL_TOKEN (`wrangler secret put DOSQL_TOKEN`; `.dev.vars` for `wrangler dev`). Without it
// configured every request is refused: the API fails closed. WebSocket clients that cannot set
// headers (browsers) may send the token as a subprotocol `bearer.<token>`.
import { DoSQLError } from '../errors.js';

/** The token a request presents, or undefined. */
export function presentedToken(req: Request): string | undefined {
  const h = req.headers.get('authorization');
  if (h) {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    return m ? m[1]!.trim() : undefined;
  }
  const proto = req.headers.get('sec-websocket-protocol');
  if (proto) {
    for (const p of proto.split(',')) {
      const t = p.trim();
      if (t.startsWith('bearer.')) return t.slice('bearer.'.length);
    }
  }
  return undefined;
}

/** Throws UNAUTHORIZED unless the request carries `expected`. Compares digests in constant time. */
export async function authenticate(req: Request, expected: string | undefined): Promise<void> {
  if (!expected) throw new DoSQLError('UNAUTHORIZED', 'worker: no DOSQL_TOKEN secret is configured; every request is refused');
  const got = presentedToken(req);
  if (got === undefined) throw new DoSQLError('UNAUTHORIZED', 'worker: missing bearer token (Authorization: Bearer <token>)');
  if (!(await sameSecret(got, expected))) throw new DoSQLError('UNAUTHORIZED', 'worker: wrong bearer token');
}

async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', enc.encode(a)), crypto.subtle.digest('SHA-256', enc.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
