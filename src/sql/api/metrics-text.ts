// The Prometheus text exposition format (version 0.0.4, as prom-client writes it) of a
// database's metrics: seed 003's names (dosql_query_duration_ms, dosql_active_transactions,
// dosql_wal_segment_count, dosql_storage_used_bytes, dosql_connection_count, dosql_error_rate)
// and the engine's figures (flush and compaction bytes, amplification, stalls, cache hits).
// Shared by the Worker's GET /admin/metrics and db.metricsText(). Pure: no I/O.
import type { EngineStats } from '../../lsm/engine-types.js';
import type { QueryMetricsSnapshot } from './query-metrics.js';

/** What db.metrics() returns (docs/operations.md lists every field). */
export interface DatabaseMetrics {
  /** The database's name. */
  database: string;
  /** Statements run through this handle: counts, errors, the duration histogram (ms). */
  queries: QueryMetricsSnapshot;
  /** Transactions and read views open on the engine (each pins its read LSN). */
  activeTransactions: number;
  /** WAL segments the engine still needs for recovery (live). */
  walSegmentCount: number;
  /** WAL bytes: live (recovery), retained (change data capture), archived. */
  walBytes: { live: number; retained: number; archived: number };
  /** Bytes the database stores: SSTables, cold-tier run files and live plus retained WAL. */
  storageUsedBytes: number;
  /** Open WebSocket connections (the Worker's; 0 embedded). */
  connectionCount: number;
  /** True for a read-only handle (DB(name, { readonly: true })). */
  readOnly: boolean;
  /** The engine's statistics (LsmEngine.stats()). */
  engine: EngineStats;
}

type Sample = [labels: Record<string, string>, value: number];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

/** The Prometheus text of `m`; `labels` go on every sample (none by default: one endpoint per database, the scrape target names it). */
export function prometheusText(m: DatabaseMetrics, labels: Record<string, string> = {}): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Sample[] | number): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const list: Sample[] = typeof samples === 'number' ? [[{}, samples]] : samples;
    for (const [l, v] of list) out.push(`${name}${labelText({ ...labels, ...l })} ${num(v)}`);
  };
  const q = m.queries;
  const e = m.engine;
  out.push('# HELP dosql_query_duration_ms Statement execution time, ms', '# TYPE dosql_query_duration_ms histogram');
  q.durationMs.buckets.forEach((le, i) => out.push(`dosql_query_duration_ms_bucket${labelText({ ...labels, le: num(le) })} ${q.durationMs.counts[i]}`));
  out.push(`dosql_query_duration_ms_bucket${labelText({ ...labels, le: '+Inf' })} ${q.durationMs.count}`);
  out.push(`dosql_query_duration_ms_sum${labelText(labels)} ${num(q.durationMs.sum)}`, `dosql_query_duration_ms_count${labelText(labels)} ${q.durationMs.count}`);
  metric('dosql_statements_total', 'counter', 'Statements run', q.statements);
  metric('dosql_errors_total', 'counter', 'Statements that failed', q.errors);
  metric('dosql_error_rate', 'gauge', 'Statements that failed in the last minute (errors per minute)', q.errorRate);
  metric('dosql_active_transactions', 'gauge', 'Transactions and read views open on the engine', m.activeTransactions);
  metric('dosql_wal_segment_count', 'gauge', 'Live WAL segments (needed for recovery)', m.walSegmentCount);
  metric('dosql_wal_bytes', 'gauge', 'WAL bytes by kind', [
    [{ kind: 'live' }, m.walBytes.live],
    [{ kind: 'retained' }, m.walBytes.retained],
    [{ kind: 'archived' }, m.walBytes.archived],
  ]);
  metric('dosql_storage_used_bytes', 'gauge', 'Bytes stored: SSTables, cold run files, live and retained WAL', m.storageUsedBytes);
  metric('dosql_connection_count', 'gauge', 'Open WebSocket connections', m.connectionCount);
  metric('dosql_read_only', 'gauge', '1 for a read-only handle', m.readOnly ? 1 : 0);
  metric('dosql_lsn', 'gauge', 'LSN of the newest visible commit', e.visibleLsn);
  metric('dosql_flushed_lsn', 'gauge', 'LSN up to which commits are in SSTables', e.flushedLsn);
  metric('dosql_manifest_version', 'gauge', 'Current manifest version', e.manifestVersion);
  metric('dosql_memtable_bytes', 'gauge', 'Bytes in the active memtable', e.memtable.bytes);
  metric('dosql_immutable_memtables', 'gauge', 'Frozen memtables waiting for flush', e.immutableMemtables);
  metric('dosql_level_files', 'gauge', 'SSTables per level', e.levels.map((l): Sample => [{ level: String(l.level) }, l.files]));
  metric('dosql_level_bytes', 'gauge', 'SSTable bytes per level', e.levels.map((l): Sample => [{ level: String(l.level) }, l.bytes]));
  metric('dosql_wal_commits_total', 'counter', 'Commits appended to the WAL', e.wal.commits);
  metric('dosql_wal_syncs_total', 'counter', 'WAL syncs', e.wal.syncs);
  metric('dosql_user_bytes_written_total', 'counter', 'Key and value bytes of committed writes', e.userBytesWritten);
  metric('dosql_flushes_total', 'counter', 'Memtable flushes', e.flush.count);
  metric('dosql_flush_bytes_total', 'counter', 'Bytes written by flushes', e.flush.bytesWritten);
  metric('dosql_compactions_total', 'counter', 'Compactions run', e.compaction.compactions);
  metric('dosql_compaction_bytes_read_total', 'counter', 'Bytes read by compactions', e.compaction.bytesRead);
  metric('dosql_compaction_bytes_written_total', 'counter', 'Bytes written by compactions', e.compaction.bytesWritten);
  metric('dosql_write_amplification', 'gauge', '(flush + compaction bytes written) / user bytes written', e.writeAmplification);
  metric('dosql_space_amplification', 'gauge', 'SSTable bytes / bytes of the last level', e.spaceAmplification);
  metric('dosql_read_amplification', 'gauge', 'Files searched per point read', e.reads.readAmplification);
  metric('dosql_write_stall_ms_total', 'counter', 'Time writes waited for flush or compaction, ms', e.stallMs);
  metric('dosql_write_slowdowns_total', 'counter', 'Writes slowed for L0 pressure', e.slowdowns);
  metric('dosql_block_cache_hits_total', 'counter', 'Block cache hits', e.blockCache.hits);
  metric('dosql_block_cache_misses_total', 'counter', 'Block cache misses', e.blockCache.misses);
  metric('dosql_block_cache_bytes', 'gauge', 'Bytes in the block cache', e.blockCache.bytes);
  metric('dosql_bloom_skips_total', 'counter', 'SSTables a bloom filter ruled out', e.reads.bloomSkips);
  metric('dosql_cold_files', 'gauge', 'Columnar run files in the cold tier', e.cold.files);
  metric('dosql_cold_bytes', 'gauge', 'Bytes of columnar run files in the cold tier', e.cold.bytes);
  return `${out.join('\n')}\n`;
}
