// A filtered nearest-neighbour query whose WHERE an ordinary index answers: when every
// conjunct (besides `vector_col IS NOT NULL`) compares one column with a constant —
// `c = x`, `c < x`, `c <= x`, `c > x`, `c >= x`, `c BETWEEN x AND y` — and that column leads a
// plain index (no WHERE, no method), the allowed rowids are read from that index's key range
// (rowid from each key, no row read) instead of evaluating the WHERE over the whole table.
// Index keys order values as SQLite compares them (NULL < numbers < text < blobs;
// docs/format/keys.md), so a key range is exactly the rows passing such a comparison when no
// affinity conversion applies to the constant: numeric constants on INTEGER / REAL / NUMERIC
// columns, text constants on TEXT columns with BINARY collation. Anything else keeps the
// general form (the WHERE evaluated by a subquery).
import type { Expr } from '../sql/parser/ast.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import type { ExecEnv } from '../sql/execution/env.js';
import { encodeTablePrefix } from '../mvcc/internal-key.js';
import { decodeKeyTuple, writeKeyValue, type KeyValue } from '../mvcc/key-codec.js';
import { ByteWriter } from '../util/byte-writer.js';
import { compareBytes } from '../util/bytes.js';
import { DoSQLError } from '../errors.js';
import { collationKey } from '../sql/rows/row-keys.js';
import type { SqlValue } from '../sql/types/value.js';

/** A key range over an index's first column, as passed to vector_knn_rowids (JSON text). */
export interface IndexRangeSpec {
  readonly index: string;
  /** [value, inclusive], or null: unbounded (NULLs excluded: no comparison passes NULL). */
  readonly lo: [number | string, boolean] | null;
  readonly hi: [number | string, boolean] | null;
}

