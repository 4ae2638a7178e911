// Parent side of the lake's kill -9 test. The in-process variant (test/support/lake-crash-trial.ts)
// simulates kills by letting stores die; here every side is a real OS process:
//   - one source process per source (scripts/lake-kill-source.ts): the source database with a
//     random workload and its streamer, streaming over a WebSocket to
//   - the lake process (scripts/lake-kill-lake.ts): `dosql lake serve`'s server on a fixed
//     loopback port, its warehouse behind injected store failures, flushed every 0-150 ms.
// Each kill picks one process at random (the lake, or one source) and SIGKILLs it 20 ms to
// `maxKillMs` after it runs — independently of what the others do, so the lake dies before,
// during (`mid-flush`: between its `F+` and `F-`) and after flushes, and sources die mid-batch
// and mid-ack — then restarts it on what its files hold. After some kills and after the last one
// every process is SIGKILLed and the parent opens the databases and the lake (a lake opening
// recovers exactly as a restarted process would):
//   icebird, over loopback HTTP, reads every lake table's current snapshot, and it equals each
//   source's `SELECT * FROM t FOR SYSTEM_TIME AS OF LSN <the table's committed position for that
//   source>` (test/support/lake-reader.ts).
// Then a draining run (the lake and every source restarted, sources without writers, each
// exiting once the lake committed its head): every table equals every source at its head and
// the lake's committed position is each head. The drain has no wall-clock limit but a stall
// detector: both sides print their state every second, and the drain fails when neither the
// lake's received / committed positions, its tables' versions nor a streamer's acknowledged /
// committed LSN moved for `stallSeconds` (printing both sides' timelines), or after
// `drainCapSeconds` in all. With `sources: 3`, three source processes (ids s0..s2) write the same
// four tables, so each lake table holds three sources' rows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { openLake } from '../src/lake/index.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { compareLakeTable } from '../test/support/lake-reader.js';
import { headLsn, PARQUET_WASM, type Warehouse } from '../test/support/lake-harness.js';
import { LAKE_TABLES, Prng } from '../test/support/lake-workload.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface LakeKillOptions {
  /** Kill events per trial (each kills one process). Default 6. */
  kills?: number;
  /** Latest kill, ms after the target runs. Default 1500. */
  maxKillMs?: number;
  /** Source processes. Default 1. */
  sources?: number;
  /** Probability of each injected warehouse fault per store call in the lake process. Default 0.03. */
  faultRate?: number;
  /** The drain fails when neither side reports progress for this long, s. Default 60. */
  stallSeconds?: number;
  /** …or when it runs this long in all, s. Default 1800. */
  drainCapSeconds?: number;
  /** The streamers' heartbeat, ms (silence for twice it drops the connection). Default 1000. */
  heartbeatMs?: number;
}

export interface LakeKillResult {
  ok: boolean;
  error?: string;
  /** SIGKILLs of the lake process / of source processes at random moments (not the stops for checks). */
  lakeKills: number;
  sourceKills: number;
  /** Lake kills that landed inside a flush. */
  midFlush: number;
  /** Flushes the lake processes finished before their kill, and faults they injected. */
  flushes: number;
  faults: number;
  /** Table checks against AS OF LSN (per table and source), rows compared, checks at a committed position below the source's head. */
  checks: number;
  rows: number;
  behind: number;
  /** The sources' head LSNs at the end, summed. */
  head: number;
  /** The final drain: how long it took, and its longest stretch without progress, ms. */
  drainMs: number;
  drainMaxGapMs: number;
  /** In the final drain: the streamers' retries (reconnects and resends), their last errors, the lake's flushes that succeeded / failed, and whether a streamer was ever seen paused. */
  drainRetries: number;
  drainErrors: string[];
  drainFlushes: { ok: number; err: number };
  drainPaused: boolean;
}

