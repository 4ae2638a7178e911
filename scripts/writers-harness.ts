// Parent side of the two-writer stress test (issue 13, item 1): two child processes write
// to one database folder, fencing each other at every reopen; after `ms` they are stopped
// (SIGKILL, or asked to close), and one final open must succeed and hold every acknowledged
// write, no write reported FENCED, and every other write all-or-nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DoSQLError } from '../src/errors.js';
import { LsmEngine, type Durability } from '../src/lsm/engine.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { applyEvent, checkWriters, newWriterLog, parseEvent, type WriterLog } from './writers-workload.js';
import { checkSqlWriters } from './writers-sql.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface WritersRunResult {
  /** The final open succeeded. */
  opened: boolean;
  /** Everything checked out (opened, nothing lost, no FENCED write present, no unexpected error). */
  ok: boolean;
  problems: string[];
  opens: number;
  busy: number;
  acked: number;
  fenced: number;
  /** Writes that failed with COMMIT_UNKNOWN. */
  commitUnknown: number;
  /** Writes with no outcome: in flight when the process was killed, or failed otherwise (then a problem too). */
  unknown: number;
  fencedPresent: number;
  unknownPresent: number;
}

function startChild(dir: string, writer: number, o: WritersRunOptions, log: WriterLog): { child: ChildProcess; exited: Promise<void> } {
  // node with tsx as a loader (not the tsx CLI, whose grandchild a SIGKILL would miss).
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'writers-child.ts'), dir, String(writer), o.durability ?? 'full', o.executor ?? 'worker', String(o.seed ?? 1), o.api ?? 'engine'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const e = parseEvent(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (e) applyEvent(log, e);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => {
    // 'close', not 'exit': every line the child wrote has been read by then.
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) log.errors.push(`process exited with code ${code}: ${stderr.slice(0, 2000)}`);
      resolve();
    });
  });
  return { child, exited };
}

export interface WritersRunOptions {
  /** How long the writers run once both have opened, ms (the minimum when `until` is given). */
  ms: number;
  /**
   * Keep running past `ms` until the writers have, in total, this many acknowledged writes
   * and opens (every open after the first two took the database over from the other writer),
   * for at most `maxMs` from when both opened. A run's length in wall time says little about
   * the work done on a loaded machine, where the writers may get a fraction of a core.
   */
  until?: { acked: number; opens: number; maxMs: number };
  /** Stop the writers with SIGKILL (else they are asked to close). */
  kill: boolean;
  durability?: Durability;
  /** Flushes and compactions on worker threads (the default for folders) or inline. */
  executor?: 'worker' | 'inline';
  /** Seeds when each writer reopens on its own. */
  seed?: number;
  /** Write through the key-value engine (default) or the SQL API (DB()). */
  api?: 'engine' | 'sql';
}

/** One run: two writers for `ms` milliseconds, then stopped by SIGKILL (`kill`) or asked to close. */
export async function writersRun(options: WritersRunOptions): Promise<WritersRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-writers-'));
  const logs = [newWriterLog(0), newWriterLog(1)];
  try {
    const children = logs.map((log) => startChild(dir, log.writer, options, log));
    // The run's time starts once both writers have opened (or given up): on a loaded machine
    // starting node with tsx can take seconds, and a run spent starting tests nothing.
    let exitedCount = 0;
    for (const c of children) void c.exited.then(() => exitedCount++);
    const startBy = Date.now() + 60_000;
    while (Date.now() < startBy && exitedCount === 0 && !logs.every((l) => l.opens > 0)) await new Promise((r) => setTimeout(r, 20));
    const runStart = Date.now();
    await new Promise((r) => setTimeout(r, options.ms));
    const until = options.until;
    if (until) {
      const total = (f: (l: WriterLog) => number): number => logs.reduce((n, l) => n + f(l), 0);
      const done = (): boolean => total((l) => l.acked.size) >= until.acked && total((l) => l.opens) >= until.opens;
      while (!done() && exitedCount === 0 && Date.now() < runStart + until.maxMs) await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of children) {
      if (options.kill) c.child.kill('SIGKILL');
      else c.child.stdin!.end('stop\n');
    }
    await Promise.all(children.map((c) => c.exited));
    if (options.api === 'sql') {
      try {
        const c = await checkSqlWriters(dir, logs);
        return { ...summary(logs), opened: true, ok: c.problems.length === 0, problems: c.problems, fencedPresent: c.fencedPresent, unknownPresent: c.unknownPresent };
      } catch (e) {
        const what = e instanceof DoSQLError ? `${e.code} ${e.message}` : String(e);
        return { ...summary(logs), opened: false, ok: false, problems: [`final open or read failed: ${what}`], fencedPresent: 0, unknownPresent: 0 };
      }
    }
    const store = new FsObjectStore(dir);
    let engine: LsmEngine;
    try {
      engine = await LsmEngine.open({ store });
    } catch (e) {
      await store.close();
      const what = e instanceof DoSQLError ? `${e.code} ${e.message}` : String(e);
      return { ...summary(logs), opened: false, ok: false, problems: [`final open failed: ${what}`], fencedPresent: 0, unknownPresent: 0 };
    }
    try {
      const c = await checkWriters(engine, logs);
      return { ...summary(logs), opened: true, ok: c.problems.length === 0, problems: c.problems, fencedPresent: c.fencedPresent, unknownPresent: c.unknownPresent };
    } catch (e) {
      // Opened, but its files cannot be read: as unusable as a failed open.
      const what = e instanceof DoSQLError ? `${e.code} ${e.message}` : String(e);
      return { ...summary(logs), opened: false, ok: false, problems: [`reading after the final open failed: ${what}`], fencedPresent: 0, unknownPresent: 0 };
    } finally {
      await engine.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
}

function summary(logs: WriterLog[]): Omit<WritersRunResult, 'opened' | 'ok' | 'problems' | 'fencedPresent' | 'unknownPresent'> {
  let opens = 0;
  let busy = 0;
  let acked = 0;
  let fenced = 0;
  let unknown = 0;
  let commitUnknown = 0;
  for (const l of logs) {
    commitUnknown += l.unknown.size;
    opens += l.opens;
    busy += l.busy;
    acked += l.acked.size;
    fenced += l.fenced.size;
    unknown += [...l.started].filter((i) => !l.acked.has(i) && !l.fenced.has(i) && !l.unknown.has(i)).length;
  }
  return { opens, busy, acked, fenced, commitUnknown, unknown };
}
