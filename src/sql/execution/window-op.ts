// Window functions (https://sqlite.org/windowfunctions.html): the operator between HAVING and
// the result columns. It buffers its input (the rows after WHERE, GROUP BY and HAVING), then
// for each distinct window ordering (PARTITION BY + ORDER BY) sorts once, walks the partitions
// and writes every window call of that ordering into its slot of each row.
//
// Orderings are processed in reverse order of their first appearance in the query and each
// sort is stable, so the rows come out sorted by the first window's ordering, ties in the
// order of the next one and so on: the order SQLite's rewrite into nested sorted subqueries
// gives (window.c, "SELECT REWRITING").
//
// Cost per row is kept to a few array writes: input rows are buffered as they come, each call's
// values go to a column indexed by input row, numeric keys sort as doubles (a numeric first
// PARTITION BY key buckets the rows first), frame loops await nothing unless the guard asks,
// and each output row is built once, at the end, in output order, through the projection
// fused into this operator when the planner could (fuseProjection).
//
// Memory: the buffered rows, the evaluated keys and arguments and every computed value are
// charged to the statement's budget (statement-guard.ts) and released as rows are handed on.
import type { Collation } from '../types/compare.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled } from './compiled.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import { evaluate, evaluateSubtyped } from './evaluate.js';
import type { Operator } from './operators.js';
import { rowBytes, valueBytes, type StatementGuard } from './statement-guard.js';
import { checkOffset, computeFrames, type FrameOffsets, type Frames, type PartitionShape } from './window-frame.js';
import { computeCall, usesFrame, type CallColumns, type PartitionData, type WindowCallSpec } from './window-functions.js';
import * as ops from './value-ops.js';

/** One window function call: what it computes, its compiled inputs and its output slot. */
export interface WindowCall {
  readonly spec: WindowCallSpec;
  readonly args: readonly Compiled[];
  readonly filter?: Compiled;
  /** Position of the result in the output row. */
  readonly slot: number;
}

export interface WindowOrderKey {
  readonly c: Compiled;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  readonly collation: Collation;
}

/** The calls sharing one window ordering, processed after one sort. */
export interface WindowSort {
  readonly partitionBy: readonly { readonly c: Compiled; readonly collation: Collation }[];
  readonly orderBy: readonly WindowOrderKey[];
  readonly calls: readonly WindowCall[];
}

/** Bytes charged per buffered slot (a reference in an array). */
const SLOT_BYTES = 8;

export class WindowOp implements Operator {
  constructor(
    readonly input: Operator,
    /** In processing order: the ordering that appears first in the query comes last. */
    readonly sorts: readonly WindowSort[],
    readonly inputWidth: number,
    readonly outWidth: number,
  ) {}

  /**
   * The result columns computed here instead of by a ProjectOp above (planner: only when none
   * has a subquery): each output row is built straight from the input row and the window
   * values, without the intermediate row of width outWidth.
   */
  private project: readonly Compiled[] | undefined;

