// Value subtypes through expressions (types/subtype.ts, https://sqlite.org/c3ref/value_subtype.html).
// A Compiled may carry `evSubtype`, its value with the subtype it has; the JSON functions read
// their arguments through it so `json_array(json('[1]'))` nests. SQLite passes a subtype
// through the expressions that hand a value on unchanged (CASE, COALESCE, IFNULL, IIF, NULLIF,
// min/max of values, likely, unary +, COLLATE, CAST AS TEXT, a scalar subquery) and drops it
// everywhere else (||, arithmetic, a subquery in FROM, a stored column).
import type { Compiled, Ev } from '../execution/compiled.js';
import type { ExecEnv, Row } from '../execution/env.js';
import * as ops from '../execution/value-ops.js';
import { plain, Subtyped, type MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import { merge } from './compile-common.js';

type EvSub = (row: Row, env: ExecEnv) => MaybeSubtyped;

/** The subtype-aware evaluator of `c` (its plain value when it has none). */
export function subtypedEv(c: Compiled): EvSub {
  return c.evSubtype ?? c.ev;
}

/** `ev` reading a value that, when TEXT, always carries `subtype` (an aggregate's slot, a subquery's column). */
export function restoreSubtype(ev: Ev, subtype: number): EvSub {
  return (row, env) => {
    const v = ev(row, env);
    return typeof v === 'string' ? new Subtyped(v, subtype) : v;
  };
}

/** A call of a function that reads or sets subtypes: arguments through their evSubtype, the result keeping its own. */
export function subtypedCall(
  fn: ops.ScalarFunction,
  args: readonly Compiled[],
  extra: Partial<Compiled>,
): Compiled {
  const fs = args.map(subtypedEv);
  const n = fs.length;
  const call = fn.callSubtyped!;
  const evSubtype: EvSub = (r, env) => {
    const vals: MaybeSubtyped[] = new Array(n);
    for (let i = 0; i < n; i++) vals[i] = fs[i]!(r, env);
    return call(vals, env);
  };
  return merge(args, (r, env) => plain(evSubtype(r, env)), {
    ...extra,
    evSubtype,
    ...(fn.resultSubtype !== undefined ? { resultSubtype: fn.resultSubtype } : {}),
  });
}

/**
 * `c`, a call that returns one of its arguments unchanged (nullif, min, max, likely, ...),
 * made to pass that argument's subtype on. Unchanged when no argument has one.
 */
export function passArgumentSubtype(c: Compiled, args: readonly Compiled[], compute: (vals: readonly SqlValue[], env: ExecEnv) => SqlValue): Compiled {
  if (!args.some((a) => a.evSubtype)) return c;
  const fs = args.map(subtypedEv);
  const evSubtype: EvSub = (r, env) => {
    const vals = fs.map((f) => f(r, env));
    const v = compute(vals.map(plain), env);
    for (const x of vals) if (x instanceof Subtyped && x.value === v) return x;
    return v;
  };
  return { ...c, evSubtype };
}

/** `c` evaluated through `inner`'s subtype when it only hands `inner`'s value on (unary +, COLLATE). */
export function sameSubtype(c: Compiled, inner: Compiled): Compiled {
  if (!inner.evSubtype) return c;
  return { ...c, evSubtype: inner.evSubtype, ...(inner.resultSubtype !== undefined ? { resultSubtype: inner.resultSubtype } : {}) };
}

/** The first of `fs` whose value is not NULL, keeping its subtype (COALESCE / IFNULL). */
export function coalesceSubtyped(args: readonly Compiled[]): EvSub | undefined {
  if (!args.some((a) => a.evSubtype)) return undefined;
  const fs = args.map(subtypedEv);
  return (r, env) => {
    for (const f of fs) {
      const v = f(r, env);
      if (plain(v) !== null) return v;
    }
    return null;
  };
}

/** IIF(c, a, b) keeping the chosen branch's subtype. */
export function iifSubtyped(cond: Ev, a: Compiled, b: Compiled): EvSub | undefined {
  if (!a.evSubtype && !b.evSubtype) return undefined;
  const fa = subtypedEv(a);
  const fb = subtypedEv(b);
  return (r, env) => (ops.toBool(cond(r, env)) === true ? fa(r, env) : fb(r, env));
}
