// Window function values over one sorted partition (https://sqlite.org/windowfunctions.html),
// computed as SQLite's window.c computes them:
// - row_number, rank, dense_rank, percent_rank, cume_dist and ntile ignore the frame and come
//   from positions and peer groups (SQLite coerces their frames, sqlite3WindowUpdate);
// - lag and lead read the row `offset` rows away by rowid arithmetic (windowReturnOneRow), so a
//   non-integral or NULL offset gives the default;
// - first_value, last_value and nth_value read the frame's ends;
// - aggregates slide: rows entering the frame are stepped and rows leaving it inverted (SQLite's
//   xInverse), so each row costs O(1) for count/sum/total/avg/group_concat; min and max keep a
//   monotonic deque (SQLite keeps an ordered index and returns the last-inserted of equal
//   extremes, as the deque does); an aggregate without an inverse is recomputed per frame.
// With any EXCLUDE clause SQLite recomputes every frame from scratch (windowFullScan), and so
// does this code, stepping fresh accumulators over the frame's rows minus the excluded ones.
import { DoSQLError } from '../../errors.js';
import type { Collation } from '../types/compare.js';
import { integerIfExact, numericAffinityOfText, toInt64 } from '../types/convert.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import type { StatementGuard } from './statement-guard.js';
import { mustBeInt, type FrameSpec, type Frames, type PartitionShape } from './window-frame.js';
import * as ops from './value-ops.js';

export type WindowKind =
  | 'row_number'
  | 'rank'
  | 'dense_rank'
  | 'percent_rank'
  | 'cume_dist'
  | 'ntile'
  | 'lag'
  | 'lead'
  | 'first_value'
  | 'last_value'
  | 'nth_value'
  | 'aggregate';

/** What a window call computes (planner/plan-window.ts builds it). */
export interface WindowCallSpec {
  readonly kind: WindowKind;
  /** Lower-case function name (the aggregate's, for 'aggregate'). */
  readonly name: string;
  readonly frame: FrameSpec;
  /** Collation of the first argument: min() and max() compare with it. */
  readonly collation: Collation;
}

/** A sorted partition with the buffer row behind each position. */
export interface PartitionData extends PartitionShape {
  /** Row index (into the operator's column buffers) of each position. */
  readonly rows: Int32Array;
}

/** A call's evaluated inputs, by row index. */
export interface CallColumns {
  readonly args: readonly (readonly SqlValue[])[];
  /** The same arguments with their subtypes, for aggregates that read them (AggregateFunction.readsSubtypes). */
  readonly subtyped?: readonly (readonly MaybeSubtyped[])[];
  /** FILTER (WHERE ...) outcome by row index (1: the row counts); undefined without FILTER. */
  readonly pass?: Uint8Array;
}

export interface CallContext {
  readonly guard: StatementGuard;
  readonly maxLength: number;
}

/** Whether the call reads frames (the rest ignore them). */
export function usesFrame(kind: WindowKind): boolean {
  return kind === 'aggregate' || kind === 'first_value' || kind === 'last_value' || kind === 'nth_value';
}

/**
 * Counts `n` units of work on the guard, yielding when a checkpoint is due. Not async: per-row
 * callers write `const t = tick(cx, k); if (t) await t;` so that a row costs no promise.
 */
function tick(cx: CallContext, n: number): Promise<void> | undefined {
  return cx.guard.tick(n);
}

/**
 * Computes `spec` for every position of partition `p` into `out` (by position). `frames` is
 * given when usesFrame(spec.kind). SQL_ERROR for SQLite's run-time errors (ntile's and
 * nth_value's arguments, sum's integer overflow).
 */
