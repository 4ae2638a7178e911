// dosql/d1: a Worker written the way Cloudflare's D1 documentation writes them (Get started,
// the Worker API pages: prepare/bind/first/all/run/raw, batch, exec, the meta object) runs
// unchanged with `env.DB = d1(DB(...))`; and drizzle-orm/d1 runs on the same binding.
import { eq, sql as dsql } from 'drizzle-orm';
import { drizzle as drizzleD1 } from 'drizzle-orm/d1';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError } from '../src/index.js';
import { d1, type D1Database } from '../src/drivers/d1.js';

interface Env {
  DB: D1Database;
}

// The Worker, as the D1 docs write it (Customers table of the Get started guide).
const worker = {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === '/setup') {
      const r = await env.DB.exec(
        "DROP TABLE IF EXISTS Customers;\nCREATE TABLE IF NOT EXISTS Customers (CustomerId INTEGER PRIMARY KEY, CompanyName TEXT, ContactName TEXT);\nINSERT INTO Customers (CustomerID, CompanyName, ContactName) VALUES (1, 'Alfreds Futterkiste', 'Maria Anders'), (4, 'Around the Horn', 'Thomas Hardy'), (11, 'Bs Beverages', 'Victoria Ashworth'), (13, 'Bs Beverages', 'Random Name');",
      );
      return Response.json(r);
    }
    if (pathname === '/api/beverages') {
      const { results } = await env.DB.prepare('SELECT * FROM Customers WHERE CompanyName = ?').bind('Bs Beverages').all();
      return Response.json(results);
    }
    if (pathname === '/first') {
      const stmt = env.DB.prepare('SELECT * FROM Customers WHERE CompanyName = ?1 ORDER BY CustomerId').bind(searchParams.get('company'));
      return Response.json({ row: await stmt.first(), name: await stmt.first('ContactName') });
    }
    if (pathname === '/total') {
      const total = await env.DB.prepare('SELECT COUNT(*) AS total FROM Customers').first('total');
      return Response.json({ total });
    }
    if (pathname === '/raw') {
      const stmt = env.DB.prepare('SELECT CustomerId, CompanyName FROM Customers ORDER BY CustomerId LIMIT 2');
      const rows = await stmt.raw();
      const [columns, ...withNames] = await stmt.raw({ columnNames: true });
      return Response.json({ rows, columns, withNames });
    }
    if (pathname === '/insert' && request.method === 'POST') {
      const body = (await request.json()) as { company: string; contact: string };
      const { success, meta } = await env.DB.prepare('INSERT INTO Customers (CompanyName, ContactName) VALUES (?, ?)').bind(body.company, body.contact).run();
      return Response.json({ success, meta });
    }
    if (pathname === '/batch') {
      const companyName1 = 'Bs Beverages';
      const companyName2 = 'Around the Horn';
      const stmt = env.DB.prepare('SELECT * FROM Customers WHERE CompanyName = ?');
      const batchResult = await env.DB.batch([stmt.bind(companyName1), stmt.bind(companyName2)]);
      return Response.json(batchResult.map((r) => r.results.length));
    }
    return new Response('Call /api/beverages to see everyone who works at Bs Beverages');
  },
};

const call = async (env: Env, path: string, init?: RequestInit): Promise<unknown> => (await worker.fetch(new Request(`http://worker${path}`, init), env)).json();

