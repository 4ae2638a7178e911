// One statement's answer, from a single database or through the shard executor, in a form the
// sharding differential tests (shard-differential, shard-reshard) compare with toEqual: typed
// values as strings, reals to 12 digits (partial sums add in another order than one database
// does), errors by their code.
import type { Database } from '../../src/sql/api/database.js';
import type { SqlValue } from '../../src/sql/types/value.js';
import type { ShardExecutor } from '../../src/shard/index.js';
import type { Stmt } from './shard-gen.js';

export type Answer = { ok: true; columns: string[]; rows: string[]; changes: number } | { ok: false; error: string };

/** A value as a typed string (reals to 12 digits). */
export function show(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return `int:${v}`;
  if (typeof v === 'number') return `real:${Number(v.toPrecision(12))}`;
  if (typeof v === 'string') return `text:${v}`;
  return `blob:${Buffer.from(v).toString('hex')}`;
}

function failed(e: unknown): Answer {
  return { ok: false, error: (e as { code?: string }).code ?? String(e) };
}

/** `s` on one database (the oracle). */
export async function onSingle(db: Database, s: Stmt): Promise<Answer> {
  try {
    const r = await db.execute(s.sql, s.params, { safeIntegers: true });
    return { ok: true, columns: r.columns, rows: r.rows.map((o) => JSON.stringify(r.columns.map((c) => show((o as Record<string, SqlValue>)[c] ?? null)))), changes: s.write ? r.changes : 0 };
  } catch (e) {
    return failed(e);
  }
}

/** `s` through the shard executor. */
export async function onCluster(ex: ShardExecutor, s: Stmt): Promise<Answer> {
  try {
    const r = await ex.execute(s.sql, s.params);
    // Row objects keyed by column name, as the single database's execute() builds them (duplicate names collapse alike).
    const rows = r.rows.map((row) => {
      const o: Record<string, SqlValue> = {};
      r.columns.forEach((c, i) => (o[c] = row[i] ?? null));
      return JSON.stringify(r.columns.map((c) => show(o[c] ?? null)));
    });
    return { ok: true, columns: [...r.columns], rows, changes: s.write ? r.changes : 0 };
  } catch (e) {
    return failed(e);
  }
}
