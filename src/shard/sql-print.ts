// Prints dosql's AST (src/sql/parser/ast*.ts) back to SQL text that parses to the same tree:
// the router rewrites queries (pushed-down parts, partial aggregates, gathers) and sends them
// to shards as text. Every compound expression is parenthesised, identifiers are
// double-quoted, REAL literals keep a decimal point or exponent. Parameters are renumbered:
// each printed parameter becomes `?` and its value is appended to `params` in order, so a
// printed fragment binds exactly the values it uses (dosql refuses extra parameters).
import type { Expr, FromItem, OrderingTerm, ResultColumn, SelectBody, SelectCore, SelectStmt, TemporalClause, TimePoint, WindowSpec, FrameBound } from '../sql/parser/ast.js';
import type { DeleteStmt, InsertStmt, SetClause, UpdateStmt, UpsertClause } from '../sql/parser/ast.js';
import type { SqlValue } from '../sql/types/value.js';
import { exprToSql } from '../sql/planner/expr-name.js';

/** How to print: where parameter values come from, and optional table renames. */
export interface PrintContext {
  /** The value bound to parameter `index` (1-based, the parser's numbering). */
  readonly param: (index: number) => SqlValue;
  /** Values of the printed `?`s, in order (appended while printing). */
  readonly params: SqlValue[];
  /** Replaces a table reference's name (the scratch database's copy of a table). */
  readonly renameTable?: (ref: { name: string; temporal?: TemporalClause }) => string | undefined;
  /** Drop FOR SYSTEM_TIME clauses (the scratch copy already holds the rows as of that point). */
  readonly dropTemporal?: boolean;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A value as a SQL literal that reads back as the same value and storage class. */
export function literal(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') {
    if (v === -9223372036854775808n) return '(-9223372036854775807 - 1)';
    return v < 0n ? `(${v.toString()})` : v.toString();
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NULL';
    if (!Number.isFinite(v)) return v > 0 ? '1e999' : '(-1e999)';
    let s = String(v);
    if (!/[.eE]/.test(s)) s += '.0';
    return v < 0 || Object.is(v, -0) ? `(-${s.replace(/^-/, '')})` : s;
  }
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return `X'${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
}

/**
 * Placeholders for SqlValues bound positionally. A REAL (a JS number in SqlValue form) goes
 * inline as a literal: dosql binds an integral JS number as INTEGER, so 484.0 bound as a
 * parameter would arrive as 484 — a REAL copied, loaded or merged would change storage class.
 * Everything else is a '?' with its value in `params`.
 */
export function bindSlots(values: readonly SqlValue[]): { marks: string[]; params: SqlValue[] } {
  const marks: string[] = [];
  const params: SqlValue[] = [];
  for (const v of values) {
    if (typeof v === 'number') marks.push(literal(v));
    else {
      marks.push('?');
      params.push(v);
    }
  }
  return { marks, params };
}

const BARE_FUNCTIONS = new Set(['current_timestamp', 'current_date', 'current_time']);

export function printExpr(e: Expr, c: PrintContext): string {
  switch (e.kind) {
    case 'literal':
      return literal(e.value);
    case 'param':
      c.params.push(c.param(e.index));
      return '?';
    case 'column':
      return `${e.schema ? `${quoteIdent(e.schema)}.` : ''}${e.table ? `${quoteIdent(e.table)}.` : ''}${quoteIdent(e.column)}`;
    case 'unary':
      return `(${e.op === 'NOT' ? 'NOT ' : e.op}${printExpr(e.operand, c)})`;
    case 'binary':
      return `(${printExpr(e.left, c)} ${e.op} ${printExpr(e.right, c)})`;
    case 'between':
      return `(${printExpr(e.operand, c)}${e.not ? ' NOT' : ''} BETWEEN ${printExpr(e.low, c)} AND ${printExpr(e.high, c)})`;
    case 'in': {
      const head = `${printExpr(e.operand, c)}${e.not ? ' NOT' : ''} IN `;
      if (e.select) return `(${head}(${printSelect(e.select, c)}))`;
      if (e.table) return `(${head}${e.table.schema ? `${quoteIdent(e.table.schema)}.` : ''}${quoteIdent(e.table.name)})`;
      return `(${head}(${(e.list ?? []).map((x) => printExpr(x, c)).join(', ')}))`;
    }
    case 'like':
      return `(${printExpr(e.operand, c)}${e.not ? ' NOT' : ''} ${e.op} ${printExpr(e.pattern, c)}${e.escape ? ` ESCAPE ${printExpr(e.escape, c)}` : ''})`;
    case 'case':
      return `(CASE${e.operand ? ` ${printExpr(e.operand, c)}` : ''}${e.whens.map((w) => ` WHEN ${printExpr(w.when, c)} THEN ${printExpr(w.then, c)}`).join('')}${e.else ? ` ELSE ${printExpr(e.else, c)}` : ''} END)`;
    case 'cast':
      return `CAST(${printExpr(e.operand, c)} AS ${e.type.text ?? `${e.type.name}${e.type.args.length ? `(${e.type.args.join(', ')})` : ''}`})`;
    case 'collate':
      return `(${printExpr(e.operand, c)} COLLATE ${e.collation})`;
    case 'function': {
      if (BARE_FUNCTIONS.has(e.name) && e.args.length === 0 && !e.star) return e.name.toUpperCase();
      let s = `${e.name}(${e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map((x) => printExpr(x, c)).join(', ')}`}`;
      if (e.orderBy?.length) s += ` ORDER BY ${printOrdering(e.orderBy, c)}`;
      s += ')';
      if (e.filter) s += ` FILTER (WHERE ${printExpr(e.filter, c)})`;
      if (e.over !== undefined) s += ` OVER ${typeof e.over === 'string' ? quoteIdent(e.over) : `(${printWindow(e.over, c)})`}`;
      return s;
    }
    case 'subquery':
      return `(${printSelect(e.select, c)})`;
    case 'exists':
      return `(${e.not ? 'NOT ' : ''}EXISTS (${printSelect(e.select, c)}))`;
    case 'raise':
      return `RAISE(${e.action}${e.message ? `, ${printExpr(e.message, c)}` : ''})`;
    case 'vector':
      return `(${e.items.map((x) => printExpr(x, c)).join(', ')})`;
  }
}