function constant(e: Expr): number | string | undefined {
  if (e.kind !== 'literal') return undefined;
  const v = e.value;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return v;
  return undefined;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/**
 * The index range equivalent to `where` on `t` (minus conjuncts `skip` accepts), or undefined.
 * `isColumn(e, name)` says whether e names t's column `name`.
 */
export function indexRangeFor(where: Expr, t: TableSchema, indexes: readonly IndexSchema[], isColumn: (e: Expr, name: string) => boolean, skip: (e: Expr) => boolean): IndexRangeSpec | undefined {
  const cmps: { col: string; op: string; v: number | string }[] = [];
  for (const c of conjuncts(where)) {
    if (skip(c)) continue;
    if (c.kind === 'between' && !c.not && c.operand.kind === 'column') {
      const lo = constant(c.low);
      const hi = constant(c.high);
      if (lo === undefined || hi === undefined) return undefined;
      cmps.push({ col: c.operand.column, op: '>=', v: lo }, { col: c.operand.column, op: '<=', v: hi });
      continue;
    }
    if (c.kind !== 'binary' || !(c.op in FLIP)) return undefined;
    if (c.left.kind === 'column' && constant(c.right) !== undefined) cmps.push({ col: c.left.column, op: c.op, v: constant(c.right)! });
    else if (c.right.kind === 'column' && constant(c.left) !== undefined) cmps.push({ col: c.right.column, op: FLIP[c.op]!, v: constant(c.left)! });
    else return undefined;
  }
  if (cmps.length === 0) return undefined;
  const colName = cmps[0]!.col.toLowerCase();
  if (cmps.some((x) => x.col.toLowerCase() !== colName)) return undefined;
  const ci = t.columns.findIndex((c) => c.name.toLowerCase() === colName);
  const col = t.columns[ci];
  if (!col || !isColumn({ kind: 'column', column: cmps[0]!.col } as Expr, col.name)) return undefined;
  const numeric = col.affinity === 'INTEGER' || col.affinity === 'REAL' || col.affinity === 'NUMERIC';
  for (const x of cmps) {
    if (typeof x.v === 'number' ? !numeric : col.affinity !== 'TEXT' || col.collation !== 'BINARY') return undefined;
  }
  const ix = indexes.find((i) => !i.where && !i.using && i.columns[0]?.columnId === col.id && i.columns[0].collation === col.collation && !i.columns[0].desc);
  if (!ix) return undefined;
  let lo: [number | string, boolean] | null = null;
  let hi: [number | string, boolean] | null = null;
  const before = (a: number | string, b: number | string): boolean => (typeof a === typeof b ? a < b : typeof a === 'number');
  for (const x of cmps) {
    if (x.op === '=' || x.op === '>' || x.op === '>=') {
      const b: [number | string, boolean] = [x.v, x.op !== '>'];
      if (!lo || before(lo[0], b[0]) || (lo[0] === b[0] && !b[1])) lo = b;
    }
    if (x.op === '=' || x.op === '<' || x.op === '<=') {
      const b: [number | string, boolean] = [x.v, x.op !== '<'];
      if (!hi || before(b[0], hi[0]) || (hi[0] === b[0] && !b[1])) hi = b;
    }
  }
  return { index: ix.name, lo, hi };
}

/** The smallest key greater than every key starting with `p`. */
function prefixEnd(p: Uint8Array): Uint8Array {
  const out = p.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  return new Uint8Array([0xff, 0xff, 0xff, 0xff]);
}

function withValue(prefix: Uint8Array, v: KeyValue): Uint8Array {
  const w = new ByteWriter(prefix.length + 16);
  w.bytes(prefix);
  writeKeyValue(w, v);
  return w.toBytes();
}

/** The encoded key bounds [lower, upper) of `spec` under `prefix` (an index's key prefix). */
function rangeBounds(prefix: Uint8Array, spec: IndexRangeSpec): { lower: Uint8Array; upper: Uint8Array } {
  // Past the NULLs: no comparison with a constant passes NULL.
  const lower = spec.lo ? (spec.lo[1] ? withValue(prefix, spec.lo[0]) : prefixEnd(withValue(prefix, spec.lo[0]))) : prefixEnd(withValue(prefix, null));
  const upper = spec.hi ? (spec.hi[1] ? prefixEnd(withValue(prefix, spec.hi[0])) : withValue(prefix, spec.hi[0])) : prefixEnd(prefix);
  return { lower, upper };
}

/**
 * The rowids of `t`'s rows whose index `ix` key lies in `spec`'s range, as the statement sees
 * them (its branch, read LSN and own writes), ascending by key; null once more than `limit`.
 */
export async function rowidsInRange(env: ExecEnv, t: TableSchema, ix: IndexSchema, spec: IndexRangeSpec, limit = Infinity): Promise<bigint[] | null> {
  if (t.withoutRowid) throw new DoSQLError('SQL_ERROR', `vector: index ${ix.name}: filter needs a rowid table`);
  const prefix = encodeTablePrefix(env.txn.branch, ix.id);
  const { lower, upper } = rangeBounds(prefix, spec);
  const out: bigint[] = [];
  if (compareBytes(lower, upper) >= 0) return out;
  for await (const batch of env.txn.scanBatches(lower, upper, false, Math.min(1024, limit + 1))) {
    for (const e of batch) {
      const rowid = decodeKeyTuple(e.uk, prefix.length).values[ix.columns.length];
      out.push(typeof rowid === 'bigint' ? rowid : BigInt(rowid as number));
    }
    if (out.length > limit) return null;
    const g = env.guard.tick(batch.length);
    if (g) await g;
  }
  return out;
}

/** A test of one row (values in table column order) against a filter. */
export interface RowFilter {
  test(row: readonly unknown[]): boolean;
}

/**
 * `spec` as a test of a row's value: its index key (collated as the index's first column) in
 * the range — the same rows `rowidsInRange` finds, checked one candidate at a time (broad
 * filters, where reading every key of the range would cost more than the search).
 */
export function rangeFilter(t: TableSchema, ix: IndexSchema, spec: IndexRangeSpec): RowFilter {
  const prefix = new Uint8Array(0);
  const { lower, upper } = rangeBounds(prefix, spec);
  const pos = t.columns.findIndex((c) => c.id === ix.columns[0]!.columnId);
  const coll = ix.columns[0]!.collation;
  return {
    test(row) {
      const v = row[pos];
      if (v === null || v === undefined) return false;
      let key: Uint8Array;
      try {
        key = withValue(prefix, collationKey(v as SqlValue, coll));
      } catch {
        return false; // not a key value (NaN): no comparison passes it
      }
      return compareBytes(key, lower) >= 0 && compareBytes(key, upper) < 0;
    },
  };
}
