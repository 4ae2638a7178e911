// The two-writer stress test's workload (issue 13, item 1): writers that share one database
// folder and loop "open -> write -> on FENCED (or COMMIT_UNKNOWN) close and reopen", each
// fencing the other at every reopen. Used by the child processes of `npm run stress:writers`
// and, in-process, by test/engine-two-writers.test.ts.
//
// Batch i of writer w writes keys [w, i, j] (never rewritten) and a marker [w, i] whose
// presence the checker compares with what the writer was told, plus an overwrite of a hot
// key so compactions have garbage to collect.
import { DoSQLError } from '../src/errors.js';
import type { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';

export const UNIQUE_TABLE = 1;
export const MARKER_TABLE = 2;
export const HOT_TABLE = 3;

export function keysPerBatch(i: number): number {
  return 1 + (i % 4);
}

export function uniqueValue(w: number, i: number, j: number): Uint8Array {
  const v = new Uint8Array(30 + ((i * 7 + j + w) % 150));
  for (let k = 0; k < v.length; k++) v[k] = (w * 101 + i * 31 + j * 17 + k) & 0xff;
  return v;
}

export function markerValue(w: number, i: number): Uint8Array {
  return new TextEncoder().encode(`marker-${w}-${i}`);
}

export function batchFor(w: number, i: number): WriteBatch {
  const b = new WriteBatch();
  for (let j = 0; j < keysPerBatch(i); j++) b.put(UNIQUE_TABLE, [w, i, j], uniqueValue(w, i, j));
  b.put(MARKER_TABLE, [w, i], markerValue(w, i));
  b.put(HOT_TABLE, [w, i % 20], new TextEncoder().encode(`hot-${w}-${i}-${'x'.repeat(i % 61)}`));
  return b;
}

/** What one writer did, as the checker needs it. */
export interface WriterLog {
  writer: number;
  /** Batches submitted (their outcome may be unknown if the process died). */
  started: Set<number>;
  /** Acknowledged batches and their LSNs: must be present. */
  acked: Map<number, number>;
  /** Batches that failed with FENCED: must be absent. */
  fenced: Set<number>;
  /** Batches that failed with COMMIT_UNKNOWN: either way, but all-or-nothing. */
  unknown: Set<number>;
  opens: number;
  /** Opens that failed with BUSY (retryable: a racing open). */
  busy: number;
  /** Anything else (a CORRUPTION at open is the bug this test exists for). */
  errors: string[];
}

export function newWriterLog(writer: number): WriterLog {
  return { writer, started: new Set(), acked: new Map(), fenced: new Set(), unknown: new Set(), opens: 0, busy: 0, errors: [] };
}

/** Events a writer reports (the child prints them, one per line). */
export type WriterEvent =
  | { t: 'open' }
  | { t: 'busy' }
  | { t: 'start'; i: number }
  | { t: 'ack'; i: number; lsn: number }
  | { t: 'fenced'; i: number }
  | { t: 'unknown'; i: number }
  | { t: 'error'; what: string };

export function applyEvent(log: WriterLog, e: WriterEvent): void {
  if (e.t === 'open') log.opens++;
  else if (e.t === 'busy') log.busy++;
  else if (e.t === 'start') log.started.add(e.i);
  else if (e.t === 'ack') log.acked.set(e.i, e.lsn);
  else if (e.t === 'fenced') log.fenced.add(e.i);
  else if (e.t === 'unknown') log.unknown.add(e.i);
  else log.errors.push(e.what);
}

export function formatEvent(e: WriterEvent): string {
  switch (e.t) {
    case 'open':
      return 'O';
    case 'busy':
      return 'B';
    case 'start':
      return `S ${e.i}`;
    case 'ack':
      return `A ${e.i} ${e.lsn}`;
    case 'fenced':
      return `F ${e.i}`;
    case 'unknown':
      return `U ${e.i}`;
    case 'error':
      return `E ${e.what.replace(/\n/g, ' ')}`;
  }
}

export function parseEvent(line: string): WriterEvent | null {
  const [tag, a, b] = line.split(' ');
  switch (tag) {
    case 'O':
      return { t: 'open' };
    case 'B':
      return { t: 'busy' };
    case 'S':
      return { t: 'start', i: Number(a) };
    case 'A':
      return { t: 'ack', i: Number(a), lsn: Number(b) };
    case 'F':
      return { t: 'fenced', i: Number(a) };
    case 'U':
      return { t: 'unknown', i: Number(a) };
    case 'E':
      return { t: 'error', what: line.slice(2) };
    default:
      return null;
  }
}

const describeError = (e: unknown): string => (e instanceof DoSQLError ? `${e.code} ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e));

/**
 * Loops until `stop()`: open (BUSY: retry), write batches `inflight` at a time until one
 * fails, then close and reopen. Indices continue across reopens, so each batch is submitted
 * exactly once.
 */
export async function writerLoop(o: {
  writer: number;
  open: () => Promise<LsmEngine>;
  inflight: number;
  stop: () => boolean;
  emit: (e: WriterEvent) => void;
  start?: number;
  /** Batches a session writes before it closes and reopens on its own (default: until fenced). */
  sessionWrites?: () => number;
}): Promise<void> {
  let next = o.start ?? 0;
  while (!o.stop()) {
    let engine: LsmEngine;
    try {
      engine = await o.open();
    } catch (e) {
      if (e instanceof DoSQLError && e.code === 'BUSY') {
        o.emit({ t: 'busy' });
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      o.emit({ t: 'error', what: `open: ${describeError(e)}` });
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    o.emit({ t: 'open' });
    let failed = false;
    let budget = o.sessionWrites?.() ?? Infinity;
    const one = async (): Promise<void> => {
      while (!failed && !o.stop() && budget-- > 0) {
        const i = next++;
        o.emit({ t: 'start', i });
        try {
          const info = await engine.write(batchFor(o.writer, i));
          o.emit({ t: 'ack', i, lsn: info.lsn });
        } catch (e) {
          failed = true;
          const code: string = e instanceof DoSQLError ? e.code : '';
          if (code === 'FENCED') o.emit({ t: 'fenced', i });
          else if (code === 'COMMIT_UNKNOWN') o.emit({ t: 'unknown', i });
          else {
            o.emit({ t: 'unknown', i });
            o.emit({ t: 'error', what: `write ${i}: ${describeError(e)}` });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: o.inflight }, one));
    try {
      await engine.close();
    } catch (e) {
      o.emit({ t: 'error', what: `close: ${describeError(e)}` });
    }
  }
}

/**
 * Checks a database after the writers stopped: every acknowledged batch present, every
 * FENCED batch absent, every other submitted batch all-or-nothing, nothing never submitted.
 * `engine` is the final open. Returns the problems found (empty: correct).
 */
export async function checkWriters(engine: LsmEngine, logs: readonly WriterLog[]): Promise<{ problems: string[]; fencedPresent: number; unknownPresent: number }> {
  const problems: string[] = [];
  let fencedPresent = 0;
  let unknownPresent = 0;
  const eq = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && a.length === b.length && a.every((x, k) => x === b[k]);
  // Read every table end to end first: every block of every live file is read and verified.
  for (const table of [UNIQUE_TABLE, MARKER_TABLE, HOT_TABLE]) for await (const _ of engine.scan(table)) void _;
  for (const log of logs) {
    const w = log.writer;
    const present = async (i: number): Promise<boolean> => {
      const marker = eq(await engine.get(MARKER_TABLE, [w, i]), markerValue(w, i));
      for (let j = 0; j < keysPerBatch(i); j++) {
        const has = eq(await engine.get(UNIQUE_TABLE, [w, i, j]), uniqueValue(w, i, j));
        if (has !== marker) problems.push(`writer ${w} batch ${i} is partially visible (marker ${marker}, key ${j} ${has})`);
      }
      return marker;
    };
    for (const [i, lsn] of log.acked) if (!(await present(i))) problems.push(`writer ${w}: acknowledged batch ${i} (LSN ${lsn}) is lost`);
    for (const i of log.fenced) {
      if (await present(i)) {
        fencedPresent++;
        problems.push(`writer ${w}: batch ${i} failed with FENCED but is present`);
      }
    }
    for (const i of log.started) if (!log.acked.has(i) && !log.fenced.has(i) && (await present(i))) unknownPresent++;
    const max = Math.max(-1, ...log.started);
    for (let i = max + 1; i < max + 10; i++) if (await present(i)) problems.push(`writer ${w}: batch ${i} was never submitted but is present`);
    for (const e of log.errors) problems.push(`writer ${w}: ${e}`);
  }
  return { problems, fencedPresent, unknownPresent };
}