  /** Fuses the projection `exprs` (synchronous Compiled over rows of width outWidth) into this operator. */
  fuseProjection(exprs: readonly Compiled[]): void {
    this.project = exprs;
  }

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const guard = env.guard;
    const held = { bytes: 0 };
    const charge = (n: number): void => {
      guard.charge(n, 'window functions');
      held.bytes += n;
    };
    try {
      // Input rows are kept as they come (the consumer owns them) and each call's values go to
      // a column by row index: the output rows are built once, in output order, at the end.
      const rows: Row[] = [];
      const w = this.inputWidth;
      const extra = SLOT_BYTES * (this.outWidth - w);
      for await (const b of this.input.run(env)) {
        for (const r of b) {
          charge(rowBytes(r) + extra);
          rows.push(r);
        }
      }
      const n = rows.length;
      const results: SqlValue[][] = [];
      for (let k = w; k < this.outWidth; k++) results.push(new Array<SqlValue>(n).fill(null));
      let order: number[] = Array.from({ length: n }, (_, i) => i);
      for (const sort of this.sorts) order = await this.process(sort, rows, results, order, env, charge);
      const width = this.outWidth;
      const nres = results.length;
      const project = this.project;
      // With a fused projection the full row is only a scratch buffer the expressions read.
      const scratch: Row = new Array(width);
      for (let i = 0; i < n; i += BATCH_ROWS) {
        const end = Math.min(n, i + BATCH_ROWS);
        const batch: Row[] = new Array(end - i);
        let bytes = 0;
        for (let j = i; j < end; j++) {
          const at = order[j]!;
          const r = rows[at]!;
          const o: Row = project ? scratch : new Array(width);
          for (let k = 0; k < w; k++) o[k] = r[k]!;
          for (let k = 0; k < nres; k++) o[w + k] = results[k]![at]!;
          bytes += rowBytes(o);
          if (project) {
            const p: Row = new Array(project.length);
            for (let k = 0; k < project.length; k++) p[k] = project[k]!.ev(o, env);
            batch[j - i] = p;
          } else {
            batch[j - i] = o;
          }
        }
        // The consumer owns these rows now.
        guard.release(Math.min(bytes, held.bytes));
        held.bytes -= Math.min(bytes, held.bytes);
        yield batch;
      }
    } finally {
      guard.release(held.bytes);
    }
  }

  /** Sorts `order` by the window's ordering and computes its calls; returns the new order. */
  private async process(sort: WindowSort, rows: Row[], results: SqlValue[][], order: number[], env: ExecEnv, charge: (n: number) => void): Promise<number[]> {
    let temp = 0;
    try {
      return await this.sortAndCompute(sort, rows, results, order, env, charge, (b) => {
        env.guard.charge(b, 'window functions');
        temp += b;
      });
    } finally {
      env.guard.release(temp);
    }
  }

  private async sortAndCompute(sort: WindowSort, rows: Row[], results: SqlValue[][], order: number[], env: ExecEnv, charge: (n: number) => void, chargeTemp: (n: number) => void): Promise<number[]> {
    const n = rows.length;
    const column = async (c: Compiled): Promise<SqlValue[]> => {
      const col = await evalColumn(c, rows, env);
      let b = SLOT_BYTES * n;
      for (let i = 0; i < n; i++) if (col[i] !== null) b += valueBytes(col[i]!);
      chargeTemp(b);
      return col;
    };
    const pkeys = [];
    for (const p of sort.partitionBy) pkeys.push(await column(p.c));
    const okeys = [];
    for (const o of sort.orderBy) okeys.push(await column(o.c));
    const inputs: CallColumns[] = [];
    for (const call of sort.calls) {
      const args = [];
      for (const a of call.args) args.push(await column(a));
      // Aggregates that read subtypes (json_group_array nests JSON arguments) get them too.
      let subtyped: MaybeSubtyped[][] | undefined;
      if (call.spec.kind === 'aggregate' && ops.aggregateFunction(call.spec.name)?.readsSubtypes && call.args.some((a) => a.evSubtype)) {
        subtyped = [];
        for (const a of call.args) subtyped.push(await evalSubtypedColumn(a, rows, env));
      }
      let pass: Uint8Array | undefined;
      if (call.filter) {
        const f = await column(call.filter);
        pass = new Uint8Array(n);
        for (let i = 0; i < n; i++) pass[i] = ops.toBool(f[i]!) === true ? 1 : 0;
      }
      inputs.push({ args, ...(pass ? { pass } : {}), ...(subtyped ? { subtyped } : {}) });
    }
    const pk = keyColumns(pkeys, sort.partitionBy.map((p) => p.collation));
    const ok = keyColumns(okeys, sort.orderBy.map((o) => o.collation));
    if (pkeys.length + okeys.length > 0) order = sortOrder(order, pk, ok, sort.orderBy);
    const sorted = Int32Array.from(order);
    const cx = { guard: env.guard, maxLength: env.maxLength };
    let p0 = 0;
    while (p0 < n) {
      let p1 = p0 + 1;
      while (p1 < n && sameKeys(pk, sorted[p0]!, sorted[p1]!)) p1++;
      const part = partition(sorted.subarray(p0, p1), ok);
      await this.partitionCalls(sort, part, inputs, okeys, rows, results, env, cx.guard, charge);
      p0 = p1;
    }
    return order;
  }

  /** Computes every call of `sort` over one partition and stores the results in the rows. */
  private async partitionCalls(
    sort: WindowSort,
    part: PartitionData,
    inputs: readonly CallColumns[],
    okeys: readonly SqlValue[][],
    rows: Row[],
    results: SqlValue[][],
    env: ExecEnv,
    guard: StatementGuard,
    charge: (n: number) => void,
  ): Promise<void> {
    const frameCache = new Map<string, Frames>();
    const first = rows[part.rows[0]!]!;
    const out: SqlValue[] = new Array(part.n);
    for (let c = 0; c < sort.calls.length; c++) {
      const call = sort.calls[c]!;
      let frames: Frames | undefined;
      if (usesFrame(call.spec.kind)) {
        const f = call.spec.frame;
        // Offsets are evaluated once per partition and checked as SQLite does, start first.
        const offsets: { start?: SqlValue | number; end?: SqlValue | number } = {};
        if (f.start.kind === 'preceding' || f.start.kind === 'following') offsets.start = checkOffset(f.start.offset ? await evaluate(f.start.offset, first, env) : null, f.units, 0);
        if (f.end.kind === 'preceding' || f.end.kind === 'following') offsets.end = checkOffset(f.end.offset ? await evaluate(f.end.offset, first, env) : null, f.units, 1);
        const key = `${f.units} ${f.start.kind} ${f.end.kind} ${offsetKey(offsets.start)} ${offsetKey(offsets.end)}`;
        frames = frameCache.get(key);
        if (!frames) {
          const o = sort.orderBy[0];
          const keyCol = okeys[0];
          frames = computeFrames(
            part,
            f,
            offsets as FrameOffsets,
            keyCol ? (pos) => keyCol[part.rows[pos]!]! : undefined,
            o ? { desc: o.desc, bigNull: o.desc ? o.nullsFirst : !o.nullsFirst, collation: o.collation } : undefined,
          );
          frameCache.set(key, frames);
        }
      }
      await computeCall(call.spec, part, inputs[c]!, frames, out, { guard, maxLength: env.maxLength });
      const res = results[call.slot - this.inputWidth]!;
      const prow = part.rows;
      let bytes = 0;
      for (let i = 0; i < part.n; i++) {
        const v = out[i]!;
        if (v !== null) bytes += valueBytes(v);
        res[prow[i]!] = v;
      }
      charge(bytes);
    }
  }

  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
    out.push(`${'  '.repeat(depth)}USE TEMP B-TREE FOR WINDOW${this.sorts.length > 1 ? `S (${this.sorts.length} ORDERINGS)` : ''}`);
  }
}

