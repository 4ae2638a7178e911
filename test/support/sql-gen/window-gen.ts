// Random window function calls (https://sqlite.org/windowfunctions.html): every built-in
// window function and the aggregates, over random PARTITION BY / ORDER BY, frames of every
// unit, bound and EXCLUDE option (sometimes invalid ones, which both engines must reject),
// FILTER, and named windows from the WINDOW clause with inheritance.
//
// Determinism: a window value must not depend on the order of rows that tie in the window's
// ORDER BY (SQLite sorts them in scan order). Functions that read single rows (row_number,
// ntile, lag, lead, first/last/nth_value), ROWS frames and group_concat get a total order: the
// ORDER BY ends with every column the row has (rows equal in all of them are interchangeable),
// which rules out RANGE frames with offsets (one ORDER BY term). Peer-based functions (rank,
// dense_rank, percent_rank, cume_dist) and order-insensitive aggregates over RANGE or GROUPS
// frames take any ordering: their frames are unions of peer groups.
import { genSafeValue, genValue } from './expr-gen.js';
import { INT, REAL, TEXT, setSafe } from './model.js';
import type { ExprEnv, GenExpr } from './scope.js';
import { sqlLiteral } from './values.js';

/** Where window calls of one SELECT are generated. */
export interface WindowContext {
  /** What arguments and keys may read: the row's columns, or a grouped query's keys and aggregates. */
  readonly env: ExprEnv;
  /** Expressions that together order the rows totally (all row columns, or all group keys). */
  readonly tieBreak: readonly GenExpr[];
  /** WINDOW clause definitions made so far (`w0 AS (...)`), appended to the statement. */
  readonly defs: string[];
  /**
   * Only valid ntile / nth_value arguments and frame offsets. SQLite checks them per row, so an
   * invalid one fails only if the window gets rows; in a subquery in FROM that depends on when
   * (and whether) the engine materialises it, which differs between SQLite and dosql.
   */
  readonly validArgs?: boolean;
}

/** `v`, or `fallback` when `v` is one of `invalid` and only valid arguments are wanted (the draw already happened: the random stream does not change). */
function validated(w: WindowContext, v: string, invalid: readonly string[], fallback: string): string {
  return w.validArgs === true && invalid.includes(v) ? fallback : v;
}

interface Spec {
  readonly partition: readonly string[];
  readonly order: readonly string[];
}

const int = (sql: string): GenExpr => ({ sql, classes: INT, wide: false, inexact: false });

/** A window call, sometimes inside arithmetic; set-safe when `safe`. */
export function genWindowValue(w: WindowContext, safe: boolean): GenExpr {
  const { rng } = w.env;
  let e = genWindowCall(w, safe);
  for (let i = 0; i < 3 && safe && !setSafe(e.classes); i++) e = genWindowCall(w, safe);
  if (safe && !setSafe(e.classes)) return int(`count(*) OVER ${over(w, { partition: [], order: [] }, '')}`);
  if (e.classes === INT && !e.wide && rng.chance(0.15)) return int(`(${e.sql} ${rng.pick(['*', '+', '-'])} ${rng.int(1, 3)})`);
  return e;
}

function genWindowCall(w: WindowContext, safe: boolean): GenExpr {
  const { rng } = w.env;
  const value = (): GenExpr => (safe ? genSafeValue(w.env, rng.int(0, 1)) : genValue(w.env, rng.int(0, 1)));
  const total = (): Spec => spec(w, true);
  const any = (): Spec => spec(w, false);
  switch (rng.int(0, 13)) {
    case 0: {
      const s = total();
      return int(`row_number() OVER ${over(w, s, maybeFrame(w, s, 'ignored'))}`);
    }
    case 1: {
      const s = any();
      return int(`${rng.pick(['rank', 'dense_rank'])}() OVER ${over(w, s, maybeFrame(w, s, 'ignored'))}`);
    }
    case 2: {
      const s = any();
      return { sql: `${rng.pick(['percent_rank', 'cume_dist'])}() OVER ${over(w, s, '')}`, classes: REAL, wide: false, inexact: true };
    }
    case 3: {
      const n = rng.weighted([
        [6, String(rng.int(1, 5))],
        [1, String(rng.int(6, 40))],
        [0.3, rng.pick(['0', '-1', 'NULL', "'2'", '2.5'])],
      ]);
      return int(`ntile(${validated(w, n, ['0', '-1', 'NULL', '2.5'], '2')}) OVER ${over(w, total(), '')}`);
    }
    case 4:
    case 5: {
      const x = value();
      const fn = rng.pick(['lag', 'lead']);
      const off = rng.weighted([
        [3, ''],
        [3, `, ${rng.int(0, 3)}`],
        [0.5, `, ${rng.pick(['-1', 'NULL', "'1'", '1.5', '1.0'])}`],
      ]);
      const dflt = off !== '' && rng.chance(0.4) ? value() : undefined;
      const classes = x.classes | (dflt?.classes ?? 0);
      return { sql: `${fn}(${x.sql}${off}${dflt ? `, ${dflt.sql}` : ''}) OVER ${over(w, total(), '')}`, classes, wide: x.wide || (dflt?.wide ?? false), inexact: x.inexact || (dflt?.inexact ?? false) };
    }
    case 6: {
      const x = value();
      const s = total();
      const fn = rng.pick(['first_value', 'last_value', 'nth_value']);
      const n = fn === 'nth_value' ? `, ${rng.chance(0.95) ? rng.int(1, 4) : validated(w, rng.pick(['0', 'NULL', '1.5', "'2'"]), ['0', 'NULL', '1.5'], '1')}` : '';
      return { sql: `${fn}(${x.sql}${n}) OVER ${over(w, s, maybeFrame(w, s, 'total'))}`, classes: x.classes, wide: x.wide, inexact: x.inexact };
    }
    default:
      return aggregateCall(w, safe);
  }
}

