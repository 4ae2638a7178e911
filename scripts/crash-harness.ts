// Parent side of the crash test: start a child that commits batches, SIGKILL it at a
// random moment, reopen the database and check that every acknowledged batch is present
// (as of its LSN) and that every batch that was in flight is all-or-nothing; batches never
// submitted must be absent.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { LsmEngine, type Durability } from '../src/lsm/engine.js';
import { Prng } from '../src/util/prng.js';
import { bytesEqual } from '../src/util/bytes.js';
import { HOT_TABLE, MARKER_TABLE, UNIQUE_TABLE, hotValue, keysPerBatch, markerValue, uniqueValue } from './crash-workload.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface TrialResult {
  ok: boolean;
  /** Rounds whose kill landed while a compaction was running. */
  midCompaction: number;
  rounds: number;
  acked: number;
  inflight: number;
  recoveredLsn: number;
  error?: string;
}

interface ChildLog {
  started: Set<number>;
  acked: Map<number, number>;
  compacting: boolean;
}

function runChild(dir: string, start: number, durability: Durability, killAfterMs: number): Promise<ChildLog> {
  return new Promise((resolve, reject) => {
    // Run node itself with tsx as a loader: the tsx CLI relays to a grandchild process that a
    // SIGKILL of the CLI would leave running, so the kill would not be a crash at all.
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash-child.ts'), dir, String(start), durability, '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', reject);
    const log: ChildLog = { started: new Set(), acked: new Map(), compacting: false };
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [tag, a, b] = line.split(' ');
        if (tag === 'R' && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (tag === 'S') log.started.add(Number(a));
        else if (tag === 'A') log.acked.set(Number(a), Number(b));
        else if (tag === 'C+') log.compacting = true;
        else if (tag === 'C-') log.compacting = false;
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': by then every line the child wrote has been read (a batch it started
    // just before the kill must not look "never submitted").
    child.on('close', (_code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own (signal ${signal}): ${stderr.slice(0, 2000)}`));
      else resolve(log);
    });
  });
}

async function verify(
  dir: string,
  log: ChildLog,
  previouslyAcked: Map<number, number>,
): Promise<{ recoveredLsn: number; problems: string[]; visibleInflight: Map<number, number> }> {
  const store = new FsObjectStore(dir);
  const engine = await LsmEngine.open({ store, durability: 'full' });
  const problems: string[] = [];
  const present = async (table: number, key: (string | number)[], value: Uint8Array, asOf?: number): Promise<boolean> => {
    const got = await engine.get(table, key, asOf === undefined ? {} : { asOf });
    return got !== undefined && bytesEqual(got, value);
  };
  try {
    const maxAcked = Math.max(0, ...log.acked.values(), ...previouslyAcked.values());
    if (engine.lastVisibleLsn < maxAcked) problems.push(`recovered LSN ${engine.lastVisibleLsn} < acknowledged ${maxAcked}`);
    const horizon = engine.stats().retentionHorizon;
    for (const [i, lsn] of [...previouslyAcked, ...log.acked]) {
      if (lsn >= horizon) {
        for (let j = 0; j < keysPerBatch(i); j++) {
          if (!(await present(UNIQUE_TABLE, [i, j], uniqueValue(i, j), lsn))) problems.push(`acked batch ${i} (lsn ${lsn}) lost key [${i},${j}]`);
        }
        if (!(await present(MARKER_TABLE, [i], markerValue(i), lsn))) problems.push(`acked batch ${i} lost its marker`);
        if (!(await present(HOT_TABLE, [i % 50], hotValue(i), lsn))) problems.push(`acked batch ${i} lost its hot key at lsn ${lsn}`);
      } else {
        // History below the retention horizon is gone by design: check what survives at
        // the latest state (markers are never rewritten; unique keys j >= 1 never deleted).
        if (!(await present(MARKER_TABLE, [i], markerValue(i)))) problems.push(`acked batch ${i} (below the horizon) lost its marker`);
        for (let j = 1; j < keysPerBatch(i); j++) {
          if (!(await present(UNIQUE_TABLE, [i, j], uniqueValue(i, j)))) problems.push(`acked batch ${i} (below the horizon) lost key [${i},${j}]`);
        }
      }
    }
    const visibleInflight = new Map<number, number>();
    for (const i of log.started) {
      if (log.acked.has(i)) continue;
      const marker = await present(MARKER_TABLE, [i], markerValue(i));
      if (marker) for await (const e of engine.scan(MARKER_TABLE, { gte: [i], lte: [i] })) visibleInflight.set(i, e.lsn);
      for (let j = 0; j < keysPerBatch(i); j++) {
        const has = await present(UNIQUE_TABLE, [i, j], uniqueValue(i, j));
        if (has !== marker) problems.push(`in-flight batch ${i} is partially visible (marker ${marker}, key ${j} ${has})`);
      }
    }
    const maxStarted = Math.max(-1, ...log.started);
    for (let i = maxStarted + 1; i < maxStarted + 20; i++) {
      if ((await engine.get(MARKER_TABLE, [i])) !== undefined) problems.push(`batch ${i} was never submitted but is visible`);
    }
    return { recoveredLsn: engine.lastVisibleLsn, problems, visibleInflight };
  } finally {
    await engine.close();
    await store.close();
  }
}

/**
 * One trial: up to `rounds` kill/recover rounds on one database (recovery after recovery),
 * each killed after a random delay.
 */
export async function crashTrial(seed: number, options: { rounds?: number; durability?: Durability; maxKillMs?: number } = {}): Promise<TrialResult> {
  const r = new Prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'dosql-crash-'));
  const acked = new Map<number, number>();
  let next = 0;
  let lastInflight = 0;
  let recoveredLsn = 0;
  let midCompaction = 0;
  const rounds = options.rounds ?? 2;
  const fail = (error: string): TrialResult => ({ ok: false, midCompaction, rounds, acked: acked.size, inflight: lastInflight, recoveredLsn, error });
  try {
    for (let round = 0; round < rounds; round++) {
      const log = await runChild(dir, next, options.durability ?? 'full', 50 + r.int(options.maxKillMs ?? 1500));
      if (log.compacting) midCompaction++;
      const { recoveredLsn: lsn, problems, visibleInflight } = await verify(dir, log, acked);
      recoveredLsn = lsn;
      if (problems.length > 0) return fail(problems.slice(0, 5).join('; '));
      for (const [i, l] of log.acked) acked.set(i, l);
      lastInflight = [...log.started].filter((i) => !log.acked.has(i)).length;
      // In-flight batches that made it are now durable facts; start after every started batch.
      next = Math.max(next, ...log.started) + 1;
      // Batches in flight that became visible count as acknowledged from here on.
      for (const [i, l] of visibleInflight) acked.set(i, l);
    }
    return { ok: true, midCompaction, rounds, acked: acked.size, inflight: lastInflight, recoveredLsn };
  } catch (e) {
    return fail((e as Error).stack ?? String(e));
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
}
