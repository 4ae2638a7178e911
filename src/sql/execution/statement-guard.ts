// What keeps one statement from taking its process down: a deadline and an AbortSignal checked
// as it works (SQLite's progress handler and sqlite3_interrupt), periodic yields to the event
// loop so timers and aborts can fire at all, and a budget of bytes it may buffer at once.
//
// Operators call `tick(n)` for every n units of work (rows read, join candidates visited);
// every CHECK_EVERY units the guard checks the signal and the clock and yields to the event
// loop, so a statement that never finishes still lets the rest of the process run and is
// stopped by its timeout. Buffering operators `charge` the estimated bytes of rows they hold
// and `release` them when they let go.
import { DoSQLError } from '../../errors.js';
import type { SqlValue } from '../types/value.js';
import { DEFAULT_LIMITS, limitExceeded, type Limits } from './limits.js';

/** Per-call options of every statement entry point (query, run, exec, prepare().all/iterate, transaction). */
export interface StatementOptions {
  /**
   * Stop the statement with INTERRUPTED after this many milliseconds (0: no timeout). Defaults
   * to the database's `timeoutMs`. Writes of a stopped statement are undone.
   */
  timeoutMs?: number;
  /** Stop the statement with INTERRUPTED when this signal aborts (as sqlite3_interrupt). */
  signal?: AbortSignal;
}

/** @internal What the API layer resolves StatementOptions to. */
export interface Interrupt {
  /** Date.now() at which the statement is stopped (Infinity: never). */
  readonly deadline: number;
  /** The timeout the deadline came from, for the error message. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * @internal Caps on what one response returns (the Worker's HTTP responses): every statement
 * of the response counts into the same `rows` and `bytes`.
 */
export interface ResultCaps {
  readonly maxRows?: number;
  readonly maxBytes?: number;
  rows: number;
  bytes: number;
}

/** Units of work between checkpoints: small enough to stop within milliseconds, large enough to cost nothing. */
const CHECK_EVERY = 8192;

type Scheduler = (f: () => void) => unknown;
const g = globalThis as { setImmediate?: Scheduler; setTimeout: (f: () => void, ms: number) => unknown };
/** Lets the event loop run (timers, I/O, other requests): setImmediate in Node, a zero timer elsewhere. */
const yieldToEventLoop: () => Promise<void> = g.setImmediate
  ? () => new Promise<void>((r) => void g.setImmediate!(r))
  : () => new Promise<void>((r) => void g.setTimeout(r, 0));

/** Resolves per-call options against the database's default timeout (ms, 0 = none). */
export function interruptOf(options: StatementOptions | undefined, defaultTimeoutMs: number, now?: number): Interrupt {
  // The common case, no options and no default timeout, allocates nothing (once per statement).
  if (options === undefined && !(defaultTimeoutMs > 0)) return NO_INTERRUPT;
  now ??= Date.now();
  const t = options?.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !(t >= 0))) throw new DoSQLError('INVALID_ARGUMENT', `sql: timeoutMs must be a number >= 0, got ${String(t)}`);
  const signal = options?.signal;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw new DoSQLError('INVALID_ARGUMENT', 'sql: signal must be an AbortSignal');
  }
  const timeoutMs = t ?? defaultTimeoutMs;
  return { deadline: timeoutMs > 0 ? now + timeoutMs : Infinity, timeoutMs, ...(signal ? { signal } : {}) };
}

/** No deadline, no signal. */
const NO_INTERRUPT: Interrupt = Object.freeze({ deadline: Infinity, timeoutMs: 0 });

/** The earlier deadline and both signals' union of two interrupts (a statement inside a timed transaction). */
export function combineInterrupts(a: Interrupt | undefined, b: Interrupt | undefined): Interrupt | undefined {
  if (!a || !b) return a ?? b;
  // One of them stops nothing (the common case: no options, no default timeout): the other as is.
  if (a.deadline === Infinity && !a.signal) return b;
  if (b.deadline === Infinity && !b.signal) return a;
  const first = a.deadline <= b.deadline ? a : b;
  const signal = a.signal && b.signal ? anySignal(a.signal, b.signal) : (a.signal ?? b.signal);
  return { deadline: first.deadline, timeoutMs: first.timeoutMs, ...(signal ? { signal } : {}) };
}

