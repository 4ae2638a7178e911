// The engine under test: dosql's better-sqlite3-like async API, in-memory storage.
// The module is imported by a computed specifier so these tools typecheck and run before
// `DB` exists in src/index.ts; opening then fails with a NOT_SUPPORTED error saying so.
import { DoSQLError } from '../../src/errors.js';
import type { QueryResult, RunResult, SqlEngineAdapter, SqlValue } from './adapter.js';

/** The slice of dosql's public API the adapter uses (see src/index.ts once the SQL API lands). */
interface DosqlStatement {
  raw(on: boolean): DosqlStatement;
  safeIntegers(on: boolean): DosqlStatement;
  all(...params: unknown[]): Promise<unknown[]>;
  run(...params: unknown[]): Promise<{ changes: number | bigint }>;
  columns(): readonly { name: string }[];
}

interface DosqlDatabase {
  exec(sql: string): Promise<unknown>;
  prepare(sql: string): DosqlStatement;
  close(): Promise<unknown>;
}

type DbFactory = (name: string, options: { storage: 'memory' }) => DosqlDatabase;

const INDEX_MODULE = new URL('../../src/index.js', import.meta.url).href;

const factories = new Map<string, Promise<DbFactory>>();
let opened = 0;

/**
 * Loads `DB` from src/index.ts (or the module at `url`) once; rejects with a NOT_SUPPORTED
 * error naming what is missing: the module failed to import, or it does not export DB.
 */
export function loadDosql(url = INDEX_MODULE): Promise<DbFactory> {
  let factory = factories.get(url);
  if (factory === undefined) {
    factory = importDb(url);
    factories.set(url, factory);
  }
  return factory;
}

async function importDb(url: string): Promise<DbFactory> {
  const where = url === INDEX_MODULE ? 'src/index.ts' : url;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    throw new DoSQLError('NOT_SUPPORTED', `dosql adapter: cannot import dosql from ${where}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const db = mod['DB'];
  if (typeof db !== 'function') throw new DoSQLError('NOT_SUPPORTED', `dosql adapter: the dosql SQL API is not available yet: ${where} does not export DB`);
  return db as DbFactory;
}

export async function openDosql(): Promise<SqlEngineAdapter> {
  const DB = await loadDosql();
  const db = DB(`slt-${process.pid}-${++opened}`, { storage: 'memory' });
  return {
    name: 'dosql',
    async exec(sql) {
      await db.exec(sql);
    },
    async query(sql): Promise<QueryResult> {
      const stmt = db.prepare(sql).raw(true).safeIntegers(true);
      const rows = (await stmt.all()) as SqlValue[][];
      const columns = stmt.columns().map((c) => c.name);
      return { columns, rows };
    },
    async run(sql): Promise<RunResult> {
      const res = await db.prepare(sql).safeIntegers(true).run();
      return { changes: Number(res.changes) };
    },
    async close() {
      await db.close();
    },
  };
}
