// Random scalar expressions, predicates and aggregate calls over a scope of columns, each
// returned with what it may evaluate to (model.ts), so the query generator can keep set
// operations deterministic. Only run-time-error-free forms are generated (no abs() or sum()
// over columns that may hold 64-bit extremes), so evaluation order cannot change an outcome.
// Operators and functions: lang_expr.html, lang_corefunc.html, lang_aggfunc.html.
import { BLOB, INT, NUMBER, REAL, REAL_INTEGRAL, TEXT, arithmeticOf, numericOf, setSafe, type ValueClasses } from './model.js';
import type { Rng } from './random.js';
import { column, type ExprEnv, type GenExpr } from './scope.js';
import { jsonValue } from './json-expr-gen.js';
import { existsSubquery, inSubquery, scalarSubquery } from './subquery-gen.js';
import { TEXT_POOL, sqlLiteral } from './values.js';

const LIKE_PATTERNS = ['a%', '%b%', '_b%', 'A%', '%c', '1%', '%', '', 'a_c', 'h%', '%l%o'];
const GLOB_PATTERNS = ['a*', '*b*', '[a-c]*', '?b*', 'A*', '*'];
// Ordering comparisons weigh more than equality: they hold for about half the rows.
const COMPARISONS = ['=', '==', '<>', '!=', '<', '<', '<=', '<=', '>', '>', '>=', '>=', 'IS', 'IS NOT'];

/** Whether the value's text form is the same in every correct renderer (no 17-digit reals). */
export function renderSafe(e: GenExpr): boolean {
  return !e.inexact || (e.classes & REAL) === 0;
}

function union(parts: readonly GenExpr[]): Omit<GenExpr, 'sql'> {
  return {
    classes: parts.reduce((m, p) => m | p.classes, 0),
    wide: parts.some((p) => p.wide),
    inexact: parts.some((p) => p.inexact),
  };
}

/** A literal of any class. */
export function literal(rng: Rng): GenExpr {
  const v = rng.weighted<() => GenExpr>([
    [4, () => ({ sql: String(rng.int(-3, 12)), classes: INT, wide: false, inexact: false })],
    [1, () => ({ sql: String(rng.int(-1000, 1000)), classes: INT, wide: false, inexact: false })],
    [2, () => ({ sql: sqlLiteral(rng.int(-40, 40) / 4 || 0), classes: REAL, wide: false, inexact: false })],
    [3, () => ({ sql: sqlLiteral(rng.pick(TEXT_POOL)), classes: TEXT, wide: false, inexact: false })],
    [0.5, () => ({ sql: rng.pick(["X''", "X'61'", "X'00'", "X'3130'"]), classes: BLOB, wide: false, inexact: false })],
    [1, () => ({ sql: 'NULL', classes: 0, wide: false, inexact: false })],
  ])();
  return v;
}

function columnRef(env: ExprEnv): GenExpr | undefined {
  const { rng } = env;
  const pool = env.outer.length > 0 && rng.chance(0.15) ? env.outer : env.scope;
  return pool.length > 0 ? column(rng.pick(pool)) : undefined;
}

/** Any scalar expression; `depth` bounds nesting. */
export function genValue(env: ExprEnv, depth: number): GenExpr {
  const { rng } = env;
  const leaf = (): GenExpr => (rng.chance(0.7) ? (columnRef(env) ?? literal(rng)) : literal(rng));
  if (depth <= 0) return env.aggScope !== undefined && rng.chance(0.4) ? genAggregate(env) : leaf();
  const sub = (): GenExpr => genValue(env, depth - 1);
  const choice = rng.weighted<() => GenExpr | undefined>([
    [6, leaf],
    [env.aggScope !== undefined ? 4 : 0, () => genAggregate(env)],
    [2.5, () => arithmetic(env, sub(), sub())],
    [0.5, () => negate(sub())],
    [1, () => caseExpr(env, depth)],
    [1, () => castExpr(env, sub())],
    [1, () => nullHandling(env, sub, depth)],
    [1.5, () => stringFunction(env, sub())],
    [0.7, () => numericFunction(env, sub())],
    [0.4, () => scalarMinMax(env, sub(), sub())],
    [0.6, () => jsonValue(env, sub)],
    [0.6, () => ({ sql: `(${genBool(env, depth - 1).sql})`, classes: INT, wide: false, inexact: false })],
    [env.subqueryDepth > 0 ? 0.6 : 0, () => scalarSubquery(env)],
  ])();
  return choice ?? leaf();
}

