// Which read points the engine keeps readable, and which versions compaction must therefore
// keep (docs/compaction.md, "Retention"): everything at or above the retention horizon, plus
// the LSNs pinned below it — in memory by open read views and transactions, in the manifest by
// named snapshots, branch bases and explicit pins (`LsmEngine.pinLsn`).
//
// Also keeps the (LSN, commit timestamp) samples that resolve a time-based retention ('7d')
// to an LSN; the write path adds one per commit group, flushes persist them (`timeIndex`).
//
// Async safety: synchronous; callers pass the manifest state and visible LSN they read.
import { DoSQLError } from '../errors.js';
import type { ManifestState } from '../manifest/manifest-format.js';
import { horizonLsn, RetainedPoints, type RetentionPolicy, type TimeSample } from '../compaction/retention.js';

/** Time samples are at least this far apart (ms) and at most this many. */
const SAMPLE_SPACING_MS = 100;
const MAX_SAMPLES = 1024;

export class LsnPins {
  /** Open read views and transactions other than `hotLsn`'s: LSN -> how many (> 0). */
  private readonly views = new Map<number, number>();
  private timeSamples: TimeSample[];

  constructor(
    private readonly policy: RetentionPolicy,
    /** Samples recorded by earlier writers (the manifest's `timeIndex`). */
    samples: readonly TimeSample[],
  ) {
    this.timeSamples = [...samples];
  }

  /**
   * One LSN's count kept outside `views`: statements, one after another, each pin the latest
   * LSN and release it before the next; in the map that was an entry added and deleted per
   * statement (deleting the only entry shrinks the map's table, the next registration grows it
   * again: ~6 % of a point select). An LSN's pins are this count (when it is `hotLsn`) plus its
   * map entry's.
   */
  private hotLsn = -1;
  private hotCount = 0;

  /** Pins `lsn` in memory until `releaseView(lsn)` (read views, transactions). */
  registerView(lsn: number): void {
    if (lsn === this.hotLsn || this.hotCount === 0) {
      this.hotLsn = lsn;
      this.hotCount++;
      return;
    }
    this.views.set(lsn, (this.views.get(lsn) ?? 0) + 1);
  }

  /** Releases one `registerView(lsn)`; a release of an LSN not registered does nothing. */
  releaseView(lsn: number): void {
    if (lsn === this.hotLsn && this.hotCount > 0) {
      this.hotCount--;
      return;
    }
    const n = this.views.get(lsn);
    if (n === undefined) return;
    if (n > 1) this.views.set(lsn, n - 1);
    else this.views.delete(lsn);
  }

  /** Read views and transactions open now. */
  get openViews(): number {
    let n = this.hotCount;
    for (const c of this.views.values()) n += c;
    return n;
  }

  /** (LSN, timestamp) samples, ascending. */
  get samples(): readonly TimeSample[] {
    return this.timeSamples;
  }

  /** Keeps (LSN, timestamp) samples for time-based retention, spaced and bounded. */
  sample(lsn: number, ts: number): void {
    const s = this.timeSamples;
    const last = s[s.length - 1];
    if (last && ts - last[1] < SAMPLE_SPACING_MS) {
      if (s.length >= 2 && ts - s[s.length - 2]![1] < SAMPLE_SPACING_MS) s[s.length - 1] = [lsn, ts];
      else s.push([lsn, ts]);
    } else s.push([lsn, ts]);
    if (s.length > MAX_SAMPLES) this.timeSamples = s.filter((_, i) => i % 2 === 1 || i === s.length - 1);
  }

  /** The samples up to `lsn`, as the manifest's `timeIndex` stores them. */
  timeIndexUpTo(lsn: number): [number, number][] {
    return this.timeSamples.filter((s) => s[0] <= lsn).map((s): [number, number] => [s[0], s[1]]);
  }

  /** Every read point >= this LSN is kept (the policy's horizon, never below what a compaction already collected). */
  horizon(state: ManifestState, visible: number, now: number): number {
    return Math.max(state.gcHorizon, horizonLsn(this.policy, visible, now, this.timeSamples));
  }

  /**
   * The read points compaction must preserve: everything at or above the retention horizon,
   * plus open read views, named snapshots, branch bases and pinned LSNs.
   */
  retainedPoints(state: ManifestState, visible: number, now: number): RetainedPoints {
    const points: number[] = [];
    for (const lsn of this.views.keys()) points.push(lsn);
    if (this.hotCount > 0) points.push(this.hotLsn);
    for (const snap of state.snapshots) points.push(snap.lsn);
    for (const b of state.branches) points.push(b.baseLsn);
    for (const p of state.pins) points.push(p.lsn);
    return new RetainedPoints(this.horizon(state, visible, now), points, state.fullHistoryTables);
  }

  /**
   * Validates a read point: defaults to the latest (`visible`); clamps future LSNs to it; fails
   * with BEFORE_RETENTION_HORIZON below the horizon unless it is a retained point.
   */
  readPoint(asOf: number | undefined, state: ManifestState, visible: number, now: number): number {
    if (asOf === undefined) return visible;
    if (!Number.isInteger(asOf) || asOf < 0) throw new DoSQLError('INVALID_ARGUMENT', `engine: asOf must be a non-negative integer LSN, got ${asOf}`);
    if (asOf >= visible) return visible;
    // Common case first, without building the retained-point list: at or above the horizon.
    if (asOf >= this.horizon(state, visible, now)) return asOf;
    const retained = this.retainedPoints(state, visible, now);
    if (!retained.allows(asOf)) {
      throw new DoSQLError('BEFORE_RETENTION_HORIZON', `engine: LSN ${asOf} is older than the retention horizon (LSN ${retained.horizon}); its history may have been garbage-collected`, {
        details: { lsn: asOf, horizon: retained.horizon },
      });
    }
    return asOf;
  }
}
