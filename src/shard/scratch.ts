// The coordinator's scratch database: an in-memory dosql Database where merged rows are
// combined with SQL (partial aggregates, DISTINCT, gathered tables for the general fallback).
// One is opened per coordinator step and closed after it, so concurrent queries never share
// tables. Columns are declared with the type and collation the shard's table declares (its
// CREATE TABLE in sqlite_schema), so comparisons apply the same affinities; constraints are
// dropped (rows of different shards may repeat a key that is unique only per shard).
import { DoSQLError } from '../errors.js';
import { LsmEngine } from '../lsm/engine.js';
import { Database } from '../sql/api/database.js';
import { sqlHost } from '../sql/api/host.js';
import type { BindValue } from '../sql/api/values.js';
import { parseOne } from '../sql/parser/index.js';
import type { SqlValue } from '../sql/types/value.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import type { ShardResult } from './connection.js';
import { bindSlots, quoteIdent } from './sql-print.js';

/** A column of a table as declared: name, type text, collation. */
export interface ColumnDecl {
  readonly name: string;
  readonly type?: string;
  readonly collation?: string;
}

/** What the executor knows of a table's schema (read from a shard's sqlite_schema). */
export interface TableSchema {
  readonly columns: readonly ColumnDecl[];
  /** Primary-key columns of a WITHOUT ROWID table; undefined for a rowid table. */
  readonly withoutRowidKey?: readonly string[];
}

/** Parses a CREATE TABLE statement into the schema the executor uses. */
export function tableSchemaOf(createSql: string): TableSchema {
  const st = parseOne(createSql).statement;
  if (st.kind !== 'createTable') throw new DoSQLError('NOT_SUPPORTED', `shard: expected a CREATE TABLE, got ${st.kind}`);
  const columns = st.columns.map((c) => {
    const coll = c.constraints.find((k) => k.kind === 'collate');
    return { name: c.name, ...(c.type ? { type: c.type.text ?? c.type.name } : {}), ...(coll && coll.kind === 'collate' ? { collation: coll.collation } : {}) };
  });
  if (!st.withoutRowid) return { columns };
  const inline = st.columns.find((c) => c.constraints.some((k) => k.kind === 'primaryKey'));
  const tpk = st.constraints.find((k) => k.kind === 'primaryKey');
  const key = inline ? [inline.name] : tpk && tpk.kind === 'primaryKey' ? tpk.columns.map((x) => (x.expr.kind === 'column' ? x.expr.column : '')) : [];
  return { columns, withoutRowidKey: key };
}

/** A scratch database: create tables, load rows, run one statement. Close it after use. */
export class Scratch {
  private readonly db = new Database(() => LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off', compression: 'none', memtableBytes: 64 * 1024 * 1024 }), 'shard-scratch');

  /** Creates table `name` with `columns` (declared types and collations kept when known). */
  async createTable(name: string, columns: readonly string[], decls?: readonly ColumnDecl[]): Promise<void> {
    const byName = new Map((decls ?? []).map((d) => [d.name.toLowerCase(), d]));
    const defs = columns.map((c) => {
      const d = byName.get(c.toLowerCase());
      return `${quoteIdent(c)}${d?.type ? ` ${d.type}` : ''}${d?.collation ? ` COLLATE ${d.collation}` : ''}`;
    });
    await this.db.exec(`CREATE TABLE ${quoteIdent(name)} (${defs.join(', ')})`);
  }

  /** Inserts `rows` (arrays in column order) into table `name`, in one transaction. */
  async load(name: string, width: number, rows: readonly (readonly SqlValue[])[]): Promise<void> {
    if (rows.length === 0 || width === 0) return;
    const per = Math.max(1, Math.floor(500 / width));
    const statements: { sql: string; params: BindValue[] }[] = [];
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const { marks, params } = bindSlots(chunk.flat());
      const tuples: string[] = [];
      for (let r = 0; r < chunk.length; r++) tuples.push(`(${marks.slice(r * width, (r + 1) * width).join(', ')})`);
      statements.push({ sql: `INSERT INTO ${quoteIdent(name)} VALUES ${tuples.join(', ')}`, params: params as BindValue[] });
    }
    await this.db.batch(statements);
  }

  /** Runs one statement with positional values. */
  async run(sql: string, params: readonly SqlValue[]): Promise<ShardResult> {
    const host = sqlHost(this.db);
    await this.db.open();
    const r = await host.execute(host.prepare(sql), params as readonly BindValue[]);
    return { columns: r.columns, rows: r.rows, changes: r.changes };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Runs `body` with a fresh scratch database, closed afterwards. */
export async function withScratch<T>(body: (s: Scratch) => Promise<T>): Promise<T> {
  const s = new Scratch();
  try {
    return await body(s);
  } finally {
    await s.close().catch(() => undefined);
  }
}
