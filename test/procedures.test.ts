// Stored procedures (docs/procedures.md; seeds 000 and 001): the builder with its registry and
// executor, CREATE PROCEDURE ... AS MODULE and CALL with positional and named arguments, ctx.db
// inside the caller's transaction (the caller's rollback undoes the procedure's writes), the
// Node sandbox's time and memory limits, and procedures versioned with the catalog (time
// travel and branches). better-sqlite3 is the oracle where a procedure computes a SQL answer.
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, createTimeTravelSession, lsn, type Database } from '../src/index.js';
import { splitSql } from '../src/cli/sql-split.js';
import { createProcedureExecutor, createProcedureRegistry, defineProcedures, procedure, withRetry, withValidation, type ProcedureContext } from '../src/proc/index.js';

const USERS = 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE NOT NULL, role TEXT)';

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected a DoSQLError').toBeInstanceOf(DoSQLError);
  return { code: (e as DoSQLError).code, message: (e as DoSQLError).message };
}

/** Seed 001's create_user, as written there. */
const createUser = procedure('create_user')
  .input({
    name: 'string',
    email: 'string',
    role: 'string?', // optional
  })
  .output({
    id: 'number',
    created: 'boolean',
  })
  .handler(async (ctx: ProcedureContext, input) => {
    const { db } = ctx;

    // Check if user exists
    const existing = await db.queryOne<{ id: number }>('SELECT id FROM users WHERE email = ?', [input.email]);

    if (existing) {
      return { id: existing.id, created: false };
    }

    // Create user
    const result = await db.run('INSERT INTO users (name, email, role) VALUES (?, ?, ?)', [input.name, input.email, input.role || 'user']);

    return { id: result.lastInsertRowId as number, created: true };
  });