function printWindow(w: WindowSpec, c: PrintContext): string {
  const parts: string[] = [];
  if (w.base) parts.push(quoteIdent(w.base));
  if (w.partitionBy.length) parts.push(`PARTITION BY ${w.partitionBy.map((x) => printExpr(x, c)).join(', ')}`);
  if (w.orderBy.length) parts.push(`ORDER BY ${printOrdering(w.orderBy, c)}`);
  if (w.frame) {
    const b = (f: FrameBound): string => {
      switch (f.kind) {
        case 'unboundedPreceding':
          return 'UNBOUNDED PRECEDING';
        case 'preceding':
          return `${printExpr(f.offset, c)} PRECEDING`;
        case 'currentRow':
          return 'CURRENT ROW';
        case 'following':
          return `${printExpr(f.offset, c)} FOLLOWING`;
        case 'unboundedFollowing':
          return 'UNBOUNDED FOLLOWING';
      }
    };
    parts.push(`${w.frame.units} ${w.frame.end ? `BETWEEN ${b(w.frame.start)} AND ${b(w.frame.end)}` : b(w.frame.start)}${w.frame.exclude ? ` EXCLUDE ${w.frame.exclude}` : ''}`);
  }
  return parts.join(' ');
}

export function printOrdering(terms: readonly OrderingTerm[], c: PrintContext): string {
  return terms.map((t) => `${printExpr(t.expr, c)}${t.collation ? ` COLLATE ${t.collation}` : ''}${t.direction ? ` ${t.direction}` : ''}${t.nulls ? ` NULLS ${t.nulls}` : ''}`).join(', ');
}

function printTimePoint(p: TimePoint, c: PrintContext): string {
  switch (p.kind) {
    case 'lsn':
      return `LSN ${printExpr(p.value, c)}`;
    case 'timestamp':
      return `TIMESTAMP ${printExpr(p.value, c)}`;
    case 'snapshot':
      return `SNAPSHOT ${printExpr(p.name, c)}`;
    case 'branch':
      return `BRANCH ${printExpr(p.name, c)}`;
    case 'versionOffset':
      return `VERSION CURRENT - ${p.offset}`;
    case 'expr':
      return printExpr(p.value, c);
  }
}

export function printTemporal(t: TemporalClause, c: PrintContext): string {
  switch (t.kind) {
    case 'asOf':
      return `FOR SYSTEM_TIME AS OF ${printTimePoint(t.point, c)}`;
    case 'between':
      return `FOR SYSTEM_TIME BETWEEN ${printTimePoint(t.from, c)} AND ${printTimePoint(t.to, c)}`;
    case 'fromTo':
      return `FOR SYSTEM_TIME FROM ${printTimePoint(t.from, c)} TO ${printTimePoint(t.to, c)}`;
    case 'all':
      return 'FOR SYSTEM_TIME ALL';
  }
}

