// A multi-tenant API (seed 004, use case 1) on dosql embedded in your own Durable Object: the
// Worker routes each request to its tenant's object (`x-tenant-id` header), and the object
// opens the tenant's database with DB() over its own storage (hot tier) and an R2 bucket (cold
// tier), applying the migrations in ../migrations once. Copy this folder to start a project.
import { DB, migrationStatus, type Database } from 'dosql/worker';
import initial from '../migrations/001_initial.sql';
import taskLabels from '../migrations/002_task_labels.sql';

/** The schema, in order (wrangler bundles the .sql files as text: see [[rules]] in wrangler.toml). */
const migrations = [
  { name: '001_initial.sql', sql: initial },
  { name: '002_task_labels.sql', sql: taskLabels },
];

export interface Env {
  TENANT: DurableObjectNamespace;
  BUCKET: R2Bucket;
}

export class TenantDatabase {
  private readonly db: Database;

  constructor(state: DurableObjectState, env: Env) {
    // Lazy: the database opens (and migrates) on the first query. One handle per object.
    // Without storage.coldPrefix, the cold tier goes to db/tenant/<this database's id>/ in
    // the bucket, so every tenant's object has its own folder although all use one name.
    this.db = DB('tenant', { storage: { hot: state.storage, cold: env.BUCKET }, migrations });
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const db = this.db;
    try {
      switch (`${request.method} ${url.pathname}`) {
        case 'GET /users':
          return Response.json({ users: await db.query('SELECT id, email, name, role FROM users ORDER BY name') });
        case 'POST /users': {
          const b = (await request.json()) as { email: string; name: string; role?: string };
          const r = await db.run('INSERT INTO users (email, name, role) VALUES (?, ?, ?)', [b.email, b.name, b.role ?? 'member']);
          return Response.json({ id: r.lastRowId }, { status: 201 });
        }
        case 'GET /projects':
          return Response.json({
            projects: await db.query(
              `SELECT p.id, p.name, p.description, u.name AS owner_name, COUNT(t.id) AS task_count
               FROM projects p JOIN users u ON p.owner_id = u.id LEFT JOIN tasks t ON t.project_id = p.id
               WHERE p.status = ? GROUP BY p.id ORDER BY p.updated_at DESC, p.id`,
              [url.searchParams.get('status') ?? 'active'],
            ),
          });
        case 'POST /projects': {
          const b = (await request.json()) as { name: string; description?: string; owner_id: number };
          const r = await db.run('INSERT INTO projects (name, description, owner_id) VALUES (?, ?, ?)', [b.name, b.description ?? null, b.owner_id]);
          return Response.json({ id: r.lastRowId }, { status: 201 });
        }
        case 'GET /tasks':
          return this.tasks(url.searchParams);
        case 'POST /tasks': {
          const b = (await request.json()) as { project_id: number; title: string; description?: string; assignee_id?: number; priority?: number; due_date?: string };
          const r = await db.run('INSERT INTO tasks (project_id, title, description, assignee_id, priority, due_date) VALUES (?, ?, ?, ?, ?, ?)', [
            b.project_id,
            b.title,
            b.description ?? null,
            b.assignee_id ?? null,
            b.priority ?? 0,
            b.due_date ?? null,
          ]);
          return Response.json({ id: r.lastRowId }, { status: 201 });
        }
        case 'PATCH /tasks': {
          const b = (await request.json()) as { id: number; status?: string; priority?: number };
          const r = await db.run('UPDATE tasks SET status = coalesce(?, status), priority = coalesce(?, priority), updated_at = CURRENT_TIMESTAMP WHERE id = ?', [b.status ?? null, b.priority ?? null, b.id]);
          return Response.json({ changed: r.changes });
        }
        // Upkeep: which migrations this tenant has, and moving its tables to R2 (columnar runs
        // plus an Iceberg snapshot per table), e.g. from your own alarm() once a day.
        case 'GET /admin/migrations':
          return Response.json({ migrations: await migrationStatus(db, migrations) });
        case 'POST /admin/compact': {
          const r = await db.compact({ tier: 'cold' });
          return Response.json({ published: r.published.map((p) => ({ table: p.table, lsn: p.lsn, snapshotId: String(p.snapshotId) })), warehouse: db.warehousePath() });
        }
        default:
          return Response.json({ error: 'not found' }, { status: 404 });
      }
    } catch (e) {
      // dosql's errors carry a stable code (DoSQLError): constraint violations are the caller's.
      const code = (e as { code?: string }).code ?? 'INTERNAL';
      const status = code.startsWith('CONSTRAINT_') ? 409 : code === 'INVALID_ARGUMENT' || code.startsWith('SQL_') ? 400 : 500;
      return Response.json({ error: { code, message: (e as Error).message } }, { status });
    }
  }

  private async tasks(params: URLSearchParams): Promise<Response> {
    let sql = `SELECT t.id, t.title, t.status, t.priority, t.due_date, u.name AS assignee_name, p.name AS project_name
               FROM tasks t LEFT JOIN users u ON t.assignee_id = u.id JOIN projects p ON t.project_id = p.id WHERE 1 = 1`;
    const args: (string | number)[] = [];
    for (const [param, column] of [['project_id', 't.project_id'], ['status', 't.status'], ['assignee_id', 't.assignee_id']] as const) {
      const v = params.get(param);
      if (v === null) continue;
      sql += ` AND ${column} = ?`;
      args.push(param === 'status' ? v : Number(v));
    }
    return Response.json({ tasks: await this.db.query(`${sql} ORDER BY t.priority DESC, t.due_date ASC, t.id`, args) });
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const tenant = request.headers.get('x-tenant-id');
    if (!tenant) return Response.json({ error: 'send the tenant in x-tenant-id' }, { status: 400 });
    return env.TENANT.get(env.TENANT.idFromName(tenant)).fetch(request);
  },
};
