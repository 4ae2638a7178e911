// Planning window function calls (https://sqlite.org/windowfunctions.html): finding them in the
// result columns and ORDER BY, resolving `OVER name` and `OVER (base ...)` against the WINDOW
// clause, SQLite's checks and frame rewrites, and building the WindowOp that computes them
// after GROUP BY / HAVING.
//
// Resolution follows window.c: the WINDOW clause is chained at parse time, each definition
// against the earlier ones (the first is never chained, so its base is ignored, as in SQLite);
// `OVER name` copies the latest definition of that name; `OVER (base ...)` may add an ORDER BY
// (if the base has none) and a frame (if the base has none), never a PARTITION BY. Built-in
// ranking functions get SQLite's fixed frames (sqlite3WindowUpdate), so a frame written for
// them is ignored apart from the checks made while parsing it.
import { DoSQLError } from '../../errors.js';
import type { Compiled } from '../execution/compiled.js';
import type { Operator } from '../execution/operators.js';
import type { FrameBoundSpec, FrameSpec } from '../execution/window-frame.js';
import type { WindowKind } from '../execution/window-functions.js';
import { WindowOp, type WindowCall, type WindowSort } from '../execution/window-op.js';
import * as ops from '../execution/value-ops.js';
import type { Expr, FrameBound, FunctionExpr, NamedWindow, OrderingTerm, SelectCore, WindowFrame, WindowSpec } from '../parser/ast.js';
import { exprChildren, exprSubqueries } from '../parser/ast-walk.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { astKey } from './expr-name.js';
import { windowKindOf } from './window-check.js';

/** A window spec after resolution: no base, a frame always (implicit when none was written). */
interface Resolved {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderingTerm[];
  readonly frame?: WindowFrame;
}

interface Call {
  readonly expr: FunctionExpr;
  readonly kind: WindowKind;
  readonly window: Resolved;
  readonly frame: FrameAst;
}

/** A frame as written or as SQLite rewrites it, before compiling its offsets. */
interface FrameAst {
  readonly units: FrameSpec['units'];
  readonly start: FrameBound;
  readonly end: FrameBound;
  readonly exclude?: FrameSpec['exclude'];
}

/** The window calls of one SELECT core, resolved and checked. */
export interface WindowAnalysis {
  readonly calls: readonly Call[];
}

const DEFAULT_FRAME: FrameAst = { units: 'RANGE', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } };

/** The frames SQLite gives built-in window functions whatever the OVER clause says (sqlite3WindowUpdate's aUp). */
const FIXED_FRAMES: Partial<Record<WindowKind, FrameAst>> = {
  row_number: { units: 'ROWS', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } },
  rank: DEFAULT_FRAME,
  dense_rank: DEFAULT_FRAME,
  percent_rank: { units: 'GROUPS', start: { kind: 'currentRow' }, end: { kind: 'unboundedFollowing' } },
  cume_dist: { units: 'GROUPS', start: { kind: 'following', offset: { kind: 'literal', value: 1n } }, end: { kind: 'unboundedFollowing' } },
  ntile: { units: 'ROWS', start: { kind: 'currentRow' }, end: { kind: 'unboundedFollowing' } },
  lead: { units: 'ROWS', start: { kind: 'unboundedPreceding' }, end: { kind: 'unboundedFollowing' } },
  lag: { units: 'ROWS', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } },
};

function fail(message: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `sql: ${message}`);
}

/** Window calls in `e`, not looking inside other window calls, aggregates or subqueries (calls there are misuses, reported when compiled). */
export function collectWindowCalls(e: Expr | undefined, out: FunctionExpr[]): void {
  if (!e) return;
  if (e.kind === 'function') {
    if (e.over !== undefined) {
      out.push(e);
      return;
    }
    if (ops.isAggregate(e.name, e.args.length, e.star)) return;
  }
  for (const c of exprChildren(e)) collectWindowCalls(c, out);
}

