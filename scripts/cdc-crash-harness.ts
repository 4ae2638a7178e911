// Parent side of the CDC kill -9 test: a child (scripts/cdc-crash-child.ts) writes and
// consumes from a replication slot in one process; the parent SIGKILLs it at random moments
// (the consumer anywhere in a batch: before or after its sink write, before or after its
// slot acknowledgement; sometimes far behind the writer), restarts it, and finally runs it
// once to drain the slot to the head. Then it checks, on the reopened database:
//   - the sink holds no position twice and is in stream order, each commit contiguous
//     (BEGIN at seq 0 ... COMMIT, seqs consecutive);
//   - the sink equals a fresh read of the stream from LSN 0 (slot `keep` retains the whole
//     log), so it holds nothing from a commit the database lacks;
//   - every acknowledged commit (`ack <lsn>` printed by the writer) is in the sink, or (no
//     events: it deleted what it inserted) left every table as it was;
//   - the sink replayed per table equals `SELECT *` of that table.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { createCDC, type WALEntry } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import { Prng } from '../src/util/prng.js';
import { comparePos, sinkRecord, type SinkRecord } from './cdc-crash-sink.js';

const here = dirname(fileURLToPath(import.meta.url));
const TABLES = ['a', 'b'];

export interface CdcTrialResult {
  ok: boolean;
  kills: number;
  /** Kills by the consumer's last reported phase: none yet, received, written, acked. */
  phases: Record<string, number>;
  acked: number;
  events: number;
  /** The largest number of acknowledged commits the consumer's sink was behind at a kill. */
  maxLag: number;
  /** Acknowledged commits with no net row change (no events), checked against the tables' history. */
  netEmpty: number;
  error?: string;
}

interface ChildRun {
  acked: number[];
  phase: string;
  /** The LSN of the last event in the sink, as last reported. */
  sinkLsn: number;
}

function runChild(dir: string, seed: number, mode: 'kill' | 'drain', killAfterMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // node with tsx as a loader, not the tsx CLI: the CLI relays to a grandchild that a
    // SIGKILL of the CLI would leave running.
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'cdc-crash-child.ts'), dir, String(seed), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', reject);
    const run: ChildRun = { acked: [], phase: 'none', sinkLsn: 0 };
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [tag, a, b] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (tag === 'R' && mode === 'kill' && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (tag === 'ack') run.acked.push(Number(a));
        else if (tag === 'P') {
          run.phase = a!;
          run.sinkLsn = Number(b);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close': by then every line the child wrote has been read.
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (mode === 'kill' && signal !== 'SIGKILL') reject(new Error(`child exited on its own (code ${code}, signal ${signal}): ${stderr.slice(0, 2000)}`));
      else if (mode === 'drain' && code !== 0) reject(new Error(`drain run failed (code ${code}, signal ${signal}): ${stderr.slice(0, 2000)}`));
      else resolve(run);
    });
  });
}

type Row = Record<string, unknown>;