/** An aggregate over a window: order-insensitive ones over any frame, group_concat over a total order. */
function aggregateCall(w: WindowContext, safe: boolean): GenExpr {
  const { rng } = w.env;
  const rowEnv: ExprEnv = { ...w.env, subqueryDepth: Math.min(1, w.env.subqueryDepth) };
  const filter = rng.chance(0.15) ? ` FILTER (WHERE ${genSafeValue(rowEnv, 0).sql} IS NOT NULL)` : '';
  const pick = rng.int(0, 9);
  if (pick >= 8) {
    // group_concat's text follows the frame's order: a total order, and ROWS or GROUPS frames.
    const s = spec(w, true);
    const x = genSafeValue(rowEnv, 0);
    const sep = rng.chance(0.3) ? `, ${sqlLiteral(rng.pick(['', '-', '; ']))}` : '';
    const arg = (x.classes & REAL) !== 0 && x.inexact ? `CAST(${x.sql} AS INTEGER)` : x.sql;
    return { sql: `group_concat(${arg}${sep})${filter} OVER ${over(w, s, maybeFrame(w, s, 'total'))}`, classes: TEXT, wide: false, inexact: false };
  }
  const totalOrder = rng.chance(0.3);
  const s = spec(w, totalOrder);
  const win = over(w, s, maybeFrame(w, s, totalOrder ? 'total' : 'peers'));
  if (pick <= 1) return int(`count(${pick === 0 ? '*' : genValue(rowEnv, 0).sql})${filter} OVER ${win}`);
  if (pick <= 4) {
    let x: GenExpr | undefined;
    for (let i = 0; i < 4 && x === undefined; i++) {
      const e = genValue(rowEnv, rng.int(0, 1));
      if (!e.wide && !e.inexact) x = e;
    }
    if (x === undefined) return int(`count(*)${filter} OVER ${win}`);
    const fn = rng.pick(['sum', 'sum', 'total', 'avg']);
    const classes = fn === 'sum' ? ((x.classes & ~INT) === 0 ? INT : (x.classes & INT) === 0 ? REAL : INT | REAL) : REAL;
    if (safe && !setSafe(classes)) return int(`count(${x.sql})${filter} OVER ${win}`);
    return { sql: `${fn}(${x.sql})${filter} OVER ${win}`, classes, wide: false, inexact: fn === 'avg' };
  }
  if (pick <= 6) {
    const x = genSafeValue(rowEnv, rng.int(0, 1));
    return { sql: `${rng.pick(['min', 'max'])}(${x.sql})${filter} OVER ${win}`, classes: x.classes, wide: x.wide, inexact: x.inexact };
  }
  // The length of a concatenation depends only on which values are in the frame.
  const x = genSafeValue(rowEnv, 0);
  const arg = (x.classes & REAL) !== 0 ? `CAST(${x.sql} AS INTEGER)` : x.sql;
  return int(`length(group_concat(${arg})${filter} OVER ${win})`);
}

