/** A FIFO async mutex: `await m.lock()` returns the unlock function. */
export class Mutex {
  private held = false;
  /** Grants of lock() calls waiting for the lock, first come first served. */
  private readonly queue: (() => void)[] = [];

  lock(): Promise<() => void> {
    const unlock = this.tryLock();
    if (unlock) return Promise.resolve(unlock);
    return new Promise((resolve) => {
      this.queue.push(() => {
        this.held = true;
        resolve(this.unlocker());
      });
    });
  }

  /**
   * The lock now, without waiting, when it is free and nobody waits for it; undefined
   * otherwise (then `lock()`). Lets a caller on a hot path skip the promise of `lock()`.
   */
  tryLock(): (() => void) | undefined {
    if (this.held || this.queue.length > 0) return undefined;
    this.held = true;
    return this.unlocker();
  }

  /** Releases once (a second call does nothing) and hands the lock to the next waiter. */
  private unlocker(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held = false;
      this.queue.shift()?.();
    };
  }

  get locked(): boolean {
    return this.held;
  }
}

type Immediate = (cb: () => void) => unknown;
const setImmediateFn: Immediate | undefined = (globalThis as { setImmediate?: Immediate }).setImmediate;

/**
 * Yields to the event loop so I/O callbacks and other requests run between slices of long
 * CPU work (flush and compaction run on the same thread as reads and writes).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (setImmediateFn) setImmediateFn(resolve);
    else setTimeout(resolve, 0);
  });
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Counts operations between yields to the event loop: a caller looping over cached reads (or
 * commits) otherwise never leaves the microtask queue, and I/O callbacks, timers and
 * background results would wait until it stops.
 */
export class YieldBudget {
  private ops = 0;
  /** Yield after this many operations (at least 1). */
  readonly every: number;

  constructor(every: number) {
    this.every = Math.max(1, every);
  }

  /** Counts `n` operations; true when `limit` (default `every`) have been counted since the last yield. */
  spend(n = 1, limit = this.every): boolean {
    this.ops += n;
    return this.ops >= limit;
  }

  /** Yields to the event loop and starts counting again. */
  yieldNow(): Promise<void> {
    this.ops = 0;
    return yieldToEventLoop();
  }
}
