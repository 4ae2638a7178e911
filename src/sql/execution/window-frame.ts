// Window frames (https://sqlite.org/windowfunctions.html#frame_specifications): for each
// position of a sorted partition, the half-open range [start, end) of positions in its frame.
//
// SQLite (window.c, sqlite3WindowCodeStep) never materialises frames: it walks three cursors
// (start, current, end) forward over the partition, moving the end cursor while a bound test
// holds and the start cursor while another fails. The tests below are exactly its tests
// (windowCodeRangeTest for RANGE offsets, counters for ROWS and GROUPS), and since every test is
// monotone along the sorted partition, moving two pointers forward finds the same frames in
// O(n) per partition. A start that would pass the end is held at the end (an empty frame), as
// SQLite holds its start cursor.
import { DoSQLError } from '../../errors.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled } from './compiled.js';
import * as ops from './value-ops.js';

export type FrameUnits = 'ROWS' | 'RANGE' | 'GROUPS';
export type FrameBoundKind = 'unboundedPreceding' | 'preceding' | 'currentRow' | 'following' | 'unboundedFollowing';

export interface FrameBoundSpec {
  readonly kind: FrameBoundKind;
  /**
   * The `n` of `n PRECEDING` / `n FOLLOWING`; null when it was not a constant expression
   * (SQLite replaces such an offset by NULL at parse time, which then fails its run-time check).
   */
  readonly offset?: Compiled | null;
}

/** A frame after SQLite's rewrites (sqlite3WindowUpdate): built-in ranking functions carry their own. */
export interface FrameSpec {
  readonly units: FrameUnits;
  readonly start: FrameBoundSpec;
  readonly end: FrameBoundSpec;
  /**
   * Any EXCLUDE clause, NO OTHERS included: SQLite then computes every frame by a full scan
   * with fresh accumulators (windowFullScan), which can differ from the sliding computation
   * in the type of a sum and in group_concat's separators.
   */
  readonly exclude?: 'NO OTHERS' | 'CURRENT ROW' | 'GROUP' | 'TIES';
}

/** The one ORDER BY term of a RANGE frame with offsets, and how the partition is sorted by it. */
export interface RangeKey {
  readonly desc: boolean;
  /** NULLs sort as the largest value (ASC NULLS LAST, DESC NULLS FIRST): SQLite's KEYINFO_ORDER_BIGNULL. */
  readonly bigNull: boolean;
  readonly collation: Collation;
}

/** A sorted partition seen by frame and function code: positions 0..n-1 and their peer groups. */
export interface PartitionShape {
  readonly n: number;
  /** Peer group of each position (0-based, non-decreasing). */
  readonly group: Int32Array;
  /** First position of each peer group, then n (length groups + 1). */
  readonly groupStart: Int32Array;
  readonly groups: number;
}

/** Frame offsets of one partition after SQLite's run-time checks (windowCheckValue). */
export interface FrameOffsets {
  /** ROWS/GROUPS: a count (capped at 2^53); RANGE: the value added to or subtracted from keys. */
  readonly start?: number | SqlValue;
  readonly end?: number | SqlValue;
}

export interface Frames {
  readonly start: Int32Array;
  readonly end: Int32Array;
}

const INT_MESSAGES = ['frame starting offset must be a non-negative integer', 'frame ending offset must be a non-negative integer'] as const;
const NUM_MESSAGES = ['frame starting offset must be a non-negative number', 'frame ending offset must be a non-negative number'] as const;

/**
 * OP_MustBeInt: the value as an INTEGER after NUMERIC affinity ('2' and 2.0 become 2), or
 * undefined when it is not one (2.5, 'x', a BLOB, NULL).
 */
export function mustBeInt(v: SqlValue): bigint | undefined {
  const n = typeof v === 'bigint' ? v : v === null || v instanceof Uint8Array ? null : ops.applyAffinity(v, 'NUMERIC');
  return typeof n === 'bigint' ? n : undefined;
}

