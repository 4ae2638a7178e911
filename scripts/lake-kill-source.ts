// Source child of the lake's kill -9 test (scripts/lake-kill-harness.ts): one process holding
//   - the source database `<dir>/db` (durability 'full', history kept forever, the streamer's
//     slot made before its tables), with a writer running the random workload of
//     test/support/lake-workload.ts (four tables, updates, key changes, deletes, one ADD COLUMN);
//   - its createLakehouseStreamer, streaming over the network to the lake process
//     (scripts/lake-kill-lake.ts, `dosql lake serve`'s server) at `<ingest>` (a WebSocket URL):
//     a kill of the lake drops the connection and the streamer reconnects with backoff and
//     resumes from the lake's `resumeAfter`.
// Prints `R` once it runs; the parent SIGKILLs it at a random moment. `[heartbeatMs]` (default
// 1000) is the streamer's heartbeat: a lake silent for twice it is dropped and reconnected.
// Mode `drain` runs no writer: the streamer sends up to the source's head, waits until the lake
// has committed it, closes and exits 0 after printing `done <head>`; meanwhile it prints the
// streamer's status every second (`S <json>`: state, lastAckLSN, lastCommittedLSN, pending…).
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createCDC, createLakehouseStreamer, type LakeSocket } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import { headLsn } from '../test/support/lake-harness.js';
import { createTables, Prng, step } from '../test/support/lake-workload.js';

const [dir, sourceId, ingest, seedArg, mode, heartbeatArg] = process.argv.slice(2) as [string, string, string, string, string, string | undefined];
const seed = Number(seedArg);
const r = new Prng(seed);
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

const db = DB(sourceId, { path: join(dir, 'db'), durability: 'full', retention: 'forever', workerThreads: false, memtableBytes: 64 * 1024 });
const cdc = createCDC(db);
if (!(await cdc.slots.getSlot('dosql-lake'))) await cdc.slots.createSlot('dosql-lake', 0n);
// A kill between two CREATE TABLEs leaves some: create the missing ones.
const have = new Set((await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name));
if (!have.has('a')) await createTables(db);
else if (!have.has('d')) throw new Error(`lake-kill source: tables half created (${[...have].join(', ')})`);

const s = createLakehouseStreamer({
  cdc: db,
  config: {
    sourceDoId: sourceId,
    lakehouseUrl: ingest,
    WebSocket: WebSocket as unknown as new (url: string, protocols?: string[]) => LakeSocket,
    maxBatchSize: 1 + r.int(15),
    // A dead lake is noticed by the socket closing; these bound a hung one.
    heartbeatInterval: Number(heartbeatArg ?? 1000),
    ackTimeoutMs: 5000,
    retry: { initialDelayMs: 5, maxDelayMs: 50, maxAttempts: 1_000_000 },
  },
});
await s.start();

if (mode === 'drain') {
  const head = await headLsn(db);
  // Every second what the streamer reports: the parent's drain fails on no progress for a while
  // (a stall), not on a wall-clock limit, and prints these at the stall.
  const report = (): void => {
    const st = s.getStatus();
    process.stdout.write(`S ${JSON.stringify({ head, state: st.state, lastAckLSN: Number(st.lastAckLSN), lastCommittedLSN: Number(st.lastCommittedLSN), pendingBatches: st.pendingBatches, pendingCount: st.pendingCount, batches: st.totalBatchesSent, retries: st.retries, bp: st.backpressure ? `${st.backpressure.type}/${st.backpressure.reason}` : null, lastError: st.lastError?.slice(0, 200) })}\n`);
  };
  report();
  const timer = setInterval(report, 1000);
  while (Number(s.getStatus().lastAckLSN) < head && s.getStatus().state !== 'error') await sleep(10);
  if (s.getStatus().state === 'error') throw new Error(`lake-kill source: streamer failed: ${s.getStatus().lastError}`);
  await s.waitCommitted(head);
  clearInterval(timer);
  report();
  await s.stop();
  await db.close();
  process.stdout.write(`done ${head}\n`);
  process.exit(0);
} else {
  process.stdout.write('R\n');
  let altered = await db.query('SELECT extra FROM b LIMIT 0').then(
    () => true,
    () => false,
  );
  const alterAt = r.int(60);
  for (let i = 0; ; i++) {
    altered = await step(db, r, i, altered, alterAt, seed % 2 === 0);
    if (r.chance(0.3)) await sleep(r.int(8));
  }
}
