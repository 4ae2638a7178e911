/** Wall-clock source, injected so tests and the demo can stamp commits with chosen times. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock the caller moves by hand (tests, replaying historical data). */
export class ManualClock implements Clock {
  constructor(private ms: number = 0) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