/**
 * Checks a frame offset as SQLite's windowCheckValue does: ROWS and GROUPS want a
 * non-negative integer (after NUMERIC affinity), RANGE a non-negative number (TEXT that reads
 * as one is kept as TEXT: the arithmetic converts it). SQL_ERROR with SQLite's message otherwise.
 */
export function checkOffset(v: SqlValue, units: FrameUnits, which: 0 | 1): number | SqlValue {
  if (units !== 'RANGE') {
    const i = mustBeInt(v);
    if (i === undefined || i < 0n) throw new DoSQLError('SQL_ERROR', `sql: ${INT_MESSAGES[which]}`);
    return i > 9007199254740992n ? 9007199254740992 : Number(i);
  }
  // `v >= ''` (NUMERIC affinity, NULL jumps): NULL, BLOB and non-numeric TEXT fail, then `v >= 0`.
  const n = typeof v === 'string' ? ops.applyAffinity(v, 'REAL') : v;
  if (n === null || typeof n === 'string' || n instanceof Uint8Array || ops.compare(n, 0n) < 0) {
    throw new DoSQLError('SQL_ERROR', `sql: ${NUM_MESSAGES[which]}`);
  }
  return v;
}

type RangeOp = 'Ge' | 'Gt' | 'Le' | 'Lt';

/**
 * windowCodeRangeTest: whether `k1 + val OP k2` (ASC) or `k1 - val OP' k2` (DESC, operator
 * mirrored). Only numbers take part in the arithmetic (TEXT and BLOB keys compare as they are);
 * NULL is the smallest value, or the largest under bigNull.
 */
export function rangeTest(op: 'Ge' | 'Gt' | 'Le', k1: SqlValue, val: SqlValue, k2: SqlValue, key: RangeKey): boolean {
  let o: RangeOp = op;
  if (key.desc) o = op === 'Ge' ? 'Le' : op === 'Gt' ? 'Lt' : 'Ge';
  if (key.bigNull) {
    if (k1 === null) {
      if (o === 'Ge') return true;
      if (o === 'Gt') return k2 !== null;
      if (o === 'Le') return k2 === null;
      return false;
    }
    if (k2 === null) return o === 'Le' || o === 'Lt';
  }
  let r1 = k1;
  if (!(typeof k1 === 'string' || k1 instanceof Uint8Array)) {
    // Before the arithmetic (which could overflow), a key already past the other one passes.
    if (((o === 'Ge' && !key.desc) || (o === 'Le' && key.desc)) && k1 !== null && k2 !== null && holds(o, ops.compare(k1, k2, 'BINARY'))) return true;
    r1 = key.desc ? ops.arith('-')(k1, val) : ops.arith('+')(k1, val);
  }
  // SQLITE_NULLEQ: two NULLs are equal, one NULL is smaller.
  const c = r1 === null ? (k2 === null ? 0 : -1) : k2 === null ? 1 : ops.compare(r1, k2, key.collation);
  return holds(o, c);
}

function holds(o: RangeOp, c: number): boolean {
  switch (o) {
    case 'Ge':
      return c >= 0;
    case 'Gt':
      return c > 0;
    case 'Le':
      return c <= 0;
    case 'Lt':
      return c < 0;
  }
}

/**
 * The frame of every position of partition `p`. `keyAt` gives the ORDER BY key of a position
 * (RANGE with offsets only). Offsets were checked by checkOffset.
 */
export function computeFrames(p: PartitionShape, spec: FrameSpec, offsets: FrameOffsets, keyAt?: (pos: number) => SqlValue, key?: RangeKey): Frames {
  const { n } = p;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const rangeOffsets = spec.units === 'RANGE' && (isOffset(spec.start) || isOffset(spec.end));
  if (rangeOffsets) {
    rangeFrames(p, spec, offsets, keyAt!, key!, start, end);
  } else {
    for (let i = 0; i < n; i++) {
      end[i] = boundEnd(p, spec, i, offsets.end as number);
      start[i] = boundStart(p, spec, i, offsets.start as number);
    }
  }
  // Start and end only move forward; a start past the end is an empty frame at the end.
  for (let i = 0; i < n; i++) if (start[i]! > end[i]!) start[i] = end[i]!;
  return { start, end };
}

