// Table-valued functions in FROM (https://sqlite.org/vtab.html#tabfunc2): `json_each(x)`,
// `generate_series(1, 10)`, `pragma_table_info('t')`, or the bare name with its hidden
// argument columns constrained in WHERE (`FROM json_each WHERE json = ?`). The source's
// columns are the function's (argument columns hidden) and its rowid. Arguments are compiled
// once the whole FROM clause is in scope, so they may read the sources before them
// (`FROM t, json_each(t.tags)`), which the join order then puts first.
import { DoSQLError } from '../../errors.js';
import type { Compiled } from '../execution/compiled.js';
import { TableFunctionScan, type TableFunctionBound } from '../execution/table-function-scan.js';
import * as ops from '../execution/value-ops.js';
import type { Expr } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import type { Catalog } from '../catalog/catalog.js';
import type { TableFunction } from '../functions/table-functions.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import type { Leaf } from './plan-from.js';
import type { ScopeSource, SourceColumn } from './scope.js';
import { resolveVirtualTable } from './virtual-tables.js';

/** A FROM leaf calling a table-valued function, with the call's argument expressions. */
export interface TableFunctionLeaf extends Leaf {
  readonly tvf: TableFunctionScan;
  readonly callArgs: readonly Expr[];
}

export function isTableFunctionLeaf(l: Leaf): l is TableFunctionLeaf {
  return l.tvf !== undefined;
}

/**
 * Registers a call of table-valued function `name` as a FROM source. `args` undefined: the
 * bare name (arguments only through WHERE). Throws SQLite's errors for an unknown function,
 * a table called like a function, or too many arguments.
 */
export function tableFunctionSource(
  name: string,
  args: readonly Expr[] | undefined,
  alias: string | undefined,
  catalog: Catalog,
  add: (make: (src: ScopeSource) => Leaf, name: string, columns: SourceColumn[], rowidColumn: number) => void,
  /** An external table resolved before planning (external-tables.ts): its arguments were consumed by the resolver. */
  resolved?: TableFunction,
): void {
  const fn = resolved ?? resolveVirtualTable(name, catalog) ?? ops.tableFunction(name);
  if (resolved) args = [];
  if (!fn) {
    if (catalog.findTable(name) || catalog.findView(name)) throw new DoSQLError('SQL_ERROR', `sql: '${name}' is not a function`);
    throw new DoSQLError('SQL_ERROR', `sql: no such table: ${name}`, { details: { table: name } });
  }
  if (args && args.length > fn.argColumns.length) throw new DoSQLError('SQL_ERROR', `sql: too many arguments on ${fn.name}() - max ${fn.argColumns.length}`);
  const cols: SourceColumn[] = fn.columns.map((c, i) => {
    const sub = fn.subtypeOf;
    return {
      name: c.name,
      affinity: c.affinity ?? 'BLOB',
      collation: 'BINARY',
      hidden: c.hidden,
      ...(sub ? { subtypeOf: (row: readonly SqlValue[], offset: number) => sub(i, row, offset) } : {}),
    };
  });
  // The rowid: reachable as rowid/oid/_rowid_ only (a NUL name matches no column reference).
  cols.push({ name: '\u0000', affinity: 'INTEGER', collation: 'BINARY', hidden: true });
  add(
    (src) => ({ src, tvf: new TableFunctionScan(fn, src.offset, 0), callArgs: args ?? [], label: alias ? `${fn.name} AS ${alias}` : fn.name }) as TableFunctionLeaf,
    alias ?? fn.name,
    cols,
    cols.length - 1,
  );
}

/** Compiles the call's arguments and records which other sources they read (before join ordering). */
export function compileTableFunctionArgs(leaf: TableFunctionLeaf, cx: CompileContext): Compiled[] {
  const compiled = leaf.callArgs.map((e) => compileExpr(e, cx));
  const deps = new Set<number>();
  for (const c of compiled) for (const s of c.sources) if (s !== leaf.src.index) deps.add(s);
  leaf.tvf.deps = deps;
  return compiled;
}

/** A comparison usable by the function: `column op value`, value reading only sources bound before. */
export interface TableFunctionConstraint {
  readonly col: number;
  readonly op: '=' | '<' | '<=' | '>' | '>=';
  readonly value: Compiled;
  /** Index of the conjunct it comes from. */
  readonly conjunct: number;
}

/**
 * Fills in the scan's arguments and bounds at its join level, as SQLite's xBestIndex would:
 * positional arguments first, then an `=` on each still missing argument column, then the
 * comparisons on the function's bound column it chooses. `callArgs` are the compiled call
 * arguments; `usable` tells whether their sources are bound at this level (an argument that
 * reads a later source counts as missing). Returns the conjuncts the function consumed.
 */
export function bindTableFunction(leaf: TableFunctionLeaf, callArgs: readonly Compiled[], usable: (c: Compiled) => boolean, constraints: readonly TableFunctionConstraint[]): Set<number> {
  const fn = leaf.tvf.fn;
  const taken = new Set<TableFunctionConstraint>();
  const args: (Compiled | undefined)[] = fn.argColumns.map((_, k) => {
    const a = callArgs[k];
    return a && usable(a) ? a : undefined;
  });
  fn.argColumns.forEach((col, k) => {
    if (args[k] !== undefined || k < callArgs.length) return;
    const c = constraints.find((x) => x.col === col && x.op === '=' && !taken.has(x));
    if (!c) return;
    args[k] = c.value;
    taken.add(c);
  });
  const bounds: TableFunctionBound[] = [];
  if (fn.boundColumn !== undefined && fn.chooseBounds) {
    const on = constraints.filter((x) => x.col === fn.boundColumn && !taken.has(x));
    for (const k of fn.chooseBounds(on.map((x) => x.op))) {
      const c = on[k]!;
      bounds.push({ op: c.op, value: c.value });
      taken.add(c);
    }
  }
  // A conjunct is the function's when all it says was taken (both ends of a BETWEEN).
  const consumed = new Set<number>();
  for (const c of taken) if (constraints.every((x) => x.conjunct !== c.conjunct || taken.has(x))) consumed.add(c.conjunct);
  fn.checkPlan?.(
    args.map((a) => a !== undefined),
    bounds.map((b) => b.op),
  );
  leaf.tvf.args = args;
  leaf.tvf.bounds = bounds;
  return consumed;
}
