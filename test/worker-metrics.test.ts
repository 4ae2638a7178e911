// The Worker's operations endpoints in workerd (seed 003's table of health endpoints):
// GET /db/<name>/admin/metrics in Prometheus' text format, read by a Prometheus text-format
// parser, with values that move as requests run; GET /db/<name>/health/deep with its checks.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

describe('Worker /admin/metrics and /health/deep in workerd', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker();
  }, 180_000);
  afterAll(async () => {
    await w?.stop();
  });

  const scrape = async (): Promise<Map<string, ReturnType<typeof parsePrometheusTextFormat>[number]>> => {
    const r = await w.api('/db/ops/admin/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    return new Map(parsePrometheusTextFormat(await r.text()).map((f) => [f.name, f]));
  };
  const value = (m: Awaited<ReturnType<typeof scrape>>, name: string): number => Number(m.get(name)!.metrics[0]!.value);

  it('serves Prometheus text whose values move with the requests', async () => {
    expect((await w.post('/db/ops/exec', { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)' })).status).toBe(200);
    const before = await scrape();
    for (const name of ['dosql_query_duration_ms', 'dosql_active_transactions', 'dosql_wal_segment_count', 'dosql_storage_used_bytes', 'dosql_connection_count', 'dosql_error_rate']) expect(before.has(name), name).toBe(true);
    for (let i = 0; i < 10; i++) expect((await w.post('/db/ops/query', { sql: 'INSERT INTO t (v) VALUES (?)', params: [`row ${i}`] })).status).toBe(200);
    expect((await w.post('/db/ops/query', { sql: 'SELECT * FROM missing' })).status).toBe(400);
    const after = await scrape();
    const count = (m: typeof before): number => Number(m.get('dosql_query_duration_ms')!.metrics[0]!.count);
    expect(count(after) - count(before)).toBe(11);
    expect(value(after, 'dosql_errors_total') - value(before, 'dosql_errors_total')).toBe(1);
    expect(value(after, 'dosql_error_rate')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'dosql_lsn') - value(before, 'dosql_lsn')).toBe(10);
    expect(value(after, 'dosql_wal_commits_total')).toBeGreaterThan(value(before, 'dosql_wal_commits_total'));
  });

  it('answers /health/deep with the engine, hot store and cold store checks', async () => {
    const r = await w.get<{ ok: boolean; checks: Record<string, { ok: boolean; ms: number }> }>('/db/ops/health/deep');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(Object.keys(r.body.checks).sort()).toEqual(['cold', 'engine', 'hot']);
    for (const c of Object.values(r.body.checks)) expect(c.ok).toBe(true);
  });
});
