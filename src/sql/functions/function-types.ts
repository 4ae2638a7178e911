// The contract between SQL functions and the executor. Scalar functions are pure over their
// arguments except for what FunctionContext injects (clock, randomness), so tests and
// replays are deterministic. (https://sqlite.org/lang_corefunc.html, lang_aggfunc.html)
import { DoSQLError } from '../../errors.js';
import type { Collation } from '../types/compare.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';

/** What a function may ask of the running statement. */
export interface FunctionContext {
  /** Current time in milliseconds since the Unix epoch (fixed for one statement, as in SQLite). */
  nowMs(): number;
  /** 64 random bits as a signed bigint in the int64 range. */
  random(): bigint;
  /**
   * The largest TEXT (UTF-8 bytes) or BLOB a function may build (SQLITE_MAX_LENGTH; default
   * DEFAULT_MAX_LENGTH). Builders check it before allocating (types/length-limit.ts).
   */
  readonly maxLength?: number;
}

/** A scalar SQL function. */
export interface ScalarFunction {
  /** Lower-case name. */
  readonly name: string;
  readonly minArgs: number;
  /** Largest argument count, or -1 for no limit. */
  readonly maxArgs: number;
  /** Same arguments give the same result (so calls on constants may be folded). */
  readonly deterministic: boolean;
  /**
   * The function compares its arguments (min, max, nullif) and wants the collation the
   * binder derives for the call (lang_expr.html §7, "Collating Sequences": the first
   * argument with an explicit COLLATE or a column collation; default BINARY).
   */
  readonly usesCollation?: boolean;
  /**
   * The function is really a conditional (coalesce, ifnull, iif, if): SQLite evaluates its
   * arguments lazily, left to right, stopping as soon as the result is known. Evaluators
   * should compile such calls like CASE so later arguments are not evaluated (their errors
   * and side effects must not happen); `call` gives the same result on eager arguments.
   */
  readonly shortCircuit?: boolean;
  /**
   * Computes the result. `args.length` is within [minArgs, maxArgs] (use checkArity when
   * binding). Errors are DoSQLError with code SQL_ERROR.
   */
  call(args: readonly SqlValue[], ctx: FunctionContext, collation?: Collation): SqlValue;
  /**
   * The same computation over arguments that may carry a subtype (types/subtype.ts), returning
   * its result's subtype too: present on functions that read or set subtypes (the JSON
   * functions, as SQLITE_SUBTYPE / SQLITE_RESULT_SUBTYPE). Evaluators that track subtypes call
   * this instead of `call`.
   */
  callSubtyped?(args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped;
  /** Every TEXT result carries this subtype (e.g. json_array's JSON text), whatever the arguments. */
  readonly resultSubtype?: number;
}

/**
 * Running state of one aggregate (or window) computation. `step` adds a row's arguments,
 * `inverse` removes the oldest row still included (window frames that slide), and `result`
 * returns the current value without disturbing the state, so it may be called repeatedly.
 * DISTINCT and FILTER are applied by the caller, which only steps rows that pass.
 */
export interface Accumulator {
  step(args: readonly SqlValue[]): void;
  /** `step` for callers that evaluate subtypes, on aggregates that read them (json_group_array). */
  stepSubtyped?(args: readonly MaybeSubtyped[]): void;
  inverse?(args: readonly SqlValue[]): void;
  result(): SqlValue;
  /**
   * The current value while a window frame slides (SQLite's xValue), where it differs from
   * `result` (xFinal, which also serves frames computed from scratch).
   */
  value?(): SqlValue;
}

/** An aggregate SQL function; `count(*)` is `count` stepped with zero arguments. */
export interface AggregateFunction {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Whether accumulators support `inverse` (usable in sliding window frames). */
  readonly invertible: boolean;
  /**
   * A fresh accumulator; `collation` is used by min() and max() to compare TEXT, `maxLength`
   * (bytes, FunctionContext.maxLength) bounds what group_concat builds.
   */
  create(collation?: Collation, maxLength?: number): Accumulator;
  /** Every TEXT result carries this subtype (json_group_array's JSON text). */
  readonly resultSubtype?: number;
  /** Reads its arguments' subtypes (accumulators have stepSubtyped): json_group_array nests JSON arguments. */
  readonly readsSubtypes?: boolean;
}

/** Throws SQLite's "wrong number of arguments to function X()" unless `argCount` fits. */
export function checkArity(fn: { readonly name: string; readonly minArgs: number; readonly maxArgs: number }, argCount: number): void {
  if (argCount < fn.minArgs || (fn.maxArgs >= 0 && argCount > fn.maxArgs)) {
    throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${fn.name}()`, {
      details: { function: fn.name, argCount },
    });
  }
}

/** A function error with SQLite's message text after the "sql: " prefix. */
export function functionError(message: string, fn?: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `sql: ${message}`, fn === undefined ? {} : { details: { function: fn } });
}