/** An expression whose values are safe under DISTINCT / GROUP BY / UNION / min / max. */
export function genSafeValue(env: ExprEnv, depth: number): GenExpr {
  for (let i = 0; i < 6; i++) {
    const e = genValue(env, depth);
    if (setSafe(e.classes)) return e;
  }
  return columnRef(env) ?? literal(env.rng);
}

function arithmetic(env: ExprEnv, a: GenExpr, b: GenExpr): GenExpr {
  const op = env.rng.weighted([
    [3, '+'],
    [3, '-'],
    [2, '*'],
    [1, '/'],
    [1, '%'],
  ]);
  const classes = arithmeticOf(a.classes, b.classes);
  // Division of reals gives values whose shortest text form can need 17 digits.
  const inexact = a.inexact || b.inexact || (op === '/' && (classes & REAL) !== 0);
  return { sql: `(${a.sql} ${op} ${b.sql})`, classes, wide: a.wide || b.wide || op === '*', inexact };
}

function negate(a: GenExpr): GenExpr {
  return { sql: `(- ${a.sql})`, classes: numericOf(a.classes), wide: a.wide, inexact: a.inexact };
}

function caseExpr(env: ExprEnv, depth: number): GenExpr {
  const { rng } = env;
  const arms = rng.int(1, 2);
  const values = Array.from({ length: arms + 1 }, () => genValue(env, depth - 1));
  const hasElse = rng.chance(0.8);
  const parts = values.slice(0, hasElse ? arms + 1 : arms);
  let sql: string;
  if (rng.chance(0.5)) {
    const whens = values.slice(0, arms).map((v) => `WHEN ${genBool(env, depth - 1).sql} THEN ${v.sql}`);
    sql = `CASE ${whens.join(' ')}${hasElse ? ` ELSE ${values[arms]!.sql}` : ''} END`;
  } else {
    const subject = genValue(env, depth - 1);
    const whens = values.slice(0, arms).map((v) => `WHEN ${literal(rng).sql} THEN ${v.sql}`);
    sql = `CASE ${subject.sql} ${whens.join(' ')}${hasElse ? ` ELSE ${values[arms]!.sql}` : ''} END`;
  }
  return { sql, ...union(parts) };
}

function castExpr(env: ExprEnv, a: GenExpr): GenExpr {
  const to = env.rng.pick(['INTEGER', 'REAL', 'TEXT', 'BLOB', 'NUMERIC']);
  const base = { wide: a.wide, inexact: a.inexact };
  switch (to) {
    case 'INTEGER':
      return { sql: `CAST(${a.sql} AS INTEGER)`, classes: INT, wide: true, inexact: false };
    case 'REAL':
      return { sql: `CAST(${a.sql} AS REAL)`, classes: REAL, ...base };
    case 'NUMERIC':
      return { sql: `CAST(${a.sql} AS NUMERIC)`, classes: NUMBER, ...base };
    default:
      if (!renderSafe(a)) return { sql: `CAST(${a.sql} AS INTEGER)`, classes: INT, wide: true, inexact: false };
      return { sql: `CAST(${a.sql} AS ${to})`, classes: to === 'TEXT' ? TEXT : BLOB, wide: a.wide, inexact: false };
  }
}

function nullHandling(env: ExprEnv, sub: () => GenExpr, depth: number): GenExpr {
  const { rng } = env;
  const a = sub();
  const b = sub();
  switch (rng.int(0, 3)) {
    case 0:
      return { sql: `ifnull(${a.sql}, ${b.sql})`, ...union([a, b]) };
    case 1:
      return { sql: `nullif(${a.sql}, ${b.sql})`, ...union([a]) };
    case 2:
      return { sql: `iif(${genBool(env, depth - 1).sql}, ${a.sql}, ${b.sql})`, ...union([a, b]) };
    default: {
      const c = sub();
      return { sql: `coalesce(${a.sql}, ${b.sql}, ${c.sql})`, ...union([a, b, c]) };
    }
  }
}

