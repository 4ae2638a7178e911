// One trial of the lake's exactly-once test under faults (test/lake-crash.test.ts runs a few,
// `npm run crash:lake` runs hundreds). In process: source databases run the random workload
// while a streamer per source feeds a lake whose warehouse store injects failures (failed puts,
// puts that land but report failure, failed gets and lists) — and at random moments the
// streamer, or the whole lake (its state store and warehouse "die": every later call fails, a
// call in flight may still land), is killed mid-way and replaced by a fresh one on what the
// stores hold. After every kill and at the end, icebird reads every lake table and it must
// equal each source's `AS OF LSN <the table's position for it>`; at the end, after a fault-free
// drain, every table equals every source at its head. A third of the trials also compact and clean
// up (and are killed in the middle of that too).
import type { LakehouseStreamer } from '../../src/cdc/lakehouse-streamer.js';
import { openLake, type Lake } from '../../src/lake/index.js';
import type { Database } from '../../src/sql/api/database.js';
import { FaultInjectingStore, type FaultRule } from '../../src/storage/fault-store.js';
import { MemoryObjectStore } from '../../src/storage/memory-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { compareLakeTable } from './lake-reader.js';
import { headLsn, source, streamer, until, type Warehouse } from './lake-harness.js';
import { createTables, LAKE_TABLES, Prng, step } from './lake-workload.js';

