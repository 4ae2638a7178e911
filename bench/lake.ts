// The lake (docs/lake.md): sustained rows/s into Iceberg from 1 and from 4 source databases,
// freshness (a source commit → visible in an Iceberg snapshot) with a 1 s flush interval, and
// data files per partition before and after compaction.
//
//   npm run bench -- lake [--ms MS] [--rate ROWS_PER_S] [--default-ms MS] [--only throughput|freshness|default] [--json FILE]
//
// Freshness runs twice: with a 1 s flush interval for --ms, and with the lake's default flush
// settings (60 s interval, 10,000 events, 64 MiB buffer) for --default-ms (default 180000).
//
// Sources are embedded databases in this process (folders, durability 'normal') running
// transactions of 100 row changes (80 % inserts, 15 % updates, 5 % deletes) on
// `events(id INTEGER PRIMARY KEY, src TEXT, v REAL, note TEXT)`; one in-process lake on a folder.
// Throughput: each source writes as fast as it can for --ms, then the lake drains; rows/s =
// row changes committed in the lake / (time to drained). Freshness: each source commits
// --rate rows/s for --ms; for every source commit, the time from its commit until the lake
// reported it committed (an Iceberg snapshot holding it is current). Target (issue 16): p99 under
// 2 s with a 1 s flush interval (Moonlink mirrors Postgres into Iceberg in under a second).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icebergRead } from 'icebird';
import { DB, FsObjectStore, type Database } from '../src/index.js';
import { createCDC, createLakehouseStreamer, type LakehouseStreamer } from '../src/cdc/index.js';
import { openLake, type Lake } from '../src/lake/index.js';
import { Prng } from '../src/util/prng.js';
import { describeMachine, machineInfo } from './machine.js';
import { serveFolder, type StaticServer } from '../test/support/static-server.js';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : 0;
};

interface Source {
  id: string;
  db: Database;
  streamer: LakehouseStreamer;
  rows: number;
  commits: { lsn: number; at: number }[];
}

/** The lake's flush settings: a 1 s interval (no size or count trigger), or null for the lake's defaults (60 s, 10,000 events, 64 MiB). */
type FlushSettings = { intervalMs: number } | null;

async function setup(dir: string, n: number, flush: FlushSettings): Promise<{ lake: Lake; sources: Source[]; server: StaticServer }> {
  const wh = join(dir, 'lake');
  mkdirSync(wh, { recursive: true });
  // Readers (icebird, for the caught-up check) fetch over loopback HTTP.
  const server = await serveFolder(wh);
  const dbs: Database[] = [];
  for (let i = 0; i < n; i++) {
    const db = DB(`src${i}`, { path: join(dir, `src${i}`), durability: 'normal', workerThreads: false });
    await createCDC(db).slots.createSlot('dosql-lake', 0n);
    await db.exec('CREATE TABLE events(id INTEGER PRIMARY KEY, src TEXT, v REAL, note TEXT)');
    dbs.push(db);
  }
  // (DB() has loaded the Parquet writer the lake needs.)
  const lake = await openLake({ warehouse: new FsObjectStore(wh), url: server.base, durability: 'normal', ...(flush ? { flush: { intervalMs: flush.intervalMs, eventThreshold: 1_000_000, maxBufferBytes: 256 * 1024 * 1024 } } : {}) });
  const sources: Source[] = [];
  for (const [i, db] of dbs.entries()) {
    const id = `src${i}`;
    const streamer = createLakehouseStreamer({ cdc: db, config: { sourceDoId: id, lake, maxBatchSize: 2000 } });
    await streamer.start();
    sources.push({ id, db, streamer, rows: 0, commits: [] });
  }
  return { lake, sources, server };
}

/** One transaction of 100 row changes. */
async function txn(s: Source, r: Prng, next: { id: number }): Promise<void> {
  await s.db.transaction(async (tx) => {
    for (let k = 0; k < 100; k++) {
      const d = r.next();
      if (d < 0.8 || next.id < 10) await tx.run('INSERT INTO events VALUES (?, ?, ?, ?)', [next.id++, s.id, r.next() * 100, `note ${next.id}`]);
      else if (d < 0.95) await tx.run('UPDATE events SET v = v + 1 WHERE id = ?', [r.int(next.id)]);
      else await tx.run('DELETE FROM events WHERE id = ?', [r.int(next.id)]);
    }
  });
  s.rows += 100;
  s.commits.push({ lsn: Number((await createCDC(s.db).stats()).headLSN), at: Date.now() });
}

async function drain(lake: Lake, sources: Source[]): Promise<void> {
  for (const s of sources) {
    const head = Number((await createCDC(s.db).stats()).headLSN);
    while (Number(s.streamer.getStatus().lastAckLSN) < head) await new Promise((r) => setTimeout(r, 5));
    await lake.flush();
    await s.streamer.waitCommitted(head);
  }
}

async function close(lake: Lake, sources: Source[]): Promise<void> {
  for (const s of sources) {
    await s.streamer.stop();
    await s.db.close();
  }
  await lake.close();
}

