// The planner's use of a VECTOR index: a nearest-neighbour query
//   SELECT ... FROM t [WHERE ...] ORDER BY vector_distance(col, :q) [ASC] LIMIT k
// (ORDER BY may name a result column defined so, as `ORDER BY distance`) on a table with a
// VECTOR index on col whose metric is the call's, is rewritten before planning to
//   ... FROM vector_knn_rowids('index', :q, k) JOIN t ON t.rowid = <candidate> ... ORDER BY ... LIMIT k
// so the index finds the k candidates (MVCC-filtered at the statement's read point), t's rows
// are looked up by rowid and the query orders those exactly; EXPLAIN QUERY PLAN shows
// `SCAN vector_knn_rowids` and the rowid search of t. A WHERE (a filter) restricts the
// candidates: a key range of an ordinary index when it is one (index-filter.ts), else the rowids
// a subquery finds; it stays on the outer query too. See docs/search.md.
import type { Catalog } from '../sql/catalog/catalog.js';
import type { Expr, FromItem, SelectStmt } from '../sql/parser/ast.js';
import { exprChildren } from '../sql/parser/ast-walk.js';
import type { Metric } from './distance.js';
import { parseMetric } from './distance.js';
import { vectorIndexOptions } from './index-options.js';
import { KNN_ROWIDS } from './top-k.js';
import { indexRangeFor } from './index-filter.js';

const DISTANCE_FUNCTIONS: Record<string, Metric | undefined> = {
  vector_distance: undefined,
  vector_distance_cos: 'cosine',
  cosine_distance: 'cosine',
  vector_distance_l2: 'euclidean',
  euclidean_distance: 'euclidean',
  l2_distance: 'euclidean',
  vector_distance_dot: 'dot_product',
};

/** No column references and no subqueries: a value fixed for the statement. */
function isConstant(e: Expr): boolean {
  if (e.kind === 'column' || e.kind === 'subquery' || e.kind === 'exists' || (e.kind === 'in' && e.select)) return false;
  return exprChildren(e).every(isConstant);
}

function sameColumn(e: Expr, col: string, names: readonly string[]): boolean {
  return e.kind === 'column' && e.column.toLowerCase() === col.toLowerCase() && (e.table === undefined || names.includes(e.table.toLowerCase()));
}

/** The rewritten statement, or undefined when the query does not have the shape. */
export function rewriteNearestNeighbour(stmt: SelectStmt, catalog: Catalog, isCte: (name: string) => boolean): SelectStmt | undefined {
  const body = stmt.body;
  if (body.kind !== 'selectCore' || body.distinct || body.groupBy || body.having || body.windows) return undefined;
  const from = body.from;
  if (!from || from.kind !== 'table' || from.temporal || isCte(from.name)) return undefined;
  if (from.schema && from.schema.toLowerCase() !== 'main') return undefined;
  if (!stmt.orderBy || stmt.orderBy.length !== 1 || !stmt.limit || stmt.offset || !isConstant(stmt.limit)) return undefined;
  const term = stmt.orderBy[0]!;
  if (term.direction === 'DESC' || term.collation) return undefined;
  let e = term.expr;
  if (e.kind === 'column' && e.table === undefined) {
    const name = e.column.toLowerCase();
    const rc = body.columns.find((c) => c.kind === 'expr' && c.alias?.toLowerCase() === name);
    if (rc && rc.kind === 'expr') e = rc.expr;
  }
  if (e.kind !== 'function' || !(e.name in DISTANCE_FUNCTIONS) || e.distinct || e.star || e.filter || e.over) return undefined;
  if (e.args.length < 2 || e.args.length > 3) return undefined;
  const t = catalog.findTable(from.name);
  if (!t || t.withoutRowid) return undefined;
  const names = [t.name.toLowerCase(), ...(from.alias ? [from.alias.toLowerCase()] : [])];
  const [a, b, m] = e.args;
  const colArg = a!.kind === 'column' ? a! : b!.kind === 'column' ? b! : undefined;
  const qArg = colArg === a ? b! : a!;
  if (!colArg || colArg.kind !== 'column' || !isConstant(qArg)) return undefined;
  let metric: Metric | undefined = DISTANCE_FUNCTIONS[e.name];
  if (e.name === 'vector_distance') {
    if (m === undefined) metric = 'cosine';
    else if (m.kind === 'literal' && typeof m.value === 'string') {
      try {
        metric = parseMetric(m.value, 'vector_distance()');
      } catch {
        return undefined;
      }
    } else return undefined;
  }
  const ix = catalog.indexesOf(t.name).find((i) => {
    if (i.using !== 'VECTOR' || i.columns.length !== 1) return false;
    const c = t.columns.find((col) => col.id === i.columns[0]!.columnId);
    if (!c || !sameColumn(colArg, c.name, names)) return false;
    try {
      return vectorIndexOptions(i).metric === metric;
    } catch {
      return false;
    }
  });
  if (!ix) return undefined;
  // `col IS NOT NULL` needs no filter (the index holds just the rows with a vector); any other
  // WHERE becomes the allowed rowids: (SELECT json_group_array(rowid) FROM t WHERE ...),
  // evaluated at the same read point, and stays on the outer query too.
  const w = body.where;
  const implied = w && w.kind === 'binary' && w.op === 'IS NOT' && w.right.kind === 'literal' && w.right.value === null && sameColumn(w.left, (colArg as { column: string }).column, names);
  const filterArgs: Expr[] = [];
  const isVectorNotNull = (x: Expr): boolean => x.kind === 'binary' && x.op === 'IS NOT' && x.right.kind === 'literal' && x.right.value === null && sameColumn(x.left, (colArg as { column: string }).column, names);
  const range = w && !implied ? indexRangeFor(w, t, catalog.indexesOf(t.name), (x, name) => sameColumn(x, name, names), isVectorNotNull) : undefined;
  if (range) {
    // The WHERE is a key range of an ordinary index: the allowed rowids come from its keys.
    filterArgs.push({ kind: 'literal', value: JSON.stringify(range) });
  } else if (w && !implied) {
    filterArgs.push({
      kind: 'subquery',
      select: {
        kind: 'select',
        body: {
          kind: 'selectCore',
          distinct: false,
          columns: [{ kind: 'expr', expr: { kind: 'function', name: 'json_group_array', args: [{ kind: 'column', table: from.alias ?? t.name, column: 'rowid' }], star: false, distinct: false } }],
          from,
          where: w,
        },
      },
    } as Expr);
  }
  // The candidates drive a rowid lookup into t: FROM vector_top_k(...) JOIN t ON t.rowid = id.
  // The function's columns are all hidden under names no query can write, so t's columns
  // (and *) resolve as before.
  const join: FromItem = {
    kind: 'join',
    joinType: 'INNER',
    natural: false,
    left: { kind: 'tableFunction', name: KNN_ROWIDS, args: [{ kind: 'literal', value: ix.name }, qArg, stmt.limit, ...filterArgs] },
    right: from,
    on: { kind: 'binary', op: '=', left: { kind: 'column', table: from.alias ?? t.name, column: 'rowid' }, right: { kind: 'column', table: KNN_ROWIDS, column: '\u0001id' } },
  };
  return { ...stmt, body: { ...body, from: join } };
}
