// A read-only engine following the writer (EngineOptions.readOnly): each catch-up reads what
// the writer committed since the last one (follower.ts) and adopts it at once — the manifest
// version, the live WAL ranges the log reader walks, and the new commits into the memtable.
// Concurrent callers share one catch-up, so each step is adopted exactly once.
import type { VersionSet } from '../manifest/version-set.js';
import { addListener } from './engine-events.js';
import type { Follower } from './follower.js';
import type { LogService } from './log-service.js';
import type { WritePath } from './write-path.js';

export interface FollowTarget {
  readonly versions: VersionSet;
  readonly log: LogService;
  readonly writes: WritePath;
  closed(): boolean;
}

export class ReaderFollow {
  /** The catch-up in flight. */
  private following: Promise<void> | null = null;
  private readonly gapListeners: ((upTo: number) => void)[] = [];
  /** When a read may next start a background catch-up, ms since the epoch. */
  private nextFollow = 0;

  constructor(
    private readonly follower: Follower,
    private readonly target: FollowTarget,
  ) {}

  /** See LsmEngine.onFollowGap. */
  onGap(listener: (upTo: number) => void): () => void {
    return addListener(this.gapListeners, listener);
  }

  /** One catch-up; true when the writer's manifest moved (a read may need to retry). */
  async catchUp(): Promise<boolean> {
    const before = this.target.versions.state.version;
    await this.follow();
    return this.target.versions.state.version !== before;
  }

  /** A background catch-up at most every `everyMs` (reads call this; a reader is never fenced). */
  poke(everyMs: number): void {
    const now = Date.now();
    if (now < this.nextFollow) return;
    this.nextFollow = now + everyMs;
    this.follow().catch(() => undefined);
  }

  private follow(): Promise<void> {
    const { versions, log, writes } = this.target;
    this.following ??= this.follower
      .next()
      .then((step) => {
        if (!step || this.target.closed()) return;
        // Commits the writer flushed since our last step are in its SSTables, not in the WAL
        // we read: they become visible without passing the commit listeners.
        const gap = step.fresh !== null && step.state.flushedLsn > writes.visible ? step.state.flushedLsn : 0;
        versions.follow(step.state);
        // The log reader walks the manifest's retained segments, then these: without them a
        // change stream that must read the log (a gap in the commit feed) finds nothing.
        log.live.replace(step.ranges);
        writes.adopt(step.fresh, step.apply, step.records, step.lastLsn, step.lastTimestamp);
        if (gap > 0) for (const l of this.gapListeners) l(gap);
      })
      .finally(() => {
        this.following = null;
      });
    return this.following;
  }
}
