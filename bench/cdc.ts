// Change data capture (docs/cdc.md):
//   1. catch-up: a slot at 0, then `--n` row changes (commits of 100 rows: inserts, updates and
//      deletes over two tables, one with a secondary index; flushes retire the WAL into the
//      slot's retained history); then read everything from LSN 0: typed and raw events/s;
//   2. latency: one subscriber at the head while a writer commits steadily (`--commits`);
//      commit -> delivery latency = time the subscriber received a commit's COMMIT event minus
//      the time the commit became visible (the engine's commit hook), p50/p99/max;
//   3. write overhead: the same SQL write loop with 0, 1 and 4 typed subscribers consuming at
//      the head, in one run, order rotated (0,1,4,4,1,0); rows/s and overhead against none.
//
//   npm run bench -- cdc [--n CHANGES] [--commits N] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCDC, type CDCEvent, type WALEntry } from '../src/cdc/index.js';
import { DB, type Database } from '../src/index.js';
import { describeMachine, machineInfo } from './machine.js';

const ROWS = 100;

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function open(dir: string): Database {
  return DB('cdcbench', { path: dir, workerThreads: false, durability: 'normal', retention: 0 });
}

/**
 * One commit of ROWS row changes: per 10 rows, 5 inserts into `a`, 3 updates and 1 delete of
 * rows `a` got two commits earlier, and 1 upsert into `b` (an insert, then updates).
 */
async function commitChanges(db: Database, c: number): Promise<void> {
  const base = c * ROWS;
  await db.transaction(async (tx) => {
    for (let i = 0; i < ROWS; i += 10) {
      for (let j = 0; j < 5; j++) await tx.run('INSERT INTO a VALUES (?, ?, ?)', [base + i + j, `name-${base + i + j}`, (base + i + j) % 97]);
      const old = base - 2 * ROWS + i;
      for (let j = 0; j < 3; j++) await tx.run('UPDATE a SET score = score + 1 WHERE id = ?', [c >= 2 ? old + j : base + i + j]);
      await tx.run('DELETE FROM a WHERE id = ?', [c >= 2 ? old + 3 : base + i + 4]);
      await tx.run('INSERT OR REPLACE INTO b VALUES (?, ?)', [(base + i) % 500, `b-${base + i}`]);
    }
  });
}

async function setup(db: Database): Promise<void> {
  await db.exec('CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT, score INT)');
  await db.exec('CREATE INDEX a_score ON a(score)');
  await db.exec('CREATE TABLE b(k INTEGER PRIMARY KEY, v TEXT)');
}

async function catchUp(dir: string, n: number, log: (s: string) => void): Promise<Record<string, number>> {
  const db = open(dir);
  await setup(db);
  const cdc = createCDC(db);
  await cdc.slots.createSlot('bench', 0n);
  const commits = Math.ceil(n / ROWS);
  let t0 = performance.now();
  for (let c = 0; c < commits; c++) await commitChanges(db, c);
  const writeMs = performance.now() - t0;
  const engine = await db.engine();
  await engine.flush();
  const head = engine.lastVisibleLsn;
  const stats = await cdc.stats();
  log(`  wrote ${commits * ROWS} changes in ${commits} commits in ${Math.round(writeMs)} ms; retained WAL ${(stats.walBytes.retained / 1e6).toFixed(1)} MB`);
  const out: Record<string, number> = { changes: commits * ROWS, commits, write_ms: writeMs, retained_wal_bytes: stats.walBytes.retained };
  for (const form of ['typed', 'raw'] as const) {
    t0 = performance.now();
    let events = 0;
    const sub = cdc.subscribe({ untilLSN: head, includeTransactionControl: false });
    const it: AsyncIterable<CDCEvent | WALEntry> = form === 'typed' ? sub.subscribeChanges(0n) : sub.subscribe(0n);
    for await (const e of it) {
      events++;
      if (form === 'typed') void (e as CDCEvent).type;
      else void (e as WALEntry).after;
    }
    const ms = performance.now() - t0;
    const bytes = sub.getStatus();
    void bytes;
    out[`${form}_events`] = events;
    out[`${form}_ms`] = ms;
    out[`${form}_events_per_s`] = events / (ms / 1000);
    log(`  catch-up ${form}: ${events} events from LSN 0 in ${Math.round(ms)} ms = ${Math.round(events / (ms / 1000))} events/s`);
  }
  await cdc.close();
  await db.close();
  return out;
}

