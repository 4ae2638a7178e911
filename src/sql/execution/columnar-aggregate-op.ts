// The columnar path for simple analytics on a table that lives in the cold tier:
// `SELECT [g,] agg(...) FROM t [WHERE col op literal AND ...] [GROUP BY g]` over the table's
// columnar run files, when those files alone hold the table (nothing newer in memtables or hot
// levels: LsmEngine.coldRunsCovering). The rows a read point sees are picked from the files'
// LSN, kind and key columns (run-visibility.ts; all rows when the files hold one version per
// key, none newer), then the query reads only the needed columns, skips row groups by their
// statistics (counting whole groups a predicate fully covers without decoding them), and
// filters and aggregates typed arrays (column-cache.ts). Anything else — pending writes, keys
// the typed visibility scan cannot compare, values of a type the typed path does not handle,
// columns added after a file was written — runs the same statement on the row path (`fallback`),
// and sums/averages follow SQLite's SumCtx exactly (see functions/aggregate.ts), so answers
// never depend on which path ran.
import type { ColumnarSchema } from '../../columnar/index.js';
import type { RowGroupStats } from '../../columnar/index.js';
import type { FileMeta } from '../../manifest/manifest-format.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { FIELD_ID_SLOTS } from '../rows/cold-layout.js';
import type { SqlValue } from '../types/value.js';
import type { ColumnChunk } from '../../columnar/index.js';
import { ColumnCache } from './column-cache.js';
import type { ExecEnv, Row } from './env.js';
import * as ops from './ops.js';
import { visibility } from './run-visibility.js';
import type { Operator } from './operators.js';

/** A table's columnar runs, readable while `release` has not been called. */
export interface ColdSource {
  readonly files: readonly FileMeta[];
  readonly store: ObjectStore;
  release(): void;
}

export interface ColumnarPredicate {
  readonly column: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly value: SqlValue;
}

export type ColumnarAgg =
  | { readonly kind: 'group'; readonly index: number }
  | { readonly kind: 'count*' }
  | { readonly kind: 'count' | 'sum' | 'avg' | 'min' | 'max'; readonly column: string };

export interface ColumnarQuery {
  readonly table: string;
  readonly tableId: number;
  readonly catalogVersion: number;
  /** Parquet field id of each column the query names (stable column id + 1). */
  readonly fieldIds: ReadonlyMap<string, number>;
  readonly where: readonly ColumnarPredicate[];
  /** GROUP BY columns (up to four). */
  readonly groupBy?: readonly string[];
  /** Output columns in order. */
  readonly outputs: readonly ColumnarAgg[];
}

const TEST: Record<ColumnarPredicate['op'], (c: number) => boolean> = {
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};
const SAFE = 2 ** 53;

/** Statements answered from columnar runs so far (observability and tests). */
export const columnarStats = { runs: 0, fallbacks: 0, groupsSkipped: 0, groupsCounted: 0, groupsScanned: 0 };

const caches = new WeakMap<ObjectStore, ColumnCache>();
/** The decoded-column cache of a cold store. */
export function columnCache(store: ObjectStore): ColumnCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new ColumnCache(store)));
  return c;
}

/** Per output: running state of one group. */
interface AggState {
  n: number;
  sum: number;
  err: number;
  big: boolean;
  min: number;
  max: number;
}

interface Group {
  key: SqlValue[];
  n: number;
  aggs: AggState[];
}

export class ColumnarAggregateOp implements Operator {
  constructor(
    readonly q: ColumnarQuery,
    readonly fallback: Operator,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const src = env.txn.writes.size === 0 ? env.cold?.(this.q.tableId) : undefined;
    let rows: Row[] | undefined;
    if (src) {
      try {
        rows = await this.compute(src, env.txn.readLsn);
      } finally {
        src.release();
      }
    }
    if (rows) {
      columnarStats.runs++;
      yield rows;
      return;
    }
    columnarStats.fallbacks++;
    yield* this.fallback.run(env);
  }

