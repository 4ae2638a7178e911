// The test build of examples/worker: the template's Worker and Durable Object class unchanged,
// plus routes only tests reach (bundled with `dosql/worker` aliased to src/worker/exports.ts):
//   GET /__test/r2?prefix=p   the keys of the template's R2 bucket under p;
//   GET /__test/options       DB() of the Workers entry called with bad options, in workerd:
//                             each case's error code and message (or 'accepted').
import template, { TenantDatabase, type Env } from '../../examples/worker/src/index.js';
import { DB } from '../../src/worker/exports.js';

export { TenantDatabase };

const BAD_OPTIONS: Record<string, (env: Env) => unknown> = {
  'no storage': () => ({}),
  'unknown option': () => ({ storage: 'memory', stroage: 'memory' }),
  'path': () => ({ path: '.dosql/x' }),
  'workerThreads': () => ({ storage: 'memory', workerThreads: false }),
  'migrations folder': () => ({ storage: 'memory', migrations: { folder: '.do/migrations' } }),
  'R2 as hot': (env) => ({ storage: { hot: env.BUCKET } }),
  'namespace as cold': (env) => ({ storage: { hot: { get() {}, put() {}, head() {}, list() {}, delete() {}, openAppendable() {}, close() {} }, cold: env.TENANT } }),
  'durability': () => ({ storage: 'memory', durability: 'fast' }),
};

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__test/r2') {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await env.BUCKET.list({ prefix: url.searchParams.get('prefix') ?? '', ...(cursor ? { cursor } : {}) });
        keys.push(...page.objects.map((o) => o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return Response.json({ keys });
    }
    if (url.pathname === '/__test/options') {
      const out: Record<string, { code: string; message: string } | 'accepted'> = {};
      for (const [what, options] of Object.entries(BAD_OPTIONS)) {
        try {
          DB('probe', options(env) as never);
          out[what] = 'accepted';
        } catch (e) {
          out[what] = { code: (e as { code?: string }).code ?? (e as Error).name, message: (e as Error).message };
        }
      }
      const mem = DB('mem', { storage: 'memory', migrations: [{ name: '001_t.sql', sql: 'CREATE TABLE t (x); INSERT INTO t VALUES (42)' }] });
      return Response.json({ refused: out, memory: await mem.query('SELECT x FROM t') });
    }
    return template.fetch(request, env);
  },
};
