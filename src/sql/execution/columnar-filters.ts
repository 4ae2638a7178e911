// WHERE clauses of the columnar path (columnar-aggregate-op.ts) as trees of typed tests: a
// column compared with a literal, a TEXT column matched by LIKE or GLOB with a literal
// pattern, and AND / OR of those (the planner turns BETWEEN and IN lists into them,
// plan-columnar.ts). Each has a verdict from a row group's statistics (every row passes, none
// can, or some may) and a mask over typed chunks, with SQLite's comparison rules; a mask bit
// is 1 where the clause is TRUE, so NULL and FALSE both drop a row, as WHERE does (AND and
// OR of TRUE-sets are exact because no NOT is ever applied above a leaf).
import type { ColdColumnStats, ColumnChunk } from '../../cold/index.js';
import type { SqlValue } from '../types/value.js';
import * as ops from './value-ops.js';

/** `column op literal`. */
export interface ColumnarPredicate {
  readonly column: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly value: SqlValue;
  /** The literal is bound parameter `index` (0-based) of each execution, of the column's `affinity` (bindFilters). */
  readonly param?: { readonly index: number; readonly affinity: string };
}

const TEST: Record<ColumnarPredicate['op'], (c: number) => boolean> = {
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** `column [NOT] LIKE|GLOB 'pattern' [ESCAPE 'c']` over a TEXT column. */
export interface ColumnarMatch {
  readonly column: string;
  readonly match: 'LIKE' | 'GLOB';
  readonly pattern: string;
  readonly escape?: string;
  readonly not: boolean;
}

const SAFE = 2 ** 53;

export type ColumnarFilter = ColumnarPredicate | ColumnarMatch | { readonly any: readonly ColumnarFilter[] } | { readonly every: readonly ColumnarFilter[] };

export type Verdict = 'all' | 'none' | 'some';

/**
 * Whether a literal of this class compares with a column of `affinity` without conversion:
 * text with TEXT, numbers with INTEGER / REAL / NUMERIC (datatype3.html §4.2 would convert the
 * others first, which the typed tests do not).
 */
export function fitsAffinity(affinity: string, v: unknown): boolean {
  return affinity === 'TEXT' ? typeof v === 'string' : affinity === 'INTEGER' || affinity === 'REAL' || affinity === 'NUMERIC' ? typeof v === 'bigint' || typeof v === 'number' : false;
}

/**
 * `filters` with each parameter replaced by its value in `params`; undefined when one does not
 * fit its column (NULL, or another class: the row path answers).
 */
export function bindFilters(filters: readonly ColumnarFilter[], params: readonly SqlValue[]): ColumnarFilter[] | undefined {
  const bind = (f: ColumnarFilter): ColumnarFilter | undefined => {
    if ('any' in f || 'every' in f) {
      const parts = ('any' in f ? f.any : f.every).map(bind);
      if (parts.some((x) => !x)) return undefined;
      return 'any' in f ? { any: parts as ColumnarFilter[] } : { every: parts as ColumnarFilter[] };
    }
    if (!('op' in f) || !f.param) return f;
    const value = f.param.index < params.length ? params[f.param.index]! : null;
    return fitsAffinity(f.param.affinity, value) ? { column: f.column, op: f.op, value } : undefined;
  };
  const out: ColumnarFilter[] = [];
  for (const f of filters) {
    const b = bind(f);
    if (!b) return undefined;
    out.push(b);
  }
  return out;
}

/** The columns `f` reads. */
export function filterColumns(f: ColumnarFilter, out: string[] = []): string[] {
  if ('any' in f) for (const c of f.any) filterColumns(c, out);
  else if ('every' in f) for (const c of f.every) filterColumns(c, out);
  else if (!out.includes(f.column)) out.push(f.column);
  return out;
}

/** Whether every, no or some of a row group's `rowCount` rows can pass `f`, from the statistics of its columns. */
export function judgeFilter(f: ColumnarFilter, stats: (column: string) => ColdColumnStats | undefined, rowCount: number): Verdict {
  if ('any' in f) {
    const v = f.any.map((c) => judgeFilter(c, stats, rowCount));
    return v.includes('all') ? 'all' : v.every((x) => x === 'none') ? 'none' : 'some';
  }
  if ('every' in f) {
    const v = f.every.map((c) => judgeFilter(c, stats, rowCount));
    return v.includes('none') ? 'none' : v.every((x) => x === 'all') ? 'all' : 'some';
  }
  const s = stats(f.column);
  if ('match' in f) return s && s.nullCount === rowCount ? 'none' : 'some';
  return judge(s, rowCount, f);
}

/**
 * Clears the entries of `mask` (`n` rows) whose row does not pass `f`; false when a chunk
 * cannot be tested exactly (LIKE over numbers, which SQLite first turns into text).
 */
export function applyFilter(mask: Uint8Array, f: ColumnarFilter, chunk: (column: string) => ColumnChunk): boolean {
  if ('every' in f) return f.every.every((c) => applyFilter(mask, c, chunk));
  if ('any' in f) {
    const acc = new Uint8Array(mask.length);
    for (const c of f.any) {
      const m = mask.slice();
      if (!applyFilter(m, c, chunk)) return false;
      for (let r = 0; r < m.length; r++) acc[r]! |= m[r]!;
    }
    mask.set(acc);
    return true;
  }
  const c = chunk(f.column);
  if ('match' in f) return applyMatch(mask, c, f);
  applyPredicate(mask, c, f);
  return true;
}

function applyMatch(mask: Uint8Array, c: ColumnChunk, f: ColumnarMatch): boolean {
  const nulls = c.nulls;
  if (c.kind === 'num') {
    // Only an all-NULL chunk of a TEXT column is numeric: NULL never matches.
    for (let r = 0; r < mask.length; r++) {
      if (!(nulls && nulls[r])) return false;
    }
    mask.fill(0);
    return true;
  }
  const ok = c.dict.map((v) => {
    const m = f.match === 'LIKE' ? ops.like(f.pattern, v, f.escape) : ops.glob(f.pattern, v);
    return m !== null && m !== f.not;
  });
  const codes = c.codes;
  for (let r = 0; r < mask.length; r++) if (mask[r] && ((nulls && nulls[r]) || !ok[codes[r]!])) mask[r] = 0;
  return true;
}

/** Whether every, no or some of a group's `rowCount` rows can satisfy `p`, from the chunk statistics `s`. */
function judge(s: ColdColumnStats | undefined, rowCount: number, p: ColumnarPredicate): 'all' | 'none' | 'some' {
  if (!s || s.min === undefined || s.max === undefined) return s && s.nullCount === rowCount ? 'none' : 'some';
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
/**
 * Verdicts of `p` on each value of a text dictionary, kept per dictionary (decoded chunks are
 * cached, run chunks and hot-delta chunks alike, and share their dictionary object, so a
 * repeated query compares each distinct value once, not once per execution).
 */
const verdictsByDict = new WeakMap<readonly string[], Map<string, readonly boolean[]>>();
/** Dictionaries whose verdicts were computed (not found remembered): tests and diagnostics. */
export const dictVerdictStats = { computed: 0 };
/** Predicates remembered per dictionary. */
const MAX_VERDICTS = 16;

function dictVerdicts(dict: readonly string[], p: ColumnarPredicate, test: (c: number) => boolean): readonly boolean[] {
  const v = p.value;
  // Blob literals (and NULL) are rare here: not worth a key.
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return dict.map((x) => test(ops.compare(x, v, 'BINARY')));
  const key = `${p.op}${typeof v}:${String(v)}`;
  let m = verdictsByDict.get(dict);
  if (!m) verdictsByDict.set(dict, (m = new Map()));
  let ok = m.get(key);
  if (!ok) {
    dictVerdictStats.computed++;
    ok = dict.map((x) => test(ops.compare(x, v, 'BINARY')));
    if (m.size >= MAX_VERDICTS) m.delete(m.keys().next().value!);
    m.set(key, ok);
  }
  return ok;
}

function applyPredicate(mask: Uint8Array, c: ColumnChunk, p: ColumnarPredicate): void {
  const test = TEST[p.op];
  const nulls = c.nulls;
  if (c.kind === 'dict') {
    const ok = dictVerdicts(c.dict, p, test);
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
