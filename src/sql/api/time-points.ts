// Time points of the time-travel API (the seed documents' shapes): lsn(12345n),
// timestamp('…' | Date), snapshot('main@5'), branch('feature-x'), relative({ versionOffset: -5 }).
import { DoSQLError } from '../../errors.js';
import { argString, isPlainObject } from './arguments.js';
import { describeValue } from './bind-params.js';
import { parseTimestamp } from '../types/timestamp.js';

export type TimePoint =
  | { readonly kind: 'lsn'; readonly lsn: number }
  | { readonly kind: 'timestamp'; readonly ms: number }
  | { readonly kind: 'snapshot'; readonly name: string }
  | { readonly kind: 'branch'; readonly name: string }
  | { readonly kind: 'relative'; readonly versionOffset: number };

/** The database as of commit LSN `n` (a `run()` result's `lsn`). */
export function lsn(n: number | bigint): TimePoint {
  const v = typeof n === 'bigint' ? Number(n) : n;
  if (!Number.isSafeInteger(v) || v < 0) throw new DoSQLError('INVALID_ARGUMENT', `sql: lsn() needs a non-negative integer, got ${typeof n === 'number' || typeof n === 'bigint' ? String(n) : describeValue(n)}`);
  return { kind: 'lsn', lsn: v };
}

/** The database as of the last commit at or before `t` (ISO text, Date, or ms since the epoch). */
export function timestamp(t: string | Date | number): TimePoint {
  const ms = typeof t === 'string' || typeof t === 'number' || t instanceof Date ? parseTimestamp(t) : undefined;
  if (ms === undefined) throw new DoSQLError('INVALID_ARGUMENT', `sql: timestamp() could not read ${typeof t === 'string' || typeof t === 'number' ? JSON.stringify(t) : describeValue(t)} as a date/time (ISO-8601 text, a Date or ms since the epoch)`);
  return { kind: 'timestamp', ms };
}

/** A named snapshot (`<branch>@<n>`, from `db.createSnapshot()`). */
export function snapshot(name: string): TimePoint {
  return { kind: 'snapshot', name: argString(name, 'snapshot()', 'the snapshot name') };
}

/** The latest commit of another branch. */
export function branch(name: string): TimePoint {
  return { kind: 'branch', name: argString(name, 'branch()', 'the branch name') };
}

/** `versionOffset: -n`: the state n commits before the latest on the current branch. */
export function relative(o: { versionOffset: number }): TimePoint {
  if (!isPlainObject(o) || !Number.isInteger(o.versionOffset) || o.versionOffset > 0) throw new DoSQLError('INVALID_ARGUMENT', 'sql: relative() needs { versionOffset } with an integer versionOffset <= 0');
  return { kind: 'relative', versionOffset: o.versionOffset };
}
