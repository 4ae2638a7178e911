// The oracle: better-sqlite3 on an in-memory database, its synchronous calls wrapped in promises.
// Integers come back as bigint and blobs as Uint8Array, so values keep SQLite's storage class.
import Database from 'better-sqlite3';
import type { QueryResult, RunResult, SqlEngineAdapter, SqlValue } from './adapter.js';

export interface SqliteOptions {
  /**
   * PRAGMA reverse_unordered_selects: scan tables and indexes backwards wherever order is
   * unspecified. Diffing against a normal database shows whether a query's answer depends
   * on scan order (https://sqlite.org/pragma.html#pragma_reverse_unordered_selects).
   */
  readonly reverseUnorderedSelects?: boolean;
}

export function openSqlite(options: SqliteOptions = {}): SqlEngineAdapter {
  const db = new Database(':memory:');
  // dosql enforces foreign keys unless told not to (docs/sql.md); the oracle does the same.
  db.pragma('foreign_keys = ON');
  if (options.reverseUnorderedSelects === true) db.pragma('reverse_unordered_selects = ON');
  return {
    name: 'sqlite',
    async exec(sql) {
      db.exec(sql);
    },
    async query(sql): Promise<QueryResult> {
      const stmt = db.prepare(sql);
      if (!stmt.reader) {
        stmt.run();
        return { columns: [], rows: [] };
      }
      stmt.safeIntegers(true).raw(true);
      const columns = stmt.columns().map((c) => c.name);
      const rows = stmt.all() as SqlValue[][];
      for (const row of rows) normaliseBlobs(row);
      return { columns, rows };
    },
    async run(sql): Promise<RunResult> {
      const stmt = db.prepare(sql);
      if (stmt.reader) {
        stmt.safeIntegers(true).raw(true).all();
        return { changes: 0 };
      }
      return { changes: stmt.safeIntegers(true).run().changes };
    },
    async close() {
      db.close();
    },
  };
}

/** better-sqlite3 returns Buffers; plain Uint8Arrays compare and print the same on both engines. */
function normaliseBlobs(row: SqlValue[]): void {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v instanceof Uint8Array && Buffer.isBuffer(v)) row[i] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
}
