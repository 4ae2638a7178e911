// Change data capture over the Worker in workerd: writes over HTTP, a `subscribeCDC` consumer
// over the /db/:name/cdc WebSocket following a slot sees every event in order; when the object
// is reset mid-stream (every socket drops) the client reconnects and resumes with nothing lost
// or doubled; a bad token and a position the log lacks end the stream with typed errors.
import { join } from 'node:path';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeCDC, type CDCWireEvent, type WebSocketConstructor } from '../src/client/index.js';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

describe('change streams over the Worker', () => {
  let w: RunningWorker;

  beforeAll(async () => {
    w = await startWorker({
      entrypoint: join(ROOT, 'test/support/worker-test-entry.ts'),
      alias: { vitest: join(ROOT, 'test/support/worker-vitest-shim.ts'), 'node:worker_threads': join(ROOT, 'test/support/worker-node-stub.ts') },
      compatibilityFlags: ['nodejs_compat'],
      vars: { DOSQL_MEMTABLE_BYTES: '16384', DOSQL_IDLE_FLUSH_MS: '200', CDC_BATCH_SIZE: '7' },
    });
  }, 120_000);

  afterAll(async () => {
    await w?.destroy();
  });

  const exec = async (db: string, sql: string): Promise<void> => {
    const r = await w.post(`/db/${db}/exec`, { sql });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };

  it('a slot consumer sees every event in order, across a dropped connection, and nothing twice', async () => {
    await exec('shop', 'CREATE TABLE orders(id INTEGER PRIMARY KEY, total INT)');
    for (let i = 0; i < 30; i++) await exec('shop', `INSERT INTO orders VALUES (${i}, ${i * 10})`);
    const sub = subscribeCDC({ url: w.url, token: w.token!, database: 'shop', slot: 'app', createSlot: true, fromLSN: 0, window: 16, ackEvery: 4, WebSocket: WebSocket as unknown as WebSocketConstructor, retry: { initialDelayMs: 50 } });
    const seen: CDCWireEvent[] = [];
    let evicted = false;
    let wrote = false;
    for await (const e of sub) {
      seen.push(e);
      if (!evicted && seen.length === 40) {
        // Reset the object mid-stream: the socket drops, the client reconnects after the last event.
        evicted = true;
        expect((await w.post('/db/shop/__test/evict', {})).status).toBe(200);
      }
      if (evicted && !wrote && seen.length === 60) {
        wrote = true;
        for (let i = 30; i < 40; i++) await exec('shop', `UPDATE orders SET total = total + 1 WHERE id = ${i - 30}`);
      }
      if (e.type === 'commit' && e.lsn === 41) break;
    }
    await sub.close();
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe('1:0');
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1]!;
      const b = seen[i]!;
      if (a.type === 'commit') expect([b.lsn, b.seq]).toEqual([a.lsn + 1, 0]);
      else expect([b.lsn, b.seq]).toEqual([a.lsn, a.seq + 1]);
    }
    expect(sub.reconnects).toBeGreaterThanOrEqual(1);
    const inserts = seen.filter((e) => e.type === 'insert');
    expect(inserts.map((e) => (e.data as { id: number }).id)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const updates = seen.filter((e) => e.type === 'update');
    expect(updates.map((e) => [(e.oldData as { total: number }).total, (e.data as { total: number }).total])).toEqual(Array.from({ length: 10 }, (_, i) => [i * 10, i * 10 + 1]));
    // The slot kept the acknowledgement: a new consumer starts after the last processed event.
    const again = subscribeCDC({ url: w.url, token: w.token!, database: 'shop', slot: 'app', WebSocket: WebSocket as unknown as WebSocketConstructor });
    await exec('shop', 'INSERT INTO orders VALUES (100, 1)');
    const next: CDCWireEvent[] = [];
    for await (const e of again) {
      next.push(e);
      if (e.type === 'commit' && e.lsn === 42) break;
    }
    await again.close();
    expect(next[0]!.id).toBe('42:0');
  }, 180_000);

  it('a bad token and a lost position end the stream with typed errors', async () => {
    await exec('other', 'CREATE TABLE t(x)');
    const bad = subscribeCDC({ url: w.url, token: 'wrong', database: 'other', WebSocket: WebSocket as unknown as WebSocketConstructor, retry: { maxAttempts: 1, initialDelayMs: 10 } });
    await expect((async () => {
      for await (const _ of bad) break;
    })()).rejects.toMatchObject({ code: 'CDC_SUBSCRIPTION_FAILED' });
    const past = subscribeCDC({ url: w.url, token: w.token!, database: 'other', fromLSN: 999, WebSocket: WebSocket as unknown as WebSocketConstructor });
    await expect((async () => {
      for await (const _ of past) break;
    })()).rejects.toMatchObject({ code: 'CDC_LSN_NOT_FOUND' });
  }, 60_000);
});