describe('registered procedures (the builder)', () => {
  it("seed 001's create_user: executor.execute(), then SQL CALL with positional and named arguments", async () => {
    const db = DB('proc-builder', { storage: 'memory' });
    await db.exec(USERS);
    const registry = createProcedureRegistry();
    registry.register(createUser);
    const executor = createProcedureExecutor(db, registry);

    expect(await executor.execute('create_user', { name: 'Alice', email: 'alice@example.com' })).toEqual({ id: 1, created: true });
    expect(await executor.execute('create_user', { name: 'Alice', email: 'alice@example.com' })).toEqual({ id: 1, created: false });
    // Seed 001's SQL forms: positional, and named with `=`.
    expect(await db.query("CALL create_user('Bob', 'bob@example.com')")).toEqual([{ id: 2, created: 1 }]);
    expect(await db.query("CALL create_user(name='Carol', email='carol@example.com', role='admin')")).toEqual([{ id: 3, created: 1 }]);
    // Named with `=>` (seed 000), in any order, and with bound parameters.
    expect(await db.query('CALL create_user(email => ?, name => ?)', ['dan@example.com', 'Dan'])).toEqual([{ id: 4, created: 1 }]);
    expect(await db.query('SELECT id, name, email, role FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'Alice', email: 'alice@example.com', role: 'user' },
      { id: 2, name: 'Bob', email: 'bob@example.com', role: 'user' },
      { id: 3, name: 'Carol', email: 'carol@example.com', role: 'admin' },
      { id: 4, name: 'Dan', email: 'dan@example.com', role: 'user' },
    ]);
    await db.close();
  });

  it('validates input before the handler runs and output after it, naming the field', async () => {
    const db = DB('proc-validate', { storage: 'memory' });
    await db.exec(USERS);
    let runs = 0;
    const bad = procedure('bad_output')
      .input({ n: 'integer' })
      .output({ id: 'number' })
      .handler(async () => {
        runs++;
        return { id: 'not a number' } as never;
      });
    const executor = createProcedureExecutor(db, createProcedureRegistry().register(createUser).register(bad));
    expect(await codeOf(executor.execute('create_user', { name: 'Alice' }))).toEqual({ code: 'INVALID_ARGUMENT', message: 'proc: procedure create_user: input.email is required (string)' });
    expect(await codeOf(executor.execute('create_user', { name: 'Alice', email: 42 }))).toEqual({ code: 'INVALID_ARGUMENT', message: 'proc: procedure create_user: input.email must be a string, got number 42' });
    expect(await codeOf(executor.execute('create_user', { name: 'A', email: 'a@x', extra: 1 }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('unknown field extra') });
    expect(await codeOf(db.query("CALL create_user('A', 'a@x', 'r', 'too many')"))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('4 arguments given, the procedure takes 3') });
    expect(await codeOf(db.query("CALL create_user('A', nmae => 'x')"))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('no parameter named nmae') });
    expect(await codeOf(executor.execute('bad_output', { n: 1.5 }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'proc: procedure bad_output: input.n must be an integer, got number 1.5' });
    expect(runs).toBe(0);
    expect(await codeOf(executor.execute('bad_output', { n: 1 }))).toMatchObject({ code: 'PROCEDURE_ERROR', message: expect.stringContaining('output.id must be a number') });
    expect(await codeOf(executor.execute('nope', {}))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await codeOf(db.query('CALL nope()'))).toEqual({ code: 'SQL_ERROR', message: 'sql: no such procedure: nope' });
    expect(() => procedure('x').input({ a: 'strin' as never })).toThrow(/field a has type "strin"/);
    // A schema library's schema (anything with parse/safeParse) works in place of a shape.
    const parsed = procedure('parsed')
      .input({ parse: (v: unknown) => { if (typeof v !== 'object' || v === null || typeof (v as { k?: unknown }).k !== 'string') throw new Error('k must be a string'); return v as { k: string }; } })
      .handler(async (_ctx, input) => input.k.toUpperCase());
    const ex2 = createProcedureExecutor(db, createProcedureRegistry().register(parsed));
    expect(await ex2.execute('parsed', { k: 'abc' })).toBe('ABC');
    expect(await codeOf(ex2.execute('parsed', { k: 1 }))).toEqual({ code: 'INVALID_ARGUMENT', message: 'proc: procedure parsed: input is invalid: k must be a string' });
    await db.close();
  });

  it('withRetry retries a WRITE_CONFLICT in a new transaction; executor.execute commits once', async () => {
    const db = DB('proc-retry', { storage: 'memory' });
    await db.exec('CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)');
    await db.run('INSERT INTO c VALUES (1, 0)');
    let attempts = 0;
    const bump = withRetry(
      procedure('bump').handler(async ({ db: tx }) => {
        attempts++;
        const { n } = (await tx.queryOne<{ n: number }>('SELECT n FROM c WHERE id = 1'))!;
        // A concurrent writer commits the same row while the first attempt is open.
        if (attempts === 1) await db.run('UPDATE c SET n = n + 100 WHERE id = 1');
        await tx.run('UPDATE c SET n = ? WHERE id = 1', [n + 1]);
        return n + 1;
      }),
      { maxRetries: 2, baseDelayMs: 0 },
    );
    const ex = createProcedureExecutor(db, createProcedureRegistry().register(bump));
    expect(await ex.execute('bump')).toBe(101);
    expect(attempts).toBe(2);
    expect(await db.query('SELECT n FROM c')).toEqual([{ n: 101 }]);
    // Without retries the conflict is the caller's, typed and retryable.
    attempts = 0;
    const once = procedure('once').handler(bump.handler);
    const ex2 = createProcedureExecutor(db, createProcedureRegistry().register(once));
    expect(await codeOf(ex2.execute('once'))).toMatchObject({ code: 'WRITE_CONFLICT' });
    await db.close();
  });

  it("seed 000's functional API: defineProcedures with withValidation and withRetry", async () => {
    const db = DB('proc-define', { storage: 'memory' });
    await db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, status TEXT, created_at TEXT); CREATE TABLE order_items (order_id INTEGER, product_id INTEGER, quantity INTEGER)');
    let flaky = 0;
    const procedures = defineProcedures(
      {
        getUserOrders: async ({ db }, userId: number) => {
          return db.query('SELECT * FROM orders WHERE user_id = ? ORDER BY created_at DESC', [userId]);
        },
        createOrder: withValidation(
          async ({ db }, order: { userId: number; items: Array<{ productId: number; quantity: number }> }) => {
            return db.transaction(async (tx) => {
              const orderResult = await tx.run('INSERT INTO orders (user_id, status, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)', [order.userId, 'pending']);
              const orderId = orderResult.lastInsertRowId;
              for (const item of order.items) {
                await tx.run('INSERT INTO order_items (order_id, product_id, quantity) VALUES (?, ?, ?)', [orderId, item.productId, item.quantity]);
              }
              return { orderId };
            });
          },
          {
            userId: (v) => typeof v === 'number' && v > 0,
            items: (v) => Array.isArray(v) && v.length > 0,
          },
        ),
        syncExternalData: withRetry(
          async ({ db }, sourceId: string) => {
            await db.run('INSERT INTO orders (user_id, status) VALUES (0, ?)', [sourceId]);
            if (++flaky < 3) throw new TypeError('fetch failed'); // transient: the attempt's write is rolled back
            return { synced: true };
          },
          { maxRetries: 3, baseDelayMs: 1 },
        ),
      },
      { db },
    );
    expect(await procedures.createOrder({ userId: 42, items: [{ productId: 1, quantity: 2 }, { productId: 3, quantity: 1 }] })).toEqual({ orderId: 1 });
    expect(await codeOf(procedures.createOrder({ userId: 42, items: [] }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('items') });
    expect((await procedures.getUserOrders(42)).map((o) => o.id)).toEqual([1]);
    expect(await db.query('SELECT order_id, product_id, quantity FROM order_items')).toEqual([
      { order_id: 1, product_id: 1, quantity: 2 },
      { order_id: 1, product_id: 3, quantity: 1 },
    ]);
    expect(await procedures.syncExternalData('src-1')).toEqual({ synced: true });
    expect(flaky).toBe(3);
    expect(await db.query("SELECT count(*) AS n FROM orders WHERE status = 'src-1'")).toEqual([{ n: 1 }]);
    await db.close();
  });
});

