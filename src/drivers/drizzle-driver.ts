// `dosql/drizzle`: Drizzle ORM on a dosql Database, through drizzle-orm's sqlite-proxy driver
// (an async SQLite driver that hands each query to a callback; dosql speaks SQLite's dialect,
// so `drizzle-orm/sqlite-core` schemas and queries apply unchanged). Drizzle's `db.batch([...])`
// runs as one dosql transaction (db.batch()); `db.transaction(fn)` is the handle's
// BEGIN ... COMMIT (savepoints for nested ones), as drizzle issues it.
//
//   import { DB } from 'dosql';
//   import { drizzle } from 'dosql/drizzle';
//   const db = drizzle(DB('app'), { schema });
//
// Code written for D1 can instead keep `drizzle-orm/d1` over `dosql/d1`'s binding.
import type { DrizzleConfig } from 'drizzle-orm';
import { drizzle as drizzleProxy, type SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import type { Database, ExecuteResult } from '../sql/api/database.js';
import type { BindValue, JsValue } from '../sql/api/values.js';

type Method = 'run' | 'all' | 'values' | 'get';

/**
 * Rows in the form sqlite-proxy expects: arrays of values ('get': one array, or undefined).
 * 'run' also carries `changes` and `lastInsertRowid` (better-sqlite3's RunResult names).
 */
function rowsFor(method: Method, r: ExecuteResult): { rows: unknown[]; changes?: number; lastInsertRowid?: number | bigint } {
  const arrays = r.rows.map((row: Record<string, JsValue>) => r.columns.map((c) => row[c]));
  if (method === 'get') return { rows: arrays[0] as unknown[] };
  if (method === 'run') return { rows: [], changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  return { rows: arrays };
}

/** A Drizzle database on `db` (drizzle-orm/sqlite-proxy): `drizzle(DB('app'), { schema })`. */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(db: Database, config?: DrizzleConfig<TSchema>): SqliteRemoteDatabase<TSchema> {
  return drizzleProxy<TSchema>(
    async (sql, params, method) => rowsFor(method, await db.execute(sql, params as BindValue[])),
    async (queries) => {
      const results = await db.batch(queries.map((q) => ({ sql: q.sql, params: q.params as BindValue[] })));
      return results.map((r, i) => rowsFor(queries[i]!.method, r));
    },
    config,
  );
}

/**
 * Applies drizzle-kit's migrations folder (`migrationsFolder`, with `meta/_journal.json`) to
 * `db`, those not applied yet, as one transaction (drizzle-orm/sqlite-proxy/migrator). Node only
 * (it reads the folder).
 */
export async function migrate(db: Database, config: { migrationsFolder: string; migrationsTable?: string }): Promise<void> {
  const { migrate: proxyMigrate } = await import('drizzle-orm/sqlite-proxy/migrator');
  await proxyMigrate(drizzle(db), async (queries) => {
    await db.batch(queries.map((sql) => ({ sql })));
  }, config);
}
