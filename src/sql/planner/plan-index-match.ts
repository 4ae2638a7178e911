// When an index on expressions or a partial index serves a lookup, by SQLite's rules
// (https://sqlite.org/expridx.html §2, https://sqlite.org/partialindex.html §3):
// - an indexed expression is used only for a WHERE term whose side is the same expression
//   (sqlite3ExprCompare: the same tree, column references meaning the same column of the
//   table, whatever their qualifier), compared with `=` or `IN (list)`;
// - a partial index is used only when the query's terms imply every AND-term of its WHERE,
//   with SQLite's conservative test (sqlite3ExprImpliesExpr): a query term identical to the
//   index term; an index term `a OR b` implied by a term implying a or b; an index term
//   `z IS NOT NULL` implied by a comparison, BETWEEN or IN whose operand is z (or an
//   arithmetic expression over z: exprImpliesNotNull). Nothing else is proved.
// Both sides are compared as structural keys in which a column reference becomes the
// position of the table column it names.
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { Compiled } from '../execution/compiled.js';
import type { ColumnExpr, Expr } from '../parser/ast.js';
import { identityJson } from '../../util/json.js';
import type { Leaf } from './plan-from.js';

/** Maps a column reference to a token ('c<position>' for a column of the indexed table). */
type ColumnToken = (c: ColumnExpr) => string;

function keyWith(e: Expr, token: ColumnToken): string {
  return JSON.stringify(e, function (this: unknown, k: string, v: unknown): unknown {
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v)) {
      const node = v as { kind?: string; name?: string };
      if (node.kind === 'column') return token(v as ColumnExpr);
      // Function names compare without case.
      if (node.kind === 'function' && typeof node.name === 'string') return { ...node, name: node.name.toLowerCase() };
    }
    return identityJson(k, v);
  });
}

const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

/** The key of an expression stored in table `t`'s schema (an index's expression or WHERE): names resolve to `t`'s columns. */
export function schemaExprKey(t: TableSchema, e: Expr): string {
  return keyWith(e, (c) => {
    const n = c.column.toLowerCase();
    const i = t.columns.findIndex((col) => col.name.toLowerCase() === n);
    if (i >= 0) return `c${i}`;
    if (!t.withoutRowid && ROWID_NAMES.has(n)) return `c${t.columns.length}`;
    return `?${n}`;
  });
}

/** The key of a query expression over `leaf`'s scope: references to other sources never match a schema key. */
export function queryExprKey(leaf: Leaf, e: Expr, compile: (e: Expr) => Compiled): string {
  const off = leaf.src.offset;
  const n = leaf.src.columns.length;
  return keyWith(e, (c) => {
    let k: Compiled;
    try {
      k = compile(c);
    } catch {
      return `!${c.table ?? ''}.${c.column}`;
    }
    const i = k.columnIndex;
    if (i !== undefined && i >= off && i < off + n && k.minOuterLevel === Infinity) return `c${i - off}`;
    return `!${c.table ?? ''}.${c.column}`;
  });
}

function splitAndTerms(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === 'binary' && e.op === 'AND') {
    splitAndTerms(e.left, out);
    splitAndTerms(e.right, out);
  } else {
    out.push(e);
  }
  return out;
}

const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '&', '|', '<<', '>>', '||']);

/**
 * Whether partial index `ix` of `t` holds every row the terms `conjs` (ANDed) can select:
 * each AND-term of its WHERE is implied by one of them.
 */
export function partialIndexUsable(t: TableSchema, ix: IndexSchema, conjs: readonly Expr[], leaf: Leaf, compile: (e: Expr) => Compiled): boolean {
  if (!ix.where) return true;
  const qkey = (e: Expr): string => queryExprKey(leaf, e, compile);
  const ikey = (e: Expr): string => schemaExprKey(t, e);
  const qkeys = conjs.map(qkey);
  /** exprImpliesNotNull: `e` (a query expression) is NULL whenever z (key zk) is. */
  const nullWith = (e: Expr, zk: string): boolean => {
    if (qkey(e) === zk) return true;
    if (e.kind === 'binary' && ARITHMETIC.has(e.op)) return nullWith(e.left, zk) || nullWith(e.right, zk);
    if (e.kind === 'unary' && e.op !== 'NOT') return nullWith(e.operand, zk);
    return false;
  };
  /** The query term `q` (its key qk) rules out z IS NULL. */
  const impliesNotNull = (q: Expr, zk: string): boolean => {
    if (q.kind === 'binary' && COMPARISONS.has(q.op)) return nullWith(q.left, zk) || nullWith(q.right, zk);
    if (q.kind === 'between' && !q.not) return nullWith(q.operand, zk);
    if (q.kind === 'in' && !q.not && q.list) return nullWith(q.operand, zk);
    return false;
  };
  const implies = (qi: number, w: Expr): boolean => {
    if (qkeys[qi] === ikey(w)) return true;
    if (w.kind === 'binary' && w.op === 'OR') return implies(qi, w.left) || implies(qi, w.right);
    if (w.kind === 'binary' && w.op === 'IS NOT' && w.right.kind === 'literal' && w.right.value === null) return impliesNotNull(conjs[qi]!, ikey(w.left));
    return false;
  };
  return splitAndTerms(ix.where).every((w) => conjs.some((_, qi) => implies(qi, w)));
}
