// Read preferences over a shard's primary and its replicas (seed 000's `readPreference`, seed
// 003's `maxStalenessMs`, after MongoDB's read preference modes):
//
//   primary           the primary only
//   primaryPreferred  the primary; a fresh replica when the primary call fails with IO_ERROR or times out
//   replica           a fresh replica only; BUSY naming the shard when none is fresh enough
//   replicaPreferred  a fresh replica, else the primary
//   nearest           the fresh replica or primary whose metadata.region is the coordinator's region, else the primary
//   analytics         a fresh replica of role 'analytics', else the primary
//
// "Fresh": the replica reports (freshAsOf) a wall-clock time T up to which it holds every commit
// of its primary, and now - T <= maxStalenessMs (default: no bound). A replica never serves a read
// when it cannot show it is within the bound: an unknown freshness counts as stale.
import { DoSQLError } from '../errors.js';
import type { ShardConnection } from './connection.js';
import type { ShardId, VSchema } from './vschema.js';

export type ReadPreference = 'primary' | 'primaryPreferred' | 'replica' | 'replicaPreferred' | 'nearest' | 'analytics';

export interface ReadOptions {
  readonly readPreference?: ReadPreference;
  /** How old a replica's data may be, ms (default: any age a replica can vouch for). */
  readonly maxStalenessMs?: number;
}

/** A replica of a shard: a connection that can say how fresh it is. */
export interface ReplicaConnection extends ShardConnection {
  /** The replica's id (the vschema's replica() id). */
  readonly replicaId: string;
  /** Wall-clock ms up to which the replica holds every commit of its primary; undefined when unknown. */
  freshAsOf(): number | undefined;
}

const PREFERENCES = new Set(['primary', 'primaryPreferred', 'replica', 'replicaPreferred', 'nearest', 'analytics']);

export class ReplicaSet {
  constructor(
    private readonly vschema: VSchema,
    private readonly replicas: ReadonlyMap<string, readonly ReplicaConnection[]>,
    private readonly region: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The replicas of `shard` with their role and region. */
  of(shard: ShardId): { conn: ReplicaConnection; role: 'replica' | 'analytics'; region?: string }[] {
    const spec = this.vschema.shards.find((s) => s.id === shard);
    return (this.replicas.get(shard) ?? []).map((conn) => {
      const r = spec?.replicas.find((x) => x.id === conn.replicaId);
      return { conn, role: r?.role ?? 'replica', ...(r?.metadata.region !== undefined ? { region: r.metadata.region } : {}) };
    });
  }

  /** The connection a read of `shard` uses under `options`. */
  async pick(shard: ShardId, primary: ShardConnection, options: ReadOptions): Promise<ShardConnection> {
    const pref = options.readPreference ?? 'primary';
    if (!PREFERENCES.has(pref)) throw new DoSQLError('INVALID_ARGUMENT', `shard: unknown readPreference ${JSON.stringify(pref)} (primary, primaryPreferred, replica, replicaPreferred, nearest, analytics)`);
    const bound = options.maxStalenessMs;
    if (bound !== undefined && (!Number.isFinite(bound) || bound < 0)) throw new DoSQLError('INVALID_ARGUMENT', 'shard: maxStalenessMs must be a non-negative number of ms');
    if (pref === 'primary') return primary;
    const now = this.now();
    const fresh = (role: 'replica' | 'analytics'): { conn: ReplicaConnection; region?: string }[] =>
      this.of(shard).filter((r) => {
        if (r.role !== role) return false;
        const t = r.conn.freshAsOf();
        return t !== undefined && (bound === undefined || now - t <= bound);
      });
    switch (pref) {
      case 'replica': {
        const f = fresh('replica');
        if (!f.length) throw new DoSQLError('BUSY', `shard: ${shard}: no replica within maxStalenessMs (${bound ?? 'unbounded'} ms) for readPreference 'replica'`, { details: { shard, maxStalenessMs: bound } });
        return f[0]!.conn;
      }
      case 'replicaPreferred':
        return fresh('replica')[0]?.conn ?? primary;
      case 'analytics':
        return fresh('analytics')[0]?.conn ?? primary;
      case 'nearest': {
        const spec = this.vschema.shards.find((s) => s.id === shard);
        if (this.region === undefined || spec?.metadata.region === this.region) return primary;
        return fresh('replica').find((r) => r.region === this.region)?.conn ?? primary;
      }
      case 'primaryPreferred': {
        const backups = fresh('replica');
        if (!backups.length) return primary;
        return withFallback(primary, backups[0]!.conn);
      }
    }
    return primary;
  }
}

/** `primary`, whose failed reads (IO_ERROR, a timeout) are retried on `backup`. */
function withFallback(primary: ShardConnection, backup: ShardConnection): ShardConnection {
  const down = (e: unknown): boolean => e instanceof DoSQLError && (e.code === 'IO_ERROR' || e.code === 'INTERRUPTED' || e.code === 'CLOSED');
  return {
    id: primary.id,
    exec: (sql, params) => primary.exec(sql, params).catch((e: unknown) => (down(e) ? backup.exec(sql, params) : Promise.reject(e))),
    batch: (st) => primary.batch(st),
    ping: () => primary.ping(),
  };
}
