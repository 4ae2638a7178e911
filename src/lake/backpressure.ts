// Backpressure (docs/lake.md, "Backpressure"; seed 002's signals): the buffer's utilization
// u = buffered bytes / capacity drives three states. resume → slow_down at u ≥ 0.5 (suggested
// delay grows with u and the last flush's duration) → pause at u ≥ 0.9 or after 3 failed flushes
// in a row; back to resume when u ≤ 0.3 after a successful flush (slow_down → resume below 0.4).
// Each transition is sent to every source and rides on every ack.
import type { BackpressureSignal } from '../cdc/lake-protocol.js';

export class Backpressure {
  private signal: BackpressureSignal;
  private failures = 0;
  private lastFlushMs = 0;

  constructor(now: number) {
    this.signal = { type: 'resume', bufferUtilization: 0, suggestedDelayMs: 0, reason: 'buffer', at: now };
  }

  get current(): BackpressureSignal {
    return this.signal;
  }

  /** A flush ended (ok or not) after `ms`. */
  flushed(ok: boolean, ms: number): void {
    this.failures = ok ? 0 : this.failures + 1;
    if (ok) this.lastFlushMs = ms;
  }

  /** Re-evaluates at utilization `u`; returns the new signal when the state changed. */
  update(u: number, now: number): BackpressureSignal | null {
    const prev = this.signal.type;
    const delay = Math.min(30_000, Math.max(100, Math.round(2 * u * this.lastFlushMs)));
    let type: BackpressureSignal['type'] = prev;
    let reason: BackpressureSignal['reason'] = 'buffer';
    if (this.failures >= 3) {
      type = 'pause';
      reason = 'flush_error';
    } else if (u >= 0.9) type = 'pause';
    else if (u >= 0.5) type = prev === 'pause' ? 'pause' : 'slow_down';
    else if (prev === 'pause' ? u <= 0.3 : prev === 'slow_down' ? u < 0.4 : true) type = 'resume';
    if (prev === 'pause' && type === 'pause' && this.signal.reason === 'flush_error' && this.failures === 0 && u < 0.9) type = u >= 0.5 ? 'slow_down' : 'resume';
    this.signal = { type, bufferUtilization: u, suggestedDelayMs: type === 'resume' ? 0 : delay, reason, at: type === prev ? this.signal.at : now };
    return type === prev ? null : this.signal;
  }
}
