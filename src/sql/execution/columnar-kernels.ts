// The typed kernels of the columnar query path (columnar-aggregate-op.ts): dense local group
// numbering, and accumulation of counts, sums (SQLite's SumCtx semantics), minima, maxima and
// distinct values per group (WHERE clauses: columnar-filters.ts).
import type { ColumnChunk } from '../../cold/index.js';
import type { SqlValue } from '../types/value.js';
import * as ops from './value-ops.js';

const SAFE = 2 ** 53;

/** Per output: running state of one group. */
export interface AggState {
  n: number;
  sum: number;
  err: number;
  big: boolean;
  min: number;
  max: number;
  /** count(DISTINCT): the non-NULL values met (numbers by value, text by string). */
  distinct?: Set<number | string>;
}

export interface Group {
  key: SqlValue[];
  n: number;
  aggs: AggState[];
}

/** SQLite's GROUP BY output order: by the group key, column by column (NULL first). */
export function compareGroups(a: Group, b: Group): number {
  for (let i = 0; i < a.key.length; i++) {
    const c = ops.compare(a.key[i]!, b.key[i]!, 'BINARY');
    if (c !== 0) return c;
  }
  return 0;
}

/** Per chunk: the value of a row as a group-key part, and a small integer naming it within the chunk. */
function part(c: ColumnChunk): { local: (r: number) => number; size: number; value: (r: number) => SqlValue } {
  if (c.kind === 'dict') {
    const nullCode = c.dict.length;
    return { local: (r) => (c.nulls?.[r] ? nullCode : c.codes[r]!), size: c.dict.length + 1, value: (r) => (c.nulls?.[r] ? null : c.dict[c.codes[r]!]!) };
  }
  const ids = new Map<number, number>();
  const nullId = -1;
  return {
    local: (r) => {
      if (c.nulls?.[r]) return nullId;
      const v = c.values[r]!;
      let id = ids.get(v);
      if (id === undefined) ids.set(v, (id = ids.size));
      return id;
    },
    size: Infinity,
    value: (r) => (c.nulls?.[r] ? null : c.int ? BigInt(c.values[r]!) : c.values[r]!),
  };
}

/** The rows of one row group named by dense local group numbers (null ids: one group). */
export interface LocalGroups {
  readonly ids: Int32Array | null;
  readonly groups: readonly Group[];
}

/**
 * Names each row the mask keeps by a dense number local to the row group (NULLs group
 * together, as in SQLite), resolving each distinct key to its global group once per row group:
 * a single text column uses its dictionary codes directly, several combine their codes.
 */
export function localGroups(cols: readonly ColumnChunk[], n: number, mask: Uint8Array | null, groups: Map<string | number, Group>, make: (key: SqlValue[]) => Group): LocalGroups {
  const only = cols.length === 1 ? cols[0]! : null;
  if (only && only.kind === 'dict' && !only.nulls) {
    // The dictionary codes are the local numbers; only codes some kept row uses get a group.
    const used = new Uint8Array(only.dict.length);
    const codes = only.codes;
    for (let r = 0; r < n; r++) if (!mask || mask[r]) used[codes[r]!] = 1;
    const out = new Array<Group>(only.dict.length);
    for (let code = 0; code < used.length; code++) {
      if (!used[code]) continue;
      const v = only.dict[code]!;
      const hk = `s${v}`;
      let g = groups.get(hk);
      if (!g) groups.set(hk, (g = make([v])));
      out[code] = g;
    }
    return { ids: codes, groups: out };
  }
  const parts = cols.map(part);
  const ids = new Int32Array(n);
  const out: Group[] = [];
  const space = parts.reduce((a, p) => a * p.size, 1);
  const dense = space <= 1 << 20 ? new Int32Array(space).fill(-1) : null;
  const sparse = dense ? null : new Map<number | string, number>();
  for (let r = 0; r < n; r++) {
    if (mask && !mask[r]) continue;
    let lk: number | string;
    if (dense) {
      let x = 0;
      for (const p of parts) x = x * p.size + p.local(r);
      lk = x;
    } else lk = parts.map((p) => p.local(r)).join(',');
    let id = dense ? dense[lk as number]! : (sparse!.get(lk) ?? -1);
    if (id < 0) {
      const key = parts.map((p) => p.value(r));
      const hk = key.map((v) => (v === null ? '\u0000' : typeof v === 'string' ? `s${v}` : `n${String(v)}`)).join('\u0001');
      let g = groups.get(hk);
      if (!g) groups.set(hk, (g = make(key)));
      id = out.length;
      out.push(g);
      if (dense) dense[lk as number] = id;
      else sparse!.set(lk, id);
    }
    ids[r] = id;
  }
  return { ids, groups: out };
}

/**
 * Adds the kept rows [from, to) of one row group (`n` rows) to their groups' states: row
 * counts, then per output the non-NULL count, sum (integers exact while |sum| <= 2^53; doubles
 * by Kahan-Babuska-Neumaier in row order, continuing each group's running state, exactly as
 * SQLite's SumCtx), min and max.
 */
