// Runs parsed sqllogictest records, in order, against one engine adapter and tallies
// passed / failed / skipped records. One database per file: the caller opens a fresh one.
//
// Timeouts here are cooperative (Promise.race): they catch an engine that is slow but yields.
// An engine stuck in synchronous code is caught by the isolating supervisor (supervisor.ts),
// which watches `onRecordStart` from another thread and restarts the file after the stuck record.
import type { SqlEngineAdapter } from './adapter.js';
import { conditionsAllow, type QueryRecord, type SltRecord, type StatementRecord } from './parser.js';
import { formatRows, hashLine, hashValues, matchesExpected } from './result.js';

export interface SltFailure {
  readonly path: string;
  readonly line: number;
  readonly kind: 'statement' | 'query';
  readonly sql: string;
  /** One line: what went wrong ("wrong result", "query failed", "timed out after 30 s", ...). */
  readonly reason: string;
  readonly expected?: readonly string[];
  /** Printed actual values (at most ACTUAL_SHOWN), and their hash line. */
  readonly actual?: readonly string[];
  readonly actualHash?: string;
  readonly error?: string;
}

export interface SltTally {
  passed: number;
  failed: number;
  skipped: number;
}

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface RunHooks {
  /** Before each record (including replayed ones), with its index in the record list. */
  onRecordStart?(index: number): void;
  onOutcome?(outcome: Outcome): void;
  onFailure?(failure: SltFailure): void;
}

export interface RunOptions {
  /** Name matched by skipif/onlyif; the corpus' results are SQLite's, so 'sqlite'. */
  readonly engineLabel?: string;
  /** A record running longer than this fails (cooperative, see above). Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Resume point: records before it are not checked, but their statements are replayed to rebuild the database. */
  readonly startAt?: number;
  /** Record indexes not to replay (statements that already timed out once). */
  readonly noReplay?: readonly number[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const ACTUAL_SHOWN = 64;

class RecordTimeout extends Error {}

/**
 * The reference runner stops reading rows at a run-time error from sqlite3_step without
 * reporting it, so the corpus records such a query as an empty result. The one run-time
 * error the corpus relies on is sum()'s "integer overflow" (lang_aggfunc.html#sumunc).
 */
const STEP_ERROR = /integer overflow/i;

/** Runs `records` (parsed from `path`) on `db` and returns the tally; failures go to hooks.onFailure. */
export async function runRecords(records: readonly SltRecord[], db: SqlEngineAdapter, path: string, options: RunOptions = {}, hooks: RunHooks = {}): Promise<SltTally> {
  const engine = options.engineLabel ?? 'sqlite';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const startAt = options.startAt ?? 0;
  const noReplay = new Set(options.noReplay);
  const tally: SltTally = { passed: 0, failed: 0, skipped: 0 };
  const labels = new Map<string, string>();
  const count = (o: Outcome): void => {
    tally[o]++;
    hooks.onOutcome?.(o);
  };
  const fail = (f: SltFailure): void => {
    count('failed');
    hooks.onFailure?.(f);
  };

  for (let index = 0; index < records.length; index++) {
    const rec = records[index]!;
    hooks.onRecordStart?.(index);
    const allowed = conditionsAllow(rec.conditions, engine);
    if (rec.kind === 'halt') {
      if (allowed) break;
      continue;
    }
    if (rec.kind === 'hashThreshold') continue;
    if (index < startAt) {
      if (allowed && rec.kind === 'statement' && !noReplay.has(index)) await db.exec(rec.sql).catch(() => undefined);
      continue;
    }
    if (!allowed || rec.kind === 'unknown') {
      count('skipped');
      continue;
    }
    const failure = rec.kind === 'statement' ? await runStatement(rec, db, path, timeoutMs) : await runQuery(rec, db, path, timeoutMs, labels);
    if (failure === undefined) count('passed');
    else fail(failure);
  }
  return tally;
}

async function runStatement(rec: StatementRecord, db: SqlEngineAdapter, path: string, timeoutMs: number): Promise<SltFailure | undefined> {
  const base = { path, line: rec.line, kind: 'statement' as const, sql: rec.sql };
  try {
    await withTimeout(db.exec(rec.sql), timeoutMs);
  } catch (e) {
    if (e instanceof RecordTimeout) return { ...base, reason: timeoutReason(timeoutMs) };
    if (rec.expectError) return undefined;
    return { ...base, reason: 'statement failed', error: message(e) };
  }
  return rec.expectError ? { ...base, reason: 'statement succeeded but an error was expected' } : undefined;
}

async function runQuery(rec: QueryRecord, db: SqlEngineAdapter, path: string, timeoutMs: number, labels: Map<string, string>): Promise<SltFailure | undefined> {
  const base = { path, line: rec.line, kind: 'query' as const, sql: rec.sql, ...(rec.expected === undefined ? {} : { expected: rec.expected }) };
  let result;
  try {
    result = await withTimeout(db.query(rec.sql), timeoutMs);
  } catch (e) {
    if (e instanceof RecordTimeout) return { ...base, reason: timeoutReason(timeoutMs) };
    if (rec.expected?.length === 0 && STEP_ERROR.test(message(e))) return undefined;
    return { ...base, reason: 'query failed', error: message(e) };
  }
  const width = result.rows.length > 0 ? result.rows[0]!.length : result.columns.length;
  const values = formatRows(result.rows, rec.types, rec.sort);
  const actual = { actual: values.slice(0, ACTUAL_SHOWN), actualHash: hashLine(values) };
  if (result.rows.length > 0 && width !== rec.types.length) {
    return { ...base, ...actual, reason: `wrong number of columns: expected ${rec.types.length} (${rec.types}), got ${width}` };
  }
  if (rec.expected !== undefined && !matchesExpected(values, rec.expected)) return { ...base, ...actual, reason: 'wrong result' };
  if (rec.label !== undefined) {
    const hash = rec.expected === undefined ? hashValues(values) : expectedHash(rec.expected);
    const first = labels.get(rec.label);
    if (first === undefined) labels.set(rec.label, hash);
    else if (first !== hashValues(values)) return { ...base, ...actual, reason: `result differs from the first query labelled ${rec.label}` };
  }
  return undefined;
}

/** The md5 an expected block stands for, whether written as values or as a hash line. */
function expectedHash(expected: readonly string[]): string {
  const m = expected.length === 1 ? /^\d+ values hashing to ([0-9a-f]{32})$/.exec(expected[0]!) : null;
  return m !== null ? m[1]! : hashValues(expected);
}

/** The reason of a record that ran out of time (here, or killed by the supervisor). */
export function timeoutReason(ms: number): string {
  return `timed out after ${ms / 1000} s`;
}

/** Whether a failure is a record that ran out of time. */
export function isTimeout(f: SltFailure): boolean {
  return f.reason.startsWith('timed out after ');
}

function message(e: unknown): string {
  return e instanceof Error ? `${'code' in e && typeof e.code === 'string' ? `${e.code}: ` : ''}${e.message}` : String(e);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RecordTimeout()), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