async function latency(dir: string, commits: number, log: (s: string) => void): Promise<Record<string, number>> {
  const db = open(dir);
  await setup(db);
  const engine = await db.engine();
  const visibleAt = new Map<number, number>();
  engine.onCommit((rs) => {
    const t = performance.now();
    for (const r of rs) visibleAt.set(r.lsn, t);
  });
  const cdc = createCDC(db);
  const lat: number[] = [];
  const from = engine.lastVisibleLsn;
  const sub = cdc.subscribe({ fromLSN: from });
  let stop = false;
  const reader = (async () => {
    for await (const e of sub.subscribeChanges()) {
      if (e.type === 'commit') {
        const v = visibleAt.get(Number(e.lsn));
        if (v !== undefined) lat.push(performance.now() - v);
        visibleAt.delete(Number(e.lsn));
        if (stop && visibleAt.size === 0) break;
      }
    }
  })();
  for (let c = 0; c < commits; c++) {
    await db.run('INSERT INTO b VALUES (?, ?)', [c, `v-${c}`]);
    // A steady load, not a burst: let the subscriber run between commits as a real client's gaps would.
    if (c % 10 === 0) await new Promise((r) => setImmediate(r));
  }
  stop = true;
  await db.run('INSERT INTO b VALUES (?, ?)', [commits, 'last']);
  await reader;
  await cdc.close();
  await db.close();
  const out = { commits: lat.length, p50_ms: pct(lat, 50), p99_ms: pct(lat, 99), max_ms: Math.max(...lat) };
  log(`  latency commit -> delivery over ${lat.length} commits: p50 ${out.p50_ms.toFixed(3)} ms, p99 ${out.p99_ms.toFixed(3)} ms, max ${out.max_ms.toFixed(1)} ms`);
  return out;
}

async function overhead(dir: string, commits: number, log: (s: string) => void): Promise<Record<string, number>> {
  const db = open(dir);
  await setup(db);
  const cdc = createCDC(db);
  const rates: Record<number, number[]> = { 0: [], 1: [], 4: [] };
  let c = 0;
  for (const subs of [0, 1, 4, 4, 1, 0]) {
    const engine = await db.engine();
    const subsc = Array.from({ length: subs }, () => cdc.subscribe({ fromLSN: engine.lastVisibleLsn }));
    const readers = subsc.map(async (s) => {
      for await (const e of s.subscribeChanges()) void e.type;
    });
    const t0 = performance.now();
    for (let i = 0; i < commits; i++) await commitChanges(db, c++);
    const ms = performance.now() - t0;
    rates[subs]!.push((commits * ROWS) / (ms / 1000));
    for (const s of subsc) await s.close();
    await Promise.all(readers);
  }
  await cdc.close();
  await db.close();
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const r0 = avg(rates[0]!);
  const r1 = avg(rates[1]!);
  const r4 = avg(rates[4]!);
  const out = { rows_per_s_0: r0, rows_per_s_1: r1, rows_per_s_4: r4, overhead_1_pct: (1 - r1 / r0) * 100, overhead_4_pct: (1 - r4 / r0) * 100 };
  log(`  write rows/s: none ${Math.round(r0)}, 1 subscriber ${Math.round(r1)} (${out.overhead_1_pct.toFixed(1)} % overhead), 4 subscribers ${Math.round(r4)} (${out.overhead_4_pct.toFixed(1)} %)`);
  return out;
}

export async function main(args: string[]): Promise<void> {
  const n = arg(args, '--n', 200_000);
  const commits = arg(args, '--commits', 2_000);
  const jsonAt = args.indexOf('--json');
  const root = mkdtempSync(join(tmpdir(), 'dosql-cdc-bench-'));
  const log = (s: string): void => console.log(s);
  console.log(`machine: ${describeMachine(machineInfo(root))}`);
  try {
    log(`catch-up (${n} changes)`);
    const c = await catchUp(join(root, 'catchup'), n, log);
    log(`latency (${commits} commits)`);
    const l = await latency(join(root, 'latency'), commits, log);
    const perRound = Math.max(10, Math.round(commits / 10));
    log(`write overhead (${perRound} commits of ${ROWS} rows per round, rounds 0,1,4,4,1,0 subscribers)`);
    const o = await overhead(join(root, 'overhead'), perRound, log);
    if (jsonAt >= 0) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ machine: machineInfo(), n, commits, catchUp: c, latency: l, overhead: o }, null, 2));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