export function accumulate(local: LocalGroups, n: number, mask: Uint8Array | null, args: readonly (ColumnChunk | null)[], from = 0, to = n): void {
  if (from >= to) return;
  const L = local.groups.length;
  const ids = local.ids;
  const cnt = new Float64Array(L);
  if (!ids && !mask) cnt[0] = to - from;
  else if (!ids) cnt[0] = countSet(mask!, from, to);
  else for (let r = from; r < to; r++) if (!mask || mask[r]) cnt[ids[r]!]!++;
  for (let l = 0; l < L; l++) if (cnt[l]) local.groups[l]!.n += cnt[l]!;
  for (let k = 0; k < args.length; k++) {
    const c = args[k];
    if (!c) continue;
    const nulls = c.nulls;
    const an = new Float64Array(L);
    if (c.kind !== 'num') {
      for (let r = from; r < to; r++) if ((!mask || mask[r]) && !(nulls && nulls[r])) an[ids ? ids[r]! : 0]!++;
      for (let l = 0; l < L; l++) if (an[l]) local.groups[l]!.aggs[k]!.n += an[l]!;
      continue;
    }
    const vals = c.values;
    const sum = new Float64Array(L);
    const err = new Float64Array(L);
    const mn = new Float64Array(L).fill(Infinity);
    const mx = new Float64Array(L).fill(-Infinity);
    for (let l = 0; l < L; l++) {
      if (!cnt[l]) continue;
      const a = local.groups[l]!.aggs[k]!;
      sum[l] = a.sum;
      err[l] = a.err;
    }
    if (c.int) {
      if (!ids) {
        const got = sumInts(vals, mask, nulls, from, to);
        sum[0]! += got.sum;
        mn[0] = got.min;
        mx[0] = got.max;
        an[0] = got.n;
      } else {
        for (let r = from; r < to; r++) {
          if ((mask && !mask[r]) || (nulls && nulls[r])) continue;
          const l = ids ? ids[r]! : 0;
          const v = vals[r]!;
          an[l]!++;
          sum[l]! += v;
          if (v < mn[l]!) mn[l] = v;
          if (v > mx[l]!) mx[l] = v;
        }
      }
    } else {
      for (let r = from; r < to; r++) {
        if ((mask && !mask[r]) || (nulls && nulls[r])) continue;
        const l = ids ? ids[r]! : 0;
        const v = vals[r]!;
        an[l]!++;
        const sv = sum[l]!;
        const t = sv + v;
        if (Math.abs(sv) > Math.abs(v)) err[l]! += sv - t + v;
        else err[l]! += v - t + sv;
        sum[l] = t;
        if (v < mn[l]!) mn[l] = v;
        if (v > mx[l]!) mx[l] = v;
      }
    }
    for (let l = 0; l < L; l++) {
      if (!an[l]) continue;
      const a = local.groups[l]!.aggs[k]!;
      // Integer sums stay exact while no partial sum leaves ±2^53: bound them by the chunk's extremes.
      if (c.int && Math.abs(a.sum) + an[l]! * Math.max(Math.abs(mn[l]!), Math.abs(mx[l]!)) > SAFE) a.big = true;
      a.n += an[l]!;
      a.sum = sum[l]!;
      a.err = err[l]!;
      if (mn[l]! < a.min) a.min = mn[l]!;
      if (mx[l]! > a.max) a.max = mx[l]!;
    }
  }
}

/**
 * Adds every row of one `n`-row group to the single group `g` except the rows `except`
 * (ascending; the rows a hot delta supersedes), without a mask: counts and integer sums by
 * subtraction, minima and maxima unless every row holding one is excepted. Returns false,
 * having added nothing, when that cannot be exact — a double summed (`ops[k]` is output k's
 * aggregate), an extreme only excepted rows hold — and the caller masks instead.
 */