export async function computeCall(spec: WindowCallSpec, p: PartitionData, cols: CallColumns, frames: Frames | undefined, out: SqlValue[], cx: CallContext): Promise<void> {
  const { n, group, groupStart } = p;
  switch (spec.kind) {
    case 'row_number':
      for (let i = 0; i < n; i++) out[i] = BigInt(i + 1);
      return tick(cx, n);
    case 'rank':
      for (let i = 0; i < n; i++) out[i] = BigInt(groupStart[group[i]!]! + 1);
      return tick(cx, n);
    case 'dense_rank':
      for (let i = 0; i < n; i++) out[i] = BigInt(group[i]! + 1);
      return tick(cx, n);
    case 'percent_rank':
      for (let i = 0; i < n; i++) out[i] = n > 1 ? groupStart[group[i]!]! / (n - 1) : 0;
      return tick(cx, n);
    case 'cume_dist':
      for (let i = 0; i < n; i++) out[i] = groupStart[group[i]! + 1]! / n;
      return tick(cx, n);
    case 'ntile':
      ntile(p, cols, out);
      return tick(cx, n);
    case 'lag':
    case 'lead':
      lagLead(spec.kind === 'lead', p, cols, out);
      return tick(cx, n);
    case 'first_value':
    case 'last_value':
    case 'nth_value':
      if (spec.frame.exclude !== undefined) return valueFullScan(spec, p, cols, frames!, out, cx);
      valueAt(spec.kind, p, cols, frames!, out);
      return tick(cx, n);
    case 'aggregate':
      if (spec.frame.exclude !== undefined) return aggregateFullScan(spec, p, cols, frames!, out, cx);
      return aggregateSliding(spec, p, cols, frames!, out, cx);
  }
}

/**
 * ntile(N): N is read from the partition's first row as sqlite3_value_int64 and must be
 * positive; the first n % N buckets get one row more (ntileValueFunc).
 */
function ntile(p: PartitionData, cols: CallColumns, out: SqlValue[]): void {
  const { n } = p;
  const N = toInt64(cols.args[0]![p.rows[0]!]!);
  if (N <= 0n) throw new DoSQLError('SQL_ERROR', 'sql: argument of ntile must be a positive integer');
  const size = N > BigInt(n) ? 0 : Math.floor(n / Number(N));
  if (size === 0) {
    for (let i = 0; i < n; i++) out[i] = BigInt(i + 1);
    return;
  }
  const large = n - Number(N) * size;
  const small = large * (size + 1);
  for (let i = 0; i < n; i++) out[i] = BigInt(i < small ? 1 + Math.floor(i / (size + 1)) : 1 + large + Math.floor((i - small) / size));
}

/**
 * lag(x [, offset [, default]]) / lead(...): the row whose 1-based rowid in the partition is
 * this row's minus (lag) or plus (lead) the offset, with SQLite's arithmetic on the offset value
 * ('2' counts as 2, 'abc' as 0); a result that is not an integer rowid in the partition gives
 * the default (evaluated on the current row), or NULL.
 */
function lagLead(lead: boolean, p: PartitionData, cols: CallColumns, out: SqlValue[]): void {
  const { n, rows } = p;
  const [x, off, def] = cols.args as [readonly SqlValue[], (readonly SqlValue[])?, (readonly SqlValue[])?];
  const step = ops.arith(lead ? '+' : '-');
  for (let i = 0; i < n; i++) {
    let target: number;
    if (off === undefined) {
      target = lead ? i + 1 : i - 1;
    } else {
      const o = off[rows[i]!]!;
      let t: SqlValue = typeof o === 'bigint' && o < 2n ** 52n && o > -(2n ** 52n) ? BigInt(i + 1) + (lead ? o : -o) : step(BigInt(i + 1), o);
      if (typeof t === 'number') t = integerIfExact(t);
      target = typeof t === 'bigint' && t >= 1n && t <= BigInt(n) ? Number(t) - 1 : -1;
    }
    out[i] = target >= 0 && target < n ? x[rows[target]!]! : def ? def[rows[i]!]! : null;
  }
}

/** first_value / last_value / nth_value over frames without EXCLUDE: read a frame end directly. */
function valueAt(kind: 'first_value' | 'last_value' | 'nth_value', p: PartitionData, cols: CallColumns, frames: Frames, out: SqlValue[]): void {
  const { n, rows } = p;
  const x = cols.args[0]!;
  const { start, end } = frames;
  for (let i = 0; i < n; i++) {
    const s = start[i]!;
    const e = end[i]!;
    if (kind === 'first_value') out[i] = s < e ? x[rows[s]!]! : null;
    else if (kind === 'last_value') out[i] = s < e ? x[rows[e - 1]!]! : null;
    else {
      // The N of the current row, checked even when the frame is empty (windowCheckValue).
      const N = mustBeInt(cols.args[1]![rows[i]!]!);
      if (N === undefined || N <= 0n) throw nthValueError();
      out[i] = N <= BigInt(e - s) ? x[rows[s + Number(N) - 1]!]! : null;
    }
  }
}

function nthValueError(): DoSQLError {
  return new DoSQLError('SQL_ERROR', 'sql: second argument to nth_value must be a positive integer');
}

