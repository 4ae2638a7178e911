// db_bench-style key-value workloads, the same run on dosql and on the reference engines:
// 16-byte keys, 100-byte values (half compressible, as db_bench makes them), batches of
// 1000, the same durability class for all (acknowledged once written to the OS).
//
//   npm run bench -- kv [--n N] [--json FILE] [--engines dosql,sqlite,leveldb,lmdb]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../src/util/prng.js';
import { describeMachine, dirBytes, machineInfo } from './machine.js';
import type { KvAdapter } from './engines/kv-adapter.js';
import { DosqlKv } from './engines/dosql-kv.js';
import { SqliteKv } from './engines/sqlite-kv.js';
import { LeveldbKv } from './engines/leveldb-kv.js';
import { LmdbKv } from './engines/lmdb-kv.js';
import { BATCH, KEY_BYTES, VALUE_BYTES, kvKey, kvValues, shuffled } from './kv-data.js';

export interface KvRow {
  engine: string;
  workload: string;
  ops_per_sec: number;
  mb_per_sec: number;
  bytes_on_disk: number;
  space_amp: number;
}



const ENGINES: Record<string, () => KvAdapter> = {
  dosql: () => new DosqlKv(),
  sqlite: () => new SqliteKv(),
  leveldb: () => new LeveldbKv(),
  lmdb: () => new LmdbKv(),
};

async function fill(engine: KvAdapter, order: number[], values: Uint8Array[]): Promise<number> {
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
  return performance.now() - t0;
}

export async function runKv(n: number, engineNames: string[], log: (s: string) => void = console.log): Promise<KvRow[]> {
  const rows: KvRow[] = [];
  const values = kvValues(new Prng(7), 4096);
  const randomOrder = shuffled(n, new Prng(11));
  const overwriteOrder = shuffled(n, new Prng(13));
  const readOrder = shuffled(n, new Prng(17));
  const logical = n * (KEY_BYTES + VALUE_BYTES);
  for (const name of engineNames) {
    const make = ENGINES[name];
    if (!make) throw new Error(`unknown engine ${name}`);
    const record = (engine: KvAdapter, dir: string, workload: string, ms: number, ops: number): void => {
      const bytes = dirBytes(dir);
      const row: KvRow = {
        engine: engine.name,
        workload,
        ops_per_sec: Math.round(ops / (ms / 1000)),
        mb_per_sec: Number(((ops * (KEY_BYTES + VALUE_BYTES)) / 1e6 / (ms / 1000)).toFixed(1)),
        bytes_on_disk: bytes,
        space_amp: Number((bytes / logical).toFixed(2)),
      };
      rows.push(row);
      log(`${row.engine.padEnd(8)} ${workload.padEnd(11)} ${String(row.ops_per_sec).padStart(9)} ops/s ${String(row.mb_per_sec).padStart(7)} MB/s  disk ${(bytes / 1e6).toFixed(1)} MB (x${row.space_amp})`);
    };

    // fillseq on its own database.
    {
      const dir = mkdtempSync(join(tmpdir(), `kv-${name}-seq-`));
      const engine = make();
      await engine.open(dir);
      const ms = await fill(engine, Array.from({ length: n }, (_, i) => i), values);
      await engine.settle();
      record(engine, dir, 'fillseq', ms, n);
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // fillrandom, then overwrite and the reads on the same database.
    const dir = mkdtempSync(join(tmpdir(), `kv-${name}-rnd-`));
    const engine = make();
    try {
      await engine.open(dir);
      let ms = await fill(engine, randomOrder, values);
      await engine.settle();
      record(engine, dir, 'fillrandom', ms, n);

      ms = await fill(engine, overwriteOrder, values.slice(1));
      await engine.settle();
      record(engine, dir, 'overwrite', ms, n);

      let t0 = performance.now();
      let found = 0;
      for (let i = 0; i < n; i++) {
        const r = engine.get(kvKey(readOrder[i]!));
        const v = r instanceof Promise ? await r : r;
        if (v !== undefined) found++;
      }
      ms = performance.now() - t0;
      if (found !== n) throw new Error(`${name}: readrandom found ${found} of ${n}`);
      record(engine, dir, 'readrandom', ms, n);

      t0 = performance.now();
      const scanned = await engine.scanAll();
      ms = performance.now() - t0;
      if (scanned !== n) throw new Error(`${name}: readseq saw ${scanned} of ${n}`);
      record(engine, dir, 'readseq', ms, n);

      const seeks = Math.max(1, Math.floor(n / 10));
      t0 = performance.now();
      let read = 0;
      for (let i = 0; i < seeks; i++) read += await engine.seek(kvKey(readOrder[i]!), 10);
      ms = performance.now() - t0;
      if (read < seeks) throw new Error(`${name}: seekrandom read ${read}`);
      record(engine, dir, 'seekrandom', ms, seeks);

      if (engine.compactAll) {
        t0 = performance.now();
        await engine.compactAll();
        ms = performance.now() - t0;
        record(engine, dir, 'compact', ms, n);
      }
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

export async function main(args: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const n = Number(arg('n') ?? 1_000_000);
  const engines = (arg('engines') ?? 'dosql,sqlite,leveldb,lmdb').split(',');
  const m = machineInfo(tmpdir());
  console.log(`kv benchmark: ${n} keys, ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values, batches of ${BATCH}`);
  console.log(`machine: ${describeMachine(m)}`);
  const rows = await runKv(n, engines);
  printRatios(rows);
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify(rows, null, 2));
}

export function printRatios(rows: KvRow[]): void {
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const engines = [...new Set(rows.map((r) => r.engine))].filter((e) => e !== 'dosql');
  console.log(`\nratio dosql / reference (ops/s; > 1 means dosql is faster)`);
  console.log(`${'workload'.padEnd(11)} ${engines.map((e) => e.padStart(9)).join(' ')}`);
  for (const w of workloads) {
    const d = rows.find((r) => r.engine === 'dosql' && r.workload === w);
    if (!d) continue;
    const cells = engines.map((e) => {
      const o = rows.find((r) => r.engine === e && r.workload === w);
      return (o ? (d.ops_per_sec / o.ops_per_sec).toFixed(2) : '-').padStart(9);
    });
    console.log(`${w.padEnd(11)} ${cells.join(' ')}`);
  }
}
