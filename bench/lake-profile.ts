// npx tsx bench/lake-profile.ts [--rows N] [--per-commit K] [--dir D [--load-only | --stream-only]]
// Profiles the lake's ingest and flush path as the demo drives it (scripts/demo/lake.ts): a
// flights-like table of N rows committed K at a time, then streamed from LSN 0 by an in-process
// streamer into a folder lake with the demo's settings. Samples process.memoryUsage() every
// second and prints events/s, RSS, heap, external and ArrayBuffer bytes, and the peak.
// Run under `node --cpu-prof --import tsx` for a CPU profile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCDC, createLakehouseStreamer } from '../src/cdc/index.js';
import { openLake } from '../src/lake/index.js';
import { DB } from '../src/node/db.js';
import { FsObjectStore } from '../src/storage/fs-store.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const rows = Number(arg('rows', '300000'));
const perCommit = Number(arg('per-commit', '10000'));
const dir = arg('dir', mkdtempSync(join(tmpdir(), 'dosql-lake-profile-')));
const mb = (n: number): string => `${(n / 1048576).toFixed(0)} MB`;

const db = DB('flights', { path: join(dir, 'db'), workerThreads: false, durability: 'off', retention: 'forever' });
const loaded = args.includes('--stream-only');
if (!loaded) await createCDC(db).slots.createSlot('dosql-lake', 0n);
if (!loaded) await db.exec('CREATE TABLE flights(id INTEGER PRIMARY KEY, date TEXT, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT)');
const t0 = Date.now();
const AIRPORTS = ['SFO', 'LAX', 'JFK', 'ORD', 'ATL', 'DFW', 'SEA', 'BOS', 'DEN', 'MIA'];
for (let at = 0; !loaded && at < rows; at += perCommit) {
  const vals: string[] = [];
  for (let i = at; i < Math.min(rows, at + perCommit); i++) vals.push(`(${i + 1}, '2001-01-${String(1 + (i % 28)).padStart(2, '0')} 10:00', ${(i * 7) % 90 - 10}, ${100 + ((i * 13) % 2500)}, '${AIRPORTS[i % 10]}', '${AIRPORTS[(i * 3) % 10]}')`);
  await db.exec(`INSERT INTO flights VALUES ${vals.join(',')}`);
}
console.log(`loaded ${rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const head = Number((await createCDC(db).stats()).headLSN);

if (args.includes('--load-only')) {
  await db.close();
  process.exit(0);
}
rmSync(join(dir, 'lake'), { recursive: true, force: true });
const store = new FsObjectStore(join(dir, 'lake'));
const lake = await openLake({ warehouse: store, url: `file://${join(dir, 'lake')}`, flush: { intervalMs: 3_600_000, eventThreshold: 50_000, rowGroupRows: 100_000 }, durability: 'normal' });
const s = createLakehouseStreamer({ cdc: db, config: { sourceDoId: 'flights', lake, maxBatchSize: 10_000, maxBatchBytes: 4 * 1024 * 1024, maxBufferSize: 10_000 } });
let peak = 0;
const t1 = Date.now();
const cpu0 = process.cpuUsage();
let last = 0;
const sample = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  const sent = s.getStatus().totalEntriesSent;
  console.log(`${((Date.now() - t1) / 1000).toFixed(0)} s: ${sent} events (${sent - last}/s), rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, external ${mb(m.external)}, arrayBuffers ${mb(m.arrayBuffers)}, flushes ${JSON.stringify(lake.metrics().dolake_flush_duration_ms)}`);
  last = sent;
}, 1000);
await s.start();
while (Number(s.getStatus().lastAckLSN) < head) {
  if (s.getStatus().state === 'error') throw new Error(s.getStatus().lastError);
  await new Promise((r) => setTimeout(r, 20));
}
await lake.flush();
await s.waitCommitted(head);
const secs = (Date.now() - t1) / 1000;
const cpu1 = process.cpuUsage(cpu0);
const cpuSecs = (cpu1.user + cpu1.system) / 1e6;
clearInterval(sample);
const sent = s.getStatus().totalEntriesSent;
const gc = (globalThis as { gc?: () => void }).gc;
const afterGc = (what: string): void => {
  if (!gc) return;
  gc();
  const m = process.memoryUsage();
  console.log(`after GC, ${what}: rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, external ${mb(m.external)}, arrayBuffers ${mb(m.arrayBuffers)}`);
};
afterGc('streamed, everything open');
if (args.includes('--hold')) await new Promise((r) => setTimeout(r, 1000));
await s.stop();
afterGc('streamer stopped');
await lake.close();
await store.close();
afterGc('lake closed');
await db.close();
afterGc('database closed');
console.log(`streamed ${sent} events in ${secs.toFixed(1)} s (${cpuSecs.toFixed(1)} s CPU): ${(sent / secs).toFixed(0)} events/s, ${(sent / cpuSecs).toFixed(0)} events per CPU second, peak RSS ${mb(Math.max(peak, process.memoryUsage().rss))}`);
if (!args.includes('--dir')) rmSync(dir, { recursive: true, force: true });
