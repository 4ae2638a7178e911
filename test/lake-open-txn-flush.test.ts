// Automatic flushes with one source transaction larger than the event threshold: the size and
// count triggers fire while nothing is whole yet, so a flush takes nothing; the lake then waits
// for the next batch or the interval, and once the COMMIT is in, the rows arrive exactly once.
// (The flights demo at 3,000,000 flights spun in empty flushes at its 166,168-row merge — a live
// CPU profile showed only flushLocked/runFlush/schedule for 11 minutes; this test does not
// reproduce that spin on the code before the fix, it checks the behaviour around it.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { compareLakeTable } from './support/lake-reader.js';
import { headLsn, lakeOn, source, streamer, until, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

describe('lake automatic flush', () => {
  it('an open transaction past the event threshold does not spin the flush; its COMMIT arrives and it is flushed', async () => {
    // A source on disk: its log reaches the streamer through real I/O.
    const dir = mkdtempSync(join(tmpdir(), 'dosql-lake-big-'));
    const store = new FsObjectStore(join(dir, 'db'));
    const db = await source('big', store);
    // The lake's state on disk too (as the demo's): its writes wait for real I/O.
    const stateStore = new FsObjectStore(join(dir, 'state'));
    const lake = await lakeOn(w, { namespace: 'big', state: stateStore, durability: 'normal', flush: { auto: true, eventThreshold: 10, intervalMs: 200 } });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await db.run("INSERT INTO t SELECT value, 'v' || value FROM generate_series(1, 3000)");
    const s = streamer(db, 'big', lake, { maxBatchSize: 20 });
    await s.start();
    const head = await headLsn(db);
    await until(() => lake.status().sources.some((x) => x.committed >= head), 30_000, 'the lake committed the transaction');
    await s.stop();
    const { got, want } = await compareLakeTable(lake, 't', new Map([['big', db]]));
    expect(got).toEqual(want);
    expect(got.length).toBe(3000);
    await lake.close();
    await db.close();
    await store.close();
    await stateStore.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