function isOffset(b: FrameBoundSpec): boolean {
  return b.kind === 'preceding' || b.kind === 'following';
}

/** ROWS, GROUPS, and RANGE without offsets (whose CURRENT ROW means the peer group). */
function boundStart(p: PartitionShape, spec: FrameSpec, i: number, off: number): number {
  const b = spec.start.kind;
  if (b === 'unboundedPreceding') return 0;
  if (spec.units === 'ROWS') {
    if (b === 'currentRow') return i;
    if (b === 'preceding') return Math.max(0, i - off);
    return Math.min(p.n, i + off);
  }
  const g = p.group[i]!;
  if (b === 'currentRow') return p.groupStart[g]!;
  if (b === 'preceding') return p.groupStart[Math.max(0, g - off)]!;
  return g + off >= p.groups ? p.n : p.groupStart[g + off]!;
}

function boundEnd(p: PartitionShape, spec: FrameSpec, i: number, off: number): number {
  const b = spec.end.kind;
  if (b === 'unboundedFollowing') return p.n;
  if (spec.units === 'ROWS') {
    if (b === 'currentRow') return i + 1;
    if (b === 'following') return Math.min(p.n, i + off + 1);
    return Math.max(0, i - off + 1);
  }
  const g = p.group[i]!;
  if (b === 'currentRow') return p.groupStart[g + 1]!;
  if (b === 'following') return g + off + 1 >= p.groups ? p.n : p.groupStart[g + off + 1]!;
  return g - off < 0 ? 0 : p.groupStart[g - off + 1]!;
}

/** RANGE with an offset bound: two pointers over peer groups, advanced by SQLite's range tests. */
function rangeFrames(p: PartitionShape, spec: FrameSpec, offsets: FrameOffsets, keyAt: (pos: number) => SqlValue, key: RangeKey, start: Int32Array, end: Int32Array): void {
  const { groups, groupStart, n } = p;
  const gkey = (g: number): SqlValue => keyAt(groupStart[g]!);
  const so = offsets.start as SqlValue;
  const eo = offsets.end as SqlValue;
  let sg = 0; // start pointer (peer group)
  let eg = 0; // end pointer (first group not in the frame)
  for (let g = 0; g < groups; g++) {
    const cur = gkey(g);
    let s: number;
    switch (spec.start.kind) {
      case 'unboundedPreceding':
        s = 0;
        break;
      case 'currentRow':
        s = groupStart[g]!;
        break;
      case 'preceding':
        // Drop groups while NOT (start.key + off >= current.key).
        while (sg < groups && !rangeTest('Ge', gkey(sg), so, cur, key)) sg++;
        s = groupStart[sg]!;
        break;
      default:
        // Drop groups while NOT (current.key + off <= start.key).
        while (sg < groups && !rangeTest('Le', cur, so, gkey(sg), key)) sg++;
        s = groupStart[sg]!;
    }
    let e: number;
    switch (spec.end.kind) {
      case 'unboundedFollowing':
        e = n;
        break;
      case 'currentRow':
        e = groupStart[g + 1]!;
        break;
      case 'following':
        // Take groups while current.key + off >= end.key.
        if (eg < g) eg = g;
        while (eg < groups && rangeTest('Ge', cur, eo, gkey(eg), key)) eg++;
        e = groupStart[eg]!;
        break;
      default:
        // Take groups while NOT (end.key + off > current.key).
        while (eg < groups && !rangeTest('Gt', gkey(eg), eo, cur, key)) eg++;
        e = groupStart[eg]!;
    }
    for (let i = groupStart[g]!; i < groupStart[g + 1]!; i++) {
      start[i] = s;
      end[i] = e;
    }
  }
}