function stringFunction(env: ExprEnv, a: GenExpr): GenExpr | undefined {
  const { rng } = env;
  if (!renderSafe(a)) return undefined;
  // Text that keeps the value's digits stays `wide`: abs('-9223372036854775808') overflows too.
  const text = (sql: string, wide = a.wide): GenExpr => ({ sql, classes: TEXT, wide, inexact: false });
  const int = (sql: string): GenExpr => ({ sql, classes: INT, wide: false, inexact: false });
  switch (rng.int(0, 10)) {
    case 0:
      return int(`length(${a.sql})`);
    case 1:
      return text(`upper(${a.sql})`);
    case 2:
      return text(`lower(${a.sql})`);
    case 3: {
      const args = rng.chance(0.7) ? `, ${rng.int(-3, 5)}, ${rng.int(0, 4)}` : `, ${rng.int(-3, 5)}`;
      return { sql: `substr(${a.sql}${args})`, classes: TEXT | (a.classes & BLOB), wide: a.wide, inexact: false };
    }
    case 4:
      return text(`${rng.pick(['trim', 'ltrim', 'rtrim'])}(${a.sql}${rng.chance(0.3) ? `, ${sqlLiteral(rng.pick(['a', ' ', 'xa', '1']))}` : ''})`);
    case 5:
      return text(`replace(${a.sql}, ${sqlLiteral(rng.pick(['a', 'b', '1', '']))}, ${sqlLiteral(rng.pick(['', 'Z', 'yy']))})`);
    case 6:
      return int(`instr(${a.sql}, ${sqlLiteral(rng.pick(['a', 'b', '1', 'é', '']))})`);
    case 7:
      return text(`typeof(${a.sql})`, false);
    case 8:
      return text(`hex(${a.sql})`, false);
    default: {
      const b = genValue(env, 0);
      return renderSafe(b) ? text(`(${a.sql} || ${b.sql})`, a.wide || b.wide) : text(`(${a.sql} || 'z')`);
    }
  }
}

function numericFunction(env: ExprEnv, a: GenExpr): GenExpr | undefined {
  const { rng } = env;
  switch (rng.int(0, 2)) {
    case 0:
      // abs() of the smallest integer is an "integer overflow" error.
      return a.wide ? undefined : { sql: `abs(${a.sql})`, classes: numericOf(a.classes), wide: false, inexact: a.inexact };
    case 1:
      return { sql: `round(${a.sql})`, classes: REAL_INTEGRAL, wide: a.wide, inexact: false };
    default:
      return { sql: `round(${a.sql}, ${rng.int(0, 2)})`, classes: REAL, wide: a.wide, inexact: false };
  }
}

function scalarMinMax(env: ExprEnv, a: GenExpr, b: GenExpr): GenExpr {
  return { sql: `${env.rng.pick(['min', 'max'])}(${a.sql}, ${b.sql})`, ...union([a, b]) };
}

/** An aggregate call over `env.aggScope` (its argument never contains an aggregate). */
export function genAggregate(env: ExprEnv): GenExpr {
  const { rng } = env;
  // No enclosing columns in the argument: an aggregate over only outer columns would belong
  // to the outer query (lang_select.html#resultset), a different question.
  const rowEnv: ExprEnv = { ...env, scope: env.aggScope ?? [], outer: [], aggScope: undefined, subqueryDepth: 0 };
  const arg = (): GenExpr => genValue(rowEnv, rng.int(0, 1));
  const summable = (): GenExpr | undefined => {
    for (let i = 0; i < 4; i++) {
      const e = arg();
      if (!e.wide && !e.inexact) return e;
    }
    return undefined;
  };
  const count = (sql: string): GenExpr => ({ sql, classes: INT, wide: false, inexact: false });
  const pick = rng.int(0, 9);
  if (pick === 0 || rowEnv.scope.length === 0) return count('count(*)');
  if (pick === 1) return count(`count(${arg().sql})`);
  if (pick === 2) return count(`count(DISTINCT ${genSafeValue(rowEnv, 0).sql})`);
  if (pick <= 4) {
    const x = summable();
    if (x === undefined) return count('count(*)');
    const fn = rng.pick(['sum', 'sum', 'total', 'avg']);
    const distinct = setSafe(x.classes) && rng.chance(0.2) ? 'DISTINCT ' : '';
    // sum() is an integer only when every non-NULL input is one; total() and avg() are always real.
    const sumClasses = (x.classes & ~INT) === 0 ? INT : (x.classes & INT) === 0 ? REAL : NUMBER;
    const classes = fn === 'sum' ? sumClasses : REAL;
    return { sql: `${fn}(${distinct}${x.sql})`, classes, wide: false, inexact: fn === 'avg' };
  }
  if (pick <= 7) {
    const x = genSafeValue(rowEnv, rng.int(0, 1));
    return { sql: `${rng.pick(['min', 'max'])}(${x.sql})`, classes: x.classes, wide: x.wide, inexact: x.inexact };
  }
  // group_concat's order follows the scan unless ordered: measure its length instead, or order by a column.
  const c = rowEnv.scope.length > 0 ? rng.pick(rowEnv.scope) : undefined;
  if (pick === 8 && c !== undefined && setSafe(c.classes) && !c.inexact) {
    return { sql: `group_concat(${c.sql}, '|' ORDER BY ${c.sql}${rng.chance(0.3) ? ' DESC' : ''})`, classes: TEXT, wide: false, inexact: false };
  }
  const x = genSafeValue(rowEnv, 0);
  if (!renderSafe(x)) return count(`count(${x.sql})`);
  const distinct = rng.chance(0.3) ? 'DISTINCT ' : '';
  const sep = distinct === '' && rng.chance(0.3) ? `, ${sqlLiteral(rng.pick(['', '--', ';']))}` : '';
  // length() of text stops at a NUL byte, which blobs may hold: then where it stops depends on order.
  const concatenated = (x.classes & BLOB) !== 0 ? `hex(${x.sql})` : x.sql;
  return count(`length(group_concat(${distinct}${concatenated}${sep}))`);
}

