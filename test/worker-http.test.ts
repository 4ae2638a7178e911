// The Worker as deployed (wrangler.toml, src/worker/index.ts), bundled by wrangler and run in
// workerd on loopback: the HTTP and WebSocket API, authentication, tenant isolation, errors,
// time travel, branches, the typed clients, and a restart of the runtime that must lose nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, createWebSocketClient, DoSQLError, type WebSocketConstructor } from '../src/client/index.js';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

type Result = { columns: string[]; rows: Record<string, unknown>[]; changes: number; lastInsertRowId: number; lsn: number };
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

describe('Worker HTTP API in workerd', () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'dosql-worker-http-'));
  let w: RunningWorker;
  /** What later tests (and the restart) must read back. */
  const expectations: { db: string; sql: string; rows: unknown[] }[] = [];

  const query = (db: string, body: Record<string, unknown>) => w.post<Result>(`/db/${db}/query`, body);
  const rows = async (db: string, sql: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> => {
    const r = await query(db, { sql, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.rows;
  };

  beforeAll(async () => {
    w = await startWorker({ persistDir, vars: { DOSQL_CORS_ORIGINS: 'https://app.example' } });
  });

  afterAll(async () => {
    await w?.stop();
    rmSync(persistDir, { recursive: true, force: true });
  });

  it('refuses requests without a token or with a wrong one (401) and answers /health without one', async () => {
    const none = await w.post<ErrorBody>('/db/shop/query', { sql: 'SELECT 1' }, { auth: false });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await w.post<ErrorBody>('/db/shop/query', { sql: 'SELECT 1' }, { auth: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect((await w.api('/health', { auth: false })).status).toBe(200);
    const ok = await w.post<Result>('/db/shop/query', { sql: 'SELECT 1 AS one' });
    expect(ok.status).toBe(200);
    expect(ok.body.rows).toEqual([{ one: 1 }]);
    // CORS: only for the configured origin; the token is still required.
    const pre = await w.api('/db/shop/query', { method: 'OPTIONS', auth: false, headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const fromApp = await w.api('/db/shop/query', { method: 'POST', headers: { origin: 'https://app.example' }, body: JSON.stringify({ sql: 'SELECT 1' }) });
    expect(fromApp.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const fromElsewhere = await w.api('/db/shop/query', { method: 'POST', headers: { origin: 'https://evil.example' }, body: JSON.stringify({ sql: 'SELECT 1' }) });
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
    const noToken = await w.api('/db/shop/query', { method: 'POST', auth: false, headers: { origin: 'https://app.example' }, body: JSON.stringify({ sql: 'SELECT 1' }) });
    expect(noToken.status).toBe(401);
  });

  it('creates tables and writes through /exec, /query, /batch and /transaction, then reads them back as JSON and Arrow', async () => {
    const ddl = await w.post('/db/shop/exec', { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, img BLOB); CREATE INDEX items_name ON items(name)' });
    expect(ddl.status).toBe(200);
    const ins = await query('shop', { sql: 'INSERT INTO items (id, name, price, img) VALUES (?, ?, ?, ?)', params: [1, 'apple', 1.5, { $blob: 'AAEC' }] });
    expect(ins.status).toBe(200);
    expect(ins.body.changes).toBe(1);
    expect(ins.body.lsn).toBeGreaterThan(0);
    const batch = await w.post<{ results: Result[] }>('/db/shop/batch', {
      statements: [
        { sql: 'INSERT INTO items VALUES (2, :name, 2.25, NULL)', params: { name: 'pear' } },
        { sql: 'INSERT INTO items VALUES (3, ?, ?, NULL)', params: ['plum', 0.75] },
        { sql: 'SELECT count(*) AS n FROM items' },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results[2]!.rows).toEqual([{ n: 3 }]);
    const tx = await w.post<{ results: Result[]; lsn: number }>('/db/shop/transaction', {
      statements: [{ sql: 'INSERT INTO items VALUES (4, ?, 9.5, NULL)', params: ['fig'] }, { sql: 'UPDATE items SET price = price * 2 WHERE id = 3' }],
    });
    expect(tx.status).toBe(200);
    expect(tx.body.lsn).toBeGreaterThan(ins.body.lsn);
    // A failing statement rolls the whole transaction back.
    const failed = await w.post<ErrorBody>('/db/shop/transaction', { statements: [{ sql: 'INSERT INTO items VALUES (5, ?, 1, NULL)', params: ['kiwi'] }, { sql: 'INSERT INTO items VALUES (1, ?, 1, NULL)', params: ['dup'] }] });
    expect(failed.status).toBe(409);
    expect(failed.body.error.code).toBe('CONSTRAINT_PRIMARYKEY');
    expect(failed.body.error.details?.index).toBe(1);

    const all = await rows('shop', 'SELECT id, name, price, img FROM items ORDER BY id');
    expect(all).toEqual([
      { id: 1, name: 'apple', price: 1.5, img: { $blob: 'AAEC' } },
      { id: 2, name: 'pear', price: 2.25, img: null },
      { id: 3, name: 'plum', price: 1.5, img: null },
      { id: 4, name: 'fig', price: 9.5, img: null },
    ]);
    expectations.push({ db: 'shop', sql: 'SELECT id, name, price, img FROM items ORDER BY id', rows: all });

    const big = await rows('shop', 'SELECT 9007199254740993 AS big, 42 AS small', { safeIntegers: true });
    expect(big).toEqual([{ big: { $bigint: '9007199254740993' }, small: { $bigint: '42' } }]);

    const res = await w.api('/db/shop/query', { method: 'POST', headers: { accept: 'application/vnd.apache.arrow.stream' }, body: JSON.stringify({ sql: 'SELECT id, name, price FROM items ORDER BY id' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.numRows).toBe(4);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'price']);
    expect(Array.from(table.getChild('id')!.toArray() as BigInt64Array)).toEqual([1n, 2n, 3n, 4n]);
    expect(table.getChild('name')!.toArray()).toEqual(['apple', 'pear', 'plum', 'fig']);
  });

  it('answers AS OF queries over HTTP (an LSN, a timestamp, a relative version)', async () => {
    await w.post('/db/hist/exec', { sql: 'CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)' });
    const lsns: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const r = await query('hist', { sql: 'INSERT INTO kv VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v', params: ['x', i * 10] });
      expect(r.status).toBe(200);
      lsns.push(r.body.lsn);
    }
    for (let i = 0; i < 5; i++) expect(await rows('hist', 'SELECT v FROM kv', { asOf: lsns[i] })).toEqual([{ v: (i + 1) * 10 }]);
    expect(await rows('hist', 'SELECT v FROM kv', { asOf: { lsn: lsns[1] } })).toEqual([{ v: 20 }]);
    // SQL's own syntax works too.
    expect(await rows('hist', `SELECT v FROM kv FOR SYSTEM_TIME AS OF LSN ${lsns[2]}`)).toEqual([{ v: 30 }]);
    // Before the table existed, it does not exist.
    const early = await query('hist', { sql: 'SELECT v FROM kv', asOf: { timestamp: '2000-01-01T00:00:00Z' } });
    expect(early.status).toBe(400);
    expect((early.body as unknown as ErrorBody).error.code).toBe('SQL_ERROR');
    expect(await rows('hist', 'SELECT v FROM kv', { asOf: { timestamp: Date.now() + 60_000 } })).toEqual([{ v: 50 }]);
    const ro = await query('hist', { sql: 'DELETE FROM kv', asOf: lsns[0] });
    expect(ro.status).toBe(400);
    for (let i = 0; i < 5; i++) expectations.push({ db: 'hist', sql: `SELECT v FROM kv FOR SYSTEM_TIME AS OF LSN ${lsns[i]}`, rows: [{ v: (i + 1) * 10 }] });
  });

  it('keeps two databases apart: one name, one Durable Object', async () => {
    await w.post('/db/tenant-a/exec', { sql: "CREATE TABLE secrets (s TEXT); INSERT INTO secrets VALUES ('a-only')" });
    await w.post('/db/tenant-b/exec', { sql: "CREATE TABLE notes (n TEXT); INSERT INTO notes VALUES ('b-only')" });
    expect(await rows('tenant-a', 'SELECT s FROM secrets')).toEqual([{ s: 'a-only' }]);
    const cross = await query('tenant-b', { sql: 'SELECT s FROM secrets' });
    expect(cross.status).toBe(400);
    expect((cross.body as unknown as ErrorBody).error.code).toBe('SQL_ERROR');
    const crossA = await query('tenant-a', { sql: 'SELECT n FROM notes' });
    expect(crossA.status).toBe(400);
    expect(await rows('tenant-b', 'SELECT n FROM notes')).toEqual([{ n: 'b-only' }]);
    const statusA = await w.get<{ database: string }>('/db/tenant-a/admin/status');
    const statusB = await w.get<{ database: string }>('/db/tenant-b/admin/status');
    expect([statusA.body.database, statusB.body.database]).toEqual(['tenant-a', 'tenant-b']);
    expectations.push({ db: 'tenant-a', sql: 'SELECT s FROM secrets', rows: [{ s: 'a-only' }] }, { db: 'tenant-b', sql: 'SELECT n FROM notes', rows: [{ n: 'b-only' }] });
  });

  it('answers malformed requests and bad SQL with typed 4xx errors and keeps serving', async () => {
    const bad = async (path: string, body: string | Record<string, unknown>, status: number, code: string): Promise<void> => {
      const r = await w.post<ErrorBody>(path, body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.code).toBe(code);
      expect(typeof r.body.error.message).toBe('string');
    };
    await bad('/db/shop/query', '{"sql": "SELECT 1"', 400, 'INVALID_ARGUMENT');
    await bad('/db/shop/query', '[1,2]', 400, 'INVALID_ARGUMENT');
    await bad('/db/shop/query', {}, 400, 'INVALID_ARGUMENT');
    await bad('/db/shop/query', { sql: 'SELEC * FROM items' }, 400, 'SQL_SYNTAX');
    await bad('/db/shop/query', { sql: 'SELECT * FROM nowhere' }, 400, 'SQL_ERROR');
    await bad('/db/shop/query', { sql: 'SELECT ?', params: [{ $wat: 1 }] }, 400, 'INVALID_ARGUMENT');
    await bad('/db/shop/query', { sql: 'INSERT INTO items VALUES (1, ?, 1, NULL)', params: ['dup'] }, 409, 'CONSTRAINT_PRIMARYKEY');
    await bad('/db/shop/query', { sql: 'INSERT INTO items (id) VALUES (99)' }, 409, 'CONSTRAINT_NOTNULL');
    await bad('/db/shop/exec', { sql: 'BEGIN' }, 400, 'SQL_ERROR');
    // Parameters: too few are refused (never bound as NULL); a script binds none.
    await bad('/db/shop/query', { sql: 'SELECT ?, ?', params: [1] }, 400, 'INVALID_ARGUMENT');
    await bad('/db/shop/exec', { sql: 'INSERT INTO items (id, name) VALUES (?, ?)', params: [50, 'x'] }, 400, 'INVALID_ARGUMENT');
    // Any column name survives the JSON objects, __proto__ included.
    const [named] = await rows('shop', 'SELECT 1 AS "__proto__", 2 AS "constructor"');
    expect(Object.getOwnPropertyDescriptor(named, '__proto__')?.value).toBe(1);
    expect(Object.getOwnPropertyDescriptor(named, 'constructor')?.value).toBe(2);
    await bad('/db/shop/query', { sql: 'SELECT 1', txId: 'tx_nope' }, 404, 'NOT_FOUND');
    await bad('/db/shop/nope', {}, 404, 'NOT_FOUND');
    await bad('/db/bad%20name/query', { sql: 'SELECT 1' }, 400, 'INVALID_ARGUMENT');
    expect((await w.api('/db/shop/query')).status).toBe(405);
    // Still serving, data intact.
    expect((await rows('shop', 'SELECT count(*) AS n FROM items'))[0]).toEqual({ n: 4 });
  });

  it('runs interactive transactions by id (snapshot isolation, commit, rollback)', async () => {
    const begin = await w.post<{ txId: string }>('/db/shop/transaction', { action: 'begin' });
    expect(begin.status).toBe(201);
    const txId = begin.body.txId;
    expect((await query('shop', { sql: "INSERT INTO items VALUES (10, 'melon', 3, NULL)", txId })).status).toBe(200);
    // Not visible outside before commit; visible inside.
    expect(await rows('shop', 'SELECT name FROM items WHERE id = 10')).toEqual([]);
    expect(await rows('shop', 'SELECT name FROM items WHERE id = 10', { txId })).toEqual([{ name: 'melon' }]);
    const commit = await w.post<{ lsn: number }>('/db/shop/transaction', { action: 'commit', txId });
    expect(commit.status).toBe(200);
    expect(commit.body.lsn).toBeGreaterThan(0);
    expect(await rows('shop', 'SELECT name FROM items WHERE id = 10')).toEqual([{ name: 'melon' }]);
    const b2 = await w.post<{ txId: string }>('/db/shop/transaction', { action: 'begin' });
    await query('shop', { sql: 'DELETE FROM items WHERE id = 10', txId: b2.body.txId });
    expect((await w.post('/db/shop/transaction', { action: 'rollback', txId: b2.body.txId })).status).toBe(200);
    expect(await rows('shop', 'SELECT name FROM items WHERE id = 10')).toEqual([{ name: 'melon' }]);
    const after = await w.post<ErrorBody>('/db/shop/transaction', { action: 'commit', txId: b2.body.txId });
    expect(after.status).toBe(404);
    expectations[0]!.rows.push({ id: 10, name: 'melon', price: 3, img: null });
  });

  it('creates and lists branches and snapshots, writes on a branch, merges it', async () => {
    const snap = await w.post<{ name: string; lsn: number }>('/db/shop/snapshots', { name: 'before-branch' });
    expect(snap.status).toBe(201);
    const br = await w.post('/db/shop/branches', { name: 'sale' });
    expect(br.status).toBe(201);
    expect((await query('shop', { sql: 'UPDATE items SET price = 0.5 WHERE id = 1', branch: 'sale' })).status).toBe(200);
    expect(await rows('shop', 'SELECT price FROM items WHERE id = 1', { branch: 'sale' })).toEqual([{ price: 0.5 }]);
    expect(await rows('shop', 'SELECT price FROM items WHERE id = 1')).toEqual([{ price: 1.5 }]);
    const list = await w.get<{ branches: { name: string }[] }>('/db/shop/branches');
    expect(list.body.branches.map((b) => b.name)).toEqual(['main', 'sale']);
    const snaps = await w.get<{ snapshots: { name: string; lsn: number }[] }>('/db/shop/snapshots');
    expect(snaps.body.snapshots.map((s) => s.name)).toContain('before-branch');
    expect(await rows('shop', 'SELECT count(*) AS n FROM items', { asOf: { snapshot: 'before-branch' } })).toEqual([{ n: 5 }]);
    const merged = await w.post<{ merged: boolean }>('/db/shop/branches/sale/merge', {});
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body.merged).toBe(true);
    expect(await rows('shop', 'SELECT price FROM items WHERE id = 1')).toEqual([{ price: 0.5 }]);
    expectations[0]!.rows[0] = { id: 1, name: 'apple', price: 0.5, img: { $blob: 'AAEC' } };
    expect((await w.api('/db/shop/branches/nope', { method: 'DELETE' })).status).toBe(404);
  });

  it('serves the typed clients: createHttpClient and createWebSocketClient', async () => {
    for (const make of [
      () => createHttpClient({ url: w.url, token: w.token!, database: 'clients' }),
      () => createWebSocketClient({ url: w.url, token: w.token!, database: 'clients', WebSocket: WebSocket as unknown as WebSocketConstructor }),
    ]) {
      const db = make();
      await db.exec('DROP TABLE IF EXISTS t; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER, b BLOB)');
      const r = await db.run('INSERT INTO t VALUES (?, ?, ?, ?)', [1, 'one', 2n ** 60n, new Uint8Array([1, 2, 255])]);
      expect(r.changes).toBe(1);
      expect(r.lastInsertRowId).toBe(1);
      await db.run('INSERT INTO t (id, v) VALUES (:id, :v)', { id: 2, v: 'two' });
      expect(await db.query('SELECT id, v FROM t ORDER BY id')).toEqual([
        { id: 1, v: 'one' },
        { id: 2, v: 'two' },
      ]);
      expect(await db.queryOne('SELECT n, b FROM t WHERE id = 1', [], { safeIntegers: true })).toEqual({ n: 2n ** 60n, b: new Uint8Array([1, 2, 255]) });
      await expect(db.query('SELECT n FROM t WHERE id = 1')).rejects.toMatchObject({ code: 'RANGE' });
      expect(await db.query('SELECT v FROM t WHERE id = 2', [], { asOf: r.lsn })).toEqual([]);
      const total = await db.transaction(async (tx) => {
        await tx.run("INSERT INTO t (id, v) VALUES (3, 'three')");
        const n = await tx.queryOne<{ n: number }>('SELECT count(*) AS n FROM t');
        return n!.n;
      });
      expect(total).toBe(3);
      await expect(
        db.transaction(async (tx) => {
          await tx.run("INSERT INTO t (id, v) VALUES (4, 'four')");
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await db.query('SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      const err = await db.query('SELEC').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DoSQLError);
      expect((err as DoSQLError).code).toBe('SQL_SYNTAX');
      await db.close();
    }
    // WebSocket query results stream in batches: more rows than one message holds.
    const ws = createWebSocketClient({ url: w.url, token: w.token!, database: 'clients', WebSocket: WebSocket as unknown as WebSocketConstructor });
    await ws.exec('CREATE TABLE many (i INTEGER PRIMARY KEY)');
    await ws.transaction(async (tx) => {
      for (let i = 0; i < 1000; i += 100) await tx.exec(`INSERT INTO many VALUES ${Array.from({ length: 100 }, (_, j) => `(${i + j})`).join(', ')}`);
    });
    const many = await ws.query<{ i: number }>('SELECT i FROM many ORDER BY i');
    expect(many.length).toBe(1000);
    expect(many[999]).toEqual({ i: 999 });
    await ws.close();
    const bad = createWebSocketClient({ url: w.url, token: 'wrong', database: 'clients', WebSocket: WebSocket as unknown as WebSocketConstructor });
    await expect(bad.query('SELECT 1')).rejects.toBeInstanceOf(DoSQLError);
    await bad.close();
    // A WebSocket without any token is refused at the upgrade.
    const outcome = await new Promise<string>((resolve) => {
      const s = new WebSocket(`${w.url.replace('http', 'ws')}/db/clients/ws`);
      s.addEventListener('open', () => {
        s.close();
        resolve('open');
      });
      s.addEventListener('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });

  it('publishes the cold tier to R2 as Iceberg tables under the database prefix, and queries still answer', async () => {
    const r = await w.post<{ result: { published: { table: string; snapshotId: string; lsn: number }[] } }>('/db/shop/admin/compact', { tier: 'cold', full: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.result.published.map((p) => p.table)).toEqual(['items']);
    const cold = await w.get<{ prefix: string; warehouse: string; objects: { key: string; size: number }[] }>('/db/shop/admin/cold');
    expect(cold.body.prefix).toBe('db/shop/');
    expect(cold.body.warehouse).toBe('r2://dosql-cold/db/shop/warehouse');
    const keys = cold.body.objects.map((o) => o.key);
    expect(keys.some((k) => /^warehouse\/default\/items\/metadata\/.*\.metadata\.json$/.test(k))).toBe(true);
    expect(keys.some((k) => /^warehouse\/default\/items\/data\/.*\.parquet$/.test(k))).toBe(true);
    // Another database's cold tier is empty: prefixes do not overlap.
    expect((await w.get<{ objects: unknown[] }>('/db/tenant-a/admin/cold')).body.objects).toEqual([]);
    expect(await rows('shop', 'SELECT count(*) AS n, sum(price) AS s FROM items')).toEqual([{ n: 5, s: 0.5 + 2.25 + 1.5 + 9.5 + 3 }]);
  });

  it('restarts the runtime and reads every acknowledged write back, history included', async () => {
    const before = await w.get<{ instanceId: string; engine: { epoch: number } }>('/db/shop/admin/status');
    const coldBefore = await w.get<{ objects: { key: string }[] }>('/db/shop/admin/cold');
    await w.stop();
    w = await startWorker({ persistDir });
    for (const e of expectations) expect(await rows(e.db, e.sql), `${e.db}: ${e.sql}`).toEqual(e.rows);
    const after = await w.get<{ instanceId: string; engine: { epoch: number } }>('/db/shop/admin/status');
    expect(after.body.instanceId).not.toBe(before.body.instanceId);
    // Recovery claimed a new writer epoch from the object's own storage.
    expect(after.body.engine.epoch).toBeGreaterThan(before.body.engine.epoch);
    expect((await w.get<{ objects: { key: string }[] }>('/db/shop/admin/cold')).body.objects).toEqual(coldBefore.body.objects);
    // And it keeps taking writes.
    expect((await query('shop', { sql: "INSERT INTO items VALUES (11, 'lime', 1, NULL)" })).status).toBe(200);
    expect(await rows('shop', 'SELECT count(*) AS n FROM items')).toEqual([{ n: 6 }]);
  });
});