  /** Result rows, or undefined when the files are not a case this path answers exactly. */
  private async compute(src: ColdSource, readLsn: number): Promise<Row[] | undefined> {
    const q = this.q;
    const fid = (name: string): number => q.fieldIds.get(name)!;
    const needed = new Set<number>();
    for (const p of q.where) needed.add(fid(p.column));
    for (const g of q.groupBy ?? []) needed.add(fid(g));
    for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') needed.add(fid(o.column));
    for (const f of src.files) {
      const c = f.cold;
      if (!c) return undefined;
      if (c.shadowFieldIds.some((id) => needed.has(id))) return undefined;
    }
    const cache = columnCache(src.store);
    const groups = new Map<string | number, Group>();
    const newGroup = (key: SqlValue[]): Group => ({ key, n: 0, aggs: q.outputs.map(() => ({ n: 0, sum: 0, err: 0, big: false, min: Infinity, max: -Infinity })) });
    const numeric = new Map<number, boolean>();
    for (const f of src.files) {
      const file = await cache.file(f.key);
      const names = columnNames(file.stats.columns.map((c) => c.column));
      if ([...needed].some((id) => !names.has(id))) return undefined; // a column added after the file was written
      const slotsIdx = file.stats.columns.findIndex((c) => c.column.fieldId === FIELD_ID_SLOTS);
      const maxSlot = Math.max(0, ...[...needed].filter((id) => id < FIELD_ID_SLOTS));
      const vis = await visibility(cache, f, file, readLsn);
      if (vis === undefined) return undefined;
      const col = (name: string): string => names.get(fid(name))!;
      const colIdx = (name: string): number => file.stats.columns.findIndex((c) => c.column.name === col(name));
      for (const rg of file.stats.rowGroups) {
        // Rows written before an ADD COLUMN lack the slot: they read as the default, not as stored.
        const slots = slotsIdx >= 0 ? rg.columns[slotsIdx]!.min : undefined;
        if (maxSlot > 0 && (typeof slots !== 'bigint' || Number(slots) < maxSlot)) return undefined;
        const verdicts = q.where.map((p) => judge(rg, colIdx(p.column), p));
        if (verdicts.includes('none')) {
          columnarStats.groupsSkipped++;
          continue;
        }
        const countOnly = !q.groupBy && q.outputs.every((o) => o.kind === 'count*');
        if (countOnly && vis === null && verdicts.every((v) => v === 'all')) {
          columnarStats.groupsCounted++;
          const g = groups.get(0) ?? newGroup([]);
          groups.set(0, g);
          g.n += rg.rowCount;
          continue;
        }
        columnarStats.groupsScanned++;
        const want = [...new Set([...q.where.filter((_, i) => verdicts[i] !== 'all').map((p) => p.column), ...(q.groupBy ?? []), ...q.outputs.flatMap((o) => (o.kind === 'group' || o.kind === 'count*' ? [] : [o.column]))])];
        const chunks = await cache.chunks(f.key, rg.index, want.map(col));
        if (chunks.some((c) => c === null)) return undefined;
        const byName = new Map(want.map((w, i) => [w, chunks[i]!]));
        // null mask: every row of the group counts.
        let mask: Uint8Array | null = vis ? vis.slice(rg.firstRow, rg.firstRow + rg.rowCount) : null;
        q.where.forEach((p, i) => {
          if (verdicts[i] === 'all') return;
          mask ??= new Uint8Array(rg.rowCount).fill(1);
          applyPredicate(mask, byName.get(p.column)!, p);
        });
        for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') {
          const c = byName.get(o.column)!;
          if (o.kind !== 'count' && c.kind !== 'num') return undefined;
          if (c.kind === 'num') {
            const prev = numeric.get(fid(o.column));
            if (prev !== undefined && prev !== c.int) return undefined;
            numeric.set(fid(o.column), c.int);
          }
        }
        const local = q.groupBy ? localGroups(q.groupBy.map((c) => byName.get(c)!), rg.rowCount, mask, groups, newGroup) : { ids: null, groups: [groups.get(0) ?? groups.set(0, newGroup([])).get(0)!] };
        accumulate(local, rg.rowCount, mask, q.outputs.map((o) => (o.kind === 'group' || o.kind === 'count*' ? null : byName.get(o.column)!)));
      }
    }
    if (!q.groupBy && groups.size === 0) groups.set(0, newGroup([]));
    const out: Row[] = [];
    // Groups met only in rows the mask dropped have no rows: SQL shows no such group.
    const sorted = [...groups.values()].filter((g) => !q.groupBy || g.n > 0).sort(compareGroups);
    for (const g of sorted) {
      const row: SqlValue[] = [];
      for (let k = 0; k < q.outputs.length; k++) {
        const o = q.outputs[k]!;
        const a = g.aggs[k]!;
        if (o.kind === 'group') row.push(g.key[o.index]!);
        else if (o.kind === 'count*') row.push(BigInt(g.n));
        else if (o.kind === 'count') row.push(BigInt(a.n));
        else {
          const int = numeric.get(fid(o.column)) ?? true;
          if (a.big) return undefined;
          const total = int ? a.sum : Number.isFinite(a.err) ? a.sum + a.err : a.sum;
          if (a.n === 0) row.push(null);
          else if (o.kind === 'sum') row.push(int ? BigInt(a.sum) : nanToNull(total));
          else if (o.kind === 'avg') row.push(nanToNull(total / a.n));
          else {
            const v = o.kind === 'min' ? a.min : a.max;
            row.push(int ? BigInt(v) : v);
          }
        }
      }
      out.push(row);
    }
    return out;
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}COLUMNAR SCAN ${this.q.table} (cold tier runs, when they hold the table)`);
    this.fallback.describe(out, depth + 1);
  }
}

function nanToNull(r: number): number | null {
  return r !== r ? null : r;
}

/** File column name by field id (shadow columns excluded). */
function columnNames(cols: readonly ColumnarSchema['columns'][number][] | readonly { name: string; fieldId: number | null; shadowOf?: number }[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of cols as readonly { name: string; fieldId: number | null; shadowOf?: number }[]) if (c.fieldId !== null && c.shadowOf === undefined) m.set(c.fieldId, c.name);
  return m;
}

/** Whether every, no or some row of the group can satisfy `p`, from the chunk statistics. */
function judge(rg: RowGroupStats, idx: number, p: ColumnarPredicate): 'all' | 'none' | 'some' {
  const s = rg.columns[idx];
  if (!s || s.min === undefined || s.max === undefined) return s && s.nullCount === rg.rowCount ? 'none' : 'some';
  const lo = ops.compare(s.min as SqlValue, p.value, 'BINARY');
  const hi = ops.compare(s.max as SqlValue, p.value, 'BINARY');
  const noNulls = s.nullCount === 0;
  let all: boolean;
  let none: boolean;
  switch (p.op) {
    case '=':
      all = lo === 0 && hi === 0;
      none = lo > 0 || hi < 0;
      break;
    case '!=':
      all = lo > 0 || hi < 0;
      none = lo === 0 && hi === 0;
      break;
    case '<':
      all = hi < 0;
      none = lo >= 0;
      break;
    case '<=':
      all = hi <= 0;
      none = lo > 0;
      break;
    case '>':
      all = lo > 0;
      none = hi <= 0;
      break;
    default:
      all = lo >= 0;
      none = hi < 0;
  }
  return none ? 'none' : all && noNulls ? 'all' : 'some';
}

/** Clears mask entries of rows that fail `p` (NULL never satisfies a comparison). */
function applyPredicate(mask: Uint8Array, c: ColumnChunk, p: ColumnarPredicate): void {
  const test = TEST[p.op];
  const nulls = c.nulls;
  if (c.kind === 'dict') {
    const ok = c.dict.map((v) => test(ops.compare(v, p.value, 'BINARY')));
    const codes = c.codes;
    for (let r = 0; r < mask.length; r++) if (mask[r] && ((nulls && nulls[r]) || !ok[codes[r]!])) mask[r] = 0;
    return;
  }
  const lit = p.value;
  const vals = c.values;
  if (typeof lit === 'bigint' || typeof lit === 'number') {
    const x = Number(lit);
    if (typeof lit === 'bigint' && (lit > BigInt(SAFE) || lit < -BigInt(SAFE))) {
      for (let r = 0; r < mask.length; r++) if (mask[r] && ((nulls && nulls[r]) || !test(ops.compare(BigInt(vals[r]!), lit, 'BINARY')))) mask[r] = 0;
      return;
    }
    for (let r = 0; r < mask.length; r++) {
      if (!mask[r]) continue;
      const v = vals[r]!;
      if ((nulls && nulls[r]) || !test(v < x ? -1 : v > x ? 1 : 0)) mask[r] = 0;
    }
    return;
  }
  // A TEXT or BLOB literal: every number sorts before it (datatype3.html §4.1).
  const pass = test(ops.compare(0, lit, 'BINARY'));
  for (let r = 0; r < mask.length; r++) if (mask[r] && ((nulls && nulls[r]) || !pass)) mask[r] = 0;
}

/** SQLite's GROUP BY output order: by the group key, column by column (NULL first). */
function compareGroups(a: Group, b: Group): number {
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
interface LocalGroups {
  readonly ids: Int32Array | null;
  readonly groups: readonly Group[];
}

/**
 * Names each row the mask keeps by a dense number local to the row group (NULLs group
 * together, as in SQLite), resolving each distinct key to its global group once per row group:
 * a single text column uses its dictionary codes directly, several combine their codes.
 */
function localGroups(cols: readonly ColumnChunk[], n: number, mask: Uint8Array | null, groups: Map<string | number, Group>, make: (key: SqlValue[]) => Group): LocalGroups {
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
 * Adds one row group's kept rows to their groups' states: row counts, then per output the
 * non-NULL count, sum (integers exact while |sum| <= 2^53; doubles by Kahan-Babuska-Neumaier in
 * row order, continuing each group's running state, exactly as SQLite's SumCtx), min and max.
 */
function accumulate(local: LocalGroups, n: number, mask: Uint8Array | null, args: readonly (ColumnChunk | null)[]): void {
  const L = local.groups.length;
  const ids = local.ids;
  const cnt = new Float64Array(L);
  if (!ids && !mask) cnt[0] = n;
  else for (let r = 0; r < n; r++) if (!mask || mask[r]) cnt[ids ? ids[r]! : 0]!++;
  for (let l = 0; l < L; l++) if (cnt[l]) local.groups[l]!.n += cnt[l]!;
  for (let k = 0; k < args.length; k++) {
    const c = args[k];
    if (!c) continue;
    const nulls = c.nulls;
    const an = new Float64Array(L);
    if (c.kind !== 'num') {
      for (let r = 0; r < n; r++) if ((!mask || mask[r]) && !(nulls && nulls[r])) an[ids ? ids[r]! : 0]!++;
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
      if (!ids && !mask && !nulls) {
        let s = sum[0]!;
        let lo = Infinity;
        let hi = -Infinity;
        for (let r = 0; r < n; r++) {
          const v = vals[r]!;
          s += v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        sum[0] = s;
        mn[0] = lo;
        mx[0] = hi;
        an[0] = n;
      } else {
        for (let r = 0; r < n; r++) {
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
      for (let r = 0; r < n; r++) {
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