/** Whether position r is left out of position i's frame by the EXCLUDE clause. */
function excluded(spec: FrameSpec, p: PartitionShape, r: number, i: number): boolean {
  switch (spec.exclude) {
    case 'CURRENT ROW':
      return r === i;
    case 'GROUP':
      return p.group[r] === p.group[i];
    case 'TIES':
      return r !== i && p.group[r] === p.group[i];
    default:
      return false;
  }
}

/**
 * first_value / last_value / nth_value with EXCLUDE: SQLite steps the frame's remaining rows
 * through the functions' aggregate form; nth_value then checks N (read from the current row,
 * as sqlite3_value_numeric_type) only when a row is stepped.
 */
async function valueFullScan(spec: WindowCallSpec, p: PartitionData, cols: CallColumns, frames: Frames, out: SqlValue[], cx: CallContext): Promise<void> {
  const { n, rows } = p;
  const x = cols.args[0]!;
  for (let i = 0; i < n; i++) {
    const s = frames.start[i]!;
    const e = frames.end[i]!;
    let v: SqlValue = null;
    let seen = 0;
    let N = 0;
    if (spec.kind === 'nth_value') N = nthValueStepN(cols.args[1]![rows[i]!]!);
    for (let r = s; r < e; r++) {
      if (excluded(spec.frame, p, r, i)) continue;
      seen++;
      if (spec.kind === 'nth_value') {
        if (N <= 0) throw nthValueError();
        if (seen === N) v = x[rows[r]!]!;
      } else if (spec.kind === 'last_value' || seen === 1) {
        v = x[rows[r]!]!;
      }
    }
    out[i] = v;
    const t = tick(cx, 1 + e - s);
    if (t) await t;
  }
}

/** nth_valueStepFunc's N: an INTEGER, or an integral REAL, after numeric conversion of TEXT; else 0 (an error once stepped). */
function nthValueStepN(v: SqlValue): number {
  const x = typeof v === 'string' ? numericAffinityOfText(v, false) : v;
  if (typeof x === 'bigint') return x > 2n ** 53n ? Number.MAX_SAFE_INTEGER : Number(x);
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  return 0;
}

/** An aggregate's argument vector at a row, in one reused array (accumulators do not keep it). */
function argReader(cols: CallColumns): (row: number) => SqlValue[] {
  const argv = cols.args;
  const scratch: SqlValue[] = new Array(argv.length);
  if (argv.length === 0) return () => scratch;
  if (argv.length === 1) {
    const a = argv[0]!;
    return (row) => {
      scratch[0] = a[row]!;
      return scratch;
    };
  }
  return (row) => {
    for (let k = 0; k < argv.length; k++) scratch[k] = argv[k]![row]!;
    return scratch;
  };
}

/** Steps an accumulator with the arguments at a row: with their subtypes when the call has them (json_group_array). */
function stepper(cols: CallColumns): (acc: ops.Accumulator, row: number) => void {
  const argsAt = argReader(cols);
  const sub = cols.subtyped;
  if (!sub) return (acc, row) => acc.step(argsAt(row));
  const scratch: MaybeSubtyped[] = new Array(sub.length);
  return (acc, row) => {
    if (!acc.stepSubtyped) return acc.step(argsAt(row));
    for (let k = 0; k < sub.length; k++) scratch[k] = sub[k]![row]!;
    acc.stepSubtyped(scratch);
  };
}

function newAccumulator(spec: WindowCallSpec, cx: CallContext): ops.Accumulator {
  return ops.aggregateFunction(spec.name)!.create(spec.collation, cx.maxLength);
}

/**
 * SQLite's order of xStep and xInverse calls: rows leaving the frame are inverted before rows
 * entering it are stepped, except for RANGE frames starting at `n FOLLOWING` and RANGE frames
 * between two PRECEDING bounds, which step first. The order matters for overflow in sum() and
 * for group_concat() with varying separators.
 */
function stepsFirst(f: FrameSpec): boolean {
  return f.units === 'RANGE' && (f.start.kind === 'following' || (f.start.kind === 'preceding' && f.end.kind === 'preceding'));
}

