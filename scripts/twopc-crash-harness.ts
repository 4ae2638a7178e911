// One trial of the two-phase-commit crash test (`npm run crash:2pc`, test/twopc-crash.test.ts):
// N shard processes (scripts/twopc-crash-shard.ts, each a dosql database in its own folder
// behind HTTP JSON) and a coordinator process (scripts/twopc-crash-coordinator.ts) running
// random cross-shard bank transfers. The parent SIGKILLs the coordinator or a shard at random
// moments and restarts it (the coordinator recovers its log at start). At the end every process
// is SIGKILLed, a recovery-only coordinator finishes what is in doubt, and the shards' folders
// are opened here and checked:
//   - the total balance is what the trial started with;
//   - no transfer is half-applied: each gid in a `transfers` table appears on exactly two
//     shards, with deltas summing to 0, and each account's balance is its initial balance
//     plus its transfers' deltas;
//   - every acknowledged transfer is present with its accounts and amount;
//   - nothing is left prepared (PRAGMA prepared_xacts) and the coordinator log is empty.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DB } from '../src/node/db.js';
import { Prng } from '../src/util/prng.js';

const here = dirname(fileURLToPath(import.meta.url));
const INITIAL_BALANCE = 1000;

export interface TrialOptions {
  /** Shards (>= 2; default 3). */
  shards?: number;
  /** Accounts per shard (default 4). */
  accounts?: number;
  /** SIGKILLs per trial (default 3). */
  kills?: number;
  /** Longest pause before a kill, ms (default 1500). */
  maxKillMs?: number;
}

export interface TrialResult {
  ok: boolean;
  error?: string;
  /** SIGKILLs by target: 'coordinator' or the shard's id. */
  kills: Record<string, number>;
  acked: number;
  /** Transfers the coordinator reported as failed (aborted), by code. */
  failed: Record<string, number>;
  /** Transfers found committed on the shards (acknowledged or not). */
  committed: number;
  /** Kills sent right as the coordinator reported a phase ('prepared' or 'decided'). */
  phaseKills: number;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let bundles: Promise<Map<string, string>> | undefined;

/**
 * The child scripts bundled once per run with esbuild (a dependency of tsx): a bundle starts in
 * about a third of the time tsx takes to load the sources, which is most of a trial. Written
 * under the repository's git-ignored tmp/ so that their package imports resolve; without
 * esbuild, the sources run through tsx.
 */
function bundled(): Promise<Map<string, string>> {
  bundles ??= (async () => {
    const out = new Map<string, string>();
    try {
      const esbuild = await import('esbuild');
      const outdir = join(here, '..', 'tmp', `twopc-crash-build-${process.pid}`);
      const scripts = ['twopc-crash-shard.ts', 'twopc-crash-coordinator.ts'];
      await esbuild.build({ entryPoints: scripts.map((s) => join(here, s)), bundle: true, platform: 'node', format: 'esm', packages: 'external', outdir, logLevel: 'warning' });
      for (const s of scripts) out.set(s, join(outdir, s.replace(/\.ts$/, '.js')));
      process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    } catch {
      out.clear();
    }
    return out;
  })();
  return bundles;
}

function start(script: string, args: string[], onLine: (line: string) => void, bundle: Map<string, string>): Proc {
  // node itself (with tsx as a loader when not bundled), not the tsx CLI: the CLI relays to a
  // grandchild that a SIGKILL of the CLI would leave running.
  const entry = bundle.get(script);
  const argv = entry ? [entry, ...args] : ['--import', 'tsx', join(here, script), ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  (child as ChildProcess & { stderrText: () => string }).stderrText = () => err;
  return { child, exited };
}

function stderrOf(p: Proc): string {
  return (p.child as ChildProcess & { stderrText: () => string }).stderrText();
}

async function kill(p: Proc): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}

export async function twopcCrashTrial(seed: number, options: TrialOptions = {}): Promise<TrialResult> {
  const n = options.shards ?? 3;
  const accounts = options.accounts ?? 4;
  const kills = options.kills ?? 3;
  const maxKillMs = options.maxKillMs ?? 1500;
  const rng = new Prng(seed);
  const bundle = await bundled();
  const root = mkdtempSync(join(tmpdir(), 'dosql-2pc-crash-'));
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  const result: TrialResult = { ok: false, kills: {}, acked: 0, failed: {}, committed: 0, phaseKills: 0 };
  const acks = new Map<string, { from: number; fa: number; to: number; tb: number; amount: number }>();
  const shards: (Proc | undefined)[] = new Array(n);
  let coordinator: Proc | undefined;
  /** Waiting for the coordinator to report this phase (then kill at once). */
  let phaseWaiter: { phase: string; resolve: () => void } | undefined;
  const onCoordinatorLine = (line: string): void => {
    const f = line.split(' ');
    if (f[0] === 'PHASE' && phaseWaiter && phaseWaiter.phase === f[1]) {
      phaseWaiter.resolve();
      phaseWaiter = undefined;
    }
    if (f[0] === 'ACK') acks.set(f[1]!, { from: Number(f[2]), fa: Number(f[3]), to: Number(f[4]), tb: Number(f[5]), amount: Number(f[6]) });
    else if (f[0] === 'ERR') result.failed[f[1]!] = (result.failed[f[1]!] ?? 0) + 1;
  };
  const startShard = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const p = start('twopc-crash-shard.ts', [join(root, `shard${i}`), String(ports[i]), String(accounts)], (l) => {
        if (l.startsWith('READY')) resolve();
      }, bundle);
      shards[i] = p;
      void p.exited.then(() => reject(new Error(`shard ${i} exited before READY: ${stderrOf(p).slice(-2000)}`)));
    });
  const startCoordinator = (mode: 'run' | 'recover', s: number): Proc => start('twopc-crash-coordinator.ts', [join(root, 'log'), ports.join(','), String(accounts), String(s), mode], onCoordinatorLine, bundle);
  try {
    await Promise.all(Array.from({ length: n }, (_, i) => startShard(i)));
    coordinator = startCoordinator('run', seed);
    for (let k = 0; k < kills; k++) {
      // Half the kills at a random moment, half right as the coordinator reports that every
      // participant prepared, or that it logged commit: the windows where a participant holds
      // a prepared transaction, or the coordinator a decision not yet acted on.
      const when = rng.int(4);
      if (when < 2) await new Promise((r) => setTimeout(r, 200 + rng.int(maxKillMs)));
      else {
        const phase = when === 2 ? 'prepared' : 'decided';
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 5000);
          phaseWaiter = { phase, resolve: () => (clearTimeout(t), resolve()) };
        });
        phaseWaiter = undefined;
        result.phaseKills++;
      }
      const target = rng.int(n + 1);
      const name = target === n ? 'coordinator' : `s${target}`;
      result.kills[name] = (result.kills[name] ?? 0) + 1;
      if (target === n) {
        await kill(coordinator);
        coordinator = startCoordinator('run', seed * 1000 + k);
      } else {
        await kill(shards[target]!);
        await startShard(target);
      }
    }
    await new Promise((r) => setTimeout(r, 200 + rng.int(maxKillMs)));
    // The end: every process killed at once (these kills are not counted), then recovery alone.
    await Promise.all([kill(coordinator), ...shards.map((s) => kill(s!))]);
    await Promise.all(Array.from({ length: n }, (_, i) => startShard(i)));
    const rec = startCoordinator('recover', 0);
    // A gid that can never be resolved (a participant lost its prepared transaction) keeps
    // recovery retrying forever: a failure, reported after a minute.
    const stuck = setTimeout(() => rec.child.kill('SIGKILL'), 60_000);
    await rec.exited;
    clearTimeout(stuck);
    if (rec.child.signalCode === 'SIGKILL') throw new Error('recovery did not finish within 60 s: a gid stays in doubt');
    if (rec.child.exitCode !== 0) throw new Error(`recovery coordinator failed: ${stderrOf(rec).slice(-2000)}`);
    await Promise.all(shards.map((s) => kill(s!)));
    const logLeft = listLog(join(root, 'log'));
    const problems = await check(root, n, accounts, acks, result);
    if (logLeft.length) problems.push(`coordinator log not empty: ${logLeft.join(', ')}`);
    result.ok = problems.length === 0;
    if (!result.ok) result.error = problems.slice(0, 10).join('; ');
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    result.acked = acks.size;
    for (const p of [coordinator, ...shards]) if (p && p.child.exitCode === null && p.child.signalCode === null) await kill(p);
    rmSync(root, { recursive: true, force: true });
  }
  return result;
}