function offsetKey(v: SqlValue | number | undefined): string {
  if (v === undefined) return '-';
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `x${Array.from(v).join(',')}`;
  return `${typeof v}:${String(v)}`;
}

/** `c` on every row, without promises when it has no subqueries. */
async function evalColumn(c: Compiled, rows: readonly Row[], env: ExecEnv): Promise<SqlValue[]> {
  const n = rows.length;
  const col: SqlValue[] = new Array(n);
  if (c.subqueries.length === 0) {
    const ev = c.ev;
    for (let i = 0; i < n; i++) {
      col[i] = ev(rows[i]!, env);
      const t = env.guard.tick(1);
      if (t) await t;
    }
    return col;
  }
  for (let i = 0; i < n; i++) {
    col[i] = await evaluate(c, rows[i]!, env);
    const t = env.guard.tick(1);
    if (t) await t;
  }
  return col;
}

/** `c` on every row with subtypes (Compiled.evSubtype); no extra charge: the plain column holds the same values. */
async function evalSubtypedColumn(c: Compiled, rows: readonly Row[], env: ExecEnv): Promise<MaybeSubtyped[]> {
  const col: MaybeSubtyped[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) col[i] = await evaluateSubtyped(c, rows[i]!, env);
  return col;
}

/**
 * A key column as doubles, NaN standing for NULL (SQLite has no NaN values: they become NULL),
 * when every value is NULL, a REAL or an INTEGER a double holds exactly; undefined otherwise.
 * Comparing these doubles orders the values as compareValues does, without its type dispatch.
 */
function numericKeys(col: readonly SqlValue[]): Float64Array | undefined {
  const n = col.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = col[i]!;
    if (typeof v === 'bigint') {
      if (v > 9007199254740992n || v < -9007199254740992n) return undefined;
      out[i] = Number(v);
    } else if (typeof v === 'number') {
      out[i] = v;
    } else if (v === null) {
      out[i] = NaN;
    } else {
      return undefined;
    }
  }
  return out;
}

/** The key columns of one window ordering: values by row index, and doubles where numericKeys allows. */
export interface KeyColumns {
  readonly values: readonly SqlValue[][];
  readonly nums: readonly (Float64Array | undefined)[];
  readonly colls: readonly Collation[];
}

function keyColumns(values: SqlValue[][], colls: readonly Collation[]): KeyColumns {
  return { values, nums: values.map(numericKeys), colls };
}

