// Finds a statement's external references (external-tables.ts) and, per execution, what to ask
// the resolver for each: the options and call arguments evaluated, the columns the statement
// may read (for column pushdown) and the WHERE conjuncts over the reference (for partition and
// row-group pruning). Both are conservative: a column is "read" when any column reference of
// the statement has its name, and a conjunct is passed on only when it is `column op constant`
// in the WHERE of the SELECT whose FROM holds the reference. Readers use them to skip what
// cannot match; the WHERE is still evaluated on every row they return.
import { DoSQLError } from '../../errors.js';
import type { Expr, FromItem, SelectCore, Statement, TableFunctionRef } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { externalResolver, type ExternalPredicate, type ExternalRequest } from './external-tables.js';

/** Statements whose external references are resolved before planning. */
const READS_EXTERNAL: ReadonlySet<string> = new Set(['select', 'insert', 'update', 'delete', 'createTable', 'explain']);

/** An external reference and the SELECT core whose FROM holds it (undefined: UPDATE ... FROM). */
export interface ExternalRef {
  readonly ref: TableFunctionRef;
  readonly core: SelectCore | undefined;
}

/** The statement's external references (string locations, and calls the resolver claims), in source order. */
export function externalRefs(stmt: Statement): ExternalRef[] {
  const out: ExternalRef[] = [];
  // Views and triggers are planned again at every use, without this statement's resolution:
  // their external references are refused when planned (plan-from.ts), never read here.
  if (!READS_EXTERNAL.has(stmt.kind)) return out;
  const claims = externalResolver()?.claims;
  const visitFrom = (f: FromItem, core: SelectCore | undefined): void => {
    if (f.kind === 'tableFunction' && (f.external || claims?.(f.name))) out.push({ ref: f, core });
    else if (f.kind === 'join') {
      visitFrom(f.left, core);
      visitFrom(f.right, core);
    }
  };
  // Every SELECT core anywhere (subqueries in expressions, CTEs, views in FROM are planned later).
  walk(stmt, (node) => {
    const n = node as { kind?: unknown };
    if (n.kind === 'selectCore') {
      const c = node as SelectCore;
      if (c.from) visitFrom(c.from, c);
    } else if (n.kind === 'update') {
      const from = (node as { from?: FromItem }).from;
      if (from) visitFrom(from, undefined);
    }
  });
  return out;
}

/** Visits every object node of the tree (objects and arrays); iterative, so a deep tree cannot overflow the stack. */
function walk(root: unknown, visit: (n: object) => void): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
      continue;
    }
    visit(node);
    const vs = Object.values(node);
    for (let i = vs.length - 1; i >= 0; i--) if (vs[i] !== null && typeof vs[i] === 'object') stack.push(vs[i]);
  }
}

/** Lower-case names of every column reference in `stmt`, or undefined when it may read all columns (`*`, NATURAL JOIN). */
export function referencedColumns(stmt: Statement): Set<string> | undefined {
  const names = new Set<string>();
  let all = false;
  walk(stmt, (node) => {
    const n = node as { kind?: unknown; column?: unknown; natural?: unknown; using?: unknown };
    if (n.kind === 'star' || n.kind === 'tableStar' || (n.kind === 'join' && n.natural === true)) all = true;
    else if (n.kind === 'column' && typeof n.column === 'string') names.add(n.column.toLowerCase());
    if (n.kind === 'join' && Array.isArray(n.using)) for (const u of n.using) if (typeof u === 'string') names.add(u.toLowerCase());
  });
  return all ? undefined : names;
}

/** The resolver's requests for `refs` with `values` bound (parameters are 1-based). */
export function externalRequests(stmt: Statement, refs: readonly ExternalRef[], values: readonly SqlValue[]): ExternalRequest[] {
  const columns = referencedColumns(stmt);
  return refs.map(({ ref, core }) => {
    const options = new Map<string, SqlValue>();
    for (const o of ref.external?.options ?? []) {
      const v = constantOf(o.value, values, true);
      if (v === NOT_CONSTANT) throw new DoSQLError('SQL_ERROR', `sql: option ${o.name} of external table '${ref.name}' must be a literal or a parameter`);
      options.set(o.name, v);
    }
    const args = ref.args.map((a, i) => {
      const v = constantOf(a, values, false);
      if (v === NOT_CONSTANT) throw new DoSQLError('NOT_SUPPORTED', `sql: argument ${i + 1} of ${ref.name}() must be a literal or a parameter (a URL table is fetched before the query runs)`);
      return v;
    });
    return {
      ref,
      location: ref.external?.location ?? ref.name,
      options,
      args,
      columns,
      predicates: core?.where ? predicatesOn(core.where, ref, values) : [],
    };
  });
}

const NOT_CONSTANT = Symbol('not constant');

/** A literal, a parameter, a negated number, or (for options) a bare word as its text. */
function constantOf(e: Expr, values: readonly SqlValue[], bareWords: boolean): SqlValue | typeof NOT_CONSTANT {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'param':
      return e.index - 1 < values.length ? values[e.index - 1]! : null;
    case 'unary': {
      if (e.op !== '-' && e.op !== '+') return NOT_CONSTANT;
      const v = constantOf(e.operand, values, false);
      if (e.op === '+' || v === NOT_CONSTANT) return v;
      return typeof v === 'bigint' ? -v : typeof v === 'number' ? -v : NOT_CONSTANT;
    }
    case 'column':
      return bareWords && e.table === undefined ? e.column : NOT_CONSTANT;
    default:
      return NOT_CONSTANT;
  }
}

const FLIP = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;

/** `column op constant` conjuncts of `where` whose column can name `ref` (unqualified, or by its alias). */
function predicatesOn(where: Expr, ref: TableFunctionRef, values: readonly SqlValue[]): ExternalPredicate[] {
  const out: ExternalPredicate[] = [];
  const colOf = (e: Expr): string | undefined => {
    if (e.kind !== 'column' || e.schema !== undefined) return undefined;
    if (e.table !== undefined && (ref.alias === undefined || e.table.toLowerCase() !== ref.alias.toLowerCase())) return undefined;
    return e.column.toLowerCase();
  };
  const visit = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'AND') {
      visit(e.left);
      visit(e.right);
      return;
    }
    if (e.kind === 'binary' && (e.op === '=' || e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=')) {
      const l = colOf(e.left);
      const r = l === undefined ? colOf(e.right) : undefined;
      if (l !== undefined) {
        const v = constantOf(e.right, values, false);
        if (v !== NOT_CONSTANT) out.push({ column: l, op: e.op, values: [v] });
      } else if (r !== undefined) {
        const v = constantOf(e.left, values, false);
        if (v !== NOT_CONSTANT) out.push({ column: r, op: FLIP[e.op], values: [v] });
      }
      return;
    }
    if (e.kind === 'between' && !e.not) {
      const c = colOf(e.operand);
      const lo = constantOf(e.low, values, false);
      const hi = constantOf(e.high, values, false);
      if (c !== undefined && lo !== NOT_CONSTANT && hi !== NOT_CONSTANT) out.push({ column: c, op: '>=', values: [lo] }, { column: c, op: '<=', values: [hi] });
      return;
    }
    if (e.kind === 'in' && !e.not && e.list) {
      const c = colOf(e.operand);
      const vs = e.list.map((x) => constantOf(x, values, false));
      if (c !== undefined && vs.every((v) => v !== NOT_CONSTANT)) out.push({ column: c, op: 'in', values: vs as SqlValue[] });
    }
  };
  visit(where);
  return out;
}
