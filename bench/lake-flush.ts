// npx tsx bench/lake-flush.ts [--flushes N] [--events E] [--update-pct P] [--runs R]
// The lake's flush path alone, by process CPU time: synthetic change batches of a flights-like
// table (ids ascending; P % of each flush updates rows of earlier flushes) are ingested into a
// folder lake with automatic flushes off, then `flush()` commits E events at a time, N times.
// Prints flush CPU ms and events per CPU second of each flush, and their median (the first
// flush, which opens the table and warms the JIT, is left out of the median).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDCBatch, LakeEvent } from '../src/cdc/lake-protocol.js';
import { openLake } from '../src/lake/index.js';
import { DB } from '../src/node/db.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { Prng } from '../src/util/prng.js';
import { toBase64 } from '../src/util/base64.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const flushes = arg('flushes', 6);
const perFlush = arg('events', 50_000);
const updatePct = arg('update-pct', 0);
const AIRPORTS = ['SFO', 'LAX', 'JFK', 'ORD', 'ATL', 'DFW', 'SEA', 'BOS', 'DEN', 'MIA'];

const dir = mkdtempSync(join(tmpdir(), 'dosql-lake-flush-'));
// DB() loads the Parquet writer the lake needs.
const db = DB('x', { path: join(dir, 'db'), workerThreads: false });
await db.open();
const store = new FsObjectStore(join(dir, 'lake'));
const lake = await openLake({ warehouse: store, url: `file://${join(dir, 'lake')}`, flush: { auto: false, maxBufferBytes: 1 << 30, rowGroupRows: 100_000 }, durability: 'normal' });
const keyOf = (id: number): string => {
  const b = new Uint8Array(9);
  b[0] = 0x15;
  new DataView(b.buffer).setBigInt64(1, BigInt(id) ^ (1n << 63n));
  return toBase64(b);
};
const r = new Prng(7);
let lsn = 0;
let nextId = 1;
let position = '0';
let seqNo = 0;
const results: { ms: number; evps: number }[] = [];
for (let f = 0; f < flushes; f++) {
  // Commits of 1,000 row events (the demo's days are ~16,000; the bench's transactions 100).
  for (let done = 0; done < perFlush; ) {
    const events: LakeEvent[] = [];
    lsn++;
    const ts = Date.UTC(2001, 0, 1 + (lsn % 180), 12);
    const n = Math.min(1000, perFlush - done);
    for (let s = 0; s < n; s++) {
      const update = nextId > 1000 && r.next() * 100 < updatePct;
      const id = update ? 1 + r.int(nextId - 1) : nextId++;
      events.push({ op: update ? 'update' : 'insert', lsn, seq: s, ts, table: 'flights', key: keyOf(id), data: { id, date: `2001-01-${String(1 + (id % 28)).padStart(2, '0')} 10:00`, delay: (id * 7) % 90 - 10, distance: 100 + ((id * 13) % 2500), origin: AIRPORTS[id % 10]!, destination: AIRPORTS[(id * 3) % 10]! } });
    }
    events.push({ op: 'commit', lsn, seq: n, ts });
    done += n;
    const b: CDCBatch = { batchId: `x/${lsn}`, sourceDoId: 'flights', sequenceNumber: ++seqNo, firstLSN: lsn, lastLSN: lsn, afterPosition: position, lastPosition: `${lsn}:${n}`, complete: true, createdAt: Date.now(), sizeBytes: 0, isRetry: false, retryCount: 0, events };
    const ack = await lake.ingest(b);
    if (ack.type !== 'ack') throw new Error(JSON.stringify(ack));
    position = String(lsn);
  }
  const c0 = process.cpuUsage();
  const res = await lake.flush();
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  results.push({ ms, evps: res.events / (ms / 1000) });
  console.log(`flush ${f + 1}: ${res.events} events, ${ms.toFixed(0)} ms CPU, ${Math.round(res.events / (ms / 1000))} events per CPU second`);
}
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rest = results.slice(1);
console.log(`median of flushes 2..${flushes}: ${med(rest.map((x) => x.ms)).toFixed(0)} ms CPU, ${Math.round(med(rest.map((x) => x.evps)))} events per CPU second (${perFlush} events per flush, ${updatePct} % updates)`);
await lake.close();
await store.close();
await db.close();
rmSync(dir, { recursive: true, force: true });
