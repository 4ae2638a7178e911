// Child of the lake's kill -9 test (scripts/lake-kill-harness.ts). One process hosts all three
// sides, so a SIGKILL of it is a kill -9 of the source database, the streamer and the lake:
//   - the source database `<dir>/db` (durability 'full', history kept forever, the streamer's
//     slot made before its tables), with a writer running the random workload of
//     test/support/lake-workload.ts (four tables, updates, key changes, deletes, one ADD COLUMN);
//   - createLakehouseStreamer feeding the lake in process (LakeEndpoint);
//   - the lake: warehouse `<warehouse>` (FsObjectStore, served by the parent at `<url>`), its
//     own state in `<dir>/state` (FsObjectStore), durability 'full', flushed by a timer here at
//     random 0-150 ms intervals (and by nothing else), small files (maxRowsPerFile 30).
// Prints `R` when everything runs, `F+` / `F- <ok|err>` around each flush (so the parent knows a
// kill landed mid-flush), until the parent kills it with SIGKILL.
// Mode `drain` runs no writer: the streamer sends up to the source's head, the lake flushes and
// commits it, everything closes and the child exits 0 after printing `done <head>`.
import { join } from 'node:path';
import { openLake } from '../src/lake/index.js';
import { DB } from '../src/node/db.js';
import { createCDC } from '../src/cdc/index.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { headLsn, streamer, until } from '../test/support/lake-harness.js';
import { createTables, Prng, step } from '../test/support/lake-workload.js';

const [dir, whDir, url, ns, seedArg, mode] = process.argv.slice(2) as [string, string, string, string, string, string];
const seed = Number(seedArg);
const r = new Prng(seed);
const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

// The source id the harness reads positions under (scripts/lake-kill-harness.ts).
const SOURCE_ID = 'src';

const db = DB(SOURCE_ID, { path: join(dir, 'db'), durability: 'full', retention: 'forever', workerThreads: false, memtableBytes: 64 * 1024 });
const cdc = createCDC(db);
if (!(await cdc.slots.getSlot('dosql-lake'))) await cdc.slots.createSlot('dosql-lake', 0n);
// A kill between two CREATE TABLEs leaves some: create the missing ones.
const have = new Set((await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name));
if (!have.has('a')) await createTables(db);
else if (!have.has('d')) throw new Error(`lake-kill child: tables half created (${[...have].join(', ')})`);

const warehouse = new FsObjectStore(whDir);
const state = new FsObjectStore(join(dir, 'state'));
const lake = await openLake({ warehouse, state, url, namespace: ns, durability: 'full', flush: { auto: false, maxRowsPerFile: 30 } });
const s = streamer(db, SOURCE_ID, lake, { maxBatchSize: 1 + r.int(15), retry: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 1_000_000 } });
await s.start();

async function flusher(): Promise<void> {
  for (;;) {
    await sleep(r.int(150));
    out('F+');
    const ok = await lake.flush().then(
      () => 'ok',
      () => 'err',
    );
    out(`F- ${ok}`);
  }
}

async function writer(): Promise<void> {
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

if (mode === 'drain') {
  const head = await headLsn(db);
  await until(() => Number(s.getStatus().lastAckLSN) >= head || s.getStatus().state === 'error', 60_000, `acknowledged up to ${head}`);
  if (s.getStatus().state === 'error') throw new Error(`lake-kill child: streamer failed: ${s.getStatus().lastError}`);
  await lake.flush();
  await s.waitCommitted(head);
  await s.stop();
  await lake.close();
  await warehouse.close();
  await state.close();
  await db.close();
  out(`done ${head}`);
} else {
  out('R');
  await Promise.all([writer(), flusher()]);
}
