// One sqllogictest file, run in this thread: read, parse, open a fresh in-memory database,
// run the records, close. Used directly by tests and `--no-isolate`, and by the worker.
import { readFile } from 'node:fs/promises';
import { openEngine, type EngineName, type SqlEngineAdapter } from './adapter.js';
import { parseSlt } from './parser.js';
import { isTimeout, runRecords, type RunHooks, type RunOptions, type SltFailure } from './runner.js';

export interface FileResult {
  readonly path: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Failed records that ran out of time (counted in `failed` too). */
  timeouts: number;
  /** Wall time for the file, milliseconds. */
  ms: number;
  /** The first failures, at most `maxFailuresKept`; `failuresOmitted` counts the rest. */
  readonly failures: SltFailure[];
  failuresOmitted: number;
  /** Set when the file could not be run at all (unreadable, malformed, engine failed to open). */
  error?: string;
}

export interface FileRunOptions extends RunOptions {
  /** How many failure details to keep per file (default 200). */
  readonly maxFailuresKept?: number;
}

export const DEFAULT_FAILURES_KEPT = 200;

export function emptyResult(path: string): FileResult {
  return { path, passed: 0, failed: 0, skipped: 0, timeouts: 0, ms: 0, failures: [], failuresOmitted: 0 };
}

/** Adds a failure to a result, keeping at most `max` details (every timeout is counted). */
export function keepFailure(result: FileResult, f: SltFailure, max: number): void {
  if (isTimeout(f)) result.timeouts++;
  if (result.failures.length < max) result.failures.push(f);
  else result.failuresOmitted++;
}

/** Runs script text on an already-open adapter (the caller owns and closes it). */
export async function runSltText(text: string, path: string, db: SqlEngineAdapter, options: FileRunOptions = {}, hooks: RunHooks = {}): Promise<FileResult> {
  const result = emptyResult(path);
  const t0 = performance.now();
  const max = options.maxFailuresKept ?? DEFAULT_FAILURES_KEPT;
  const tally = await runRecords(parseSlt(text, path), db, path, options, {
    ...hooks,
    onFailure: (f) => {
      keepFailure(result, f, max);
      hooks.onFailure?.(f);
    },
  });
  Object.assign(result, tally, { ms: performance.now() - t0 });
  return result;
}

/** Runs one file on a fresh database of `engine`; never throws (problems land in `error`). */
export async function runSltFile(path: string, engine: EngineName, options: FileRunOptions = {}, hooks: RunHooks = {}): Promise<FileResult> {
  const t0 = performance.now();
  let db: SqlEngineAdapter | undefined;
  try {
    const text = await readFile(path, 'utf8');
    db = await openEngine(engine);
    return await runSltText(text, path, db, options, hooks);
  } catch (e) {
    const r = emptyResult(path);
    r.error = e instanceof Error ? e.message : String(e);
    r.ms = performance.now() - t0;
    return r;
  } finally {
    await db?.close().catch(() => undefined);
  }
}
