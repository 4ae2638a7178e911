// Cluster health (seed 000's executor.getClusterHealth()): a ping of every primary and replica,
// bounded by the shard timeout. A shard is 'healthy' when its primary answers, 'degraded' when
// only replicas do, 'down' when nothing does.
import type { ShardConnection } from './connection.js';
import type { ReplicaSet } from './replica.js';
import type { VSchema } from './vschema.js';

export interface NodeHealth {
  readonly id: string;
  readonly healthy: boolean;
  readonly latencyMs: number;
  readonly lsn?: number;
  readonly error?: string;
  /** Replicas: ms since the replica last held every commit of its primary (undefined: unknown). */
  readonly stalenessMs?: number;
}

export interface ShardHealth {
  readonly shardId: string;
  readonly status: 'healthy' | 'degraded' | 'down';
  readonly primaryHealth: NodeHealth;
  readonly replicaHealths: readonly NodeHealth[];
  readonly latencyMs: number;
}

export interface ClusterHealth {
  readonly healthyShards: number;
  readonly totalShards: number;
  readonly healthyReplicas: number;
  readonly totalReplicas: number;
  readonly shards: readonly ShardHealth[];
}

async function ping(c: ShardConnection, timeoutMs: number): Promise<NodeHealth> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const work = c.ping();
    work.catch(() => undefined);
    const r = timeoutMs > 0 ? await Promise.race([work, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]) : await work;
    return { id: c.id, healthy: true, latencyMs: performance.now() - t0, lsn: r.lsn };
  } catch (e) {
    return { id: c.id, healthy: false, latencyMs: performance.now() - t0, error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export async function clusterHealth(vschema: VSchema, primary: (shard: string) => ShardConnection, replicas: ReplicaSet, timeoutMs: number): Promise<ClusterHealth> {
  const shards = await Promise.all(
    vschema.shards.map(async (s): Promise<ShardHealth> => {
      const p = await ping(primary(s.id), timeoutMs);
      const rs = await Promise.all(
        replicas.of(s.id).map(async (r) => {
          const h = await ping(r.conn, timeoutMs);
          const fresh = r.conn.freshAsOf();
          return { ...h, id: r.conn.replicaId, ...(fresh !== undefined ? { stalenessMs: Math.max(0, Date.now() - fresh) } : {}) };
        }),
      );
      const status = p.healthy ? 'healthy' : rs.some((r) => r.healthy) ? 'degraded' : 'down';
      return { shardId: s.id, status, primaryHealth: p, replicaHealths: rs, latencyMs: p.latencyMs };
    }),
  );
  return {
    healthyShards: shards.filter((s) => s.status === 'healthy').length,
    totalShards: shards.length,
    healthyReplicas: shards.reduce((n, s) => n + s.replicaHealths.filter((r) => r.healthy).length, 0),
    totalReplicas: shards.reduce((n, s) => n + s.replicaHealths.length, 0),
    shards,
  };
}
