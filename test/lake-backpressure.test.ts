// Backpressure (issue 16): a slow warehouse (200 ms injected into every put: a flush stores its
// objects concurrently, so less would not fill the buffer) makes the lake
// signal slow_down / pause and the streamer slow down and stop sending; the lake's buffer stays
// within its capacity plus one batch (and the rest of an open transaction) at every
// acknowledgement; nothing is lost — at the end the lake equals the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjectingStore } from '../src/storage/fault-store.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { openLake } from '../src/lake/index.js';
import { compareLakeTable } from './support/lake-reader.js';
import { headLsn, PARQUET_WASM, source, streamer, until, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

describe('lake backpressure', () => {
  it('a slow warehouse: the lake signals, the streamer slows and pauses, the buffer stays bounded, nothing is lost', async () => {
    const db = await source('bp');
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, note TEXT)');
    const maxBufferBytes = 48 * 1024;
    const slow = new FaultInjectingStore(w.store, { rules: [{ op: 'put', kind: 'delay', probability: 1, delayMs: 200 }] });
    const lake = await openLake({ warehouse: slow, url: w.server.base, namespace: 'bp', state: new MemoryObjectStore(), durability: 'off', parquetWasm: PARQUET_WASM, flush: { maxBufferBytes, intervalMs: 200 } });
    const lakeSignals: string[] = [];
    lake.onBackpressure((s) => lakeSignals.push(s.type));
    const states = new Set<string>();
    let maxBuffered = 0;
    let maxBatch = 0;
    const s = streamer(db, 'bp', lake, { maxBatchSize: 40 });
    const unsub = s.onBackpressure(() => states.add(s.getStatus().state));
    await s.start();
    const watch = setInterval(() => states.add(s.getStatus().state), 5);
    const origIngest = lake.ingest.bind(lake);
    lake.ingest = async (b) => {
      maxBatch = Math.max(maxBatch, b.sizeBytes);
      const r = await origIngest(b);
      maxBuffered = Math.max(maxBuffered, lake.metrics().dolake_buffer_size_bytes);
      return r;
    };
    for (let i = 0; i < 60; i++) {
      await db.transaction(async (tx) => {
        for (let j = 0; j < 25; j++) await tx.run('INSERT OR REPLACE INTO t VALUES (?, ?)', [(i * 25 + j) % 900, `note ${i}-${j} ${'x'.repeat(40)}`]);
      });
    }
    const head = await headLsn(db);
    await until(() => Number(s.getStatus().lastAckLSN) >= head, 60_000);
    await lake.flush();
    await s.waitCommitted(head);
    clearInterval(watch);
    unsub();
    expect(lakeSignals).toContain('slow_down');
    expect(lakeSignals).toContain('pause');
    expect(states.has('paused') || states.has('slowed')).toBe(true);
    // Bounded: at every acknowledgement the buffer held at most its capacity plus one batch
    // plus the rest of an open transaction (pause does not count it: only its COMMIT lets a
    // flush take it, test/lake-backpressure-open-txn.test.ts; none here is larger than a batch).
    expect(maxBuffered).toBeLessThanOrEqual(maxBufferBytes + 2 * maxBatch);
    const { got, want } = await compareLakeTable(lake, 't', new Map([['bp', db]]));
    expect(got).toEqual(want);
    expect(got.length).toBe(900);
    await s.stop();
    await lake.close();
    await db.close();
  });
});
