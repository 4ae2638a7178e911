// In workerd (wrangler's local runtime, the repository's wrangler.toml with the test build of
// the Worker): the CapnWeb RPC endpoint of the DoSQL object (/db/<name>/rpc, dosql/rpc) —
// queries, writes, typed errors, a transaction (commit and rollback), promise pipelining
// (begin().run() without waiting for begin), an HTTP batch, and reconnection after the object
// restarts and drops the socket (the open transaction rolled back, committed rows kept). Also
// stored procedures in workerd: registered ones run, CALL of a SQL-stored MODULE procedure
// fails with NOT_SUPPORTED saying why.
import { join } from 'node:path';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoSQLError } from '../src/errors.js';
import { createHttpClient, createWebSocketClient, type RpcClient, type RpcWebSocketConstructor } from '../src/rpc/index.js';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

const WS = WebSocket as unknown as RpcWebSocketConstructor;

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected a DoSQLError').toBeInstanceOf(DoSQLError);
  return (e as DoSQLError).code;
}

describe('CapnWeb RPC and procedures in workerd', () => {
  let w: RunningWorker;

  beforeAll(async () => {
    w = await startWorker({
      entrypoint: join(ROOT, 'test/support/worker-test-entry.ts'),
      alias: { vitest: join(ROOT, 'test/support/worker-vitest-shim.ts'), 'node:worker_threads': join(ROOT, 'test/support/worker-node-stub.ts') },
      compatibilityFlags: ['nodejs_compat'],
    });
  }, 120_000);

  afterAll(async () => {
    await w?.destroy();
  });

  it('queries, writes, typed errors, a transaction and pipelining over one WebSocket', async () => {
    const client = await createWebSocketClient({ url: w.url, database: 'rpc', token: w.token!, WebSocket: WS });
    await client.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, big INTEGER, pic BLOB)');
    const r = await client.run('INSERT INTO users (name, big, pic) VALUES (?, ?, ?)', ['Alice', 2n ** 60n, new Uint8Array([1, 2, 3])]);
    expect([r.changes, r.lastInsertRowId, typeof r.lsn]).toEqual([1, 1, 'number']);
    await client.run('INSERT INTO users (name) VALUES (?)', ['Bob']);
    expect(await client.query('SELECT id, name, big, pic FROM users ORDER BY id', [], { safeIntegers: true })).toEqual([
      { id: 1n, name: 'Alice', big: 2n ** 60n, pic: new Uint8Array([1, 2, 3]) },
      { id: 2n, name: 'Bob', big: null, pic: null },
    ]);
    expect(await client.queryOne('SELECT name FROM users WHERE id = ?', [2])).toEqual({ name: 'Bob' });

    // The server's error codes arrive as DoSQLErrors.
    expect(await codeOf(client.run("INSERT INTO users (name) VALUES ('Bob')"))).toBe('CONSTRAINT_UNIQUE');
    expect(await codeOf(client.query('SELEC 1'))).toBe('SQL_SYNTAX');
    expect(await codeOf(client.query('SELECT * FROM nope'))).toBe('SQL_ERROR');

    // A transaction commits when its callback resolves, rolls back when it throws.
    await client.transaction(async (tx) => {
      await tx.run("INSERT INTO users (name) VALUES ('Carol')");
      expect((await tx.queryOne<{ n: number }>('SELECT count(*) AS n FROM users'))!.n).toBe(3);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.run("INSERT INTO users (name) VALUES ('Dan')");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await client.query('SELECT name FROM users ORDER BY id')).toEqual([{ name: 'Alice' }, { name: 'Bob' }, { name: 'Carol' }]);

    // Pipelining: calls on the transaction go out before begin() has answered.
    const tx = client.rpc.begin();
    const ins = tx.run("INSERT INTO users (name) VALUES ('Eve')");
    const seen = tx.query('SELECT count(*) AS n FROM users');
    const done = tx.commit();
    expect((await ins).changes).toBe(1);
    expect(await seen).toEqual([{ n: 4 }]);
    await done;

    // batch(): all or nothing.
    expect(await codeOf(client.batch([{ sql: "INSERT INTO users (name) VALUES ('Fay')" }, { sql: "INSERT INTO users (name) VALUES ('Alice')" }]))).toBe('CONSTRAINT_UNIQUE');
    const b = await client.batch([{ sql: "INSERT INTO users (name) VALUES ('Fay')" }, { sql: 'SELECT count(*) AS n FROM users' }]);
    expect(b.map((x) => [x.changes, x.rows])).toEqual([
      [1, []],
      [0, [{ n: 5 }]], // Alice, Bob, Carol, Eve, Fay
    ]);
    await client.close();
    expect(await codeOf(client.query('SELECT 1'))).toBe('CLOSED');
  }, 60_000);

  it('an HTTP batch client: calls of one tick in one request', async () => {
    const http = createHttpClient({ url: w.url, database: 'rpc', token: w.token!, batch: true });
    const [a, b, c] = await Promise.all([http.query('SELECT count(*) AS n FROM users'), http.queryOne("SELECT name FROM users WHERE name = 'Eve'"), http.run("UPDATE users SET big = 7 WHERE name = 'Bob'")]);
    expect([a, b, c.changes]).toEqual([[{ n: 5 }], { name: 'Eve' }, 1]);
    expect(await http.query("SELECT big FROM users WHERE name = 'Bob'")).toEqual([{ big: 7 }]);
    // Without the token: refused.
    expect(await codeOf(createHttpClient({ url: w.url, database: 'rpc' }).query('SELECT 1'))).toBe('IO_ERROR');
  }, 60_000);

  it('reconnects after the object restarts and drops the socket; the open transaction is rolled back', async () => {
    const client: RpcClient = await createWebSocketClient({ url: w.url, database: 'rpc', token: w.token!, WebSocket: WS, reconnect: true });
    const tx = client.rpc.begin();
    await tx.run("INSERT INTO users (name) VALUES ('Uncommitted')");
    await client.run("INSERT INTO users (name) VALUES ('Committed')");
    expect((await w.post('/db/rpc/__test/evict', {})).status).toBe(200);
    // Calls in flight when the socket drops fail with IO_ERROR; a later one opens a new socket.
    let rows: unknown;
    const failures: string[] = [];
    for (let i = 0; i < 50 && rows === undefined; i++) {
      try {
        rows = await client.query("SELECT name FROM users WHERE name IN ('Committed', 'Uncommitted') ORDER BY name");
      } catch (e) {
        failures.push((e as DoSQLError).code);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(rows).toEqual([{ name: 'Committed' }]);
    expect(new Set(failures)).toEqual(new Set(failures.length ? ['IO_ERROR'] : []));
    await expect(tx.commit()).rejects.toThrow();
    // The new session works for writes too.
    expect((await client.run("INSERT INTO users (name) VALUES ('After')")).changes).toBe(1);
    await client.close();
    // reconnect: false: a broken session stays broken.
    const once = await createWebSocketClient({ url: w.url, database: 'rpc', token: w.token!, WebSocket: WS, reconnect: false });
    expect(await once.query("SELECT count(*) AS n FROM users WHERE name = 'After'")).toEqual([{ n: 1 }]);
    await once.close();
    // A wrong token: the socket is refused.
    expect(await codeOf(createWebSocketClient({ url: w.url, database: 'rpc', token: 'wrong', WebSocket: WS }))).toBe('IO_ERROR');
  }, 60_000);

  it('procedures in workerd: registered ones run; CALL of a SQL-stored MODULE one is NOT_SUPPORTED, saying why', async () => {
    const r = await w.post<Record<string, unknown>>('/db/procs/__test/proc', {});
    expect(r.status).toBe(200);
    expect(r.body.execute).toEqual({ ok: { doubled: 8 } });
    expect(r.body.call).toEqual({ ok: [{ doubled: 42 }] });
    expect(r.body.create).toEqual({}); // { ok: undefined } in JSON
    expect(r.body.callStored).toEqual({
      code: 'NOT_SUPPORTED',
      message: expect.stringMatching(/^proc: procedure stored is SQL-stored code \(CREATE PROCEDURE \.\.\. AS MODULE\), which needs a sandbox that evaluates code; this runtime has none \(Cloudflare Workers forbid eval and new Function\)\. Register the procedure with procedure\(\) from dosql\/proc/),
    });
    expect(r.body.log).toEqual([{ n: 4 }, { n: 21 }]);
  }, 60_000);
});
