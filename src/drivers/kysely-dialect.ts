// `dosql/kysely`: a Kysely dialect over a dosql Database (Kysely's SqliteDialect, with a driver
// for dosql's async API). dosql speaks SQLite's dialect, so the query compiler, the adapter and
// the introspector are Kysely's own SQLite ones: the introspector reads `sqlite_master` and
// `pragma_table_info`, which dosql answers as SQLite does (docs/sql.md).
//
//   import { Kysely } from 'kysely';
//   import { DB } from 'dosql';
//   import { DosqlDialect } from 'dosql/kysely';
//   const db = new Kysely<Schema>({ dialect: new DosqlDialect({ database: DB('app') }) });
//
// Like SQLite's dialect, one connection: queries wait for it (a mutex), so a Kysely transaction
// (the handle's BEGIN ... COMMIT) holds it until it ends and other queries of this Kysely
// instance run after. Savepoints map to SQL SAVEPOINT / ROLLBACK TO / RELEASE.
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import type { BindValue } from '../sql/api/values.js';

export interface DosqlDialectConfig {
  /** The database (from DB()), or a function that opens it when Kysely first connects. */
  database: Database | (() => Promise<Database>);
  /** Called once with the connection after it is made. */
  onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;
  /** Close the database when the Kysely instance is destroyed (default true). */
  closeOnDestroy?: boolean;
}

/** Kysely's SQLite dialect on dosql: `new Kysely({ dialect: new DosqlDialect({ database }) })`. */
export class DosqlDialect implements Dialect {
  readonly #config: DosqlDialectConfig;

  constructor(config: DosqlDialectConfig) {
    this.#config = { ...config };
  }

  createDriver(): Driver {
    return new DosqlDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class DosqlDriver implements Driver {
  readonly #config: DosqlDialectConfig;
  readonly #mutex = new ConnectionMutex();
  #db: Database | undefined;
  #connection: DosqlConnection | undefined;

  constructor(config: DosqlDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const d = this.#config.database;
    this.#db = typeof d === 'function' ? await d() : d;
    this.#connection = new DosqlConnection(this.#db);
    if (this.#config.onCreateConnection) await this.#config.onCreateConnection(this.#connection);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection!;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel !== undefined && settings.isolationLevel !== 'serializable' && settings.isolationLevel !== 'snapshot') {
      // dosql transactions are snapshot isolated with first-committer-wins (src/mvcc/commit.ts).
      throw new DoSQLError('NOT_SUPPORTED', `kysely: dosql runs transactions with snapshot isolation; isolation level ${settings.isolationLevel} is not available`);
    }
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    if (this.#config.closeOnDestroy !== false) await this.#db?.close();
  }
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Kinds of query nodes that change rows: their result carries numAffectedRows (and insertId). */
const DML = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

class DosqlConnection implements DatabaseConnection {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters, query } = compiledQuery;
    const r = await this.#db.execute<R>(sql, parameters as BindValue[]);
    const dml = DML.has(query.kind) || (query.kind === 'RawNode' && r.columns.length === 0);
    if (!dml) return { rows: r.rows };
    return {
      rows: r.rows,
      numAffectedRows: BigInt(r.changes),
      ...(query.kind === 'InsertQueryNode' || query.kind === 'RawNode' ? { insertId: BigInt(r.lastInsertRowid) } : {}),
    };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { sql, parameters, query } = compiledQuery;
    if (query.kind !== 'SelectQueryNode') throw new DoSQLError('NOT_SUPPORTED', 'kysely: dosql streams SELECT queries only');
    let chunk: R[] = [];
    for await (const row of this.#db.prepare(sql).iterate<R>(...(parameters as BindValue[]))) {
      chunk.push(row);
      if (chunk.length >= chunkSize) {
        yield { rows: chunk };
        chunk = [];
      }
    }
    if (chunk.length > 0) yield { rows: chunk };
  }
}

/** One connection, taken in turn (as Kysely's SQLite driver). */
class ConnectionMutex {
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.#promise) await this.#promise;
    this.#promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  unlock(): void {
    const resolve = this.#resolve;
    this.#promise = undefined;
    this.#resolve = undefined;
    resolve?.();
  }
}