export function printFrom(f: FromItem, c: PrintContext): string {
  switch (f.kind) {
    case 'table': {
      const renamed = c.renameTable?.({ name: f.name, ...(f.temporal ? { temporal: f.temporal } : {}) });
      const name = renamed !== undefined ? quoteIdent(renamed) : `${f.schema ? `${quoteIdent(f.schema)}.` : ''}${quoteIdent(f.name)}`;
      // A renamed table keeps the name the query knows it by.
      const alias = f.alias ?? (renamed !== undefined ? f.name : undefined);
      let s = name;
      if (f.temporal && !c.dropTemporal && renamed === undefined) s += ` ${printTemporal(f.temporal, c)}`;
      if (alias !== undefined) s += ` AS ${quoteIdent(alias)}`;
      if (f.indexedBy === null) s += ' NOT INDEXED';
      else if (f.indexedBy !== undefined && renamed === undefined) s += ` INDEXED BY ${quoteIdent(f.indexedBy)}`;
      return s;
    }
    case 'subquery':
      return `(${printSelect(f.select, c)})${f.alias !== undefined ? ` AS ${quoteIdent(f.alias)}` : ''}`;
    case 'tableFunction':
      return `${f.name}(${f.args.map((x) => printExpr(x, c)).join(', ')})${f.alias !== undefined ? ` AS ${quoteIdent(f.alias)}` : ''}`;
    case 'join': {
      const left = printFrom(f.left, c);
      const right = f.right.kind === 'join' ? `(${printFrom(f.right, c)})` : printFrom(f.right, c);
      const op = f.joinType === 'CROSS' ? 'CROSS JOIN' : `${f.natural ? 'NATURAL ' : ''}${f.joinType === 'INNER' ? '' : `${f.joinType} `}JOIN`;
      let s = `${left} ${op} ${right}`;
      if (f.on) s += ` ON ${printExpr(f.on, c)}`;
      if (f.using) s += ` USING (${f.using.map(quoteIdent).join(', ')})`;
      return s;
    }
  }
}

/** The name SQLite gives result column `c` (its alias, its column name, or its text as written). */
export function resultName(c: Extract<ResultColumn, { kind: 'expr' }>): string {
  return c.alias ?? (c.expr.kind === 'column' ? c.expr.column : (c.text ?? exprToSql(c.expr)));
}

/** A result column; an unaliased expression is aliased with the name SQLite gives it (its text as written), which the printed text would change. */
export function printResultColumn(r: ResultColumn, c: PrintContext): string {
  if (r.kind === 'star') return '*';
  if (r.kind === 'tableStar') return `${quoteIdent(r.table)}.*`;
  const alias = r.alias ?? (r.expr.kind === 'column' ? undefined : resultName(r));
  return `${printExpr(r.expr, c)}${alias !== undefined ? ` AS ${quoteIdent(alias)}` : ''}`;
}

export function printCore(s: SelectCore, c: PrintContext): string {
  let out = `SELECT ${s.distinct ? 'DISTINCT ' : ''}${s.columns.map((r) => printResultColumn(r, c)).join(', ')}`;
  if (s.from) out += ` FROM ${printFrom(s.from, c)}`;
  if (s.where) out += ` WHERE ${printExpr(s.where, c)}`;
  if (s.groupBy?.length) out += ` GROUP BY ${s.groupBy.map((x) => printExpr(x, c)).join(', ')}`;
  if (s.having) out += ` HAVING ${printExpr(s.having, c)}`;
  if (s.windows?.length) out += ` WINDOW ${s.windows.map((w) => `${quoteIdent(w.name)} AS (${printWindow(w.spec, c)})`).join(', ')}`;
  return out;
}

function printBody(b: SelectBody, c: PrintContext): string {
  switch (b.kind) {
    case 'selectCore':
      return printCore(b, c);
    case 'values':
      return `VALUES ${b.rows.map((r) => `(${r.map((x) => printExpr(x, c)).join(', ')})`).join(', ')}`;
    case 'compound':
      return `${printBody(b.left, c)} ${b.op} ${printBody(b.right, c)}`;
  }
}

function printWith(w: SelectStmt['with'], c: PrintContext): string {
  if (!w) return '';
  return `WITH ${w.recursive ? 'RECURSIVE ' : ''}${w.ctes
    .map((t) => `${quoteIdent(t.name)}${t.columns ? `(${t.columns.map(quoteIdent).join(', ')})` : ''} AS ${t.materialized === undefined ? '' : t.materialized ? 'MATERIALIZED ' : 'NOT MATERIALIZED '}(${printSelect(t.select, c)})`)
    .join(', ')} `;
}