function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any([a, b]);
  const c = new AbortController();
  const stop = (): void => c.abort();
  if (a.aborted || b.aborted) stop();
  a.addEventListener('abort', stop, { once: true });
  b.addEventListener('abort', stop, { once: true });
  return c.signal;
}

export class StatementGuard {
  private countdown = CHECK_EVERY;
  private used = 0;

  constructor(
    readonly limits: Readonly<Limits> = DEFAULT_LIMITS,
    private readonly interrupt?: Interrupt,
    private readonly caps?: ResultCaps,
  ) {}

  /** Throws INTERRUPTED when the signal aborted or the deadline passed. */
  check(): void {
    const i = this.interrupt;
    if (!i) return;
    if (i.signal?.aborted) {
      const reason: unknown = i.signal.reason;
      const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
      throw new DoSQLError('INTERRUPTED', `sql: interrupted: the statement's AbortSignal fired${why ? ` (${why})` : ''}`, { cause: reason, details: { reason: 'abort' } });
    }
    if (i.deadline !== Infinity && Date.now() >= i.deadline) {
      throw new DoSQLError('INTERRUPTED', `sql: interrupted: the statement ran past its timeout of ${i.timeoutMs} ms`, { details: { reason: 'timeout', timeoutMs: i.timeoutMs } });
    }
  }

  /**
   * Counts `n` units of work. Returns a promise (await it) when a checkpoint is due: the
   * guard checks the interrupt, yields to the event loop and checks again; undefined otherwise.
   */
  tick(n = 1): Promise<void> | undefined {
    if ((this.countdown -= n) > 0) return undefined;
    return this.checkpoint();
  }

  private async checkpoint(): Promise<void> {
    this.countdown = CHECK_EVERY;
    this.check();
    await yieldToEventLoop();
    this.check();
  }

  /** Adds `bytes` held by `what` (an operator) to the statement's total; LIMIT_EXCEEDED past the budget. */
  charge(bytes: number, what: string): void {
    this.used += bytes;
    if (this.used > this.limits.maxMemoryBytes) {
      const max = this.limits.maxMemoryBytes;
      this.used -= bytes;
      throw limitExceeded('maxMemoryBytes', max, `statement uses too much memory: ${what} would hold over ${max} bytes (limits.maxMemoryBytes); add a LIMIT, a narrower WHERE or an index, or raise the limit`);
    }
  }

  /** Gives back bytes charged earlier. */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Bytes currently charged (tests and diagnostics). */
  get memoryUsed(): number {
    return this.used;
  }

  /** Counts result rows against the caps; LIMIT_EXCEEDED when over. */
  resultRow(bytes: number): void {
    const c = this.caps;
    if (!c) return;
    c.rows++;
    c.bytes += bytes;
    if (c.maxRows !== undefined && c.rows > c.maxRows) {
      throw limitExceeded('maxResultRows', c.maxRows, `result has more than ${c.maxRows} rows, the most one response may carry; page with LIMIT/OFFSET or a keyset, or stream it over the WebSocket API`);
    }
    if (c.maxBytes !== undefined && c.bytes > c.maxBytes) {
      throw limitExceeded('maxResultBytes', c.maxBytes, `result is larger than ${c.maxBytes} bytes, the most one response may carry; select fewer rows or columns, or stream it over the WebSocket API`);
    }
  }
}

/** Estimated bytes of one value in memory (a V8 heap estimate; exactness is not needed). */
export function valueBytes(v: SqlValue): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'string':
      return 16 + v.length;
    case 'number':
      return 16;
    case 'bigint':
      return 24;
    default:
      return 64 + (v as Uint8Array).byteLength;
  }
}

/** Estimated bytes of a hash key (rowKey / hashKey output) kept in a Set or Map. */
export function keyBytes(k: unknown): number {
  return typeof k === 'string' ? 40 + k.length : 40;
}

/** Estimated bytes of a row: the array and its values. */
export function rowBytes(r: readonly SqlValue[]): number {
  let b = 32 + 8 * r.length;
  for (let i = 0; i < r.length; i++) {
    const v = r[i]!;
    if (v !== null) b += valueBytes(v);
  }
  return b;
}