/** A running child: its readiness, flush markers and exit. */
class Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  inFlush = false;
  flushes = 0;
  faults = 0;
  stderr = '';
  out = '';
  /** The `L` / `S` status lines (the lake's, a draining streamer's), with the time they came, last 600. */
  readonly samples: { at: number; v: Record<string, unknown> }[] = [];

  constructor(script: string, args: string[]) {
    // node on a bundle, not the tsx CLI: the CLI relays to a grandchild that a SIGKILL of the CLI
    // would leave running, and a bundle starts in a fraction of tsx's time on a loaded machine.
    this.proc = spawn(process.execPath, [bundle(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let readyWake: () => void = () => undefined;
    this.ready = new Promise((r) => (readyWake = r));
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [tag, , faults] = line.split(' ');
        if ((tag === 'L' || tag === 'S') && line.length > 2) {
          try {
            this.samples.push({ at: Date.now(), v: JSON.parse(line.slice(2)) as Record<string, unknown> });
            if (this.samples.length > 600) this.samples.shift();
          } catch {
            // A torn line of a killed child.
          }
          continue;
        }
        this.out += `${line}\n`;
        if (this.out.length > 4000) this.out = this.out.slice(-2000);
        if (tag === 'R') readyWake();
        else if (tag === 'F+') this.inFlush = true;
        else if (tag === 'F-') {
          this.inFlush = false;
          this.flushes++;
          this.faults = Number(faults ?? 0);
        }
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 20000) this.stderr = this.stderr.slice(-10000);
    });
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once it printed `R`; rejects if it exits first. */
  async started(what: string): Promise<void> {
    const e = await Promise.race([this.ready.then(() => null), this.exited]);
    if (e) throw new Error(`${what} exited before running (code ${e.code}, signal ${e.signal}): ${this.stderr.slice(0, 2000)}`);
  }

  /** SIGKILL; resolves once it is gone. Refuses a child that exited on its own (it failed). */
  async kill(what: string): Promise<void> {
    this.proc.kill('SIGKILL');
    const e = await this.exited;
    if (e.signal !== 'SIGKILL') throw new Error(`${what} exited on its own (code ${e.code}, signal ${e.signal}): ${this.stderr.slice(0, 2000)}`);
  }
}

const bundles = new Map<string, string>();

