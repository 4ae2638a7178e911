// The sharding metrics of seed 003 ("Sharding Metrics"): shard_query_scatter_ratio (share of
// reads that went to more than one shard), shard_imbalance_ratio (rows on the fullest shard over
// the mean), shard_latency_p99_ms (p99 of cross-shard read latency, over the last 1024).
import type { ShardConnection } from './connection.js';
import { lookupTables, type VSchema } from './vschema.js';
import { quoteIdent } from './sql-print.js';

export interface ShardingMetrics {
  /** Scatter and gather reads over all reads since the executor started, 0..1 (0 with no reads). */
  readonly shard_query_scatter_ratio: number;
  /** max(rows per shard) / mean(rows per shard) over sharded tables (1: even; 0 with no rows). */
  readonly shard_imbalance_ratio: number;
  /** p99 latency of scatter and gather reads, ms (0 with none). */
  readonly shard_latency_p99_ms: number;
  readonly reads: { readonly single: number; readonly scatter: number; readonly gather: number };
  /** Rows of sharded tables per shard. */
  readonly rowsPerShard: Readonly<Record<string, number>>;
}

const WINDOW = 1024;

export class ShardMetrics {
  private single = 0;
  private scatter = 0;
  private gather = 0;
  private readonly latencies: number[] = [];

  record(kind: 'single' | 'scatter' | 'gather', ms: number): void {
    this[kind]++;
    if (kind === 'single') return;
    this.latencies.push(ms);
    if (this.latencies.length > WINDOW) this.latencies.shift();
  }

  async snapshot(vschema: VSchema, conn: (shard: string) => ShardConnection): Promise<ShardingMetrics> {
    const reads = this.single + this.scatter + this.gather;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]! : 0;
    const lookups = new Set(lookupTables(vschema).map((l) => l.table.toLowerCase()));
    const sharded = Object.entries(vschema.tables).filter(([, s]) => s.type === 'sharded').map(([n]) => n).filter((n) => !lookups.has(n.toLowerCase()));
    const rowsPerShard: Record<string, number> = {};
    await Promise.all(
      vschema.hashShards.map(async (s) => {
        let n = 0;
        for (const t of sharded) {
          const r = await conn(s).exec(`SELECT count(*) FROM ${quoteIdent(t)}`).catch(() => undefined);
          n += Number(r?.rows[0]?.[0] ?? 0);
        }
        rowsPerShard[s] = n;
      }),
    );
    const counts = Object.values(rowsPerShard);
    const mean = counts.reduce((a, b) => a + b, 0) / (counts.length || 1);
    return {
      shard_query_scatter_ratio: reads ? (this.scatter + this.gather) / reads : 0,
      shard_imbalance_ratio: mean > 0 ? Math.max(...counts) / mean : 0,
      shard_latency_p99_ms: p99,
      reads: { single: this.single, scatter: this.scatter, gather: this.gather },
      rowsPerShard,
    };
  }
}
