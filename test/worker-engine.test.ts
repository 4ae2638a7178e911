// The engine inside workerd, on Durable Object storage: the engine's model-based test
// (test/engine-model.test.ts, runModel) run inside a Durable Object against DurableObjectStore
// on the object's real SQLite storage; flushes and compactions driven by the object's alarm;
// and recovery of an evicted object from its storage alone.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

interface Status {
  instanceId: string;
  engine: { lastLsn: number; flush: { count: number }; compaction: { compactions: number }; levels: { level: number; files: number; score: number }[]; memtable: { entries: number } };
  alarm: { pendingJobs: number; jobsRun: number; maintenanceRuns: number; scheduledAt: number | null };
}

describe('engine in workerd on Durable Object storage', () => {
  let w: RunningWorker;

  beforeAll(async () => {
    w = await startWorker({
      entrypoint: join(ROOT, 'test/support/worker-test-entry.ts'),
      alias: { vitest: join(ROOT, 'test/support/worker-vitest-shim.ts'), 'node:worker_threads': join(ROOT, 'test/support/worker-node-stub.ts') },
      // The bundled test module mentions node:fs etc. in code paths that never run here.
      compatibilityFlags: ['nodejs_compat'],
      vars: {
        DOSQL_MEMTABLE_BYTES: '16384',
        DOSQL_TARGET_FILE_BYTES: '8192',
        DOSQL_L0_TRIGGER: '2',
        DOSQL_LEVEL_BASE_BYTES: '32768',
        DOSQL_IDLE_FLUSH_MS: '300',
      },
    });
  });

  afterAll(async () => {
    await w?.destroy();
  });

  const model = async (body: Record<string, unknown>): Promise<{ ok: boolean; stats: { flushes: number; compactions: number; reopens: number; refusedReads: number; droppedVersions: number }; error?: string }> => {
    const r = await w.post<{ ok: boolean; stats: { flushes: number; compactions: number; reopens: number; refusedReads: number; droppedVersions: number }; error?: string }>(`/db/model-${String(body.seed)}/__test/model`, body);
    expect(r.body.error ?? '', `seed ${String(body.seed)}`).toBe('');
    expect(r.status).toBe(200);
    return r.body;
  };

  for (const seed of [1000, 1001, 1002]) {
    it(`model-based test, seed ${seed}: 1000 operations match the model (all history kept)`, async () => {
      const r = await model({ seed, steps: 1000 });
      expect(r.stats.flushes + r.stats.reopens).toBeGreaterThan(0);
    });
  }

  for (const seed of [5000, 5001]) {
    it(`model-based test, seed ${seed}: retention of 40 LSNs, pins and views across compactions`, async () => {
      const r = await model({ seed, steps: 1000, retention: 40 });
      expect(r.stats.compactions).toBeGreaterThan(0);
      expect(r.stats.refusedReads).toBeGreaterThan(0);
      expect(r.stats.droppedVersions).toBeGreaterThan(0);
    });
  }

  it('model-based test, retention 0: only the latest state, open views and pins', async () => {
    const r = await model({ seed: 6000, steps: 1000, retention: 0 });
    expect(r.stats.droppedVersions).toBeGreaterThan(0);
  });

  it('model-based test: large values and big batches across many memtable switches', async () => {
    await model({ seed: 78, steps: 600, memtableBytes: 2048, maxImmutableMemtables: 1 });
  });

  it('model-based test with the Durable Object configuration: flushes deferred to an alarm-like drain, no background compaction, tiny memtables', async () => {
    const r = await model({ seed: 77, steps: 600, deferredFlush: true, memtableBytes: 2048 });
    expect(r.stats.flushes + r.stats.compactions).toBeGreaterThan(0);
  });

  it('flushes and compacts from the alarm, then recovers everything after an eviction', async () => {
    const db = '/db/alarmed';
    expect((await w.post(`${db}/exec`, { sql: 'CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)' })).status).toBe(200);
    const pad = 'x'.repeat(200);
    let next = 0;
    for (let batch = 0; batch < 12; batch++) {
      const statements = Array.from({ length: 40 }, () => ({ sql: 'INSERT INTO events VALUES (?, ?)', params: [next, `${next++}-${pad}`] }));
      const r = await w.post(`${db}/transaction`, { statements });
      expect(r.status).toBe(200);
    }
    // Nothing calls flush or compact: the alarm does. Wait until it has compacted and is idle.
    let s: Status | undefined;
    // Polls are bounded by time. Every status request must be answered: one left unanswered
    // fails the test (after 30 s) instead of being retried, since that would be a real hang now
    // that requests no longer pass through wrangler's dev proxy (worker-harness.ts says why).
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const r = await w.get<Status>(`${db}/admin/status`, { timeoutMs: 30_000 });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      s = r.body;
      if (s.engine.compaction.compactions > 0 && s.alarm.pendingJobs === 0 && s.engine.memtable.entries === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s!.alarm.maintenanceRuns).toBeGreaterThan(0);
    expect(s!.engine.flush.count).toBeGreaterThan(1);
    expect(s!.engine.compaction.compactions).toBeGreaterThan(0);
    expect(s!.engine.memtable.entries).toBe(0);
    expect(s!.engine.levels[0]!.files).toBeLessThan(s!.engine.flush.count);
    const check = async (): Promise<void> => {
      const r = await w.post<{ rows: { n: number; total: number; last: string }[] }>(`${db}/query`, { sql: 'SELECT count(*) AS n, sum(id) AS total, max(body) AS last FROM events' });
      expect(r.status).toBe(200);
      expect(r.body.rows[0]!.n).toBe(next);
      expect(r.body.rows[0]!.total).toBe((next * (next - 1)) / 2);
    };
    await check();

    // Eviction: the object is reset and a new instance recovers from its storage.
    const unflushed = await w.post<{ lsn: number }>(`${db}/query`, { sql: 'INSERT INTO events VALUES (?, ?)', params: [next, `${next++}-late`] });
    expect(unflushed.status).toBe(200);
    const evict = await w.post(`${db}/__test/evict`, {});
    expect(evict.status).toBe(200);
    let after: Status | undefined;
    for (let i = 0; i < 50; i++) {
      // While the object resets, a request may be answered with an error: ask again.
      const r = await w.get<Status>(`${db}/admin/status`, { timeoutMs: 30_000 });
      if (r.status === 200 && r.body.instanceId !== s!.instanceId) {
        after = r.body;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after, 'a new instance of the object').toBeDefined();
    expect(after!.engine.lastLsn).toBe(unflushed.body.lsn);
    await check();
    const late = await w.post<{ rows: unknown[] }>(`${db}/query`, { sql: 'SELECT body FROM events WHERE id = ?', params: [next - 1] });
    expect(late.body.rows).toEqual([{ body: `${next - 1}-late` }]);
  });
});
