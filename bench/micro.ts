// Micro-benchmarks of the hot paths on tinybench (issue 22): memtable put and get, SSTable
// point get (block cached), user-key and internal-key encoding, row encode and decode, and a
// prepared point SELECT through the embedded API. Where a comparable operation exists it runs
// beside it and the ratio is printed: the SELECT against better-sqlite3 (in memory, the same
// table), memtable put/get against a JS Map (the floor of any in-memory index), row encode
// and decode against JSON.stringify/parse of the same values. Key encoding has no reference.
//
//   npm run bench -- micro [--time MS] [--json FILE]
//
// --time is tinybench's time budget per task (default 500 ms, after a 100 ms warmup).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { Bench } from 'tinybench';
import { DB } from '../src/index.js';
import { Memtable } from '../src/memtable/memtable.js';
import { encodeUserKey, KIND_PUT, makeInternalKey, MAX_LSN, seekKey, TRAILER_SIZE } from '../src/mvcc/internal-key.js';
import { decodeRow, encodeRow } from '../src/sql/rows/row-codec.js';
import { BlockCache } from '../src/sstable/block-cache.js';
import { ensureCodec } from '../src/sstable/compression.js';
import { SSTableReader } from '../src/sstable/sstable-reader.js';
import { SSTableWriter } from '../src/sstable/sstable-writer.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { describeMachine, machineInfo } from './machine.js';

/** Keys in the memtable, SSTable and SQL table the reads pick from. */
const KEYS = 100_000;
const VALUE = new Uint8Array(100).fill(7);

export interface MicroRow {
  task: string;
  /** Mean operations per second, and its relative margin of error, percent. */
  opsPerSec: number;
  rme: number;
  /** Mean latency, ns. */
  meanNs: number;
  samples: number;
  /** The task this one is compared with (its reference), and dosql's ops/s over the reference's. */
  reference?: string;
  ratio?: number;
}

/** A pseudo-random key order that is the same on every run (a 32-bit LCG). */
function keyOrder(n: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x % KEYS;
  }
  return out;
}

const userKeys = Array.from({ length: KEYS }, (_, i) => encodeUserKey(0, 7, [i]));

function freshMemtable(): Memtable {
  return new Memtable(1, { suffixLength: TRAILER_SIZE, expectedEntries: KEYS });
}

function trailerOf(lsn: number): Uint8Array {
  return makeInternalKey(new Uint8Array(0), lsn, KIND_PUT);
}

async function sstable(): Promise<SSTableReader> {
  await ensureCodec('lz4');
  const w = new SSTableWriter({ filterSuffixLength: TRAILER_SIZE });
  // User keys in memcmp order (encodeUserKey of growing integers is ordered), one version each.
  for (let i = 0; i < KEYS; i++) w.add(makeInternalKey(userKeys[i]!, 1, KIND_PUT), VALUE);
  const b = w.finish();
  const store = new MemoryObjectStore();
  await store.put('micro.sst', b.chunks);
  return SSTableReader.open(store, 'micro.sst', { fileNumber: 1, size: b.size, cache: new BlockCache(64 << 20) });
}

