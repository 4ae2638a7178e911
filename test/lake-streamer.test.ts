// The lakehouse streamer (src/cdc/lakehouse-streamer.ts): batch cuts, the slot following only
// the lake's `committed`, retries with exponential backoff (buffer_full not counted), backpressure,
// checkpoints, and the refusal to skip events the lake lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCDC } from '../src/cdc/index.js';
import { createLakehouseStreamer } from '../src/cdc/lakehouse-streamer.js';
import type { BackpressureSignal, CDCBatch, LakeAck, LakeEndpoint, LakeNack } from '../src/cdc/lake-protocol.js';
import { DoSQLError } from '../src/errors.js';
import { headLsn, lakeOn, source, until, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

async function slotLsn(db: Awaited<ReturnType<typeof source>>): Promise<number> {
  return Number((await createCDC(db).slots.getSlot('dosql-lake'))!.acknowledgedLSN);
}

describe('lakehouse streamer', () => {
  it('cuts batches at maxBatchSize and at the head; advances the slot only when the lake has committed', async () => {
    const db = await source('st1');
    const lake = await lakeOn(w, { namespace: 'st1' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    for (let i = 0; i < 20; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, i]);
    const sizes: number[] = [];
    const s = createLakehouseStreamer({ cdc: db, config: { sourceDoId: 'st1', lake, maxBatchSize: 7, maxBatchAge: 3_600_000 }, onBatchSent: (b) => sizes.push(b.events.length) });
    expect(s.getCheckpoint()).toBeNull();
    await s.start();
    const head = await headLsn(db);
    await until(() => Number(s.getStatus().lastAckLSN) >= head);
    expect(Math.max(...sizes)).toBe(7);
    // One small commit at the head goes at once, not after maxBatchAge (an hour).
    await db.run('INSERT INTO t VALUES (100, 1)');
    await until(() => Number(s.getStatus().lastAckLSN) >= head + 1);
    expect(await slotLsn(db)).toBe(0); // acknowledged is not committed
    expect(s.getCheckpoint()).toMatchObject({ committedLSN: 0n, ackedLSN: BigInt(head + 1) });
    await lake.flush();
    await s.waitCommitted(head + 1);
    expect(await slotLsn(db)).toBe(head + 1);
    expect(s.getStatus()).toMatchObject({ state: 'streaming', lastCommittedLSN: BigInt(head + 1), pendingBatches: 0 });
    await s.stop();
    expect(s.getStatus().state).toBe('stopped');
    await lake.close();
    await db.close();
  });

  it('retries with exponential backoff; buffer_full waits without counting an attempt', async () => {
    const db = await source('st2');
    const lake = await lakeOn(w, { namespace: 'st2' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY)');
    const waits: number[] = [];
    let calls = 0;
    const flaky: LakeEndpoint = {
      hello: (h) => lake.hello(h),
      onCommitted: (id, l) => lake.onCommitted(id, l),
      async ingest(b: CDCBatch): Promise<LakeAck | LakeNack> {
        calls++;
        if (calls <= 3) throw new Error('connection reset');
        if (calls <= 8) return { type: 'nack', batchId: b.batchId, sequenceNumber: b.sequenceNumber, reason: 'buffer_full', retryable: true, retryAfterMs: 7, message: 'full' };
        return lake.ingest(b);
      },
    };
    const s = createLakehouseStreamer({ cdc: db, config: { sourceDoId: 'st2', lake: flaky, retry: { maxAttempts: 4, initialDelayMs: 100, backoffMultiplier: 2 }, random: () => 0.5, sleep: async (ms) => void waits.push(ms) } });
    await s.start();
    await until(() => Number(s.getStatus().lastAckLSN) >= 1);
    // Attempts 1-3 fail: waits 100, 200, 400 (jitter ±20 % at random 0.5 is none); then five
    // buffer_full answers wait retryAfterMs each and do not count toward maxAttempts (4).
    expect(waits).toEqual([100, 200, 400, 7, 7, 7, 7, 7]);
    expect(s.getStatus().retries).toBe(3);
    await s.stop();
    await lake.close();
    await db.close();
  });

  it('obeys pause and resume', async () => {
    const db = await source('st3');
    const lake = await lakeOn(w, { namespace: 'st3' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY)');
    const listeners = new Set<(s: BackpressureSignal) => void>();
    const signal = (type: BackpressureSignal['type']): void => {
      for (const l of listeners) l({ type, bufferUtilization: type === 'pause' ? 0.95 : 0.1, suggestedDelayMs: 0, reason: 'buffer', at: Date.now() });
    };
    let sent = 0;
    const endpoint: LakeEndpoint = {
      hello: (h) => lake.hello(h),
      onCommitted: (id, l) => lake.onCommitted(id, l),
      onBackpressure: (l) => (listeners.add(l), () => listeners.delete(l)),
      ingest: (b) => (sent++, lake.ingest(b)),
    };
    const seen: string[] = [];
    const s = createLakehouseStreamer({ cdc: db, config: { sourceDoId: 'st3', lake: endpoint }, onBackpressure: (x) => seen.push(x.type) });
    await s.start();
    await until(() => Number(s.getStatus().lastAckLSN) >= 1);
    signal('pause');
    expect(s.getStatus().state).toBe('paused');
    const before = sent;
    await db.run('INSERT INTO t VALUES (1)');
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toBe(before);
    signal('resume');
    await until(() => Number(s.getStatus().lastAckLSN) >= 2);
    expect(sent).toBeGreaterThan(before);
    expect(seen).toEqual(['pause', 'resume']);
    await s.stop();
    await lake.close();
    await db.close();
  });

  it('refuses to start when the slot is past what the lake holds (LAKE_POSITION_GAP)', async () => {
    const db = await source('st4');
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY)');
    await db.run('INSERT INTO t VALUES (1)');
    await createCDC(db).slots.updateSlot('dosql-lake', '2:2');
    const lake = await lakeOn(w, { namespace: 'st4' }); // a lake that never saw this source
    const errors: DoSQLError[] = [];
    const s = createLakehouseStreamer({ cdc: db, config: { sourceDoId: 'st4', lake }, onError: (e) => errors.push(e) });
    await expect(s.start()).rejects.toMatchObject({ code: 'LAKE_POSITION_GAP' });
    expect(errors.map((e) => e.code)).toEqual(['LAKE_POSITION_GAP']);
    expect(s.getStatus().state).toBe('error');
    await lake.close();
    await db.close();
  });
});