function listLog(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'twopc', 'txn'));
  } catch {
    return [];
  }
}

async function check(root: string, n: number, accounts: number, acks: Map<string, { from: number; fa: number; to: number; tb: number; amount: number }>, result: TrialResult): Promise<string[]> {
  const problems: string[] = [];
  /** gid -> [shard, account, delta] rows. */
  const byGid = new Map<string, [number, number, number][]>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const db = DB(`check${i}`, { path: join(root, `shard${i}`), workerThreads: false });
    try {
      const balances = new Map((await db.query<{ id: number; balance: number }>('SELECT id, balance FROM account')).map((r) => [r.id, r.balance]));
      const sums = new Map<number, number>();
      for (const t of await db.query<{ gid: string; account: number; delta: number }>('SELECT gid, account, delta FROM transfers')) {
        const rows = byGid.get(t.gid) ?? [];
        rows.push([i, t.account, t.delta]);
        byGid.set(t.gid, rows);
        sums.set(t.account, (sums.get(t.account) ?? 0) + t.delta);
      }
      for (let a = 0; a < accounts; a++) {
        const b = balances.get(a);
        if (b === undefined) problems.push(`shard ${i} lost account ${a}`);
        else {
          total += b;
          if (b !== INITIAL_BALANCE + (sums.get(a) ?? 0)) problems.push(`shard ${i} account ${a}: balance ${b} but transfers say ${INITIAL_BALANCE + (sums.get(a) ?? 0)}`);
        }
      }
      const prepared = await db.query<{ gid: string }>('PRAGMA prepared_xacts');
      if (prepared.length) problems.push(`shard ${i} still has prepared transactions: ${prepared.map((p) => p.gid).join(', ')}`);
    } finally {
      await db.close();
    }
  }
  if (total !== n * accounts * INITIAL_BALANCE) problems.push(`total ${total}, expected ${n * accounts * INITIAL_BALANCE}`);
  for (const [gid, rows] of byGid) {
    const shardsOf = new Set(rows.map((r) => r[0]));
    if (rows.length !== 2 || shardsOf.size !== 2 || rows[0]![2] + rows[1]![2] !== 0) problems.push(`transfer ${gid} half-applied: ${JSON.stringify(rows)}`);
  }
  result.committed = byGid.size;
  for (const [gid, a] of acks) {
    const rows = byGid.get(gid);
    const want = JSON.stringify([[a.from, a.fa, -a.amount], [a.to, a.tb, a.amount]].sort((x, y) => x[0]! - y[0]!));
    if (!rows) problems.push(`acknowledged transfer ${gid} missing`);
    else if (JSON.stringify([...rows].sort((x, y) => x[0] - y[0])) !== want) problems.push(`acknowledged transfer ${gid} is ${JSON.stringify(rows)}, expected ${want}`);
  }
  return problems;
}
