// A user's own Durable Object running the five use cases of seed 004 on dosql in workerd (run
// with examples/worker/wrangler.toml, whose SQLite class is named TenantDatabase). One object per
// (use case, tenant): the Worker routes by x-tenant-id; x-use-case (1..5) picks the schema that
// object's database migrates to when it opens. POST /call { method, args } runs that use case's
// method from seed004-cases.ts (the seed's code) and answers its result with the statements run.
// POST /branch { name } is use case 2's handleBranch (db.branch), which the oracle has not;
// PUT /__test/object/<key> puts a file in the bucket (the archives the r2:// queries read).
import { DB, type Database } from '../../src/worker/exports.js';
import { SEED004_SCHEMAS } from './seed-sql.js';
import { USE_CASES, type Params, type SeedDb } from './seed004-cases.js';

interface Env {
  TENANT: DurableObjectNamespace;
  BUCKET: R2Bucket;
}

/** The use case's migration, named as the seed's file (first line: `-- [who: ].do/migrations/001_x.sql`). */
export function seedMigrations(useCase: number): { name: string; sql: string }[] {
  const sql = SEED004_SCHEMAS[useCase - 1]!;
  const name = /migrations\/(\S+\.sql)/.exec(sql.split('\n')[0]!)![1]!;
  return [{ name, sql }];
}

interface Handle {
  query(sql: string, params?: Params): Promise<unknown[]>;
  run(sql: string, params?: Params): Promise<{ lastRowId: number | bigint; changes: number }>;
}

function seedDb(h: Handle, db: Database, log: string[]): SeedDb {
  return {
    query: async (sql, params) => {
      log.push(sql);
      return (await h.query(sql, params ?? [])) as never;
    },
    run: async (sql, params) => {
      log.push(sql);
      const r = await h.run(sql, params ?? []);
      return { lastRowId: r.lastRowId, changes: r.changes };
    },
    transaction: (fn) => db.transaction((tx) => fn(seedDb(tx, db, log))),
  };
}

export class TenantDatabase {
  private db: Database | null = null;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: Env,
  ) {}

  private getDB(useCase: number): Database {
    this.db ??= DB('tenant', { storage: { hot: this.state.storage, cold: this.env.BUCKET }, migrations: seedMigrations(useCase) });
    return this.db;
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const useCase = Number(request.headers.get('x-use-case'));
    const db = this.getDB(useCase);
    try {
      if (url.pathname === '/branch') {
        const body = (await request.json()) as { name: string };
        const b = await db.branch(body.name);
        return Response.json({ success: true, branch: b.name });
      }
      if (url.pathname === '/compact') {
        const r = await db.compact({ tier: 'cold' });
        return Response.json({ published: r.published.map((p) => p.table).sort() });
      }
      const { method, args } = (await request.json()) as { method: string; args: unknown };
      const fn = USE_CASES[useCase]?.[method];
      if (!fn) return Response.json({ error: { code: 'NOT_FOUND', message: `use case ${useCase} has no ${method}` } }, { status: 404 });
      const log: string[] = [];
      const result = await fn(seedDb(db, db, log), args as never);
      return Response.json({ result, statements: log.length });
    } catch (e) {
      return Response.json({ error: { code: (e as { code?: string }).code ?? 'INTERNAL', message: (e as Error).message } }, { status: 500 });
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    // Test set-up: PUT /__test/object/<key> stores the body in the bucket (the Parquet archives).
    const url = new URL(request.url);
    if (url.pathname.startsWith('/__test/object/') && request.method === 'PUT') {
      await env.BUCKET.put(decodeURIComponent(url.pathname.slice('/__test/object/'.length)), new Uint8Array(await request.arrayBuffer()));
      return Response.json({ ok: true });
    }
    const tenant = request.headers.get('x-tenant-id');
    if (!tenant) return Response.json({ error: 'send the tenant in x-tenant-id' }, { status: 400 });
    return env.TENANT.get(env.TENANT.idFromName(tenant)).fetch(request);
  },
};
