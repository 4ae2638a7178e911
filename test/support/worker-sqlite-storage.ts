// A stand-in for a Durable Object's SQLite-backed storage (`ctx.storage`) in Node tests:
// `sql.exec` and `transactionSync` over better-sqlite3, returning BLOBs as ArrayBuffer as
// workerd does. Only what DurableObjectStore uses.
import Database from 'better-sqlite3';
import type { DoSqlCursor, DoSqlStorage, DoSqlValue } from '../../src/storage/do-store.js';

export class SqliteDoStorage implements DoSqlStorage {
  readonly db: Database.Database;
  readonly sql: { exec(query: string, ...bindings: DoSqlValue[]): DoSqlCursor };
  private depth = 0;

  constructor(path = ':memory:') {
    this.db = new Database(path);
    const db = this.db;
    // workerd caches prepared statements too.
    const cache = new Map<string, Database.Statement>();
    this.sql = {
      exec(query: string, ...bindings: DoSqlValue[]): DoSqlCursor {
        let stmt = cache.get(query);
        if (!stmt) {
          stmt = db.prepare(query);
          cache.set(query, stmt);
        }
        const args = bindings.map((b) => (b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : b instanceof ArrayBuffer ? Buffer.from(b) : b));
        const rows = stmt.reader ? (stmt.all(...args) as Record<string, unknown>[]) : (stmt.run(...args), []);
        return {
          toArray: () =>
            rows.map((r) => {
              const o: Record<string, DoSqlValue> = {};
              for (const [k, v] of Object.entries(r)) o[k] = Buffer.isBuffer(v) ? (new Uint8Array(v).slice().buffer as ArrayBuffer) : (v as DoSqlValue);
              return o;
            }),
        };
      },
    };
  }

  transactionSync<T>(fn: () => T): T {
    // Nested calls join the outer transaction, as in workerd.
    if (this.depth > 0) return fn();
    this.depth++;
    try {
      return this.db.transaction(fn)();
    } finally {
      this.depth--;
    }
  }

  close(): void {
    this.db.close();
  }
}