describe('dosql/d1: a D1 Worker from the D1 docs, unchanged', () => {
  it('runs the Get started Worker and the Worker API patterns', async () => {
    const db = DB('d1', { storage: 'memory' });
    const env: Env = { DB: d1(db) };
    expect(await call(env, '/setup')).toMatchObject({ count: 3 });
    expect(await call(env, '/api/beverages')).toEqual([
      { CustomerId: 11, CompanyName: 'Bs Beverages', ContactName: 'Victoria Ashworth' },
      { CustomerId: 13, CompanyName: 'Bs Beverages', ContactName: 'Random Name' },
    ]);
    expect(await call(env, '/first?company=Around%20the%20Horn')).toEqual({ row: { CustomerId: 4, CompanyName: 'Around the Horn', ContactName: 'Thomas Hardy' }, name: 'Thomas Hardy' });
    expect(await call(env, '/first?company=nobody')).toEqual({ row: null, name: null });
    expect(await call(env, '/total')).toEqual({ total: 4 });
    expect(await call(env, '/raw')).toEqual({
      rows: [
        [1, 'Alfreds Futterkiste'],
        [4, 'Around the Horn'],
      ],
      columns: ['CustomerId', 'CompanyName'],
      withNames: [
        [1, 'Alfreds Futterkiste'],
        [4, 'Around the Horn'],
      ],
    });
    const ins = (await call(env, '/insert', { method: 'POST', body: JSON.stringify({ company: 'New Co', contact: 'Ann' }) })) as { success: boolean; meta: Record<string, unknown> };
    expect(ins.success).toBe(true);
    expect(ins.meta).toMatchObject({ changes: 1, last_row_id: 14, changed_db: true, rows_written: 1, served_by: 'dosql' });
    expect(typeof ins.meta.duration).toBe('number');
    expect(await call(env, '/batch')).toEqual([2, 1]);
    await db.close();
  });

  it('batch is all or nothing; bind refuses what D1 refuses; first(column) names a missing column', async () => {
    const db = DB('d1b', { storage: 'memory' });
    const env: Env = { DB: d1(db) };
    await env.DB.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, b BLOB, flag INTEGER)');
    const ins = env.DB.prepare('INSERT INTO t (v, b, flag) VALUES (?, ?, ?)');
    const err = await env.DB.batch([ins.bind('a', new Uint8Array([1, 2]), true), ins.bind(null, null, false)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('CONSTRAINT_NOTNULL');
    expect(await env.DB.prepare('SELECT count(*) AS n FROM t').first('n')).toBe(0);
    const ok = await env.DB.batch([ins.bind('a', new Uint8Array([1, 2]).buffer, true), ins.bind('b', null, false), env.DB.prepare('SELECT v, b, flag FROM t ORDER BY id')]);
    expect(ok.map((r) => r.meta.changes)).toEqual([1, 1, 0]);
    expect(ok[2]!.results).toEqual([
      { v: 'a', b: [1, 2], flag: 1 },
      { v: 'b', b: null, flag: 0 },
    ]);
    expect(() => env.DB.prepare('SELECT ?').bind(undefined)).toThrow(/D1_TYPE_ERROR/);
    await expect(env.DB.prepare('SELECT 1 AS one').first('two')).rejects.toThrow(/D1_COLUMN_NOTFOUND/);
    await db.close();
  });

  it('drizzle-orm/d1 runs on the binding: queries, batch, transactions', async () => {
    const users = sqliteTable('users', { id: integer('id').primaryKey({ autoIncrement: true }), name: text('name').notNull(), city: text('city') });
    const db = DB('d1d', { storage: 'memory' });
    const orm = drizzleD1(d1(db) as never);
    await orm.run(dsql`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, city TEXT)`);
    await orm.insert(users).values([{ name: 'Ann', city: 'Oslo' }, { name: 'Bo', city: null }]);
    expect(await orm.select().from(users).where(eq(users.name, 'Ann'))).toEqual([{ id: 1, name: 'Ann', city: 'Oslo' }]);
    const [a, b] = await orm.batch([orm.update(users).set({ city: 'Rome' }).where(eq(users.id, 2)).returning(), orm.select({ n: dsql<number>`count(*)` }).from(users)]);
    expect(a).toEqual([{ id: 2, name: 'Bo', city: 'Rome' }]);
    expect(b).toEqual([{ n: 2 }]);
    await orm
      .transaction(async (tx) => {
        await tx.insert(users).values({ name: 'Cy', city: null });
        tx.rollback();
      })
      .catch(() => undefined);
    expect(await orm.select().from(users).all()).toHaveLength(2);
    await db.close();
  });
});