async function verify(dir: string, acked: Set<number>): Promise<{ problems: string[]; events: number; netEmpty: number }> {
  const problems: string[] = [];
  const sink = readFileSync(join(dir, 'sink.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as SinkRecord);
  // Order, no duplicates, commits contiguous.
  for (let i = 0; i < sink.length; i++) {
    const e = sink[i]!;
    const p = sink[i - 1];
    if (p !== undefined && comparePos(p, e) >= 0) problems.push(`sink position ${e.id} follows ${p.id} (twice or out of order)`);
    if (e.op === 'BEGIN' && e.seq !== 0) problems.push(`sink BEGIN ${e.id} is not at seq 0`);
    if (e.op !== 'BEGIN' && (p === undefined || p.lsn !== e.lsn || p.seq !== e.seq - 1 || p.op === 'COMMIT')) problems.push(`sink event ${e.id} does not continue its commit (previous ${p?.id ?? 'none'})`);
    if (e.op === 'BEGIN' && p !== undefined && p.op !== 'COMMIT') problems.push(`sink commit ${p.lsn} not closed before ${e.id}`);
  }
  if (sink.length > 0 && sink.at(-1)!.op !== 'COMMIT') problems.push(`sink ends inside commit ${sink.at(-1)!.lsn}`);
  const lsns = new Set(sink.map((e) => e.lsn));
  let netEmpty = 0;

  const db = DB('cdc-crash', { path: join(dir, 'db'), durability: 'full' });
  const cdc = createCDC(db);
  try {
    const head = (await db.engine()).lastVisibleLsn;
    // Every acknowledged commit is there, unless it has no net row change (a transaction that
    // deleted the rows it inserted commits, at its own LSN, but shows no events): then every
    // table as of it equals the table as of the LSN before (history is kept: retention 7d).
    for (const l of acked) {
      if (lsns.has(l)) continue;
      if (l > head) {
        problems.push(`acknowledged commit ${l} is beyond the recovered head ${head}`);
        continue;
      }
      for (const t of TABLES) {
        const asOf = (n: number): Promise<Row[]> => db.query(`SELECT * FROM ${t} FOR SYSTEM_TIME AS OF LSN ${n} ORDER BY id`);
        if (!isDeepStrictEqual(await asOf(l - 1), await asOf(l))) problems.push(`acknowledged commit ${l} changed table ${t} but is not in the sink`);
      }
      netEmpty++;
    }
    const stats = await cdc.stats();
    if (stats.oldestLSN !== 0n) problems.push(`the log starts at ${stats.oldestLSN}, not 0: the fresh read cannot cover the sink`);
    // The sink equals a fresh read of the whole stream.
    const fresh: SinkRecord[] = [];
    const sub = cdc.subscribe({ untilLSN: BigInt(head) });
    for await (const e of sub.subscribe(0n) as AsyncIterable<WALEntry>) fresh.push(sinkRecord(e));
    await sub.close();
    const n = Math.max(fresh.length, sink.length);
    for (let i = 0; i < n; i++) {
      if (!isDeepStrictEqual(sink[i], fresh[i])) {
        problems.push(`sink differs from a fresh read from LSN 0 at event ${i}: sink ${JSON.stringify(sink[i])}, stream ${JSON.stringify(fresh[i])} (sink ${sink.length} events, stream ${fresh.length})`);
        break;
      }
    }
    // The sink replayed equals each table.
    const replica = new Map<string, Map<number, Row>>(TABLES.map((t) => [t, new Map()]));
    for (const e of sink) {
      const m = replica.get(e.table);
      if (e.op === 'INSERT' || e.op === 'UPDATE') {
        if (e.before) m!.delete(e.before.id as number);
        m!.set(e.after!.id as number, e.after!);
      } else if (e.op === 'DELETE') m!.delete(e.before!.id as number);
    }
    for (const t of TABLES) {
      const rows = await db.query(`SELECT * FROM ${t} ORDER BY id`);
      const mine = [...replica.get(t)!.values()].sort((x, y) => (x.id as number) - (y.id as number));
      if (!isDeepStrictEqual(mine, rows)) problems.push(`table ${t}: the sink replayed (${mine.length} rows) differs from SELECT * (${rows.length} rows)`);
    }
  } finally {
    await cdc.close();
    await db.close();
  }
  return { problems, events: sink.length, netEmpty };
}

/** One trial: `kills` kill/restart rounds on one database and sink, a draining run, the checks. */
export async function cdcCrashTrial(seed: number, options: { kills?: number; maxKillMs?: number } = {}): Promise<CdcTrialResult> {
  const r = new Prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'dosql-cdc-crash-'));
  const acked = new Set<number>();
  const phases: Record<string, number> = {};
  let kills = 0;
  let maxLag = 0;
  let sinkLsn = 0;
  try {
    for (let k = 0; k < (options.kills ?? 3); k++) {
      const run = await runChild(dir, seed * 1000 + k, 'kill', 20 + r.int(options.maxKillMs ?? 1500));
      kills++;
      phases[run.phase] = (phases[run.phase] ?? 0) + 1;
      for (const l of run.acked) acked.add(l);
      if (run.phase !== 'none') sinkLsn = run.sinkLsn;
      maxLag = Math.max(maxLag, [...acked].filter((l) => l > sinkLsn).length);
    }
    await runChild(dir, seed * 1000 + 999, 'drain', 0);
    const { problems, events, netEmpty } = await verify(dir, acked);
    const res = { ok: problems.length === 0, kills, phases, acked: acked.size, events, maxLag, netEmpty };
    return problems.length === 0 ? res : { ...res, error: problems.slice(0, 5).join('; ') };
  } catch (e) {
    return { ok: false, kills, phases, acked: acked.size, events: 0, maxLag, netEmpty: 0, error: (e as Error).stack ?? String(e) };
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
}