/** Seed 000's calculate_customer_stats, as written there. */
const CUSTOMER_STATS = `
CREATE PROCEDURE calculate_customer_stats AS MODULE $$
  export default async ({ db }, customerId) => {
    const stats = await db.queryOne(\`
      SELECT
        COUNT(*) as order_count,
        SUM(total) as total_spent,
        AVG(total) as avg_order,
        MAX(created_at) as last_order
      FROM orders
      WHERE customer_id = ?
    \`, [customerId]);

    return {
      customerId,
      orderCount: stats.order_count,
      totalSpent: stats.total_spent,
      avgOrder: stats.avg_order,
      lastOrder: stats.last_order,
      tier: stats.total_spent > 10000 ? 'gold' :
            stats.total_spent > 1000 ? 'silver' : 'bronze'
    };
  }
$$;`;

async function ordersDb(name: string, options: Parameters<typeof DB>[1] = { storage: 'memory' }): Promise<{ db: Database; lite: Sqlite.Database }> {
  const db = DB(name, options);
  const lite = new Sqlite(':memory:');
  const ddl = 'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL, created_at TEXT)';
  await db.exec(ddl);
  lite.exec(ddl);
  let i = 0;
  for (const [c, total] of [[42, 900.5], [42, 7000], [42, 3000.25], [7, 20], [7, 5], [9, 1500]] as const) {
    const row = [c, total, `2024-01-${String(++i).padStart(2, '0')}`];
    await db.run('INSERT INTO orders (customer_id, total, created_at) VALUES (?, ?, ?)', row);
    lite.prepare('INSERT INTO orders (customer_id, total, created_at) VALUES (?, ?, ?)').run(...row);
  }
  return { db, lite };
}

