// Sharding (docs/sharding.md): a `users` table hash-sharded on `id` over 1, 2, 4 and 8 shards in
// one run, each shard a dosql database in its own folder (the Node layout), driven through
// createShardExecutor with in-process connections:
//   1. routed point queries (`SELECT * FROM users WHERE id = ?`, one shard each): queries/s with
//      `--clients` concurrent callers;
//   2. scatter queries, latency p50/p99 over `--scatter` runs of each: an aggregate
//      (`count(*), avg(score) ... WHERE score > ?`: partial aggregates merged on the coordinator)
//      and a top-10 (`ORDER BY score DESC, id LIMIT 10`: LIMIT pushed down, merged).
// Caveat printed with the results: every shard runs in this one process on a shared 2-core
// machine, so more shards add coordination without adding cores; on Workers each shard is its
// own Durable Object and the scatter runs in parallel across machines.
//
//   npm run bench -- shard [--rows N] [--ops N] [--scatter N] [--clients N] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB, type Database } from '../src/index.js';
import { createShardExecutor, createVSchema, hashVindex, localShard, shard, shardedTable } from '../src/shard/index.js';
import { describeMachine, machineInfo } from './machine.js';

export const SHARD_CAVEAT =
  'All shards run in one Node process on a shared 2-core machine: more shards add coordination work (one call per shard, a merge) without adding cores, so scatter latency grows with the shard count here; on Workers each shard is its own Durable Object and a scatter fans out across machines.';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Row {
  shards: number;
  pointQps: number;
  aggregateP50Ms: number;
  aggregateP99Ms: number;
  topP50Ms: number;
  topP99Ms: number;
}

async function one(n: number, rows: number, ops: number, scatter: number, clients: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-shard-bench-'));
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const dbs: Database[] = ids.map((id) => DB(id, { path: join(dir, id), workerThreads: false, durability: 'normal' }));
  try {
    const vschema = createVSchema({ users: shardedTable('id', hashVindex('fnv1a')) }, ids.map((id) => shard(id)));
    const ex = createShardExecutor({ vschema, shards: Object.fromEntries(ids.map((id, i) => [id, localShard(id, dbs[i]!)])), shardTimeoutMs: 0 });
    await ex.exec('CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, score INTEGER)');
    for (let i = 0; i < rows; i += 500) {
      const batch = Array.from({ length: Math.min(500, rows - i) }, (_, k) => i + k + 1);
      await ex.run(`INSERT INTO users VALUES ${batch.map(() => '(?, ?, ?)').join(', ')}`, batch.flatMap((id) => [id, `user-${id}`, (id * 7919) % 1000]));
    }
    let done = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let k = c; k < ops; k += clients) {
          await ex.query('SELECT * FROM users WHERE id = ?', [1 + ((k * 2654435761) % rows)]);
          done++;
        }
      }),
    );
    const pointQps = done / ((performance.now() - t0) / 1000);
    const agg: number[] = [];
    const top: number[] = [];
    for (let k = 0; k < scatter; k++) {
      let t = performance.now();
      await ex.query('SELECT count(*), avg(score) FROM users WHERE score > ?', [k % 900]);
      agg.push(performance.now() - t);
      t = performance.now();
      await ex.query('SELECT id, score FROM users ORDER BY score DESC, id LIMIT 10');
      top.push(performance.now() - t);
    }
    return { shards: n, pointQps, aggregateP50Ms: pct(agg, 50), aggregateP99Ms: pct(agg, 99), topP50Ms: pct(top, 50), topP99Ms: pct(top, 99) };
  } finally {
    for (const d of dbs) await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const rows = arg(args, '--rows', 20_000);
  const ops = arg(args, '--ops', 5_000);
  const scatter = arg(args, '--scatter', 200);
  const clients = arg(args, '--clients', 8);
  const ji = args.indexOf('--json');
  console.log(`shard: ${rows} users rows, ${ops} point queries (${clients} clients), ${scatter} scatter queries of each kind; ${describeMachine(machineInfo())}`);
  const results: Row[] = [];
  for (const n of [1, 2, 4, 8]) {
    const r = await one(n, rows, ops, scatter, clients);
    results.push(r);
    console.log(`${String(n).padStart(2)} shards: point ${r.pointQps.toFixed(0).padStart(6)} q/s | scatter aggregate p50 ${r.aggregateP50Ms.toFixed(2)} ms p99 ${r.aggregateP99Ms.toFixed(2)} ms | scatter top-10 p50 ${r.topP50Ms.toFixed(2)} ms p99 ${r.topP99Ms.toFixed(2)} ms`);
  }
  console.log(`caveat: ${SHARD_CAVEAT}`);
  if (ji >= 0) writeFileSync(args[ji + 1]!, `${JSON.stringify({ bench: 'shard', machine: machineInfo(), rows, ops, scatter, clients, caveat: SHARD_CAVEAT, results }, null, 2)}\n`);
}
