// CPU twin of bench/kv.ts's write workloads (fillseq, fillrandom, overwrite): process CPU time
// (all threads: the engine's background flush/compaction workers and LevelDB's threads count)
// and wall time per workload, the same data and batches as kv.ts. For alternating old/new runs
// on a shared machine, where wall time says little.
//
// Also the main thread's own CPU (Linux): the write path, which bounds wall time when the background threads keep up.
//
//   npx tsx bench/kv-fill-cpu.ts [--n N] [--engines dosql,leveldb]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../src/util/prng.js';
import type { KvAdapter } from './engines/kv-adapter.js';
import { DosqlKv } from './engines/dosql-kv.js';
import { LeveldbKv } from './engines/leveldb-kv.js';
import { BATCH, kvKey, kvValues, shuffled } from './kv-data.js';



/** CPU time of the calling (main) thread, ms, where Linux reports it (NaN elsewhere): the write path's own share. */
function mainThreadMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

async function fill(engine: KvAdapter, order: number[], values: Uint8Array[]): Promise<{ cpu: number; wall: number; main: number }> {
  const m0 = mainThreadMs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < order.length; b += BATCH) {
    const keys: string[] = [];
    const vals: Uint8Array[] = [];
    for (let i = b; i < Math.min(b + BATCH, order.length); i++) {
      keys.push(kvKey(order[i]!));
      vals.push(values[i % values.length]!);
    }
    await engine.putBatch(keys, vals);
  }
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - t0, main: mainThreadMs() - m0 };
}

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const n = Number(arg('n', '200000'));
const engines = arg('engines', 'dosql,leveldb').split(',');
const values = kvValues(new Prng(7), 4096);
const randomOrder = shuffled(n, new Prng(11));
const overwriteOrder = shuffled(n, new Prng(13));
const make: Record<string, () => KvAdapter> = { dosql: () => new DosqlKv(), leveldb: () => new LeveldbKv() };
const out: Record<string, number> = {};
for (const name of engines) {
  let last: KvAdapter | null = null;
  const report = (w: string, r: { cpu: number; wall: number; main: number }): void => {
    out[`${name}.${w}`] = Math.round(n / (r.cpu / 1000));
    out[`${name}.${w}.main`] = Math.round(n / (r.main / 1000));
    console.log(`${name.padEnd(8)} ${w.padEnd(11)} cpu ${r.cpu.toFixed(0).padStart(6)} ms ${String(Math.round(n / (r.cpu / 1000))).padStart(9)} ops/cpu-s  main thread ${r.main.toFixed(0).padStart(6)} ms  wall ${r.wall.toFixed(0).padStart(6)} ms ${String(Math.round(n / (r.wall / 1000))).padStart(9)} ops/s`);
    if (process.env.KV_STATS && last instanceof DosqlKv) {
      const st = last.stats();
      console.log(`  stallMs ${st.stallMs} slowdowns ${st.slowdowns} flushes ${st.flush.count} compactions ${JSON.stringify(st.compaction)} L0 ${st.levels[0]?.files}`);
    }
  };
  {
    const dir = mkdtempSync(join(tmpdir(), `kvcpu-${name}-seq-`));
    const e = make[name]!();
    await e.open(dir);
    last = e;
    report('fillseq', await fill(e, Array.from({ length: n }, (_, i) => i), values));
    await e.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(tmpdir(), `kvcpu-${name}-rnd-`));
  const e = make[name]!();
  await e.open(dir);
  last = e;
  report('fillrandom', await fill(e, randomOrder, values));
  report('overwrite', await fill(e, overwriteOrder, values.slice(1)));
  await e.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`JSON ${JSON.stringify(out)}`);
