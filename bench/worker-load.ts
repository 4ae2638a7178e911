// Load test of the Worker on loopback: the production bundle (wrangler.toml) in workerd,
// concurrent clients doing point reads and single-row commits over HTTP for a bounded time.
// Prints requests/s and p50/p99 latency per kind, checks there were no errors and that every
// acknowledged write is there afterwards (and again after a runtime restart), and reports the
// Worker's bundle size (wrangler deploy --dry-run, gzip) and cold-start times in workerd.
//
//   npx tsx bench/worker-load.ts [--seconds 10 | --ms 10000] [--clients 16] [--preload 2000]
//                                [--write-ratio 0.5] [--json FILE]
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHttpClient, type DoSQLClient } from '../src/client/index.js';
import { Prng } from '../src/util/prng.js';
import { buildBundle, startBundledWorker, type BundledWorker } from '../test/support/worker-bundle.js';
import { describeMachine, machineInfo } from './machine.js';

interface LatencyStats {
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface WorkerLoadResult {
  machine: string;
  seconds: number;
  clients: number;
  preload: number;
  reads: LatencyStats;
  commits: LatencyStats;
  totalPerSecond: number;
  errors: number;
  acknowledgedWrites: number;
  lostWrites: number;
  lostAfterRestart: number;
  bundle: { files: { name: string; bytes: number; gzipBytes: number }[]; bytes: number; gzipBytes: number };
  coldStart: { runtimeReadyMs: number; firstRequestNewDatabaseMs: number; firstRequestAfterRestartMs: number; restartRuntimeReadyMs: number };
}

function arg(args: string[], name: string, dflt: number, min = Number.MIN_VALUE): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < min) throw new Error(`worker-load: bad value for ${name}: ${args[i + 1]}`);
  return v;
}

