// dosql embedded in a user's own Durable Object, in workerd: the template examples/worker (its
// wrangler.toml, its TenantDatabase class calling DB('tenant', { storage: { hot: state.storage,
// cold: env.BUCKET }, migrations })), bundled by wrangler with `dosql/worker` aliased to the
// source. Reads and writes with the seed's schema, tenants isolated, the migrations applied once,
// compaction to R2, a runtime restart (every object evicted) after which everything reads back
// from the object's storage and R2, and DB()'s option checks in workerd.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

const options = {
  config: join(ROOT, 'examples/worker/wrangler.toml'),
  entrypoint: join(ROOT, 'test/support/embed-test-entry.ts'),
  alias: { 'dosql/worker': join(ROOT, 'src/worker/exports.ts') },
  token: null,
};

interface Migration {
  version: number;
  name: string;
  state: string;
  appliedAt: string;
}

describe('DB() in your own Durable Object (examples/worker) in workerd', () => {
  let w: RunningWorker;
  let persistDir: string;

  beforeAll(async () => {
    w = await startWorker(options);
    persistDir = w.persistDir;
  });

  afterAll(async () => {
    await w?.destroy();
  });

  const call = async <T = Record<string, unknown>>(tenant: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await w.api(path, { method, headers: { 'x-tenant-id': tenant, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as T };
  };

  let migratedAt: string[] = [];

  it('serves writes and reads on the seed schema, with its constraints, one database per tenant', async () => {
    expect(await call('acme', 'POST', '/users', { email: 'ada@acme.test', name: 'Ada', role: 'owner' })).toEqual({ status: 201, body: { id: 1 } });
    expect(await call('acme', 'POST', '/users', { email: 'bob@acme.test', name: 'Bob' })).toEqual({ status: 201, body: { id: 2 } });
    expect(await call('acme', 'POST', '/projects', { name: 'Launch', owner_id: 1 })).toEqual({ status: 201, body: { id: 1 } });
    for (const [title, priority, assignee] of [['spec', 2, 2], ['build', 5, 1], ['ship', 1, undefined]] as const) {
      expect((await call('acme', 'POST', '/tasks', { project_id: 1, title, priority, assignee_id: assignee })).status).toBe(201);
    }
    expect(await call('acme', 'PATCH', '/tasks', { id: 2, status: 'in_progress' })).toEqual({ status: 200, body: { changed: 1 } });
    const tasks = await call<{ tasks: { title: string; status: string; assignee_name: string | null }[] }>('acme', 'GET', '/tasks?project_id=1');
    expect(tasks.body.tasks.map((t) => [t.title, t.status, t.assignee_name])).toEqual([
      ['build', 'in_progress', 'Ada'],
      ['spec', 'todo', 'Bob'],
      ['ship', 'todo', null],
    ]);
    expect((await call<{ projects: unknown[] }>('acme', 'GET', '/projects')).body.projects).toEqual([{ id: 1, name: 'Launch', description: null, owner_name: 'Ada', task_count: 3 }]);
    const dup = await call<{ error: { code: string } }>('acme', 'POST', '/users', { email: 'ada@acme.test', name: 'Ada again' });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'CONSTRAINT_UNIQUE']);
    const role = await call<{ error: { code: string } }>('acme', 'POST', '/users', { email: 'eve@acme.test', name: 'Eve', role: 'boss' });
    expect([role.status, role.body.error.code]).toEqual([409, 'CONSTRAINT_CHECK']);
    // Another tenant is another object, so another database.
    expect((await call('globex', 'GET', '/users')).body).toEqual({ users: [] });
    expect(await call('globex', 'POST', '/users', { email: 'gus@globex.test', name: 'Gus' })).toEqual({ status: 201, body: { id: 1 } });
  });

  it('applied both migrations, in order, each recorded once', async () => {
    const m = (await call<{ migrations: Migration[] }>('acme', 'GET', '/admin/migrations')).body.migrations;
    expect(m.map((x) => [x.version, x.name, x.state])).toEqual([
      [1, '001_initial.sql', 'applied'],
      [2, '002_task_labels.sql', 'applied'],
    ]);
    migratedAt = m.map((x) => x.appliedAt);
  });

  it('compacts to R2: columnar runs and Iceberg tables under each tenant\'s own folder of the bucket', async () => {
    for (const tenant of ['acme', 'globex']) {
      const r = await call<{ published: { table: string }[]; warehouse: string }>(tenant, 'POST', '/admin/compact');
      expect(r.status).toBe(200);
      expect(r.body.published.map((p) => p.table).sort()).toEqual(['_dosql_migrations', 'labels', 'projects', 'sqlite_sequence', 'task_labels', 'tasks', 'users']);
      expect(r.body.warehouse).toMatch(/^r2:\/\/dosql-cold\/db\/tenant\/[0-9a-f-]{36}\/warehouse$/);
    }
    const keys = (await w.get<{ keys: string[] }>('/__test/r2?prefix=db/tenant/')).body.keys;
    const folders = [...new Set(keys.map((k) => k.split('/').slice(0, 3).join('/')))];
    expect(folders).toHaveLength(2);
    for (const f of folders) {
      expect(keys).toContain(`${f}/dosql-owner.json`);
      expect(keys.some((k) => k.startsWith(`${f}/cold/runs/`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${f}/warehouse/default/users/metadata/`) && k.endsWith('.metadata.json'))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${f}/warehouse/default/tasks/metadata/`) && k.endsWith('.metadata.json'))).toBe(true);
      // The Iceberg snapshots reference the columnar runs in place (Parquet files), not copies.
      expect(keys.filter((k) => k.startsWith(`${f}/cold/runs/`) && k.endsWith('.parquet')).length).toBeGreaterThan(0);
    }
  });

  it('survives a restart of the runtime: reads back from the object\'s storage and R2, migrations not re-run, writes go on', async () => {
    await w.stop();
    w = await startWorker({ ...options, persistDir });
    const tasks = await call<{ tasks: { title: string; status: string }[] }>('acme', 'GET', '/tasks?project_id=1');
    expect(tasks.body.tasks.map((t) => [t.title, t.status])).toEqual([
      ['build', 'in_progress'],
      ['spec', 'todo'],
      ['ship', 'todo'],
    ]);
    expect((await call<{ users: { email: string }[] }>('acme', 'GET', '/users')).body.users.map((u) => u.email)).toEqual(['ada@acme.test', 'bob@acme.test']);
    expect((await call<{ users: { email: string }[] }>('globex', 'GET', '/users')).body.users.map((u) => u.email)).toEqual(['gus@globex.test']);
    const m = (await call<{ migrations: Migration[] }>('acme', 'GET', '/admin/migrations')).body.migrations;
    expect(m.map((x) => x.appliedAt)).toEqual(migratedAt);
    expect(await call('acme', 'POST', '/users', { email: 'cy@acme.test', name: 'Cy' })).toEqual({ status: 201, body: { id: 3 } });
    expect(await call('acme', 'POST', '/tasks', { project_id: 1, title: 'retro' })).toEqual({ status: 201, body: { id: 4 } });
  });

  it('DB() of the Workers entry refuses bad options in workerd with INVALID_ARGUMENT naming them', async () => {
    const r = await w.get<{ refused: Record<string, { code: string; message: string } | 'accepted'>; memory: unknown }>('/__test/options');
    const refused = r.body.refused;
    for (const [what, e] of Object.entries(refused)) expect(e === 'accepted' ? 'accepted' : e.code, what).toBe('INVALID_ARGUMENT');
    const msg = (k: string): string => (refused[k] as { message: string }).message;
    expect(msg('no storage')).toMatch(/Workers have no file system: pass storage: \{ hot: ctx.storage/);
    expect(msg('unknown option')).toMatch(/unknown option stroage \(did you mean storage\?\)/);
    expect(msg('path')).toMatch(/option path is not available in Workers/);
    expect(msg('workerThreads')).toMatch(/option workerThreads is not available in Workers/);
    expect(msg('migrations folder')).toMatch(/migrations \{ folder \} reads files, which Workers cannot/);
    expect(msg('R2 as hot')).toMatch(/option storage\.hot is an R2 bucket/);
    expect(msg('namespace as cold')).toMatch(/option storage\.cold must be an R2 bucket binding \(env.BUCKET\) or an ObjectStore/);
    expect(msg('durability')).toMatch(/option durability must be one of 'full', 'normal', 'off'/);
    expect(r.body.memory).toEqual([{ x: 42 }]);
  });
});