/** Aggregates over frames without EXCLUDE: one accumulator per partition, stepped and inverted as the frame slides. */
async function aggregateSliding(spec: WindowCallSpec, p: PartitionData, cols: CallColumns, frames: Frames, out: SqlValue[], cx: CallContext): Promise<void> {
  const { n, rows } = p;
  const { start, end } = frames;
  const pass = cols.pass;
  const growing = spec.frame.start.kind === 'unboundedPreceding';
  if (!growing && (spec.name === 'min' || spec.name === 'max') && cols.args.length === 1) return minMaxSliding(spec.name === 'max', spec.collation, p, cols, frames, out, cx);
  const fn = ops.aggregateFunction(spec.name)!;
  if (!growing && !fn.invertible) return recompute(spec, p, cols, frames, out, cx);
  const acc = newAccumulator(spec, cx);
  const argsAt = argReader(cols);
  const stepRow = stepper(cols);
  const stepFirst = stepsFirst(spec.frame);
  let s = 0;
  let e = 0;
  const step = (pos: number): void => {
    const row = rows[pos]!;
    if (pass === undefined || pass[row] === 1) stepRow(acc, row);
  };
  const inverse = (pos: number): void => {
    const row = rows[pos]!;
    if (pass === undefined || pass[row] === 1) acc.inverse!(argsAt(row));
  };
  for (let i = 0; i < n; i++) {
    const ns = start[i]!;
    const ne = end[i]!;
    const work = ne - e + (ns - s);
    if (stepFirst || ns > e) {
      while (e < ne) step(e++);
      while (s < ns) inverse(s++);
    } else {
      while (s < ns) inverse(s++);
      while (e < ne) step(e++);
    }
    out[i] = acc.value ? acc.value() : acc.result();
    const t = tick(cx, 1 + work);
    if (t) await t;
  }
}

/**
 * min()/max() over a sliding frame: a deque of positions whose values decrease (max) or
 * increase (min) from the front, so the front is the frame's extreme. A new value evicts the
 * equal ones before it: SQLite's index keeps equal values in insertion order and reads the
 * last, so among equal extremes the latest row wins.
 */
async function minMaxSliding(isMax: boolean, collation: Collation, p: PartitionData, cols: CallColumns, frames: Frames, out: SqlValue[], cx: CallContext): Promise<void> {
  const { n, rows } = p;
  const x = cols.args[0]!;
  const pass = cols.pass;
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let s = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const ns = frames.start[i]!;
    const ne = frames.end[i]!;
    const work = ne - e;
    while (e < ne) {
      const row = rows[e]!;
      const v = x[row]!;
      if (v !== null && (pass === undefined || pass[row] === 1)) {
        while (tail > head) {
          const c = ops.compare(v, x[rows[dq[tail - 1]!]!]!, collation);
          if (isMax ? c < 0 : c > 0) break;
          tail--;
        }
        dq[tail++] = e;
      }
      e++;
    }
    while (s < ns) {
      if (tail > head && dq[head] === s) head++;
      s++;
    }
    out[i] = tail > head ? x[rows[dq[head]!]!]! : null;
    const t = tick(cx, 1 + work);
    if (t) await t;
  }
}

/** An aggregate without an inverse over a moving frame: a fresh accumulator per row. */
async function recompute(spec: WindowCallSpec, p: PartitionData, cols: CallColumns, frames: Frames, out: SqlValue[], cx: CallContext): Promise<void> {
  const { n, rows } = p;
  const stepRow = stepper(cols);
  const pass = cols.pass;
  for (let i = 0; i < n; i++) {
    const acc = newAccumulator(spec, cx);
    const s = frames.start[i]!;
    const e = frames.end[i]!;
    for (let r = s; r < e; r++) {
      const row = rows[r]!;
      if (pass === undefined || pass[row] === 1) stepRow(acc, row);
    }
    out[i] = acc.value ? acc.value() : acc.result();
    const t = tick(cx, 1 + e - s);
    if (t) await t;
  }
}

/** Aggregates with EXCLUDE: a fresh accumulator per row over the frame minus the excluded rows (windowFullScan). */
async function aggregateFullScan(spec: WindowCallSpec, p: PartitionData, cols: CallColumns, frames: Frames, out: SqlValue[], cx: CallContext): Promise<void> {
  const { n, rows } = p;
  const stepRow = stepper(cols);
  const pass = cols.pass;
  for (let i = 0; i < n; i++) {
    const acc = newAccumulator(spec, cx);
    const s = frames.start[i]!;
    const e = frames.end[i]!;
    for (let r = s; r < e; r++) {
      if (excluded(spec.frame, p, r, i)) continue;
      const row = rows[r]!;
      if (pass === undefined || pass[row] === 1) stepRow(acc, row);
    }
    out[i] = acc.result();
    const t = tick(cx, 1 + e - s);
    if (t) await t;
  }
}