export function printSelect(s: SelectStmt, c: PrintContext): string {
  let out = printWith(s.with, c) + printBody(s.body, c);
  if (s.orderBy?.length) out += ` ORDER BY ${printOrdering(s.orderBy, c)}`;
  if (s.limit) out += ` LIMIT ${printExpr(s.limit, c)}`;
  if (s.offset) out += ` OFFSET ${printExpr(s.offset, c)}`;
  return out;
}

function printSets(sets: readonly SetClause[], c: PrintContext): string {
  return sets.map((s) => `${s.columns.length === 1 ? quoteIdent(s.columns[0]!) : `(${s.columns.map(quoteIdent).join(', ')})`} = ${printExpr(s.value, c)}`).join(', ');
}

function printUpsert(u: UpsertClause, c: PrintContext): string {
  let s = ' ON CONFLICT';
  if (u.target) {
    s += ` (${u.target.columns.map((x) => `${printExpr(x.expr, c)}${x.collation ? ` COLLATE ${x.collation}` : ''}${x.direction ? ` ${x.direction}` : ''}`).join(', ')})`;
    if (u.target.where) s += ` WHERE ${printExpr(u.target.where, c)}`;
  }
  if (u.action.kind === 'nothing') return `${s} DO NOTHING`;
  return `${s} DO UPDATE SET ${printSets(u.action.sets, c)}${u.action.where ? ` WHERE ${printExpr(u.action.where, c)}` : ''}`;
}

function printReturning(r: readonly ResultColumn[] | undefined, c: PrintContext): string {
  return r?.length ? ` RETURNING ${r.map((x) => printResultColumn(x, c)).join(', ')}` : '';
}

/** INSERT with `rows` in place of the statement's own VALUES rows (when given). */
export function printInsert(s: InsertStmt, c: PrintContext, rows?: readonly (readonly Expr[])[]): string {
  let out = `${printWith(s.with, c)}INSERT${s.orAction ? ` OR ${s.orAction}` : ''} INTO ${s.table.schema ? `${quoteIdent(s.table.schema)}.` : ''}${quoteIdent(s.table.name)}`;
  if (s.alias !== undefined) out += ` AS ${quoteIdent(s.alias)}`;
  if (s.columns) out += ` (${s.columns.map(quoteIdent).join(', ')})`;
  if (rows) out += ` VALUES ${rows.map((r) => `(${r.map((x) => printExpr(x, c)).join(', ')})`).join(', ')}`;
  else if (s.source.kind === 'values') out += ` VALUES ${s.source.rows.map((r) => `(${r.map((x) => printExpr(x, c)).join(', ')})`).join(', ')}`;
  else if (s.source.kind === 'select') out += ` ${printSelect(s.source.select, c)}`;
  else out += ' DEFAULT VALUES';
  for (const u of s.upsert ?? []) out += printUpsert(u, c);
  return out + printReturning(s.returning, c);
}

export function printUpdate(s: UpdateStmt, c: PrintContext): string {
  let out = `${printWith(s.with, c)}UPDATE${s.orAction ? ` OR ${s.orAction}` : ''} ${quoteIdent(s.table.name)}`;
  if (s.alias !== undefined) out += ` AS ${quoteIdent(s.alias)}`;
  out += ` SET ${printSets(s.sets, c)}`;
  if (s.from) out += ` FROM ${printFrom(s.from, c)}`;
  if (s.where) out += ` WHERE ${printExpr(s.where, c)}`;
  out += printReturning(s.returning, c);
  if (s.orderBy?.length) out += ` ORDER BY ${printOrdering(s.orderBy, c)}`;
  if (s.limit) out += ` LIMIT ${printExpr(s.limit, c)}`;
  if (s.offset) out += ` OFFSET ${printExpr(s.offset, c)}`;
  return out;
}

export function printDelete(s: DeleteStmt, c: PrintContext): string {
  let out = `${printWith(s.with, c)}DELETE FROM ${quoteIdent(s.table.name)}`;
  if (s.alias !== undefined) out += ` AS ${quoteIdent(s.alias)}`;
  if (s.where) out += ` WHERE ${printExpr(s.where, c)}`;
  out += printReturning(s.returning, c);
  if (s.orderBy?.length) out += ` ORDER BY ${printOrdering(s.orderBy, c)}`;
  if (s.limit) out += ` LIMIT ${printExpr(s.limit, c)}`;
  if (s.offset) out += ` OFFSET ${printExpr(s.offset, c)}`;
  return out;
}
