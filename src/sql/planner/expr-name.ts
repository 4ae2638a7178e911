// Renders an expression back to SQL text: result-column names (SQLite names an unaliased
// result column after its expression text) and EXPLAIN output.
import type { Expr } from '../parser/ast.js';
import { identityJson } from '../../util/json.js';
import type { SqlValue } from '../types/value.js';

function lit(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (v instanceof Uint8Array) return `X'${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
  return String(v);
}

export function exprToSql(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return lit(e.value);
    case 'param':
      return e.name ?? '?';
    case 'column':
      return e.table ? `${e.table}.${e.column}` : e.column;
    case 'unary':
      return e.op === 'NOT' ? `NOT ${exprToSql(e.operand)}` : `${e.op}${exprToSql(e.operand)}`;
    case 'binary':
      return `${exprToSql(e.left)} ${e.op} ${exprToSql(e.right)}`;
    case 'between':
      return `${exprToSql(e.operand)}${e.not ? ' NOT' : ''} BETWEEN ${exprToSql(e.low)} AND ${exprToSql(e.high)}`;
    case 'in':
      return `${exprToSql(e.operand)}${e.not ? ' NOT' : ''} IN (${e.list ? e.list.map(exprToSql).join(', ') : '...'})`;
    case 'like':
      return `${exprToSql(e.operand)}${e.not ? ' NOT' : ''} ${e.op} ${exprToSql(e.pattern)}`;
    case 'case':
      return `CASE${e.operand ? ` ${exprToSql(e.operand)}` : ''}${e.whens.map((w) => ` WHEN ${exprToSql(w.when)} THEN ${exprToSql(w.then)}`).join('')}${e.else ? ` ELSE ${exprToSql(e.else)}` : ''} END`;
    case 'cast':
      return `CAST(${exprToSql(e.operand)} AS ${e.type.name}${e.type.args.length ? `(${e.type.args.join(',')})` : ''})`;
    case 'collate':
      return `${exprToSql(e.operand)} COLLATE ${e.collation}`;
    case 'function':
      return `${e.name}(${e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(exprToSql).join(', ')}`})`;
    case 'subquery':
      return '(SELECT ...)';
    case 'exists':
      return `${e.not ? 'NOT ' : ''}EXISTS (SELECT ...)`;
    case 'raise':
      return `RAISE(${e.action})`;
  }
  return '?';
}

/** A structural identity for expressions (ORDER BY / GROUP BY term matching). */
export function astKey(e: Expr): string {
  return JSON.stringify(e, identityJson);
}