describe('SQL-stored procedures (CREATE PROCEDURE ... AS MODULE, CALL)', () => {
  it("seed 000's calculate_customer_stats: positional and named CALL, answers equal SQLite's", async () => {
    const { db, lite } = await ordersDb('proc-sql');
    await db.exec(CUSTOMER_STATS);
    for (const id of [42, 7, 9, 1]) {
      const s = lite.prepare('SELECT COUNT(*) as order_count, SUM(total) as total_spent, AVG(total) as avg_order, MAX(created_at) as last_order FROM orders WHERE customer_id = ?').get(id) as Record<string, number | string | null>;
      const spent = (s.total_spent as number | null) ?? 0;
      const expected = { customerId: id, orderCount: s.order_count, totalSpent: s.total_spent, avgOrder: s.avg_order, lastOrder: s.last_order, tier: spent > 10000 ? 'gold' : spent > 1000 ? 'silver' : 'bronze' };
      expect(await db.query(`CALL calculate_customer_stats(${id});`)).toEqual([expected]);
      expect(await db.query(`CALL calculate_customer_stats(customerId => ${id});`)).toEqual([expected]);
      expect(await db.query('CALL calculate_customer_stats(?)', [id])).toEqual([expected]);
    }
    expect(await codeOf(db.query('CALL calculate_customer_stats(customer => 1)'))).toEqual({ code: 'SQL_ERROR', message: 'sql: CALL calculate_customer_stats: no parameter named customer (parameters: customerId)' });
    expect(await codeOf(db.exec(CUSTOMER_STATS))).toEqual({ code: 'SQL_ERROR', message: 'sql: procedure calculate_customer_stats already exists' });
    await db.exec('CREATE PROCEDURE IF NOT EXISTS calculate_customer_stats AS MODULE $$ export default () => 1 $$');
    // Not a SQLite object: sqlite_schema does not list it.
    expect(await db.query("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'calculate_customer_stats'")).toEqual([{ n: 0 }]);
    await db.exec('DROP PROCEDURE calculate_customer_stats');
    expect(await codeOf(db.query('CALL calculate_customer_stats(42)'))).toEqual({ code: 'SQL_ERROR', message: 'sql: no such procedure: calculate_customer_stats' });
    expect(await codeOf(db.exec('DROP PROCEDURE calculate_customer_stats'))).toMatchObject({ code: 'SQL_ERROR' });
    await db.exec('DROP PROCEDURE IF EXISTS calculate_customer_stats');
    lite.close();
    await db.close();
  });

  it("the CLI's statement splitter keeps a $$ body whole (semicolons inside it do not end the statement)", () => {
    const create = `CREATE PROCEDURE p AS MODULE $$ export default async ({ db }) => { await db.run('INSERT INTO t VALUES (1)'); return 1; } $$`;
    expect(splitSql(`${create};\nCALL p();\nSELECT 1`)).toEqual({ statements: [create, 'CALL p()'], rest: 'SELECT 1' });
    expect(splitSql('CREATE PROCEDURE q AS MODULE $$ export default () => 1;')).toEqual({ statements: [], rest: 'CREATE PROCEDURE q AS MODULE $$ export default () => 1;' });
    expect(splitSql('SELECT $a; SELECT 2;').statements).toEqual(['SELECT $a', 'SELECT 2']);
  });

  it('refuses a module without a default export, or with imports, at CREATE', async () => {
    const db = DB('proc-bad-module', { storage: 'memory' });
    expect(await codeOf(db.exec('CREATE PROCEDURE p AS MODULE $$ const x = 1; $$'))).toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('no default export') });
    expect(await codeOf(db.exec("CREATE PROCEDURE p AS MODULE $$ import fs from 'node:fs'; export default () => fs $$"))).toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('cannot import') });
    expect(await codeOf(db.exec('CREATE PROCEDURE p AS MODULE $$ export default ('))).toMatchObject({ code: 'SQL_SYNTAX' });
    await db.exec("CREATE PROCEDURE p AS MODULE $$ export default async () => { throw new RangeError('boom') } $$");
    expect(await codeOf(db.query('CALL p()'))).toEqual({ code: 'PROCEDURE_ERROR', message: 'proc: procedure p failed: RangeError: boom' });
    // The sandbox has no host globals.
    await db.exec("CREATE PROCEDURE g AS MODULE $$ export default () => [typeof process, typeof require, typeof globalThis.fetch].join(',') $$");
    expect(await db.query('CALL g()')).toEqual([{ result: 'undefined,undefined,undefined' }]);
    await db.close();
  });
});

/** A procedure that writes, then fails when asked to. */
const WRITER = `CREATE PROCEDURE add_user AS MODULE $$
  export default async ({ db }, name, fail = 0) => {
    await db.run('INSERT INTO users (name, email) VALUES (?, ?)', [name, name + '@x']);
    if (fail) throw new Error('asked to fail');
    return { added: name };
  }
$$`;