export async function runMicro(timeMs: number): Promise<MicroRow[]> {
  const order = keyOrder(1 << 16);
  let k = 0;
  const next = (): number => order[k++ & 0xffff]!;

  // Memtable: puts go to a fresh memtable every KEYS entries (the engine freezes at a size too).
  let putTable = freshMemtable();
  let putLsn = 0;
  const readTable = freshMemtable();
  for (let i = 0; i < KEYS; i++) readTable.add(userKeys[i]!, VALUE, trailerOf(i + 1));
  let putMap = new Map<string, Uint8Array>();
  const readMap = new Map<string, Uint8Array>(userKeys.map((u, i) => [String(i), u]));

  const reader = await sstable();

  const row: (bigint | string | number | null)[] = [123456789n, 'alice@example.com', 'Alice Example', 42.5, null, 'active'];
  const encoded = encodeRow(row);
  const json = JSON.stringify(row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));

  const db = DB('micro', { storage: 'memory' });
  await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)');
  for (let i = 0; i < KEYS; i += 1000) await db.run(`INSERT INTO t SELECT value, 'name-' || value, value * 0.5 FROM generate_series(${i}, ${i + 999})`);
  const point = db.prepare('SELECT * FROM t WHERE id = ?');
  const sqlite = new Database(':memory:');
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)');
  sqlite.prepare("WITH RECURSIVE s(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM s WHERE v < ?) INSERT INTO t SELECT v, 'name-' || v, v * 0.5 FROM s").run(KEYS - 1);
  const sqlitePoint = sqlite.prepare('SELECT * FROM t WHERE id = ?');
  // Same answer from both before timing anything.
  const probe = next();
  const a = await point.get([probe]);
  const b = sqlitePoint.get(probe);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`micro: point SELECT differs: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);

  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  bench
    .add('memtable put', () => {
      if (putTable.count >= KEYS) putTable = freshMemtable();
      putTable.add(userKeys[next()]!, VALUE, trailerOf(++putLsn));
    })
    .add('Map set (reference)', () => {
      if (putMap.size >= KEYS) putMap = new Map();
      putMap.set(String(next()), VALUE);
    })
    .add('memtable get', () => {
      const uk = userKeys[next()]!;
      const e = readTable.findInGroup(uk, seekKey(uk, MAX_LSN));
      if (e < 0) throw new Error('micro: memtable miss');
    })
    .add('Map get (reference)', () => {
      if (readMap.get(String(next())) === undefined) throw new Error('micro: map miss');
    })
    .add('SSTable point get', async () => {
      const uk = userKeys[next()]!;
      const hit = await reader.seekFirst(seekKey(uk, MAX_LSN));
      if (!hit) throw new Error('micro: sstable miss');
    })
    .add('user key encode', () => {
      encodeUserKey(0, 7, [next(), 'suffix']);
    })
    .add('internal key encode', () => {
      makeInternalKey(userKeys[next()]!, 42, KIND_PUT);
    })
    .add('row encode', () => {
      encodeRow(row);
    })
    .add('JSON.stringify row (reference)', () => {
      JSON.stringify(row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    })
    .add('row decode', () => {
      decodeRow(encoded);
    })
    .add('JSON.parse row (reference)', () => {
      JSON.parse(json);
    })
    .add('prepared point SELECT', async () => {
      await point.get([next()]);
    })
    .add('better-sqlite3 point SELECT (reference)', () => {
      sqlitePoint.get(next());
    });
  await bench.run();
  await db.close();
  sqlite.close();

  const refs: Record<string, string> = {
    'memtable put': 'Map set (reference)',
    'memtable get': 'Map get (reference)',
    'row encode': 'JSON.stringify row (reference)',
    'row decode': 'JSON.parse row (reference)',
    'prepared point SELECT': 'better-sqlite3 point SELECT (reference)',
  };
  const rows: MicroRow[] = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== 'completed') throw new Error(`micro: task ${t.name} ${r.state}${'error' in r ? `: ${String(r.error)}` : ''}`);
    return { task: t.name, opsPerSec: r.throughput.mean, rme: r.throughput.rme, meanNs: r.latency.mean * 1e6, samples: r.latency.samplesCount };
  });
  for (const r of rows) {
    const ref = rows.find((x) => x.task === refs[r.task]);
    if (ref) {
      r.reference = ref.task;
      r.ratio = r.opsPerSec / ref.opsPerSec;
    }
  }
  return rows;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

export async function main(args: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const timeMs = Number(arg('time') ?? 500);
  console.log(`micro benchmarks (tinybench): ${timeMs} ms per task, ${KEYS} keys`);
  console.log(`machine: ${describeMachine(machineInfo(tmpdir()))}`);
  const rows = await runMicro(timeMs);
  console.log(`\n${'task'.padEnd(40)} ${'ops/s'.padStart(9)} ${'±%'.padStart(6)} ${'mean ns'.padStart(9)}  ratio (dosql / reference)`);
  for (const r of rows) {
    const ratio = r.ratio !== undefined ? `  ${r.ratio.toFixed(2)}x vs ${r.reference}` : '';
    console.log(`${r.task.padEnd(40)} ${fmt(r.opsPerSec).padStart(9)} ${r.rme.toFixed(1).padStart(6)} ${r.meanNs.toFixed(0).padStart(9)}${ratio}`);
  }
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify({ machine: machineInfo(tmpdir()), timeMs, rows }, null, 2));
}
