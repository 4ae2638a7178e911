// Positions in the change stream (docs/cdc.md, "Positions"): dosql gives one LSN per commit, so
// an event's position is (commit LSN, ordinal in the commit) and its id is "<lsn>:<seq>". A
// position with seq null stands for a whole commit: "from LSN n" resumes after commit n.
import { DoSQLError } from '../errors.js';
import type { LSNInput } from './types.js';

/** Internal position: LSN as a number (LSNs stay below 2^53), seq null for a whole commit. */
export interface Pos {
  lsn: number;
  seq: number | null;
}

/** An LSN from the API: bigint, safe non-negative integer, or decimal string. INVALID_ARGUMENT otherwise. */
export function toLsn(v: LSNInput | undefined, what = 'LSN'): number {
  if (v === undefined) return 0;
  let n: number;
  if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\d+$/.test(v)) n = Number(v);
  else n = NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new DoSQLError('INVALID_ARGUMENT', `cdc: ${what} must be a non-negative integer (bigint, number or decimal string), got ${String(v)}`);
  return n;
}

/** Parses "<lsn>:<seq>" (an event id) or "<lsn>" (a whole commit). INVALID_ARGUMENT otherwise. */
export function parsePosition(s: string): Pos {
  const m = /^(\d+)(?::(\d+))?$/.exec(s);
  if (!m) throw new DoSQLError('INVALID_ARGUMENT', `cdc: a position is "<lsn>:<seq>" or "<lsn>", got ${JSON.stringify(s)}`);
  const lsn = Number(m[1]);
  const seq = m[2] === undefined ? null : Number(m[2]);
  if (!Number.isSafeInteger(lsn) || (seq !== null && !Number.isSafeInteger(seq))) throw new DoSQLError('INVALID_ARGUMENT', `cdc: position ${s} is out of range`);
  return { lsn, seq };
}

/** "<lsn>:<seq>", or "<lsn>" for a whole commit. */
export function formatPosition(p: Pos): string {
  return p.seq === null ? String(p.lsn) : `${p.lsn}:${p.seq}`;
}

/** An event's id. */
export function eventId(lsn: number, seq: number): string {
  return `${lsn}:${seq}`;
}

/** Orders positions: (lsn, seq) with a whole commit after every event of it. */
export function comparePositions(a: Pos, b: Pos): number {
  if (a.lsn !== b.lsn) return a.lsn - b.lsn;
  const sa = a.seq ?? Infinity;
  const sb = b.seq ?? Infinity;
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

/** The later of two positions. */
export function maxPosition(a: Pos, b: Pos): Pos {
  return comparePositions(a, b) >= 0 ? a : b;
}

/** The first commit a position still needs: `lsn + 1` after a whole commit, else `lsn`. */
export function restartLsnOf(p: Pos): number {
  return p.seq === null ? p.lsn + 1 : p.lsn;
}
