// CPU of the kv benchmark's full-compaction step (bench/kv.ts), measured apart from the fills:
//   --build DIR    runs fillrandom, overwrite and readrandom as bench/kv.ts does, then closes
//                  (the database before its full compaction);
//   --compact DIR  copies DIR, opens the copy, prints the level shape, then the process CPU and
//                  wall time of the full compaction (dosql compact({ full: true }) / LevelDB
//                  compactRange) as one JSON line; --again: then of a second one right after.
//   npx tsx bench/kv-compact-cpu.ts --engine dosql|leveldb --n 1000000 (--build DIR | --compact DIR)
// Without --build/--compact it runs the whole sequence in one process (used for LevelDB, whose
// state after a reopen differs from the state bench/kv.ts compacts).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../src/util/prng.js';
import type { KvAdapter } from './engines/kv-adapter.js';
import { DosqlKv } from './engines/dosql-kv.js';
import { LeveldbKv } from './engines/leveldb-kv.js';
import { kvKey, kvValues, shuffled } from './kv-data.js';



async function fill(e: KvAdapter, order: number[], vals: Uint8Array[]): Promise<void> {
  for (let b = 0; b < order.length; b += 1000) {
    const ks: string[] = [];
    const vs: Uint8Array[] = [];
    for (let i = b; i < Math.min(b + 1000, order.length); i++) {
      ks.push(kvKey(order[i]!));
      vs.push(vals[i % vals.length]!);
    }
    await e.putBatch(ks, vs);
  }
}

async function build(e: KvAdapter, n: number): Promise<void> {
  const vals = kvValues(new Prng(7), 4096);
  await fill(e, shuffled(n, new Prng(11)), vals);
  await fill(e, shuffled(n, new Prng(13)), vals.slice(1));
  const reads = shuffled(n, new Prng(17));
  for (let i = 0; i < n; i++) {
    const r = e.get(kvKey(reads[i]!));
    if (r instanceof Promise) await r;
  }
}

function shape(e: KvAdapter): string {
  if (!(e instanceof DosqlKv)) return '';
  return e
    .stats()
    .levels.filter((l) => l.files > 0)
    .map((l) => `L${l.level}: ${l.runs} runs ${l.files} files ${(l.bytes / 1e6).toFixed(1)} MB ${l.entries} entries`)
    .join('; ');
}

async function compact(e: KvAdapter): Promise<{ cpuMs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await e.compactAll!();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs };
}

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const engineName = arg('engine') ?? 'dosql';
const n = Number(arg('n') ?? 1_000_000);
// --inline runs dosql's compaction on the main thread (no worker executor), for a CPU profile.
const make = (): KvAdapter => (engineName === 'leveldb' ? new LeveldbKv() : new DosqlKv(args.includes('--inline') ? { inline: true } : {}));
const buildDir = arg('build');
const compactDir = arg('compact');
if (buildDir) {
  const e = make();
  await e.open(buildDir);
  await build(e, n);
  console.log(shape(e));
  await e.close();
} else {
  const dir = mkdtempSync(join(tmpdir(), `kvc-${engineName}-`));
  try {
    const e = make();
    if (compactDir) {
      cpSync(compactDir, dir, { recursive: true });
      await e.open(dir);
    } else {
      await e.open(dir);
      await build(e, n);
    }
    const before = shape(e);
    const r = await compact(e);
    const after = shape(e);
    // A second full compaction right away: nothing written since, nothing left to drop.
    const again = args.includes('--again') ? await compact(e) : undefined;
    await e.close();
    console.log(JSON.stringify({ engine: engineName, n, ...r, again, before, after }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
