// How much history the engine keeps, and which read points that makes retained.
// The argument that garbage collection never drops a retained version: docs/compaction.md.
import { DoSQLError } from '../errors.js';
import { readOrderedUvarint } from '../mvcc/key-codec.js';

/**
 * How far back reads are supported:
 * - a number: the last N LSNs (0 = only the latest state, plus open read views and pins);
 * - a duration string: '7d', '12h', '30m', '45s', '250ms' (by commit timestamp);
 * - 'forever' (or Infinity): keep every version.
 * Default: '7d'.
 */
export type Retention = number | string;

export type RetentionPolicy = { kind: 'forever' } | { kind: 'lsns'; count: number } | { kind: 'time'; ms: number };

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseRetention(r: Retention | undefined): RetentionPolicy {
  if (r === undefined) return { kind: 'time', ms: 7 * UNITS.d! };
  if (r === 'forever' || r === Infinity) return { kind: 'forever' };
  if (typeof r === 'number') {
    if (!Number.isInteger(r) || r < 0) throw new DoSQLError('INVALID_ARGUMENT', `retention: LSN count must be a non-negative integer, got ${r}`);
    return { kind: 'lsns', count: r };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(r);
  if (!m) throw new DoSQLError('INVALID_ARGUMENT', `retention: expected an LSN count, 'forever' or a duration like '7d', got ${JSON.stringify(r)}`);
  return { kind: 'time', ms: Number(m[1]) * UNITS[m[2]!]! };
}

/** (LSN, commit timestamp) samples, ascending in both: enough to bound the time horizon from below. */
export type TimeSample = readonly [lsn: number, timestampMs: number];

/**
 * The horizon LSN: every read point >= it is retained. For a time policy it is the newest
 * sampled LSN committed at or before `now - ms`; since samples are a subset of commits this
 * is never above the exact horizon, so it errs towards keeping more history.
 */
export function horizonLsn(policy: RetentionPolicy, latestLsn: number, nowMs: number, samples: readonly TimeSample[]): number {
  switch (policy.kind) {
    case 'forever':
      return 0;
    case 'lsns':
      return Math.max(0, latestLsn - policy.count);
    case 'time': {
      const cutoff = nowMs - policy.ms;
      let lo = 0;
      let hi = samples.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (samples[mid]![1] <= cutoff) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 0 : samples[lo - 1]![0];
    }
  }
}

/**
 * The read points garbage collection must preserve: every LSN >= `horizon`, plus the
 * discrete `points` below it (open read views, named snapshots, branch bases, pins).
 */
export class RetainedPoints {
  /** Ascending, deduplicated, all < horizon. */
  readonly points: number[];

  constructor(
    readonly horizon: number,
    points: Iterable<number>,
    /** Table ids whose every version is kept, on every branch (manifest `fullHistoryTables`: the SQL catalog). */
    readonly fullHistoryTables: readonly number[] = [],
  ) {
    this.points = [...new Set([...points].filter((p) => p < horizon))].sort((a, b) => a - b);
  }

  /**
   * True when every version of the key (a user key, or an internal key: both start with the
   * branch and table id) is kept whatever the read points: its table keeps its full history.
   */
  keepsAll(key: Uint8Array): boolean {
    const t = this.fullHistoryTables;
    if (t.length === 0) return false;
    const c = { pos: 0 };
    readOrderedUvarint(key, c);
    return t.includes(readOrderedUvarint(key, c));
  }

  /**
   * Whether a version with LSN `lsn`, whose next newer version has LSN `nextLsn`
   * (Infinity if none), is visible at some retained point: its visibility interval is
   * [lsn, nextLsn).
   */
  keep(lsn: number, nextLsn: number): boolean {
    return this.holder(lsn, nextLsn) !== undefined;
  }

  /**
   * Why a version with visibility interval [lsn, nextLsn) is kept: -1 when `nextLsn` is above
   * the horizon, else the first retained point in the interval, or undefined when none holds it.
   */
  holder(lsn: number, nextLsn: number): number | undefined {
    if (nextLsn > this.horizon) return -1;
    const pts = this.points;
    let lo = 0;
    let hi = pts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pts[mid]! < lsn) lo = mid + 1;
      else hi = mid;
    }
    return lo < pts.length && pts[lo]! < nextLsn ? pts[lo]! : undefined;
  }

  /** True if a read at `lsn` is supported. */
  allows(lsn: number): boolean {
    return lsn >= this.horizon || this.points.includes(lsn);
  }
}
