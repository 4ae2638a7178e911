// vector_top_k(index, query, k [, allowed]): the table-valued function that searches a VECTOR index, as
// libSQL's vector_top_k. Columns: id (the rowid), distance (by the index's metric); rows
// nearest first. Join it back to the table for the rows:
//   SELECT d.*, v.distance FROM vector_top_k('idx_documents_embedding', :q, 10) AS v
//   JOIN documents d ON d.id = v.id ORDER BY v.distance
// The answer is the k nearest rows the statement sees — now, AS OF its read LSN, on its branch
// (versioned-index.ts) — approximately (HNSW recall) when usearch is loaded, exactly otherwise.
// `allowed`, JSON array text of rowids, restricts the answer to those rows (a filter); the
// planner's form may pass an index key range instead (index-filter.ts).
import { DoSQLError } from '../errors.js';
import type { ExecEnv } from '../sql/execution/env.js';
import type { TableFunction } from '../sql/functions/table-functions.js';
import { plain } from '../sql/types/subtype.js';
import { toVector } from './vector-blob.js';
import { nearest } from './versioned-index.js';
import { allowedFrom, allowedRowids, type AllowedRowids } from './allowed-rowids.js';
import { rangeFilter, rowidsInRange, type IndexRangeSpec, type RowFilter } from './index-filter.js';
import type { TableSchema } from '../sql/catalog/schema.js';

/** Above this many rows in an index range, a filter is checked per candidate instead of read whole. */
const MATERIALIZE_MAX = 2048;

/**
 * `filter`: JSON array text of rowids, or an index key range (index-filter.ts) as JSON object
 * text — read whole when it holds few rows (the exact path may answer), else tested per
 * candidate row.
 */
async function filterOf(env: ExecEnv, table: TableSchema, filter: string, k: number): Promise<{ allowed?: AllowedRowids; rowFilter?: RowFilter }> {
  if (!filter.startsWith('{')) return { allowed: await allowedRowids(filter) };
  const spec = JSON.parse(filter) as IndexRangeSpec;
  const ix = env.txn.catalog.findIndex(spec.index);
  if (!ix || ix.table.toLowerCase() !== table.name.toLowerCase() || ix.using) throw new DoSQLError('SQL_ERROR', `vector: filter index ${spec.index} is not an index of ${table.name}`);
  const ids = await rowidsInRange(env, table, ix, spec, Math.max(MATERIALIZE_MAX, 4 * k));
  return ids ? { allowed: await allowedFrom(ids) } : { rowFilter: rangeFilter(table, ix, spec) };
}

async function* run(env: ExecEnv, index: unknown, query: unknown, k: unknown, filter?: unknown): AsyncGenerator<(bigint | number | null)[]> {
  if (index === null || query === null || k === null) return;
  const cat = env.txn.catalog;
  const ix = typeof index === 'string' ? cat.findIndex(index) : undefined;
  if (!ix || ix.using !== 'VECTOR') throw new DoSQLError('SQL_ERROR', `vector: vector_top_k(): no such vector index: ${String(index)}`, { details: { index: String(index) } });
  const table = cat.findTable(ix.table);
  if (!table || table.withoutRowid) throw new DoSQLError('SQL_ERROR', `vector: vector_top_k(): index ${ix.name} is not on a rowid table`);
  const n = typeof k === 'bigint' ? Number(k) : typeof k === 'number' ? Math.trunc(k) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 100_000) throw new DoSQLError('SQL_ERROR', 'vector: vector_top_k(): k must be an integer in [0, 100000]', { details: { k: String(k) } });
  const { allowed, rowFilter } = filter === undefined || filter === null ? {} : await filterOf(env, table, String(filter), n);
  try {
    const { rows } = await nearest(env, table, ix, toVector(query, 'vector_top_k() argument 2'), n, allowed, rowFilter);
    for (const r of rows) yield [r.rowid, r.distance, null, null, null, null];
  } finally {
    allowed?.dispose();
  }
}

/**
 * The function over `run`: columns id and distance (shown, or hidden under names no query
 * can write), then its arguments (hidden).
 */
function knnFunction(name: string, shown: boolean, checkPlan?: TableFunction['checkPlan']): TableFunction {
  return {
    name,
    columns: [
      { name: shown ? 'id' : '\u0001id', hidden: !shown },
      { name: shown ? 'distance' : '\u0001distance', hidden: !shown },
      { name: 'index_name', hidden: true },
      { name: 'query', hidden: true },
      { name: 'k', hidden: true },
      { name: 'allowed', hidden: true },
    ],
    argColumns: [2, 3, 4, 5],
    rowidColumn: 0,
    ...(checkPlan ? { checkPlan } : {}),
    open: (call, ctx) => {
      const [a, b, c, d] = call.args.map((x) => (x === undefined ? null : plain(x)));
      return run(ctx as unknown as ExecEnv, a, b, c, d);
    },
  };
}

/** The planner's form (plan-rewrite.ts): the same search, every column hidden. */
export const KNN_ROWIDS = 'vector_knn_rowids';

export const VECTOR_KNN_ROWIDS: TableFunction = knnFunction(KNN_ROWIDS, false);

export const VECTOR_TOP_K: TableFunction = knnFunction('vector_top_k', true, (present) => {
  if (!present.slice(0, 3).every((p) => p)) throw new DoSQLError('SQL_ERROR', 'vector: vector_top_k(index, query, k) needs all three arguments');
});