export interface TrialResult {
  ok: boolean;
  error?: string;
  kills: { streamer: number; lake: number; midFlush: number; midMaintenance: number };
  /** Compactions and cleanups that ran to the end. */
  maintenance: number;
  checks: number;
  rows: number;
  faults: number;
  commits: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs trial `seed` with `sources` source databases on the warehouse folder `w` (namespace per trial). */
export async function lakeCrashTrial(w: Warehouse, seed: number, o: { sources?: number; steps?: number; faults?: boolean; lakeKills?: boolean; streamerKills?: boolean; onFailure?: (dbs: Map<string, Database>, lake: Lake) => Promise<void> } = {}): Promise<TrialResult> {
  const r = new Prng(seed);
  const ns = `trial${seed}x${o.sources ?? 1}`;
  const res: TrialResult = { ok: true, kills: { streamer: 0, lake: 0, midFlush: 0, midMaintenance: 0 }, maintenance: 0, checks: 0, rows: 0, faults: 0, commits: 0 };
  const ids = Array.from({ length: o.sources ?? 1 }, (_, i) => `${ns}s${i}`);
  const dbs = new Map<string, Database>();
  for (const id of ids) {
    const db = await source(id);
    await createTables(db);
    dbs.set(id, db);
  }
  const stateInner = new MemoryObjectStore();
  let state!: FaultInjectingStore;
  let wh!: FaultInjectingStore;
  let lake!: Lake;
  const streamers = new Map<string, LakehouseStreamer>();
  const rules = (): FaultRule[] => [
    { op: 'put', kind: 'fail', probability: 0.02 },
    { op: 'put', kind: 'tear', probability: 0.02 },
    { op: 'get', kind: 'fail', probability: 0.01 },
    { op: 'list', kind: 'fail', probability: 0.02 },
  ];
  // A third of the trials also compact and clean up (with a lake clock that moves 1 s a step, so
  // orphans age past a 5 s guard within the trial).
  const maintenance = seed % 3 === 0;
  const clock = new ManualClock(Date.now());
  const startLake = async (faults: boolean): Promise<void> => {
    faulty = faults && (o.faults ?? true);
    state = new FaultInjectingStore(stateInner, { seed: r.int(1e9) });
    wh = new FaultInjectingStore(w.store, { seed: r.int(1e9), rules: faulty ? rules() : [] });
    lake = await openLake({ warehouse: wh, state, url: w.server.base, namespace: ns, durability: 'full', flush: { auto: false, maxRowsPerFile: 30 }, clock, retention: { orphanMinAgeMs: 5000, minSnapshotsToKeep: 2, maxSnapshotAgeMs: 0 } });
  };
  const startStreamer = async (id: string): Promise<void> => {
    const s = streamer(dbs.get(id)!, id, lake, { maxBatchSize: 1 + r.int(15), retry: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 1_000_000 } });
    streamers.set(id, s);
    await s.start();
  };
  const killLake = (): void => {
    for (const s of streamers.values()) s.abort();
    state.crash();
    wh.crash();
    res.faults += Object.values(wh.injected).reduce((a, b) => a + b, 0);
    res.commits += lake.metrics().dolake_commits_total;
  };
  const check = async (at?: Record<string, number>): Promise<void> => {
    // Reading through the lake must not meet the injected faults (a flush would retry them).
    wh.setRules([]);
    for (const t of LAKE_TABLES) {
      const { got, want, positions } = await compareLakeTable(lake, t, dbs, at);
      res.checks++;
      res.rows += got.length;
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        const missing = want.filter((x) => !got.includes(x));
        const extra = got.filter((x) => !want.includes(x));
        throw new Error(`seed ${seed}: table ${t} at ${JSON.stringify(positions)}: ${missing.length} missing ${JSON.stringify(missing.slice(0, 3))}, ${extra.length} extra ${JSON.stringify(extra.slice(0, 3))}`);
      }
    }
    if (faulty) wh.setRules(rules());
  };
  let faulty = true;
  try {
    await startLake(true);
    for (const id of ids) await startStreamer(id);
    const altered = new Map(ids.map((id) => [id, false]));
    const alterAt = new Map(ids.map((id) => [id, 5 + r.int(25)]));
    const steps = o.steps ?? 40;
    for (let i = 0; i < steps; i++) {
      for (const id of ids) altered.set(id, await step(dbs.get(id)!, r, i, altered.get(id)!, alterAt.get(id)!, (seed + i) % 2 === 0));
      clock.advance(1000);
      const dice = r.next();
      if (maintenance && r.chance(0.15)) {
        const job = r.chance(0.5) ? lake.compact(r.chance(0.5) ? { mode: 'full' } : { minFilesThreshold: 2, minPartitionAgeMs: 0 }) : lake.cleanup();
        if (r.chance(0.3)) {
          // Killed in the middle of it.
          void job.catch(() => undefined);
          await sleep(r.int(5));
          killLake();
          res.kills.lake++;
          res.kills.midMaintenance++;
          await startLake(true);
          await check();
          for (const id of ids) await startStreamer(id);
        } else {
          await job.then(() => res.maintenance++).catch(() => undefined);
        }
      }
      if (dice < 0.2) await lake.flush().catch(() => undefined);
      else if (dice < 0.27) {
        // Kill one streamer mid-way; a new one resumes from the lake's position.
        const id = r.pick(ids);
        streamers.get(id)!.abort();
        res.kills.streamer++;
        await sleep(r.int(3));
        await startStreamer(id);
      } else if (dice >= 0.27 && dice < 0.36 && (o.lakeKills ?? true)) {
        // Kill the lake, possibly in the middle of a flush.
        const flushing = r.chance(0.6);
        if (flushing) {
          void lake.flush().catch(() => undefined);
          await sleep(r.int(8));
          res.kills.midFlush++;
        }
        killLake();
        res.kills.lake++;
        await startLake(true);
        await check();
        for (const id of ids) await startStreamer(id);
      }
    }
    // Drain without faults: everything reaches the lake, positions reach the heads.
    killLake();
    await startLake(false);
    for (const id of ids) await startStreamer(id);
    for (const [id, db] of dbs) {
      const head = await headLsn(db);
      const s = streamers.get(id)!;
      await until(() => Number(s.getStatus().lastAckLSN) >= head || s.getStatus().state === 'error', 30_000, `${id} acknowledged`).catch((e: unknown) => {
        throw new Error(`${(e as Error).message} up to ${head}: ${JSON.stringify(s.getStatus(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))} ${JSON.stringify(lake.status().sources)}`);
      });
      if (s.getStatus().state === 'error') throw new Error(`streamer ${id} failed: ${s.getStatus().lastError}`);
    }
    await lake.flush();
    if (maintenance) {
      await lake.compact({ mode: 'full' });
      clock.advance(10_000);
      await lake.cleanup();
      res.maintenance += 2;
    }
    const heads: Record<string, number> = {};
    for (const [id, db] of dbs) heads[id] = await headLsn(db);
    // Caught up: every table equals every source at its head, and the lake says so.
    await check(heads);
    for (const s of lake.status().sources) {
      if (s.committed !== heads[s.sourceId]) throw new Error(`seed ${seed}: the lake committed ${s.sourceId} up to ${s.committed}, its head is ${heads[s.sourceId]}`);
    }
    res.commits += lake.metrics().dolake_commits_total;
  } catch (e) {
    res.ok = false;
    res.error = e instanceof Error ? e.message : String(e);
    await o.onFailure?.(dbs, lake);
  } finally {
    for (const s of streamers.values()) await s.stop().catch(() => undefined);
    await lake.close().catch(() => undefined);
    for (const db of dbs.values()) await db.close().catch(() => undefined);
  }
  return res;
}
