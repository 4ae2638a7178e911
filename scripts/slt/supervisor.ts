// Runs sqllogictest files in a child process so that one stuck record cannot hang the run.
//
// The child sends a heartbeat before every record. If none arrives for longer than the record
// timeout (plus a grace period, leaving the cooperative timeout in runner.ts the first chance),
// the child is killed, that record counts as failed ("timed out"), and a new child resumes the
// file after it: it replays the earlier statements (except ones that timed out) on a fresh
// database to rebuild the state, then checks the rest. A child that dies (out of memory, a
// crash in native code) is handled the same way. A process rather than a worker thread,
// because a thread stuck inside native code (better-sqlite3) cannot be terminated.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import type { EngineName } from './adapter.js';
import { DEFAULT_FAILURES_KEPT, emptyResult, keepFailure, type FileResult } from './file-run.js';
import { parseSlt, type SltRecord } from './parser.js';
import { DEFAULT_TIMEOUT_MS, timeoutReason, type SltTally } from './runner.js';
import type { WorkerMessage, WorkerTask } from './worker-protocol.js';

export interface SupervisorOptions {
  readonly engine: EngineName;
  readonly timeoutMs?: number;
  readonly engineLabel?: string;
  readonly maxFailuresKept?: number;
}

/** How long a fresh child may take to report its first record. */
const STARTUP_MS = 60_000;

/** How a task ended; `started`: whether the child had reported any record before it stopped. */
type TaskEnd = { readonly kind: 'done'; readonly error?: string } | { readonly kind: 'stuck'; readonly started: boolean } | { readonly kind: 'crashed'; readonly why: string; readonly started: boolean };

export class IsolatedRunner {
  private child: ChildProcess | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: SupervisorOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Runs one file to the end; never throws (problems land in the result's `error`). */
  async runFile(path: string): Promise<FileResult> {
    const result = emptyResult(path);
    const t0 = performance.now();
    const max = this.options.maxFailuresKept ?? DEFAULT_FAILURES_KEPT;
    let startAt = 0;
    const noReplay: number[] = [];
    let records: SltRecord[] | undefined;
    for (;;) {
      const task: WorkerTask = {
        path,
        engine: this.options.engine,
        options: { timeoutMs: this.timeoutMs, startAt, noReplay, ...(this.options.engineLabel === undefined ? {} : { engineLabel: this.options.engineLabel }) },
      };
      // Counts and position as of the last heartbeat: what stands if the child must be killed.
      let last: SltTally & { index: number } = { index: startAt, passed: 0, failed: 0, skipped: 0 };
      const end = await this.runTask(task, (m) => {
        if (m.type === 'failure') keepFailure(result, m.failure, max);
        else last = { index: m.type === 'start' ? m.index : last.index, passed: m.passed, failed: m.failed, skipped: m.skipped };
      });
      result.passed += last.passed;
      result.failed += last.failed;
      result.skipped += last.skipped;
      if (end.kind === 'done') {
        if (end.error !== undefined) result.error = end.error;
        break;
      }
      this.killChild();
      const reason = end.kind === 'stuck' ? `${timeoutReason(this.timeoutMs)} (engine process killed)` : `engine process died: ${end.why}`;
      if (!end.started) {
        // Not a record's fault: the child could not even begin (say, the engine failed to load).
        result.error = `${reason} before running any record`;
        break;
      }
      records ??= parseSlt(await readFile(path, 'utf8'), path);
      const rec = records[last.index]!;
      if (last.index < startAt) {
        result.error = `replaying ${path}:${rec.line} ${reason}; rest of the file not run`;
        break;
      }
      result.failed++;
      const sql = rec.kind === 'statement' || rec.kind === 'query' ? rec.sql : '';
      keepFailure(result, { path, line: rec.line, kind: rec.kind === 'query' ? 'query' : 'statement', sql, reason }, max);
      startAt = last.index + 1;
      noReplay.push(last.index);
    }
    result.ms = performance.now() - t0;
    return result;
  }

  close(): void {
    this.killChild();
  }

  private killChild(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private runTask(task: WorkerTask, onMessage: (m: WorkerMessage) => void): Promise<TaskEnd> {
    const child = (this.child ??= spawnChild());
    const killAfter = this.timeoutMs + Math.min(5_000, this.timeoutMs);
    const pollMs = Math.max(20, Math.min(1_000, this.timeoutMs / 4));
    return new Promise<TaskEnd>((resolve) => {
      let lastBeat = Date.now();
      // A new child first loads tsx and the engine, which can take a while on a busy machine.
      let limit = Math.max(killAfter, STARTUP_MS);
      let started = false;
      const finish = (end: TaskEnd): void => {
        clearInterval(timer);
        child.off('message', message);
        child.off('error', error);
        child.off('exit', exit);
        resolve(end);
      };
      const message = (m: WorkerMessage): void => {
        lastBeat = Date.now();
        limit = killAfter;
        started = true;
        onMessage(m);
        if (m.type === 'done') finish(m.error === undefined ? { kind: 'done' } : { kind: 'done', error: m.error });
      };
      const error = (e: Error): void => finish({ kind: 'crashed', why: e.message, started });
      const exit = (code: number | null, signal: string | null): void => finish({ kind: 'crashed', why: signal !== null ? `killed by ${signal}` : `exit code ${code}`, started });
      const timer = setInterval(() => {
        if (Date.now() - lastBeat > limit) finish({ kind: 'stuck', started });
      }, pollMs);
      child.on('message', message);
      child.on('error', error);
      child.on('exit', exit);
      child.send(task);
    });
  }
}

/** Starts worker.ts in a child Node process with tsx's loader (it need not be running under tsx itself). */
function spawnChild(): ChildProcess {
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const loader = pathToFileURL(join(tsxDir, 'dist', 'loader.mjs')).href;
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return fork(entry, [], { execArgv: ['--import', loader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