export function accumulateExcept(g: Group, n: number, args: readonly (ColumnChunk | null)[], ops: readonly string[], except: Int32Array): boolean {
  const out: { k: number; n: number; sum: number; min: number; max: number; int: boolean }[] = [];
  for (let k = 0; k < args.length; k++) {
    const c = args[k];
    if (!c) continue;
    const nulls = c.nulls;
    if (ops[k] === 'countDistinct') return false;
    if (c.kind !== 'num') {
      let kept = n - (nulls ? countSet(nulls, 0, n) : 0);
      for (const r of except) if (!(nulls && nulls[r])) kept--;
      out.push({ k, n: kept, sum: 0, min: Infinity, max: -Infinity, int: false });
      continue;
    }
    const op = ops[k];
    if (!c.int && (op === 'sum' || op === 'avg')) return false;
    if (op === 'countDistinct') return false;
    const vals = c.values;
    const all = sumInts(vals, null, nulls, 0, n);
    let kept = all.n;
    let sum = all.sum;
    let atMin = 0;
    let atMax = 0;
    for (const r of except) {
      if (nulls && nulls[r]) continue;
      const v = vals[r]!;
      if (v === all.min) atMin++;
      if (v === all.max) atMax++;
      kept--;
      sum -= v;
    }
    // An extreme stays when some row not excepted holds it.
    if ((op === 'min' && atMin > 0 && occurrences(vals, nulls, n, all.min) === atMin) || (op === 'max' && atMax > 0 && occurrences(vals, nulls, n, all.max) === atMax)) return false;
    out.push({ k, n: kept, sum, min: all.min, max: all.max, int: c.int });
  }
  g.n += n - except.length;
  for (const o of out) {
    const a = g.aggs[o.k]!;
    if (o.n === 0) continue;
    if (o.int && Math.abs(a.sum) + o.n * Math.max(Math.abs(o.min), Math.abs(o.max)) > SAFE) a.big = true;
    a.n += o.n;
    if (o.int) a.sum += o.sum;
    if (o.min < a.min) a.min = o.min;
    if (o.max > a.max) a.max = o.max;
  }
  return true;
}

/**
 * Adds the kept non-NULL values of chunk `c` in rows [from, to) to the distinct sets of output
 * `k` of their groups (count(DISTINCT)); `charge` is told the bytes of each new value.
 */
export function addDistinct(local: LocalGroups, mask: Uint8Array | null, c: ColumnChunk, k: number, from: number, to: number, charge: (bytes: number) => void): void {
  const ids = local.ids;
  const nulls = c.nulls;
  for (let r = from; r < to; r++) {
    if ((mask && !mask[r]) || (nulls && nulls[r])) continue;
    const a = local.groups[ids ? ids[r]! : 0]!.aggs[k]!;
    const set = (a.distinct ??= new Set());
    const v = c.kind === 'num' ? c.values[r]! : c.dict[c.codes[r]!]!;
    if (set.has(v)) continue;
    set.add(v);
    charge(typeof v === 'string' ? 48 + 2 * v.length : 48);
  }
}

/**
 * Whether rows added by `accumulate` can be taken out again exactly (`retract`): no minimum,
 * maximum or distinct count, and no sum of doubles (`ops[k]` is output k's aggregate, `args[k]` its chunk).
 */
export function retractable(args: readonly (ColumnChunk | null)[], ops: readonly string[]): boolean {
  return args.every((c, k) => !c || (ops[k] !== 'min' && ops[k] !== 'max' && ops[k] !== 'countDistinct' && !(c.kind === 'num' && !c.int && (ops[k] === 'sum' || ops[k] === 'avg'))));
}

/** Takes rows `rows` (added by `accumulate` without a mask) out of their groups' states again. REQUIRES: `retractable(args, ops)`. */
export function retract(local: LocalGroups, args: readonly (ColumnChunk | null)[], rows: Int32Array): void {
  const ids = local.ids;
  for (const r of rows) {
    const g = local.groups[ids ? ids[r]! : 0]!;
    g.n--;
    for (let k = 0; k < args.length; k++) {
      const c = args[k];
      if (!c || (c.nulls && c.nulls[r])) continue;
      const a = g.aggs[k]!;
      a.n--;
      if (c.kind === 'num' && c.int) a.sum -= c.values[r]!;
    }
  }
}

/** Non-NULL rows of [0, n) holding `v`. */
function occurrences(vals: Float64Array, nulls: Uint8Array | null, n: number, v: number): number {
  let c = 0;
  for (let r = 0; r < n; r++) if (vals[r] === v && !(nulls && nulls[r])) c++;
  return c;
}

/** Set bytes of `mask` in [from, to). */
function countSet(mask: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let r = from; r < to; r++) n += mask[r]!;
  return n;
}

/** Count, sum, min and max of the kept non-NULL values of an integer chunk in [from, to) (one group). */
function sumInts(vals: Float64Array, mask: Uint8Array | null, nulls: Uint8Array | null, from: number, to: number): { n: number; sum: number; min: number; max: number } {
  let n = 0;
  let s = 0;
  let lo = Infinity;
  let hi = -Infinity;
  if (!mask && !nulls) {
    for (let r = from; r < to; r++) {
      const v = vals[r]!;
      s += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return { n: to - from, sum: s, min: lo, max: hi };
  }
  for (let r = from; r < to; r++) {
    if ((mask !== null && mask[r] === 0) || (nulls !== null && nulls[r] === 1)) continue;
    const v = vals[r]!;
    n++;
    s += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { n, sum: s, min: lo, max: hi };
}

/** Whether some row of [0, n) of `c` is not NULL (an all-NULL chunk says nothing of its column's class). */
export function hasValues(c: ColumnChunk, n: number): boolean {
  const nulls = c.nulls;
  if (!nulls) return n > 0;
  for (let r = 0; r < n; r++) if (!nulls[r]) return true;
  return false;
}
