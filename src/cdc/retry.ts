// Retry schedule of the lakehouse streamer (seed 000 `retry` options): attempt n waits
// min(maxDelayMs, initialDelayMs · multiplier^(n−1)), ±20 % jitter from the injected random source.

export interface RetryOptions {
  /** Attempts of one batch before the streamer stops with an error. Default 5. */
  maxAttempts?: number;
  /** Default 100 ms. */
  initialDelayMs?: number;
  /** Default 30000 ms. */
  maxDelayMs?: number;
  /** Default 2. */
  backoffMultiplier?: number;
}

export type ResolvedRetry = Required<RetryOptions>;

export function resolveRetry(o: RetryOptions = {}): ResolvedRetry {
  return { maxAttempts: o.maxAttempts ?? 5, initialDelayMs: o.initialDelayMs ?? 100, maxDelayMs: o.maxDelayMs ?? 30_000, backoffMultiplier: o.backoffMultiplier ?? 2 };
}

/** The wait before retry `n` (1-based), ms; `random` returns [0, 1). */
export function backoffDelay(r: ResolvedRetry, n: number, random: () => number = Math.random): number {
  const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.backoffMultiplier ** Math.max(0, n - 1));
  return Math.max(0, Math.round(base * (0.8 + 0.4 * random())));
}