function stats(lat: number[], seconds: number): LatencyStats {
  const s = [...lat].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { count: s.length, perSecond: Math.round(s.length / seconds), p50Ms: r(at(0.5)), p99Ms: r(at(0.99)), maxMs: r(s[s.length - 1] ?? 0) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** fetch over node:http with keep-alive: a quarter of undici fetch's CPU per request, which matters on a small load machine. */
function keepAliveFetch(input: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(input, { method: init.method, headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

/** Checks every acknowledged write is present with its value; returns how many are missing. */
async function lostWrites(db: DoSQLClient, acked: Map<number, string>): Promise<number> {
  const rows = await db.query<{ id: number; v: string }>('SELECT id, v FROM kv');
  const have = new Map(rows.map((r) => [r.id, r.v]));
  let lost = 0;
  for (const [id, v] of acked) if (have.get(id) !== v) lost++;
  return lost;
}

export async function runWorkerLoad(options: { seconds?: number; clients?: number; preload?: number; writeRatio?: number; log?: (s: string) => void } = {}): Promise<WorkerLoadResult> {
  const seconds = options.seconds ?? 10;
  const clients = options.clients ?? 16;
  const preload = options.preload ?? 2000;
  const writeRatio = options.writeRatio ?? 0.5;
  const log = options.log ?? ((s: string) => console.log(s));
  const persistDir = mkdtempSync(join(tmpdir(), 'dosql-worker-load-'));
  const bundleDir = mkdtempSync(join(tmpdir(), 'dosql-bundle-'));
  let w: BundledWorker | undefined;
  const start = (): Promise<BundledWorker> => startBundledWorker({ bundleDir, persistDir, token: 'load-token' });
  const client = (url: string): DoSQLClient => createHttpClient({ url, token: 'load-token', database: 'load', fetch: keepAliveFetch });
  try {
    log('bundling (wrangler deploy --dry-run) ...');
    const files = buildBundle(bundleDir);
    const bundle = { files, bytes: files.reduce((a, f) => a + f.bytes, 0), gzipBytes: files.reduce((a, f) => a + f.gzipBytes, 0) };

    const [started, runtimeReadyMs] = await timed(start);
    w = started;
    const db = client(w.url);
    // First request to a new database: object construction, wasm instantiation, engine open.
    const [, firstRequestNewDatabaseMs] = await timed(() => db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)'));
    const acked = new Map<number, string>();
    for (let i = 0; i < preload; i += 500) {
      const n = Math.min(500, preload - i);
      await db.exec(`INSERT INTO kv VALUES ${Array.from({ length: n }, (_, j) => `(${i + j}, 'v${i + j}')`).join(', ')}`);
      for (let j = 0; j < n; j++) acked.set(i + j, `v${i + j}`);
    }
    const keys = [...acked.keys()];

    log(`load: ${clients} clients for ${seconds} s, ${Math.round(writeRatio * 100)}% single-row commits, ${100 - Math.round(writeRatio * 100)}% point reads`);
    const readLat: number[] = [];
    const commitLat: number[] = [];
    let errors = 0;
    const firstErrors: string[] = [];
    const deadline = performance.now() + seconds * 1000;
    let nextId = preload;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const r = new Prng(1000 + c);
        const c8 = client(w!.url);
        while (performance.now() < deadline) {
          const write = r.int(1000) < writeRatio * 1000;
          const start = performance.now();
          try {
            if (write) {
              const id = nextId++;
              const v = `c${c}-${id}`;
              await c8.run('INSERT INTO kv VALUES (?, ?)', [id, v]);
              commitLat.push(performance.now() - start);
              acked.set(id, v);
              keys.push(id);
            } else {
              const id = keys[r.int(keys.length)]!;
              const got = await c8.queryOne<{ v: string }>('SELECT v FROM kv WHERE id = ?', [id]);
              readLat.push(performance.now() - start);
              if (got?.v !== acked.get(id)) throw new Error(`read of ${id} returned ${JSON.stringify(got)}, expected ${acked.get(id)}`);
            }
          } catch (e) {
            errors++;
            if (firstErrors.length < 5) firstErrors.push(e instanceof Error ? e.message : String(e));
          }
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    for (const e of firstErrors) log(`error: ${e}`);

    const lost = await lostWrites(db, acked);
    // Durability across a restart of the runtime (same persisted storage).
    await w.stop();
    const [restarted, restartRuntimeReadyMs] = await timed(start);
    w = restarted;
    const db2 = client(w.url);
    // First request after a restart: the object recovers its engine from storage (WAL replay).
    const [, firstRequestAfterRestartMs] = await timed(() => db2.query('SELECT v FROM kv WHERE id = 0'));
    const lostAfterRestart = await lostWrites(db2, acked);

    const reads = stats(readLat, elapsed);
    const commits = stats(commitLat, elapsed);
    const round = (x: number): number => Math.round(x);
    return {
      machine: describeMachine(machineInfo(persistDir)),
      seconds: Math.round(elapsed * 10) / 10,
      clients,
      preload,
      reads,
      commits,
      totalPerSecond: reads.perSecond + commits.perSecond,
      errors,
      acknowledgedWrites: acked.size,
      lostWrites: lost,
      lostAfterRestart,
      bundle,
      coldStart: {
        runtimeReadyMs: round(runtimeReadyMs),
        firstRequestNewDatabaseMs: round(firstRequestNewDatabaseMs),
        firstRequestAfterRestartMs: round(firstRequestAfterRestartMs),
        restartRuntimeReadyMs: round(restartRuntimeReadyMs),
      },
    };
  } finally {
    await w?.stop();
    rmSync(persistDir, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

function print(r: WorkerLoadResult, log: (s: string) => void): void {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  log(`machine: ${r.machine}`);
  log(`\nWorker bundle (wrangler deploy --dry-run): ${kb(r.bundle.bytes)}, gzip ${kb(r.bundle.gzipBytes)} (${r.bundle.gzipBytes} bytes)`);
  for (const f of r.bundle.files) log(`  ${f.name.padEnd(28)} ${kb(f.bytes).padStart(12)}   gzip ${kb(f.gzipBytes).padStart(11)}`);
  log('\ncold start in workerd (the bundle run by miniflare on loopback):');
  log(`  runtime ready (workerd started, modules compiled)           ${r.coldStart.runtimeReadyMs} ms`);
  log(`  first request, new database (object + wasm + engine open)   ${r.coldStart.firstRequestNewDatabaseMs} ms`);
  log(`  runtime ready after restart                                 ${r.coldStart.restartRuntimeReadyMs} ms`);
  log(`  first request after restart (engine recovered from storage) ${r.coldStart.firstRequestAfterRestartMs} ms`);
  log(`\nload: ${r.clients} clients, ${r.seconds} s, ${r.preload} rows preloaded`);
  log('  kind            requests   req/s    p50 ms   p99 ms   max ms');
  for (const [name, s] of [
    ['point reads', r.reads],
    ['1-row commits', r.commits],
  ] as const) {
    log(`  ${name.padEnd(14)} ${String(s.count).padStart(9)} ${String(s.perSecond).padStart(7)} ${s.p50Ms.toFixed(2).padStart(9)} ${s.p99Ms.toFixed(2).padStart(8)} ${s.maxMs.toFixed(1).padStart(8)}`);
  }
  log(`  total ${r.totalPerSecond} req/s; errors ${r.errors}; acknowledged writes ${r.acknowledgedWrites}; lost ${r.lostWrites}; lost after restart ${r.lostAfterRestart}`);
}

/** `npm run bench -- worker [...]` and `npx tsx bench/worker-load.ts [...]`. */
export async function main(args: string[]): Promise<void> {
  const seconds = args.includes('--ms') ? arg(args, '--ms', 10_000) / 1000 : arg(args, '--seconds', 10);
  const r = await runWorkerLoad({ seconds, clients: arg(args, '--clients', 16), preload: arg(args, '--preload', 2000), writeRatio: Math.min(1, arg(args, '--write-ratio', 0.5, 0)) });
  print(r, (s) => console.log(s));
  const ji = args.indexOf('--json');
  if (ji >= 0) writeFileSync(resolve(args[ji + 1]!), `${JSON.stringify(r, null, 2)}\n`);
  if (r.errors > 0 || r.lostWrites > 0 || r.lostAfterRestart > 0) {
    process.exitCode = 1;
    console.error('worker-load: FAILED (errors or lost acknowledged writes)');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
