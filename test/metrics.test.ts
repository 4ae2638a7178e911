// db.metrics() and its Prometheus text (what the Worker's GET /admin/metrics serves), read back
// by a Prometheus text-format parser (parse-prometheus-text-format, as a scraper would): seed
// 003's names are there and the values move as the workload says they must.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[];
}

const randomText = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('');
const parse = (text: string): Map<string, Family> => new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
const value = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => {
  const f = m.get(name);
  if (!f) throw new Error(`no metric ${name}`);
  const s = f.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return Number(s!.value);
};

describe('db.metrics() in Prometheus text', () => {
  it("carries seed 003's names and the engine's, and the values move with the workload", async () => {
    const db = DB('m', { storage: 'memory', memtableBytes: 8 * 1024 });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const before = parse(await db.metricsText());
    for (const name of ['dosql_query_duration_ms', 'dosql_active_transactions', 'dosql_wal_segment_count', 'dosql_storage_used_bytes', 'dosql_connection_count', 'dosql_error_rate', 'dosql_flush_bytes_total', 'dosql_compaction_bytes_written_total', 'dosql_write_amplification', 'dosql_space_amplification', 'dosql_write_stall_ms_total', 'dosql_block_cache_hits_total']) {
      expect(before.has(name), name).toBe(true);
    }
    expect(before.get('dosql_query_duration_ms')!.type).toBe('HISTOGRAM');
    expect(before.get('dosql_active_transactions')!.type).toBe('GAUGE');
    expect(before.get('dosql_flushes_total')!.type).toBe('COUNTER');
    expect(parse(await db.metricsText({ labels: { database: 'm' } })).get('dosql_error_rate')!.metrics[0]!.labels).toEqual({ database: 'm' });

    const n0 = Number(before.get('dosql_query_duration_ms')!.metrics[0]!.count);
    for (let i = 0; i < 200; i++) await db.run('INSERT INTO t (v) VALUES (?)', [randomText(200)]);
    for (let i = 0; i < 5; i++) await db.query('SELECT count(*) FROM t');
    for (let i = 0; i < 3; i++) await db.query('SELECT * FROM no_such_table').catch(() => undefined);
    await db.compact({ full: true });
    // A transaction left open is counted while it is.
    const tx = db.transaction(async (t) => {
      await t.query('SELECT 1');
      const during = parse(await db.metricsText());
      expect(value(during, 'dosql_active_transactions')).toBe(1);
    });
    await tx;
    const after = parse(await db.metricsText());
    const h = after.get('dosql_query_duration_ms')!.metrics[0]!;
    // 200 inserts, 5 selects, 3 failures and the select in the transaction.
    expect(Number(h.count) - n0).toBe(209);
    expect(Number(h.buckets!['+Inf'])).toBe(Number(h.count));
    // Buckets are cumulative.
    const counts = Object.entries(h.buckets!).filter(([le]) => le !== '+Inf').map(([, c]) => Number(c));
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(value(after, 'dosql_errors_total') - value(before, 'dosql_errors_total')).toBe(3);
    expect(value(after, 'dosql_error_rate')).toBe(3);
    expect(value(after, 'dosql_active_transactions')).toBe(0);
    expect(value(after, 'dosql_flushes_total')).toBeGreaterThan(value(before, 'dosql_flushes_total'));
    expect(value(after, 'dosql_flush_bytes_total')).toBeGreaterThan(0);
    expect(value(after, 'dosql_compactions_total')).toBeGreaterThan(0);
    // Random text hardly compresses: the 40 KB written are stored.
    expect(value(after, 'dosql_storage_used_bytes')).toBeGreaterThan(200 * 200 * 0.7);
    expect(value(after, 'dosql_storage_used_bytes')).toBeGreaterThan(value(before, 'dosql_storage_used_bytes'));
    expect(value(after, 'dosql_lsn')).toBeGreaterThan(value(before, 'dosql_lsn'));
    expect(value(after, 'dosql_connection_count')).toBe(0);
    const m = await db.metrics();
    expect(m.queries.errors).toBe(value(after, 'dosql_errors_total'));
    expect(m.storageUsedBytes).toBe(value(after, 'dosql_storage_used_bytes'));
    await db.close();
  });
});

describe('db.query(sql, params, { profile: true })', () => {
  it('returns the rows with the plan SQLite would report and the time taken', async () => {
    const db = DB('p', { storage: 'memory' });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v)');
    for (let i = 0; i < 20; i++) await db.run('INSERT INTO t (v) VALUES (?)', [`v${i % 4}`]);
    const rows = await db.query<{ id: number }>('SELECT id FROM t WHERE v = ? ORDER BY id', ['v1'], { profile: true });
    expect(rows).toEqual([{ id: 2 }, { id: 6 }, { id: 10 }, { id: 14 }, { id: 18 }]);
    // The plan of this statement: the index on v is searched.
    expect(rows.queryPlan[0]!.detail).toMatch(/^SEARCH t USING (COVERING )?INDEX tv \(v=\?\)/);
    expect(rows.stats.rowsReturned).toBe(5);
    expect(rows.stats.durationMs).toBeGreaterThanOrEqual(0);
    expect(rows.stats.readLsn).toBe((await db.engine()).lastVisibleLsn);
    // Not enumerable: the rows compare and serialise as plain rows.
    expect(JSON.parse(JSON.stringify(rows))).toEqual([{ id: 2 }, { id: 6 }, { id: 10 }, { id: 14 }, { id: 18 }]);
    await db.close();
  });
});