describe("ctx.db runs in the caller's transaction", () => {
  for (const kind of ['sql', 'registered'] as const) {
    it(`${kind}: ROLLBACK of the caller undoes the procedure's writes; a failing procedure undoes only its own`, async () => {
      const db = DB(`proc-txn-${kind}`, { storage: 'memory' });
      await db.exec(USERS);
      if (kind === 'sql') await db.exec(WRITER);
      else {
        const p = procedure('add_user')
          .input({ name: 'string', fail: 'integer?' })
          .handler(async ({ db: tx }, { name, fail }) => {
            await tx.run('INSERT INTO users (name, email) VALUES (?, ?)', [name, `${name}@x`]);
            if (fail) throw new Error('asked to fail');
            return { added: name };
          });
        createProcedureExecutor(db, createProcedureRegistry().register(p));
      }
      const names = async (): Promise<string[]> => (await db.query<{ name: string }>('SELECT name FROM users ORDER BY id')).map((r) => r.name);

      // BEGIN ... ROLLBACK through SQL text.
      await db.exec('BEGIN');
      expect(await db.query("CALL add_user('a')")).toEqual([{ added: 'a' }]);
      expect(await names()).toEqual(['a']); // visible inside the transaction
      await db.exec('ROLLBACK');
      expect(await names()).toEqual([]);

      // db.transaction(): the callback throws after the CALL.
      await expect(
        db.transaction(async (tx) => {
          await tx.query("CALL add_user('b')");
          throw new Error('caller fails');
        }),
      ).rejects.toThrow('caller fails');
      expect(await names()).toEqual([]);

      // A failing CALL undoes its own writes and keeps the caller's earlier ones.
      await db.exec('BEGIN');
      await db.run("INSERT INTO users (name, email) VALUES ('kept', 'kept@x')");
      await expect(db.query("CALL add_user('c', 1)")).rejects.toThrow('asked to fail');
      await db.exec('COMMIT');
      expect(await names()).toEqual(['kept']);

      // Autocommit CALL commits its writes.
      await db.query("CALL add_user('d')");
      expect(await names()).toEqual(['kept', 'd']);
      await db.close();
    });
  }

  it('ctx.db.transaction() inside a procedure is a savepoint of the caller', async () => {
    const db = DB('proc-savepoint', { storage: 'memory' });
    await db.exec(USERS);
    await db.exec(`CREATE PROCEDURE two AS MODULE $$
      export default async ({ db }) => {
        await db.run("INSERT INTO users (name, email) VALUES ('outer', 'o@x')");
        try {
          await db.transaction(async (tx) => {
            await tx.run("INSERT INTO users (name, email) VALUES ('inner', 'i@x')");
            throw new Error('inner fails');
          });
        } catch (e) {}
        return (await db.query('SELECT name FROM users ORDER BY id')).map((r) => r.name).join(',');
      }
    $$`);
    expect(await db.query('CALL two()')).toEqual([{ result: 'outer' }]);
    expect(await db.query('SELECT name FROM users')).toEqual([{ name: 'outer' }]);
    await db.close();
  });
});

