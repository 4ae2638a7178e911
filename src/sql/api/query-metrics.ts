// What the statements on one engine took and how many failed, for db.metrics() and the Prometheus text
// (metrics-text.ts): seed 003's `dosql_query_duration_ms` histogram and `dosql_error_rate`
// (errors per minute). Pure bookkeeping: the clock is passed in.
//
// Async safety: `observe` is synchronous; statements record when they settle.

/** Upper bounds of the duration histogram, ms (Prometheus `le`; +Inf is implied). Seed 003's thresholds (100, 1000) are bucket bounds. */
export const QUERY_DURATION_BUCKETS_MS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The window `errorRate` counts errors over, ms. */
const ERROR_WINDOW_MS = 60_000;

export interface QueryMetricsSnapshot {
  /** Statements run (settled), and how many of them failed. */
  statements: number;
  errors: number;
  /** Failed statements in the last minute (seed 003's `dosql_error_rate`: errors per minute). */
  errorRate: number;
  /** Cumulative histogram of statement durations, ms: `counts[i]` statements took <= `buckets[i]` ms. */
  durationMs: { buckets: readonly number[]; counts: number[]; sum: number; count: number };
}

export class QueryMetrics {
  private readonly counts = new Array<number>(QUERY_DURATION_BUCKETS_MS.length).fill(0);
  private sum = 0;
  private count = 0;
  private errors = 0;
  /** Times of recent errors, oldest first (pruned to the window). */
  private readonly recentErrors: number[] = [];

  /** Records one statement that took `ms` and failed or not, at time `now` (ms; read only for a failure, so callers may pass 0 otherwise). */
  observe(ms: number, failed: boolean, now: number): void {
    this.count++;
    this.sum += ms;
    for (let i = 0; i < QUERY_DURATION_BUCKETS_MS.length; i++) if (ms <= QUERY_DURATION_BUCKETS_MS[i]!) this.counts[i]!++;
    if (failed) {
      this.errors++;
      this.recentErrors.push(now);
      this.prune(now);
    }
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.recentErrors.length && this.recentErrors[drop]! <= now - ERROR_WINDOW_MS) drop++;
    if (drop > 0) this.recentErrors.splice(0, drop);
  }

  snapshot(now: number): QueryMetricsSnapshot {
    this.prune(now);
    return {
      statements: this.count,
      errors: this.errors,
      errorRate: this.recentErrors.length,
      durationMs: { buckets: QUERY_DURATION_BUCKETS_MS, counts: [...this.counts], sum: this.sum, count: this.count },
    };
  }
}

const perEngine = new WeakMap<object, QueryMetrics>();

/**
 * The metrics of every handle on `engine` (the Worker's main handle and its transaction
 * handles, `new Database(() => engine)` in user code): one set per engine, made on first use.
 */
export function queryMetricsOf(engine: object): QueryMetrics {
  let m = perEngine.get(engine);
  if (!m) {
    m = new QueryMetrics();
    perEngine.set(engine, m);
  }
  return m;
}
