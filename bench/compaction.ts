// Compaction benchmark: write amplification after fillrandom of N keys and after three
// overwrites of every key, compaction throughput, read amplification, and space after a
// full compaction; dosql beside LevelDB (its own `leveldb.stats` counters) in one run.
//
//   npm run bench -- compaction [--n N] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { workerExecutor } from '../src/node/worker-executor.js';
import { Prng } from '../src/util/prng.js';
import { KEY_BYTES, VALUE_BYTES, kvKey, kvValues, shuffled } from './kv-data.js';
import { describeMachine, dirBytes, machineInfo } from './machine.js';

export interface CompactionRow {
  engine: 'dosql' | 'leveldb';
  phase: string;
  user_mb: number;
  written_mb: number;
  write_amp: number;
  compaction_read_mb: number;
  compaction_write_mb: number;
  compaction_mb_per_sec: number;
  read_amp: number | null;
  bytes_on_disk: number;
  space_amp: number;
}



const mb = (b: number): number => Number((b / 1e6).toFixed(1));

async function dosql(n: number, log: (s: string) => void): Promise<CompactionRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cbench-dosql-'));
  const rows: CompactionRow[] = [];
  const store = new FsObjectStore(dir);
  const e = await LsmEngine.open({ store, durability: 'normal', retention: 0, executor: workerExecutor });
  const vals = kvValues(new Prng(7), 4096);
  const logical = n * (KEY_BYTES + VALUE_BYTES);
  const record = async (phase: string): Promise<void> => {
    // Let background flushes and compactions finish, then read.
    await e.flush();
    await e.compact();
    const readOrder = shuffled(n, 99);
    const before = e.stats().reads;
    for (let i = 0; i < Math.min(n, 100_000); i++) await e.get(1, [kvKey(readOrder[i]!)]);
    const s = e.stats();
    const gets = s.reads.gets - before.gets;
    const searched = s.reads.filesSearched - before.filesSearched;
    const c = s.compaction;
    const bytes = dirBytes(dir);
    const row: CompactionRow = {
      engine: 'dosql',
      phase,
      user_mb: mb(s.userBytesWritten),
      written_mb: mb(s.flush.bytesWritten + c.bytesWritten),
      write_amp: Number(s.writeAmplification.toFixed(2)),
      compaction_read_mb: mb(c.bytesRead),
      compaction_write_mb: mb(c.bytesWritten),
      compaction_mb_per_sec: c.ms === 0 ? 0 : Number((c.bytesRead / 1e6 / (c.ms / 1000)).toFixed(1)),
      read_amp: Number((searched / gets).toFixed(2)),
      bytes_on_disk: bytes,
      space_amp: Number((bytes / logical).toFixed(2)),
    };
    rows.push(row);
    log(`dosql   ${phase.padEnd(22)} write amp ${row.write_amp}  compaction ${row.compaction_read_mb} MB read, ${row.compaction_write_mb} MB written at ${row.compaction_mb_per_sec} MB/s  read amp ${row.read_amp} files/get  disk ${mb(bytes)} MB (x${row.space_amp})  levels ${s.levels.map((l) => l.files).join('/')}`);
  };
  const fill = async (order: number[], shift: number): Promise<void> => {
    for (let b = 0; b < n; b += 1000) {
      const wb = new WriteBatch();
      for (let i = b; i < Math.min(n, b + 1000); i++) wb.put(1, [kvKey(order[i]!)], vals[(i + shift) % vals.length]!);
      await e.write(wb);
    }
  };
  await fill(shuffled(n, 11), 0);
  await record('fillrandom');
  for (let k = 1; k <= 3; k++) await fill(shuffled(n, 11 + k), k);
  await record('+3 overwrites');
  const c0 = e.stats().compaction;
  const t0 = performance.now();
  await e.compact({ full: true });
  const ms = performance.now() - t0;
  const c1 = e.stats().compaction;
  log(`dosql   full compaction: ${mb(c1.bytesRead - c0.bytesRead)} MB in ${(ms / 1000).toFixed(1)} s = ${((c1.bytesRead - c0.bytesRead) / 1e6 / (ms / 1000)).toFixed(1)} MB/s, disk ${mb(dirBytes(dir))} MB`);
  await record('after full compaction');
  await e.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

/** Sums LevelDB's per-level compaction counters from `leveldb.stats`. */
function leveldbStats(db: ClassicLevel<string, Uint8Array>): { readMb: number; writeMb: number; sec: number; files: string } {
  const text = db.getProperty('leveldb.stats');
  let readMb = 0;
  let writeMb = 0;
  let sec = 0;
  const files: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (!m) continue;
    files.push(Number(m[2]));
    sec += Number(m[4]);
    readMb += Number(m[5]);
    writeMb += Number(m[6]);
  }
  return { readMb, writeMb, sec, files: files.join('/') };
}

async function leveldb(n: number, log: (s: string) => void): Promise<CompactionRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cbench-leveldb-'));
  const rows: CompactionRow[] = [];
  const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const vals = kvValues(new Prng(7), 4096);
  const logical = n * (KEY_BYTES + VALUE_BYTES);
  let userBytes = 0;
  const record = async (phase: string): Promise<void> => {
    const s = leveldbStats(db);
    const bytes = dirBytes(dir);
    const row: CompactionRow = {
      engine: 'leveldb',
      phase,
      user_mb: mb(userBytes),
      written_mb: Number(s.writeMb.toFixed(1)),
      write_amp: Number((s.writeMb / (userBytes / 1e6)).toFixed(2)),
      compaction_read_mb: Number(s.readMb.toFixed(1)),
      compaction_write_mb: Number(s.writeMb.toFixed(1)),
      compaction_mb_per_sec: s.sec === 0 ? 0 : Number((s.readMb / s.sec).toFixed(1)),
      read_amp: null,
      bytes_on_disk: bytes,
      space_amp: Number((bytes / logical).toFixed(2)),
    };
    rows.push(row);
    log(`leveldb ${phase.padEnd(22)} write amp ${row.write_amp}  compaction ${row.compaction_read_mb} MB read, ${row.compaction_write_mb} MB written at ${row.compaction_mb_per_sec} MB/s  disk ${mb(bytes)} MB (x${row.space_amp})  levels ${s.files}`);
  };
  const fill = async (order: number[], shift: number): Promise<void> => {
    for (let b = 0; b < n; b += 1000) {
      const ops = [];
      for (let i = b; i < Math.min(n, b + 1000); i++) ops.push({ type: 'put' as const, key: kvKey(order[i]!), value: vals[(i + shift) % vals.length]! });
      await db.batch(ops);
      userBytes += ops.length * (KEY_BYTES + VALUE_BYTES);
    }
  };
  await fill(shuffled(n, 11), 0);
  await record('fillrandom');
  for (let k = 1; k <= 3; k++) await fill(shuffled(n, 11 + k), k);
  await record('+3 overwrites');
  await db.compactRange('', '\uffff');
  await record('after full compaction');
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

export async function main(args: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const n = Number(arg('n') ?? 1_000_000);
  console.log(`compaction benchmark: ${n} keys x ${KEY_BYTES + VALUE_BYTES} bytes; fillrandom, then 3 overwrites of every key; dosql retention 0`);
  console.log(`machine: ${describeMachine(machineInfo(tmpdir()))}`);
  const rows = [...(await dosql(n, console.log)), ...(await leveldb(n, console.log))];
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify(rows, null, 2));
}