/** SQLite's parse-time check of a frame (sqlite3WindowAlloc). */
function checkFrame(f: WindowFrame | undefined): void {
  if (!f) return;
  const s = f.start.kind;
  const e = f.end?.kind ?? 'currentRow';
  if ((s === 'currentRow' && e === 'preceding') || (s === 'following' && (e === 'preceding' || e === 'currentRow'))) {
    throw fail('unsupported frame specification');
  }
}

/**
 * The WINDOW clause chained as SQLite's parser chains it: each definition after the first is
 * resolved against the earlier ones (latest first). Returns the definitions, latest first.
 */
function chainDefinitions(defs: readonly NamedWindow[] | undefined): { name: string; spec: WindowSpec }[] {
  const list: { name: string; spec: WindowSpec }[] = [];
  (defs ?? []).forEach((d, i) => {
    checkFrame(d.spec.frame);
    const spec = i === 0 || d.spec.base === undefined ? d.spec : chain(d.spec, list);
    list.unshift({ name: d.name, spec });
  });
  return list;
}

function find(name: string, list: readonly { name: string; spec: WindowSpec }[]): WindowSpec {
  const n = name.toLowerCase();
  const hit = list.find((w) => w.name.toLowerCase() === n);
  if (!hit) throw fail(`no such window: ${name}`);
  return hit.spec;
}

/** sqlite3WindowChain: `spec` extends its base window. */
function chain(spec: WindowSpec, list: readonly { name: string; spec: WindowSpec }[]): WindowSpec {
  const base = find(spec.base!, list);
  let what: string | undefined;
  if (spec.partitionBy.length > 0) what = 'PARTITION clause';
  else if (base.orderBy.length > 0 && spec.orderBy.length > 0) what = 'ORDER BY clause';
  else if (base.frame !== undefined) what = 'frame specification';
  if (what) throw fail(`cannot override ${what} of window: ${spec.base!}`);
  const out: WindowSpec = { partitionBy: base.partitionBy, orderBy: base.orderBy.length > 0 ? base.orderBy : spec.orderBy };
  return spec.frame ? { ...out, frame: spec.frame } : out;
}

/**
 * Finds and checks the window calls of `core`'s result columns and of `orderBy` (the query's
 * ORDER BY); checks the WINDOW clause even when nothing uses it. Undefined when there are no
 * window calls. Throws SQL_ERROR with SQLite's messages.
 */
export function analyzeWindows(core: SelectCore, orderBy: readonly OrderingTerm[]): WindowAnalysis | undefined {
  const defs = chainDefinitions(core.windows);
  const found: FunctionExpr[] = [];
  for (const c of core.columns) if (c.kind === 'expr') collectWindowCalls(c.expr, found);
  for (const t of orderBy) collectWindowCalls(t.expr, found);
  if (found.length === 0) return undefined;
  // Parse-time errors first: DISTINCT and frame shapes of inline windows.
  for (const f of found) {
    if (f.distinct) throw fail('DISTINCT is not supported for window functions');
    if (typeof f.over === 'object') checkFrame(f.over.frame);
  }
  const calls = found.map((f): Call => {
    const kind = windowKindOf(f);
    const over = f.over!;
    const spec = typeof over === 'string' ? find(over, defs) : over.base !== undefined ? chain(over, defs) : over;
    const window: Resolved = spec.frame ? { partitionBy: spec.partitionBy, orderBy: spec.orderBy, frame: spec.frame } : { partitionBy: spec.partitionBy, orderBy: spec.orderBy };
    const wf = window.frame;
    const hasOffset = wf !== undefined && [wf.start, wf.end].some((b) => b !== undefined && (b.kind === 'preceding' || b.kind === 'following'));
    if (wf?.units === 'RANGE' && hasOffset && window.orderBy.length !== 1) throw fail('RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression');
    const fixed = FIXED_FRAMES[kind];
    const frame: FrameAst = fixed ?? (wf ? { units: wf.units, start: wf.start, end: wf.end ?? { kind: 'currentRow' }, ...(wf.exclude ? { exclude: wf.exclude } : {}) } : DEFAULT_FRAME);
    return { expr: f, kind, window, frame };
  });
  return { calls };
}