/** A predicate (0, 1 or NULL). */
export function genBool(env: ExprEnv, depth: number): GenExpr {
  const { rng } = env;
  const bool = (sql: string): GenExpr => ({ sql, classes: INT, wide: false, inexact: false });
  const v = (): GenExpr => genValue(env, Math.max(0, depth - 1));
  // The tested side is mostly a column: predicates over constants alone hold for all rows or none.
  const subject = (): GenExpr => (env.scope.length > 0 && rng.chance(0.6) ? column(rng.pick(env.scope)) : v());
  const choice = rng.weighted<() => GenExpr>([
    [env.scope.length > 0 ? 4 : 0, () => bool(`${rng.pick(env.scope).sql} ${rng.pick(COMPARISONS)} ${literalLike(rng, rng.pick(env.scope).classes)}`)],
    [4, () => bool(`${subject().sql} ${rng.pick(COMPARISONS)} ${v().sql}`)],
    [depth > 0 ? 2 : 0, () => bool(`(${genBool(env, depth - 1).sql} ${rng.pick(['AND', 'OR'])} ${genBool(env, depth - 1).sql})`)],
    [depth > 0 ? 0.7 : 0, () => bool(`NOT (${genBool(env, depth - 1).sql})`)],
    [1, () => bool(`${subject().sql} ${rng.pick(['IS NULL', 'IS NOT NULL', 'NOTNULL', 'ISNULL'])}`)],
    [1, () => bool(`${subject().sql} ${rng.chance(0.2) ? 'NOT ' : ''}BETWEEN ${v().sql} AND ${v().sql}`)],
    [1, () => bool(`${subject().sql} ${rng.chance(0.25) ? 'NOT ' : ''}IN (${Array.from({ length: rng.int(1, 4) }, () => literal(rng).sql).join(', ')})`)],
    [1, () => likeExpr(env, subject())],
    [env.subqueryDepth > 0 ? 0.8 : 0, () => inSubquery(env, v())],
    [env.subqueryDepth > 0 ? 0.8 : 0, () => existsSubquery(env)],
  ])();
  return choice;
}

/** A literal of one of the given classes, from the data generator's domains, so comparisons often hold. */
function literalLike(rng: Rng, classes: ValueClasses): string {
  const options: (() => string)[] = [];
  if (classes & INT) options.push(() => String(rng.int(-3, 12)));
  if (classes & REAL) options.push(() => sqlLiteral(rng.int(-40, 40) / 4 || 0));
  if (classes & TEXT) options.push(() => sqlLiteral(rng.pick(TEXT_POOL)));
  if (classes & BLOB) options.push(() => rng.pick(["X'61'", "X''"]));
  return options.length > 0 ? rng.pick(options)() : 'NULL';
}

function likeExpr(env: ExprEnv, a: GenExpr): GenExpr {
  const { rng } = env;
  const subject = renderSafe(a) ? a.sql : `CAST(${a.sql} AS INTEGER)`;
  const not = rng.chance(0.2) ? 'NOT ' : '';
  const sql = rng.chance(0.75) ? `${subject} ${not}LIKE ${sqlLiteral(rng.pick(LIKE_PATTERNS))}` : `${subject} ${not}GLOB ${sqlLiteral(rng.pick(GLOB_PATTERNS))}`;
  return { sql, classes: INT, wide: false, inexact: false };
}