/** Equal under the collation, NULL equal to NULL: peers and partitions (OP_Compare with a KeyInfo). */
function sameKeys(keys: KeyColumns, a: number, b: number): boolean {
  const { values, nums, colls } = keys;
  for (let k = 0; k < values.length; k++) {
    const num = nums[k];
    if (num !== undefined) {
      const x = num[a]!;
      const y = num[b]!;
      // NaN is NULL: equal to NULL only.
      if (x !== y && (x === x || y === y)) return false;
      continue;
    }
    const col = values[k]!;
    const x = col[a]!;
    const y = col[b]!;
    if (x === null || y === null) {
      if (x !== y) return false;
      continue;
    }
    if (ops.compare(x, y, colls[k]) !== 0) return false;
  }
  return true;
}

/** The peer groups of a partition whose rows (in order) are `rows`. */
function partition(rows: Int32Array, okeys: KeyColumns): PartitionData {
  const n = rows.length;
  const group = new Int32Array(n);
  const starts: number[] = [0];
  const ordered = okeys.values.length > 0;
  for (let i = 1; i < n; i++) {
    if (!ordered || sameKeys(okeys, rows[i - 1]!, rows[i]!)) {
      group[i] = group[i - 1]!;
    } else {
      group[i] = group[i - 1]! + 1;
      starts.push(i);
    }
  }
  starts.push(n);
  const shape: PartitionShape = { n, group, groupStart: Int32Array.from(starts), groups: starts.length - 1 };
  return { ...shape, rows };
}

/**
 * A stable sort of `order` by the partition keys (ascending, NULLs first, as SQLite sorts
 * PARTITION BY terms) and then the ORDER BY keys.
 */
function sortOrder(order: number[], pkeys: KeyColumns, okeys: KeyColumns, ospec: readonly WindowOrderKey[]): number[] {
  const cols = [...pkeys.values, ...okeys.values];
  const nums = [...pkeys.nums, ...okeys.nums];
  const specs = [...pkeys.colls.map((collation) => ({ desc: false, nullsFirst: true, collation })), ...ospec];
  const k = cols.length;
  // A numeric first PARTITION BY key with few distinct values: bucket by it (stable), then
  // sort each bucket by the remaining keys: log(partition size) comparisons per row, not log(n).
  const first = pkeys.nums[0];
  if (first !== undefined) {
    const buckets = bucketByKey(order, first);
    if (buckets) {
      const out: number[] = [];
      for (const b of buckets) {
        if (k > 1 && b.length > 1) b.sort((a, c) => compareFrom(1, a, c));
        for (let i = 0; i < b.length; i++) out.push(b[i]!);
      }
      return out;
    }
  }
  return order.sort((a, b) => compareFrom(0, a, b));

  function compareFrom(from: number, a: number, b: number): number {
    for (let i = from; i < k; i++) {
      const num = nums[i];
      if (num !== undefined) {
        const x = num[a]!;
        const y = num[b]!;
        if (x < y) return specs[i]!.desc ? 1 : -1;
        if (x > y) return specs[i]!.desc ? -1 : 1;
        if (x === y) continue;
        // At least one NaN (NULL).
        const xn = x !== x;
        if (xn && y !== y) continue;
        return xn === specs[i]!.nullsFirst ? -1 : 1;
      }
      const col = cols[i]!;
      const x = col[a]!;
      const y = col[b]!;
      if (x === null || y === null) {
        if (x === y) continue;
        const s = specs[i]!;
        return x === null ? (s.nullsFirst ? -1 : 1) : s.nullsFirst ? 1 : -1;
      }
      const c = ops.compare(x, y, specs[i]!.collation);
      if (c !== 0) return specs[i]!.desc ? -c : c;
    }
    return 0;
  }
}

/**
 * `order` split by the key in `num` (NaN, i.e. NULL, first, then ascending), each bucket in
 * `order`'s order; undefined when the key has more than 1/8 as many distinct values as rows.
 */
function bucketByKey(order: readonly number[], num: Float64Array): number[][] | undefined {
  const n = order.length;
  const limit = Math.max(16, n >>> 3);
  const map = new Map<number, number[]>();
  const nulls: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = order[i]!;
    const v = num[at]!;
    if (v !== v) {
      nulls.push(at);
      continue;
    }
    // -0 and 0 are one key (they compare equal).
    const key = v === 0 ? 0 : v;
    let b = map.get(key);
    if (b === undefined) {
      if (map.size >= limit) return undefined;
      b = [];
      map.set(key, b);
    }
    b.push(at);
  }
  const keys = [...map.keys()].sort((a, b) => a - b);
  const out: number[][] = nulls.length > 0 ? [nulls] : [];
  for (const key of keys) out.push(map.get(key)!);
  return out;
}