/** The child script bundled once per parent (esbuild; packages stay imports) under <repo>/.scratch/lake-kill. */
function bundle(script: string): string {
  let out = bundles.get(script);
  if (!out) {
    out = join(here, '..', '.scratch', 'lake-kill', `${process.pid}-${script.replace(/\.ts$/, '.mjs')}`);
    buildSync({ entryPoints: [join(here, script)], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'warning' });
    bundles.set(script, out);
    const file = out;
    process.once('exit', () => rmSync(file, { force: true }));
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const last = (c: Child): Record<string, unknown> | undefined => c.samples.at(-1)?.v;

/** A drain's timeline from the status lines since `t0`: about `n` samples per side, short. */
function timeline(lake: Child, srcs: Map<string, Child>, t0: number, n = 12): string {
  const pick = <T>(xs: T[]): T[] => xs.filter((_, i) => i % Math.max(1, Math.ceil(xs.length / n)) === 0 || i === xs.length - 1);
  const secs = (at: number): string => `${((at - t0) / 1000).toFixed(0)}s`;
  const lines = [`lake: ${pick(lake.samples.filter((x) => x.at >= t0)).map((x) => `${secs(x.at)} ${JSON.stringify(x.v)}`).join('\n  ')}`];
  for (const [id, c] of srcs) lines.push(`source ${id}: ${pick(c.samples.filter((x) => x.at >= t0)).map((x) => `${secs(x.at)} ${JSON.stringify(x.v)}`).join('\n  ')}`);
  return lines.join('\n ');
}

/**
 * Waits for every draining source to exit 0. Progress is any change of what the lake holds or
 * has committed per source, of a table's snapshot version, or of what a streamer has acknowledged or committed (their `L` / `S`
 * lines, once a second); fails on none for `stallMs` (a stall: printed with what both sides
 * reported) or on `capMs` in all, and on a source exiting otherwise than 0.
 */
async function drain(lake: Child, srcs: Map<string, Child>, stallMs: number, capMs: number, res: LakeKillResult): Promise<void> {
  const t0 = Date.now();
  const done = new Map<string, { code: number | null; signal: NodeJS.Signals | null }>();
  for (const [id, c] of srcs) void c.exited.then((e) => done.set(id, e));
  const progress = (): string => {
    const l = last(lake);
    return JSON.stringify([l?.sources, l?.versions, [...srcs].map(([id, c]) => (done.has(id) ? 'done' : [last(c)?.lastAckLSN, last(c)?.lastCommittedLSN]))]);
  };
  let seen = progress();
  let movedAt = t0;
  for (;;) {
    for (const [id, e] of done) if (e.code !== 0) throw new Error(`drain of source ${id} failed (code ${e.code}, signal ${e.signal}): ${srcs.get(id)!.stderr.slice(0, 3000)}; lake process output: ${lake.out.slice(-600)}`);
    if (done.size === srcs.size) break;
    await sleep(250);
    const now = Date.now();
    const p = progress();
    if (p !== seen) {
      res.drainMaxGapMs = Math.max(res.drainMaxGapMs, now - movedAt);
      seen = p;
      movedAt = now;
    }
    const stalled = now - movedAt >= stallMs;
    if (stalled || now - t0 >= capMs) {
      res.drainMs = now - t0;
      throw new Error(`drain ${stalled ? `STALLED: no progress for ${((now - movedAt) / 1000).toFixed(0)} s` : `still progressing but over its cap of ${capMs / 1000} s`} (${((now - t0) / 1000).toFixed(0)} s in all; sources done: ${[...done.keys()].join(',') || 'none'})\n ${timeline(lake, srcs, t0)}\n lake process output: ${lake.out.slice(-600)}`);
    }
  }
  res.drainMaxGapMs = Math.max(res.drainMaxGapMs, Date.now() - movedAt);
  res.drainMs = Date.now() - t0;
}

/** What the drain's status lines say about retries, errors, flushes and pauses (see LakeKillResult). */
function drainSummary(lake: Child, srcs: Map<string, Child>, res: LakeKillResult): void {
  const errors = new Set<string>();
  for (const c of srcs.values()) {
    const v = last(c);
    res.drainRetries += Number(v?.retries ?? 0);
    for (const x of c.samples) {
      if (typeof x.v.lastError === 'string') errors.add(x.v.lastError.replace(/\d+/g, 'N'));
      if (x.v.state === 'paused') res.drainPaused = true;
    }
  }
  res.drainErrors = [...errors];
  const f = last(lake)?.flushes as { ok?: number; err?: number } | undefined;
  res.drainFlushes = { ok: f?.ok ?? 0, err: f?.err ?? 0 };
}

/** Opens the dead processes' sources and lake here; icebird reads every table, it must equal AS OF the committed positions (or, `atHead`, the heads). */
async function check(dir: string, ids: string[], w: Warehouse, ns: string, atHead: boolean, res: LakeKillResult): Promise<void> {
  const dbs = new Map<string, Database>(ids.map((id) => [id, DB(id, { path: join(dir, id, 'db'), durability: 'full', retention: 'forever', workerThreads: false })]));
  const state = new FsObjectStore(join(dir, 'lake', 'state'));
  const warehouse = new FsObjectStore(w.dir);
  const lake = await openLake({ warehouse, state, url: w.server.base, namespace: ns, durability: 'full', flush: { auto: false, maxRowsPerFile: 30 }, parquetWasm: PARQUET_WASM });
  try {
    const heads: Record<string, number> = {};
    for (const [id, db] of dbs) heads[id] = await headLsn(db);
    res.head = Object.values(heads).reduce((a, b) => a + b, 0);
    for (const t of LAKE_TABLES) {
      const { got, want, positions } = await compareLakeTable(lake, t, dbs, atHead ? heads : undefined);
      res.checks += ids.length;
      res.rows += got.length;
      for (const id of ids) if ((positions[id] ?? 0) < heads[id]!) res.behind++;
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        const missing = want.filter((x) => !got.includes(x));
        const extra = got.filter((x) => !want.includes(x));
        throw new Error(`table ${t} at ${JSON.stringify(positions)} (heads ${JSON.stringify(heads)}): ${missing.length} missing ${JSON.stringify(missing.slice(0, 3))}, ${extra.length} extra ${JSON.stringify(extra.slice(0, 3))}`);
      }
    }
    if (atHead) {
      for (const id of ids) {
        const committed = lake.status().sources.find((s) => s.sourceId === id)?.committed;
        if (committed !== heads[id]) throw new Error(`after the drain the lake committed ${id} up to ${committed}, its head is ${heads[id]}`);
      }
    }
  } finally {
    await lake.close();
    await warehouse.close();
    await state.close();
    for (const db of dbs.values()) await db.close();
  }
}

/** One trial: independent SIGKILL/restart of the lake process and the source processes, checks after some kills, a draining run, a check at the heads. */
export async function lakeKillTrial(w: Warehouse, seed: number, options: LakeKillOptions = {}): Promise<LakeKillResult> {
  const r = new Prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'dosql-lake-kill-'));
  const ns = `kill${seed}`;
  const res: LakeKillResult = { ok: true, lakeKills: 0, sourceKills: 0, midFlush: 0, flushes: 0, faults: 0, checks: 0, rows: 0, behind: 0, head: 0, drainMs: 0, drainMaxGapMs: 0, drainRetries: 0, drainErrors: [], drainFlushes: { ok: 0, err: 0 }, drainPaused: false };
  const kills = options.kills ?? 6;
  const n = options.sources ?? 1;
  const ids = n === 1 ? ['src'] : Array.from({ length: n }, (_, i) => `s${i}`);
  for (const id of ids) mkdirSync(join(dir, id), { recursive: true });
  mkdirSync(join(dir, 'lake'), { recursive: true });
  const port = await freePort();
  const ingest = `ws://127.0.0.1:${port}/lake/ingest`;
  let runs = 0;
  const startLake = async (): Promise<Child> => {
    const c = new Child('lake-kill-lake.ts', [join(dir, 'lake'), w.dir, w.server.base, ns, String(port), String(seed * 1000 + runs++), String(options.faultRate ?? 0.03)]);
    await c.started('the lake process');
    return c;
  };
  const startSource = async (id: string, mode: 'kill' | 'drain'): Promise<Child> => {
    const c = new Child('lake-kill-source.ts', [join(dir, id), id, ingest, String(seed * 1000 + runs++), mode, String(options.heartbeatMs ?? 1000)]);
    if (mode === 'kill') await c.started(`source ${id}`);
    return c;
  };
  const stopLake = async (c: Child): Promise<void> => {
    await c.kill('the lake process');
    res.flushes += c.flushes;
    res.faults += c.faults;
  };
  let lake: Child | null = null;
  const srcs = new Map<string, Child>();
  try {
    lake = await startLake();
    for (const id of ids) srcs.set(id, await startSource(id, 'kill'));
    for (let k = 0; k < kills; k++) {
      await sleep(20 + r.int(options.maxKillMs ?? 1500));
      if (r.chance(0.5)) {
        res.lakeKills++;
        if (lake.inFlush) res.midFlush++;
        await stopLake(lake);
        lake = await startLake();
      } else {
        const id = ids[r.int(ids.length)]!;
        res.sourceKills++;
        await srcs.get(id)!.kill(`source ${id}`);
        srcs.set(id, await startSource(id, 'kill'));
      }
      if (k === kills - 1 || r.chance(0.25)) {
        await stopLake(lake);
        for (const [id, c] of srcs) await c.kill(`source ${id}`);
        srcs.clear();
        lake = null;
        await check(dir, ids, w, ns, false, res);
        if (k === kills - 1) break;
        lake = await startLake();
        for (const id of ids) srcs.set(id, await startSource(id, 'kill'));
      }
    }
    // Drain: no writers; each source exits once the lake committed its head.
    lake = await startLake();
    for (const id of ids) srcs.set(id, await startSource(id, 'drain'));
    try {
      await drain(lake, srcs, (options.stallSeconds ?? 60) * 1000, (options.drainCapSeconds ?? 1800) * 1000, res);
    } finally {
      drainSummary(lake, srcs, res);
    }
    srcs.clear();
    await stopLake(lake);
    lake = null;
    await check(dir, ids, w, ns, true, res);
  } catch (e) {
    res.ok = false;
    res.error = `seed ${seed}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  } finally {
    for (const c of srcs.values()) c.proc.kill('SIGKILL');
    lake?.proc.kill('SIGKILL');
    await Promise.all([...srcs.values()].map((c) => c.exited));
    if (lake) await lake.exited;
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    rmSync(join(w.dir, 'warehouse', ns), { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
  return res;
}
