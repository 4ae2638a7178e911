// A shard connection: how the executor reaches one shard's database. Two implementations:
// `localShard` over a dosql Database in this process (Node: one folder per shard; tests: in
// memory), and `httpShard` (http-connection.ts) over the DoSQL Durable Object's JSON API, so
// the same executor runs in a Worker. The shape also satisfies the two-phase-commit
// coordinator's participant (src/shard/twopc): an `id` and an `exec(sql, params)`.
import type { Database } from '../sql/api/database.js';
import { sqlHost } from '../sql/api/host.js';
import type { BindValue } from '../sql/api/values.js';
import type { SqlValue } from '../sql/types/value.js';

/** One statement's answer from a shard: column names, rows as arrays (INTEGER as bigint), and its effect. */
export interface ShardResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
  readonly changes: number;
  readonly lastInsertRowId?: bigint;
  /** LSN of the commit, or the read LSN. */
  readonly lsn?: number;
}

/** A statement with positional parameters. */
export interface ShardStatement {
  readonly sql: string;
  readonly params?: readonly SqlValue[];
}

export interface ShardConnection {
  /** The shard (or replica) id. */
  readonly id: string;
  /** Runs one statement (autocommit). Errors are the shard's DoSQLError. */
  exec(sql: string, params?: readonly unknown[]): Promise<ShardResult>;
  /** Runs `statements` in order as one transaction on this shard, all or nothing. */
  batch(statements: readonly ShardStatement[]): Promise<ShardResult[]>;
  /** The shard's latest committed LSN (health checks, replica catch-up). */
  ping(): Promise<{ lsn: number }>;
}

/** A connection to `db`, a dosql Database in this process. */
export function localShard(id: string, db: Database): ShardConnection {
  const host = sqlHost(db);
  return {
    id,
    async exec(sql, params) {
      await db.open();
      const r = await host.execute(host.prepare(sql), (params ?? []) as readonly BindValue[]);
      return { columns: r.columns, rows: r.rows, changes: r.changes, ...(r.lastInsertRowId !== undefined ? { lastInsertRowId: r.lastInsertRowId } : {}), lsn: r.lsn };
    },
    async batch(statements) {
      const rs = await db.batch(statements.map((s) => ({ sql: s.sql, params: (s.params ?? []) as readonly BindValue[] })), { safeIntegers: true });
      return rs.map((r) => ({ columns: r.columns, rows: r.rows.map((o) => r.columns.map((c) => (o[c] ?? null) as SqlValue)), changes: r.changes, lastInsertRowId: BigInt(r.lastInsertRowid), lsn: r.lsn }));
    },
    async ping() {
      const engine = await db.engine();
      return { lsn: engine.lastVisibleLsn };
    },
  };
}