async function throughput(n: number, ms: number, log: (s: string) => void): Promise<{ sources: number; rows: number; seconds: number; rows_per_s: number; equal: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-bench-lake-'));
  try {
    const { lake, sources, server } = await setup(dir, n, { intervalMs: 1000 });
    const t0 = Date.now();
    await Promise.all(
      sources.map(async (s, i) => {
        const r = new Prng(i + 1);
        const next = { id: 0 };
        while (Date.now() - t0 < ms) await txn(s, r, next);
      }),
    );
    await drain(lake, sources);
    const seconds = (Date.now() - t0) / 1000;
    const rows = sources.reduce((a, s) => a + s.rows, 0);
    // Caught up: the lake's table holds each source's rows.
    const snap = await lake.snapshot('events');
    const got = (await icebergRead({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as Record<string, unknown>[];
    let want = 0;
    for (const s of sources) want += Number((await s.db.queryOne<{ n: number }>('SELECT count(*) AS n FROM events'))!.n);
    const equal = got.length === want;
    log(`  ${n} source(s): ${rows} row changes in ${seconds.toFixed(1)} s → ${Math.round(rows / seconds)} rows/s into the lake (${want} rows at the sources, icebird reads ${got.length})`);
    await close(lake, sources);
    await server.close();
    return { sources: n, rows, seconds, rows_per_s: Math.round(rows / seconds), equal };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freshness(ms: number, rate: number, flush: FlushSettings, log: (s: string) => void): Promise<{ settings: string; interval_ms: number; commits: number; p50_ms: number; p99_ms: number; max_ms: number; files_before: { max: number; mean: number; deletes: number }; files_after: { max: number; mean: number }; compact_ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-bench-lake-'));
  try {
    const { lake, sources, server } = await setup(dir, 1, flush);
    const s = sources[0]!;
    const settings = flush ? `flush every ${flush.intervalMs} ms` : 'default flush settings (60 s, 10,000 events, 64 MiB)';
    const visible = new Map<number, number>();
    lake.onCommitted(s.id, (c) => visible.set(c.lsn, Date.now()));
    const r = new Prng(9);
    const next = { id: 0 };
    const t0 = Date.now();
    const every = (100 / rate) * 1000;
    while (Date.now() - t0 < ms) {
      const due = t0 + s.commits.length * every;
      if (Date.now() < due) await new Promise((res) => setTimeout(res, due - Date.now()));
      await txn(s, r, next);
    }
    await drain(lake, sources);
    const committed = [...visible.entries()].sort((a, b) => a[0] - b[0]);
    const lat = s.commits.map((c) => {
      const hit = committed.find(([lsn]) => lsn >= c.lsn);
      return (hit ? hit[1] : Date.now()) - c.at;
    });
    const files = lake.status().tables.find((t) => t.name === 'events')!;
    const before = { max: files.dataFiles, mean: files.dataFiles, deletes: files.deleteFiles };
    const c0 = Date.now();
    await lake.compact({ mode: 'full' });
    const compactMs = Date.now() - c0;
    const after = lake.status().tables.find((t) => t.name === 'events')!;
    const fl = lake.metrics().dolake_flush_duration_ms;
    log(`  freshness at ${rate} rows/s, ${settings}: ${lat.length} commits, p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${Math.max(...lat)} ms (flushes: p50 ${fl.p50} ms, p99 ${fl.p99} ms)`);
    log(`  files (one day partition): ${before.max} data + ${before.deletes} delete files before compaction, ${after.dataFiles} + ${after.deleteFiles} after (${compactMs} ms)`);
    await close(lake, sources);
    await server.close();
    return { settings, interval_ms: flush?.intervalMs ?? 60_000, commits: lat.length, p50_ms: pct(lat, 50), p99_ms: pct(lat, 99), max_ms: Math.max(...lat), files_before: before, files_after: { max: after.dataFiles, mean: after.dataFiles }, compact_ms: compactMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const ms = arg(args, '--ms', 30_000);
  const rate = arg(args, '--rate', 1000);
  const ji = args.indexOf('--json');
  const log = (s: string): void => console.log(s);
  log(`lake benchmark (${describeMachine(machineInfo())})`);
  // --only throughput|freshness|default: one part (the others are reported as skipped: null).
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? args[oi + 1] : undefined;
  const t1 = !only || only === 'throughput' ? await throughput(1, ms, log) : null;
  const t4 = !only || only === 'throughput' ? await throughput(4, ms, log) : null;
  const f = !only || only === 'freshness' ? await freshness(ms, rate, { intervalMs: 1000 }, log) : null;
  const fd = !only || only === 'default' ? await freshness(arg(args, '--default-ms', 180_000), rate, null, log) : null;
  const out = { machine: machineInfo(), ms, throughput: [t1, t4], freshness: f, freshness_default: fd };
  if (ji >= 0) writeFileSync(args[ji + 1]!, `${JSON.stringify(out, null, 2)}\n`);
}
