// The lake's metrics, with the seed's names (seed 003, "DoLake metrics"; docs/lake.md, "Metrics").
import type { BackpressureSignal } from '../cdc/lake-protocol.js';
import type { OpenTable } from './flush.js';

export interface LakeMetrics {
  /** Wire bytes of buffered events. */
  dolake_buffer_size_bytes: number;
  /** Buffered events. */
  dolake_buffer_event_count: number;
  /** The last flush, and p50/p99 over the last 100 flushes, ms. */
  dolake_flush_duration_ms: { last: number; p50: number; p99: number };
  /** Mean bytes of the live data files of the tables this lake has open. */
  dolake_parquet_file_size: number;
  /** Sources with a live session (a committed listener). */
  dolake_connected_sources: number;
  /** Now − receipt of the oldest event not yet in a snapshot; 0 when none. */
  dolake_snapshot_lag_ms: number;
  dolake_commits_total: number;
  dolake_commit_conflicts_total: number;
  dolake_nacks_total: Record<string, number>;
  dolake_backpressure_state: BackpressureSignal['type'];
}

export interface MetricsSource {
  bufferedBytes: number;
  bufferedEvents: number;
  oldestAt: number;
  readonly flushDurations: readonly number[];
  readonly open: ReadonlyMap<string, OpenTable>;
  commits: number;
  commitConflicts: number;
  readonly nacks: Record<string, number>;
  now(): number;
  backpressure(): BackpressureSignal;
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function lakeMetrics(m: MetricsSource, connected: number): LakeMetrics {
  const d = [...m.flushDurations].sort((a, b) => a - b);
  let bytes = 0;
  let files = 0;
  for (const o of m.open.values()) for (const f of o.t.dataFiles.values()) {
    bytes += f.size;
    files++;
  }
  return {
    dolake_buffer_size_bytes: m.bufferedBytes,
    dolake_buffer_event_count: m.bufferedEvents,
    dolake_flush_duration_ms: { last: m.flushDurations.at(-1) ?? 0, p50: pct(d, 50), p99: pct(d, 99) },
    dolake_parquet_file_size: files ? Math.round(bytes / files) : 0,
    dolake_connected_sources: connected,
    dolake_snapshot_lag_ms: m.bufferedEvents > 0 && m.oldestAt > 0 ? Math.max(0, m.now() - m.oldestAt) : 0,
    dolake_commits_total: m.commits,
    dolake_commit_conflicts_total: m.commitConflicts,
    dolake_nacks_total: { ...m.nacks },
    dolake_backpressure_state: m.backpressure().type,
  };
}