describe('the Node sandbox stops runaway procedures with a typed error', () => {
  it('a synchronous infinite loop, an async one and a memory hog: INTERRUPTED / LIMIT_EXCEEDED, writes undone, the process and other databases keep running', async () => {
    const db = DB('proc-limits', { storage: 'memory', limits: { procedureTimeoutMs: 300, procedureMemoryMb: 32 } });
    const other = DB('proc-limits-other', { storage: 'memory' });
    await db.exec('CREATE TABLE t (x)');
    await other.exec('CREATE TABLE t (x)');
    await db.exec(`CREATE PROCEDURE spin AS MODULE $$ export default async ({ db }) => { await db.run('INSERT INTO t VALUES (1)'); for (;;) {} } $$`);
    await db.exec(`CREATE PROCEDURE spin_at_load AS MODULE $$ while (true) {} export default () => 1 $$`);
    await db.exec(`CREATE PROCEDURE spin_async AS MODULE $$ export default async () => { for (;;) await null } $$`);
    // The memory bound, with time enough to reach it.
    const roomy = DB('proc-limits-memory', { storage: 'memory', limits: { procedureTimeoutMs: 60_000, procedureMemoryMb: 32 } });
    await roomy.exec(`CREATE PROCEDURE hog AS MODULE $$ export default async () => { const a = []; for (;;) a.push(new Array(1e5).fill(a.length)) } $$`);
    for (const [p, code, detail] of [
      ['spin', 'INTERRUPTED', { reason: 'timeout', timeoutMs: 300, procedure: 'spin' }],
      ['spin_at_load', 'INTERRUPTED', { reason: 'timeout', timeoutMs: 300, procedure: 'spin_at_load' }],
      ['spin_async', 'INTERRUPTED', { reason: 'timeout', timeoutMs: 300, procedure: 'spin_async' }],
      ['hog', 'LIMIT_EXCEEDED', { limit: 'procedureMemoryMb', max: 32, procedure: 'hog' }],
    ] as const) {
      const e = await (p === 'hog' ? roomy : db).query(`CALL ${p}()`).catch((x: unknown) => x);
      expect(e, p).toBeInstanceOf(DoSQLError);
      expect((e as DoSQLError).code, p).toBe(code);
      expect((e as DoSQLError).details, p).toEqual(detail);
      // Meanwhile, and after, both databases answer.
      await other.run('INSERT INTO t VALUES (?)', [p]);
    }
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]); // spin's insert was undone
    expect(await other.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 4 }]);
    await db.close();
    await other.close();
    await roomy.close();
  });
});

describe('procedures are versioned with the catalog', () => {
  it('AS OF an LSN before CREATE there is no procedure; before CREATE OR REPLACE the old code runs; a branch made before it has none', async () => {
    const { db, lite } = await ordersDb('proc-versions', { storage: 'memory', retention: 'forever' });
    lite.close();
    const before = (await db.run('INSERT INTO orders (customer_id, total) VALUES (1, 10)')).lsn;
    await db.exec("CREATE PROCEDURE version AS MODULE $$ export default async ({ db }) => ({ v: 1, n: (await db.queryOne('SELECT count(*) AS n FROM orders')).n }) $$");
    const v1 = (await db.run('INSERT INTO orders (customer_id, total) VALUES (1, 20)')).lsn;
    await db.exec("CREATE OR REPLACE PROCEDURE version AS MODULE $$ export default async ({ db }) => ({ v: 2, n: (await db.queryOne('SELECT count(*) AS n FROM orders')).n }) $$");
    await db.run('INSERT INTO orders (customer_id, total) VALUES (1, 30)');

    expect(await db.query('CALL version()')).toEqual([{ v: 2, n: 9 }]);
    const atV1 = await createTimeTravelSession(db, { asOf: lsn(v1) });
    expect(await atV1.query('CALL version()')).toEqual([{ v: 1, n: 8 }]); // the code and the data of that point
    await atV1.close();
    const atBefore = await createTimeTravelSession(db, { asOf: lsn(before) });
    expect(await codeOf(atBefore.query('CALL version()'))).toEqual({ code: 'SQL_ERROR', message: 'sql: no such procedure: version' });
    await atBefore.close();

    await db.branch('old', { fromLSN: before });
    await db.branch('mid', { fromLSN: v1 });
    await db.checkout('old');
    expect(await codeOf(db.query('CALL version()'))).toMatchObject({ code: 'SQL_ERROR', message: 'sql: no such procedure: version' });
    // A procedure created on a branch stays there.
    await db.exec('CREATE PROCEDURE branch_only AS MODULE $$ export default () => 42 $$');
    expect(await db.query('CALL branch_only()')).toEqual([{ result: 42 }]);
    await db.checkout('mid');
    expect(await db.query('CALL version()')).toEqual([{ v: 1, n: 8 }]);
    await db.exec('DROP PROCEDURE version');
    await db.checkout('main');
    expect(await db.query('CALL version()')).toEqual([{ v: 2, n: 9 }]); // the branch's DROP did not touch main
    expect(await codeOf(db.query('CALL branch_only()'))).toMatchObject({ code: 'SQL_ERROR' });
    // Merging a branch brings its procedure changes: the one created there arrives on main.
    await db.merge('old', { strategy: 'theirs' });
    expect(await db.query('CALL branch_only()')).toEqual([{ result: 42 }]);
    expect(await db.query('CALL version()')).toEqual([{ v: 2, n: 9 }]);
    await db.close();
  });
});
