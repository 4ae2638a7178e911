// Kysely's SQLite introspection over dosql gives what it gives over SQLite: a minimal Kysely
// Dialect over a dosql database (kept here; dosql/kysely is its own work) beside Kysely's own
// SqliteDialect over better-sqlite3, the same schema in both (seed 004's first migration plus
// a composite key, a WITHOUT ROWID table, a view and generated columns). getTables() —
// tables, views, columns, declared types, nullability, defaults, the auto-increment column —
// must be equal, and so must the primary and foreign keys read with the pragma functions
// introspection tools use (pragma_table_info's pk, pragma_foreign_key_list).
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteAdapter, SqliteDialect, SqliteIntrospector, SqliteQueryCompiler, sql, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { SEED004_SCHEMAS } from './support/seed-sql.js';

type DosqlDb = ReturnType<typeof DB>;

class DosqlConnection implements DatabaseConnection {
  constructor(private readonly db: DosqlDb) {}
  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const params = q.parameters as unknown[] as never[];
    if (/^\s*(select|with|pragma|values)\b/i.test(q.sql) || /\breturning\b/i.test(q.sql)) return { rows: (await this.db.query(q.sql, params)) as R[] };
    const r = await this.db.run(q.sql, params);
    return { rows: [], numAffectedRows: BigInt(r.changes), insertId: BigInt(r.lastInsertRowId) };
  }
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not part of this test dialect');
  }
}

class DosqlDriver implements Driver {
  constructor(private readonly db: DosqlDb) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new DosqlConnection(this.db);
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('BEGIN'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

function dosqlDialect(db: DosqlDb): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DosqlDriver(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (k) => new SqliteIntrospector(k),
  };
}

const EXTRA = [
  'CREATE TABLE memberships(user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, project_id INTEGER NOT NULL, role TEXT DEFAULT \'viewer\', PRIMARY KEY (user_id, project_id), FOREIGN KEY (project_id) REFERENCES projects(id) ON UPDATE SET NULL)',
  'CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB, n NUMERIC(10, 2) NOT NULL DEFAULT 0) WITHOUT ROWID',
  'CREATE TABLE metrics(id INTEGER PRIMARY KEY, raw TEXT, doubled INT GENERATED ALWAYS AS (length(raw) * 2) VIRTUAL, upper_raw TEXT AS (upper(raw)) STORED)',
  "CREATE VIEW open_tasks AS SELECT t.id, t.title, p.name AS project FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.status <> 'done'",
];

describe("Kysely's SQLite introspection", () => {
  it('reads the same tables, columns, types, primary keys and foreign keys from dosql as from SQLite', async () => {
    const lite = new Database(':memory:');
    const db = DB('kysely-introspection', { storage: 'memory' });
    const viaLite = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: lite }) });
    const viaDosql = new Kysely<Record<string, never>>({ dialect: dosqlDialect(db) });
    try {
      for (const s of [SEED004_SCHEMAS[0]!, ...EXTRA]) {
        lite.exec(s);
        await db.exec(s);
      }
      const tables = await viaDosql.introspection.getTables();
      expect(tables).toEqual(await viaLite.introspection.getTables());
      expect(tables.map((t) => t.name)).toEqual(['kv', 'memberships', 'metrics', 'open_tasks', 'projects', 'tasks', 'users']);
      const users = tables.find((t) => t.name === 'users')!;
      expect(users.columns.find((c) => c.name === 'id')).toMatchObject({ dataType: 'INTEGER', isAutoIncrementing: true });
      expect(users.columns.find((c) => c.name === 'email')).toMatchObject({ dataType: 'TEXT', isNullable: false });

      // Primary and foreign keys, as kysely-codegen and drizzle-kit read them.
      const keys = async (k: Kysely<Record<string, never>>): Promise<unknown[]> => {
        const out: unknown[] = [];
        for (const t of tables.filter((x) => !x.isView)) {
          const pk = await sql<{ name: string; pk: number }>`SELECT name, pk FROM pragma_table_info(${t.name}) WHERE pk > 0 ORDER BY pk`.execute(k);
          const fk = await sql`SELECT id, seq, "table", "from", "to", on_update, on_delete, "match" FROM pragma_foreign_key_list(${t.name}) ORDER BY id, seq`.execute(k);
          const ix = await sql`SELECT il.name, il."unique", il.origin, il.partial, ii.name AS col FROM pragma_index_list(${t.name}) il, pragma_index_info(il.name) ii ORDER BY il.name, ii.seqno`.execute(k);
          out.push({ table: t.name, pk: pk.rows, fk: fk.rows, ix: ix.rows });
        }
        return out;
      };
      const got = await keys(viaDosql);
      expect(got).toEqual(await keys(viaLite));
      expect(got.find((x) => (x as { table: string }).table === 'memberships')).toMatchObject({
        pk: [
          { name: 'user_id', pk: 1 },
          { name: 'project_id', pk: 2 },
        ],
        fk: [
          { table: 'projects', from: 'project_id', to: 'id', on_update: 'SET NULL', on_delete: 'NO ACTION' },
          { table: 'users', from: 'user_id', to: 'id', on_delete: 'CASCADE' },
        ],
      });
    } finally {
      await viaLite.destroy();
      lite.close();
      await db.close();
    }
  });
});