/** Expressions inside the windows of `a` that belong to the query level (aggregates there make it an aggregate query). */
export function windowScopeExprs(a: WindowAnalysis): Expr[] {
  const out: Expr[] = [];
  for (const c of a.calls) {
    out.push(...c.window.partitionBy, ...c.window.orderBy.map((t) => t.expr));
    if (c.expr.filter) out.push(c.expr.filter);
  }
  return out;
}

/**
 * SQLite's sqlite3ExprIsConstant as used on frame offsets while parsing: literals, parameters
 * and operators over them; no columns, functions or subqueries. Other offsets become NULL.
 */
function parseConstant(e: Expr): boolean {
  if (e.kind === 'column' || e.kind === 'function' || e.kind === 'raise') return false;
  if (exprSubqueries(e).length > 0) return false;
  return exprChildren(e).every(parseConstant);
}

function compileBound(b: FrameBound, cx: CompileContext): FrameBoundSpec {
  if (b.kind !== 'preceding' && b.kind !== 'following') return { kind: b.kind };
  return { kind: b.kind, offset: parseConstant(b.offset) ? compileExpr(b.offset, cx) : null };
}

function orderKeyId(t: OrderingTerm): string {
  return `${astKey(t.expr)}|${t.collation ?? ''}|${t.direction ?? ''}|${t.nulls ?? ''}`;
}

/**
 * The WindowOp computing `a`'s calls on rows of width `baseWidth` (compiled in `cx`, the
 * context after GROUP BY), and the output slot of each call: identical calls share one.
 */
export function planWindowOp(input: Operator, a: WindowAnalysis, cx: CompileContext, baseWidth: number): { op: Operator; slots: Map<FunctionExpr, number> } {
  const slots = new Map<FunctionExpr, number>();
  const bySignature = new Map<string, number>();
  const sorts = new Map<string, { partitionBy: WindowSort['partitionBy']; orderBy: WindowSort['orderBy']; calls: WindowCall[] }>();
  for (const c of a.calls) {
    const signature = `${astKey(c.expr)}#${JSON.stringify(c.frame, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}#${c.window.partitionBy.map(astKey).join(',')}#${c.window.orderBy.map(orderKeyId).join(',')}`;
    const existing = bySignature.get(signature);
    if (existing !== undefined) {
      slots.set(c.expr, existing);
      continue;
    }
    const slot = baseWidth + bySignature.size;
    bySignature.set(signature, slot);
    slots.set(c.expr, slot);
    const sortId = `${c.window.partitionBy.map(astKey).join(',')}#${c.window.orderBy.map(orderKeyId).join(',')}`;
    let sort = sorts.get(sortId);
    if (!sort) {
      sort = {
        partitionBy: c.window.partitionBy.map((e) => {
          const k = compileExpr(e, cx);
          return { c: k, collation: k.collation ?? 'BINARY' };
        }),
        orderBy: c.window.orderBy.map((t) => {
          const k = compileExpr(t.expr, cx);
          const desc = t.direction === 'DESC';
          return { c: k, desc, nullsFirst: t.nulls ? t.nulls === 'FIRST' : !desc, collation: t.collation ? ops.collation(t.collation) : (k.collation ?? 'BINARY') };
        }),
        calls: [],
      };
      sorts.set(sortId, sort);
    }
    const args: Compiled[] = c.expr.star ? [] : c.expr.args.map((x) => compileExpr(x, cx));
    const frame: FrameSpec = {
      units: c.frame.units,
      start: compileBound(c.frame.start, cx),
      end: compileBound(c.frame.end, cx),
      ...(c.frame.exclude ? { exclude: c.frame.exclude } : {}),
    };
    sort.calls.push({
      spec: { kind: c.kind, name: c.expr.name, frame, collation: args[0]?.collation ?? 'BINARY' },
      args,
      ...(c.expr.filter ? { filter: compileExpr(c.expr.filter, cx) } : {}),
      slot,
    });
  }
  // The ordering used first in the query is sorted last, so the output follows it.
  const order = [...sorts.values()].reverse();
  return { op: new WindowOp(input, order, baseWidth, baseWidth + bySignature.size), slots };
}