/** PARTITION BY and ORDER BY terms; with `total`, the ORDER BY ends with the tie-breakers. */
function spec(w: WindowContext, total: boolean): Spec {
  const { rng } = w.env;
  const term = (e: GenExpr): string => `${e.sql}${rng.chance(0.35) ? ' DESC' : ''}${rng.chance(0.15) ? rng.pick([' NULLS FIRST', ' NULLS LAST']) : ''}`;
  const partition = Array.from({ length: rng.weighted([[5, 0], [4, 1], [1, 2]]) }, () => genSafeValue({ ...w.env, subqueryDepth: 0 }, rng.int(0, 1)).sql);
  const order = Array.from({ length: rng.weighted([[3, 0], [5, 1], [1.5, 2]]) }, () => term(genSafeValue({ ...w.env, subqueryDepth: 0 }, rng.int(0, 1))));
  if (total) for (const t of rng.sample(w.tieBreak, w.tieBreak.length)) order.push(term(t));
  return { partition, order };
}

/**
 * A frame clause or ''. `ignored`: the function ignores frames (SQLite only checks their shape);
 * `total`: rows are totally ordered, so ROWS frames are fine; `peers`: RANGE or GROUPS only.
 */
function maybeFrame(w: WindowContext, s: Spec, use: 'ignored' | 'total' | 'peers'): string {
  const { rng } = w.env;
  if (rng.chance(0.35)) return '';
  const units = rng.weighted<'ROWS' | 'RANGE' | 'GROUPS'>([
    [use === 'peers' ? 0 : 4, 'ROWS'],
    [3, 'RANGE'],
    [2.5, 'GROUPS'],
  ]);
  // RANGE offsets need exactly one ORDER BY term; rarely they come without, an error.
  const withOffsets = units !== 'RANGE' || s.order.length === 1 || rng.chance(0.03);
  const offset = (): string =>
    validated(
      w,
      rng.weighted([
        [8, String(rng.int(0, 3))],
        [units === 'RANGE' ? 3 : 0, sqlLiteral(rng.int(1, 6) / 2)],
        [0.3, rng.pick(['-1', 'NULL', "'1'", '1.5', "'x'"])],
      ]),
      units === 'RANGE' ? ['-1', 'NULL', "'x'"] : ['-1', 'NULL', '1.5', "'x'"],
      '1',
    );
  // 0 UNBOUNDED PRECEDING, 1 n PRECEDING, 2 CURRENT ROW, 3 n FOLLOWING, 4 UNBOUNDED FOLLOWING.
  const pick = (choices: number[]): number => rng.pick(withOffsets ? choices : choices.filter((c) => c !== 1 && c !== 3));
  let start = pick([0, 1, 2, 3]);
  const end = pick([1, 2, 3, 4]);
  // SQLite rejects a start after the end ("unsupported frame specification"): rarely kept.
  if (((start === 2 && end === 1) || (start === 3 && end <= 2)) && rng.chance(0.9)) start = 0;
  const text = (b: number): string => ['UNBOUNDED PRECEDING', `${offset()} PRECEDING`, 'CURRENT ROW', `${offset()} FOLLOWING`, 'UNBOUNDED FOLLOWING'][b]!;
  const exclude = rng.chance(0.25) ? ` EXCLUDE ${rng.pick(['NO OTHERS', 'CURRENT ROW', 'GROUP', 'TIES'])}` : '';
  if (start <= 2 && rng.chance(0.2)) return `${units} ${text(start)}${exclude}`;
  return `${units} BETWEEN ${text(start)} AND ${text(end)}${exclude}`;
}

/** `(spec frame)`, or a named window: `w0` or `(w0 ORDER BY ...)` with the definition added to the WINDOW clause. */
function over(w: WindowContext, s: Spec, frame: string): string {
  const { rng } = w.env;
  const parts = (p: readonly string[], o: readonly string[], f: string): string =>
    [p.length ? `PARTITION BY ${p.join(', ')}` : '', o.length ? `ORDER BY ${o.join(', ')}` : '', f].filter((x) => x !== '').join(' ');
  const choice = rng.weighted([
    [7, 'inline'],
    [1.5, 'named'],
    [1.5, 'inherit'],
  ]);
  if (choice === 'named') {
    const name = `w${w.defs.length}`;
    w.defs.push(`${name} AS (${parts(s.partition, s.order, frame)})`);
    return name;
  }
  if (choice === 'inherit' && s.partition.length > 0) {
    const name = `w${w.defs.length}`;
    w.defs.push(`${name} AS (${parts(s.partition, [], '')})`);
    return `(${name}${s.order.length || frame ? ' ' : ''}${parts([], s.order, frame)})`;
  }
  return `(${parts(s.partition, s.order, frame)})`;
}
