// A transaction larger than the lake's flush and pause thresholds, streamed in small batches. No
// flush can take a source's open transaction before its COMMIT arrives, so:
//   - a lake flushing by itself (auto) finds a flush "due" by size that takes nothing: it must
//     wait the interval, not flush again at once (that loop ran on microtasks alone and starved
//     the event loop: nothing else in the process ran again);
//   - `pause` must not count those bytes: the flush it waits for waits for the COMMIT the paused
//     streamer would never send (a stall for good). The open transaction is bounded by
//     maxTransactionBytes instead (docs/lake.md, "Backpressure").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { openLake, type FlushResult, type Lake } from '../src/lake/index.js';
import type { Database } from '../src/sql/api/database.js';
import { LAKE_PROTOCOL_VERSION, type CDCBatch, type LakeEndpoint } from '../src/cdc/lake-protocol.js';
import { compareLakeTable } from './support/lake-reader.js';
import { headLsn, PARQUET_WASM, source, streamer, until, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

const maxBufferBytes = 16 * 1024;

/** 300 rows of ~100 bytes in one transaction: about 3.4 times the buffer, under maxTransactionBytes (4 times). */
async function bigTransaction(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < 300; i++) await tx.run('INSERT INTO t VALUES (?, ?)', [i, `note ${i} ${'x'.repeat(60)}`]);
  });
}

async function lakeFor(ns: string, auto: boolean): Promise<Lake> {
  return openLake({ warehouse: w.store, url: w.server.base, namespace: ns, state: new MemoryObjectStore(), durability: 'off', parquetWasm: PARQUET_WASM, flush: { maxBufferBytes, intervalMs: 200, auto } });
}

describe('lake backpressure and open transactions', () => {
  it('a lake flushing by itself waits the interval after a flush that could take nothing (it looped on microtasks)', async () => {
    const db = await source('bpa');
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, note TEXT)');
    await bigTransaction(db);
    // The source's batches, captured: all but the last leave the transaction open in the lake.
    const batches: CDCBatch[] = [];
    const capture: LakeEndpoint = {
      hello: async (h) => ({ type: 'welcome', v: LAKE_PROTOCOL_VERSION, sourceId: h.sourceId, resumeAfter: '0', committed: 0, backpressure: { type: 'resume', bufferUtilization: 0, suggestedDelayMs: 0, reason: 'buffer', at: 0 } }),
      onCommitted: () => () => undefined,
      ingest: async (b) => {
        batches.push(structuredClone(b));
        return { type: 'ack', batchId: b.batchId, sequenceNumber: b.sequenceNumber, lsn: b.lastLSN, position: b.lastPosition };
      },
    };
    const s = streamer(db, 'bpa', capture, { maxBatchSize: 10 });
    await s.start();
    await until(async () => Number(s.getStatus().lastAckLSN) >= (await headLsn(db)));
    await s.stop();
    const lake = await lakeFor('bpa', true);
    // Counts flushes; past 1000 (a loop) the flush never ends, which stops the loop so the test can fail.
    let flushes = 0;
    const flush = lake.flush.bind(lake);
    lake.flush = (): Promise<FlushResult> => (++flushes > 1000 ? new Promise<FlushResult>(() => undefined) : flush());
    for (const b of batches.slice(0, -1)) expect((await lake.ingest(b)).type).toBe('ack');
    expect(lake.metrics().dolake_buffer_size_bytes).toBeGreaterThan(maxBufferBytes);
    // A flush is due by size but can take nothing; the event loop runs (this timer fires) and
    // the lake tries again after its interval (200 ms), not at once.
    await new Promise((r) => setTimeout(r, 500));
    expect(flushes).toBeLessThan(10);
    // The COMMIT arrives: the transaction is flushed whole.
    expect((await lake.ingest(batches.at(-1)!)).type).toBe('ack');
    await until(() => lake.status().sources[0]!.committed >= batches.at(-1)!.lastLSN);
    const { got, want } = await compareLakeTable(lake, 't', new Map([['bpa', db]]));
    expect(got.length).toBe(300);
    expect(got).toEqual(want);
    await lake.close();
    await db.close();
  });

  it('a paused lake still takes the rest of an open transaction: it is taken whole and committed, then the buffer pauses the sources', async () => {
    const db = await source('bpt');
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, note TEXT)');
    // Flushed from outside every 20 ms, as LakeHost's timer does (whatever the auto loop does).
    const lake = await lakeFor('bpt', false);
    const flusher = setInterval(() => void lake.flush().catch(() => undefined), 20);
    const signals: string[] = [];
    lake.onBackpressure((x) => signals.push(x.type));
    const s = streamer(db, 'bpt', lake, { maxBatchSize: 10 });
    await s.start();
    await bigTransaction(db);
    const head = await headLsn(db);
    await until(() => Number(s.getStatus().lastAckLSN) >= head, 20_000, 'the transaction acknowledged (a pause counting its open bytes never ends)');
    await s.waitCommitted(head);
    clearInterval(flusher);
    const { got, want } = await compareLakeTable(lake, 't', new Map([['bpt', db]]));
    expect(got.length).toBe(300);
    expect(got).toEqual(want);
    // Once whole, the transaction counts: the buffer past its threshold paused the sources.
    expect(signals).toContain('pause');
    await s.stop();
    await lake.close();
    await db.close();
  });
});
