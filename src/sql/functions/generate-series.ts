// generate_series(START [, STOP [, STEP]]): the integers from START to STOP by STEP, as SQLite's
// series extension (ext/misc/series.c, https://sqlite.org/series.html) computes them: 64-bit
// arithmetic that never overflows, STOP defaulting to 4294967295 and STEP to 1 (0 counts as 1),
// no rows when any argument is NULL. Comparisons on `value` (=, <, <=, >, >=) are handed to the
// function, which narrows the range with them as series.c does (so `value > '5'` compares as the
// number 5), and STOP may then be omitted: `WHERE value BETWEEN 1 AND 10`.
import { toInt64 } from '../types/convert.js';
import { numericAffinityOfText } from '../types/convert.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import { plain } from '../types/subtype.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from '../types/value.js';
import { functionError } from './function-types.js';
import type { BoundOp, ColumnBound, TableFunction, TableFunctionCall } from './table-functions.js';

const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const I64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const MIN_D = -9223372036854775808;
const MAX_D = 9223372036854775807;

/** The value a bound compares with: its number as sqlite3_value_numeric_type sees it. */
function boundNumber(v: SqlValue): bigint | number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = numericAffinityOfText(v, false);
    if (typeof n === 'number') return n;
  }
  return toInt64(v);
}

/** The [min, max] the bounds allow, or undefined when they allow nothing. */
function boundRange(bounds: readonly ColumnBound[]): [bigint, bigint] | undefined {
  let lo = INT64_MIN;
  let hi = INT64_MAX;
  for (const b of bounds) {
    const x = boundNumber(b.value);
    if (b.op === '=') {
      if (typeof x === 'number') {
        if (x !== Math.ceil(x) || x < MIN_D || x > MAX_D) return undefined;
        lo = hi = I64(BigInt(x));
      } else lo = hi = x;
      continue;
    }
    if (b.op === '>' || b.op === '>=') {
      if (typeof x === 'number') {
        if (x <= MIN_D) lo = INT64_MIN;
        else if (x > MAX_D) return undefined;
        else {
          lo = BigInt(Math.ceil(x));
          if (lo > INT64_MAX) lo = INT64_MAX;
          if (b.op === '>' && x === Math.ceil(x)) {
            if (lo === INT64_MAX) return undefined;
            lo++;
          }
        }
      } else {
        lo = x;
        if (b.op === '>') {
          if (lo === INT64_MAX) return undefined;
          lo++;
        }
      }
    } else if (typeof x === 'number') {
      if (x >= MAX_D) hi = INT64_MAX;
      else if (x <= MIN_D && (b.op === '<' || x < MIN_D)) return undefined;
      else {
        hi = BigInt(Math.floor(x));
        if (b.op === '<' && x === Math.floor(x)) hi--;
      }
    } else {
      hi = x;
      if (b.op === '<') {
        if (hi === INT64_MIN) return undefined;
        hi--;
      }
    }
  }
  return lo > hi ? undefined : [lo, hi];
}

function* series(call: TableFunctionCall): Generator<SqlValue[]> {
  const [startArg, stopArg, stepArg] = call.args.map((a) => (a === undefined ? undefined : plain(a as MaybeSubtyped)));
  if ([startArg, stopArg, stepArg].some((a) => a === null) || call.bounds.some((b) => b.value === null)) return;
  let oBase = startArg === undefined ? 0n : toInt64(startArg);
  let oTerm = stopArg === undefined ? 0xffffffffn : toInt64(stopArg);
  let oStep = stepArg === undefined ? 1n : toInt64(stepArg);
  if (oStep === 0n) oStep = 1n;
  const ops = call.bounds.map((b) => b.op);
  const lowish = ops.some((o) => o === '=' || o === '>' || o === '>=');
  const highish = ops.some((o) => o === '=' || o === '<' || o === '<=');
  if (startArg === undefined && stepArg === undefined && lowish) oBase = INT64_MIN;
  if (stopArg === undefined && stepArg === undefined && highish) oTerm = INT64_MAX;
  let base = oBase;
  let term = oTerm;
  const step = oStep > 0n ? oStep : -oStep;
  const desc = oStep < 0n;
  if (!desc && base > term) return;
  if (desc && base < term) return;
  if (call.bounds.length > 0) {
    const range = boundRange(call.bounds);
    if (!range) return;
    const [min, max] = range;
    if (!desc) {
      if (base < min) {
        base = I64(base + (U64(min - base) / step) * step);
        if (base < min) {
          if (base > INT64_MAX - step) return;
          base += step;
        }
      }
      if (term > max) term = max;
    } else {
      if (base > max) {
        base = I64(base - (U64(base - max) / step) * step);
        if (base > max) {
          if (base < INT64_MIN + step) return;
          base -= step;
        }
      }
      if (term < min) term = min;
    }
  }
  if (!desc) {
    if (base > term) return;
    term = term - (U64(term - base) % step);
  } else {
    if (base < term) return;
    term = term + (U64(base - term) % step);
  }
  for (let v = base; ; v = desc ? v - step : v + step) {
    yield [v, oBase, oTerm, oStep];
    if (v === term) return;
  }
}

/** series.c's xBestIndex choice: the last equality, else the last lower and the last upper bound. */
function chooseBounds(ops: readonly BoundOp[]): number[] {
  let eq = -1;
  let lo = -1;
  let hi = -1;
  ops.forEach((op, k) => {
    if (op === '=') {
      eq = k;
      lo = -1;
      hi = -1;
    } else if (eq >= 0) {
      return;
    } else if (op === '>' || op === '>=') lo = k;
    else hi = k;
  });
  return eq >= 0 ? [eq] : [lo, hi].filter((k) => k >= 0);
}

export const GENERATE_SERIES: TableFunction = {
  name: 'generate_series',
  columns: [
    { name: 'value', hidden: false },
    { name: 'start', hidden: true },
    { name: 'stop', hidden: true },
    { name: 'step', hidden: true },
  ],
  argColumns: [1, 2, 3],
  boundColumn: 0,
  rowidColumn: 0,
  chooseBounds,
  checkPlan(present, boundOps) {
    if (!present[0] && !boundOps.some((o) => o === '=' || o === '>' || o === '>=')) {
      throw functionError('first argument to "generate_series()" missing or unusable');
    }
  },
  open: (call) => series(call),
};
