// Cross-shard writes: a statement whose effect spans shards (a multi-shard INSERT, UPDATE or
// DELETE; an UPDATE of the vindex column that moves a row; a write to a reference table) is
// handed to a CrossShardCommitter as one unit: per shard, the statements to run there.
//
// The default, `bestEffortCommitter`, is NOT atomic across shards: it runs each shard's
// statements as one local transaction, shard after shard in the given order, and stops at the
// first failure. Each shard is all-or-nothing, but a failure after the first shard committed
// leaves the earlier shards committed: the error (the failing shard's code) says which
// shards committed in `details.committed`. A crash of the coordinator mid-way has the same
// outcome. Two-phase commit (src/shard/twopc) replaces it: pass its committer as
// `createShardExecutor({ committer })`.
import { DoSQLError } from '../errors.js';
import type { ShardConnection, ShardResult, ShardStatement } from './connection.js';

/** The statements one shard runs as part of a cross-shard write. */
export interface ShardWrite {
  readonly shard: string;
  readonly statements: readonly ShardStatement[];
}

export interface CrossShardCommitter {
  /**
   * Applies `writes`: each shard's statements in order, in one transaction per shard; all
   * shards or (for an atomic committer) none. Resolves to each write's results, in the order
   * of `writes`. `connection(shard)` is the executor's connection to a primary.
   */
  commit(writes: readonly ShardWrite[], connection: (shard: string) => ShardConnection): Promise<ShardResult[][]>;
}

/** The default committer: per-shard transactions applied one after another (see the header). */
export const bestEffortCommitter: CrossShardCommitter = {
  async commit(writes, connection) {
    const out: ShardResult[][] = [];
    const committed: string[] = [];
    for (const w of writes) {
      try {
        out.push(await connection(w.shard).batch(w.statements));
        committed.push(w.shard);
      } catch (e) {
        const code = e instanceof DoSQLError ? e.code : 'IO_ERROR';
        const partial = committed.length ? ` (not atomic: already committed on ${committed.join(', ')})` : '';
        throw new DoSQLError(code, `shard: ${w.shard}: cross-shard write failed: ${e instanceof Error ? e.message : String(e)}${partial}`, { cause: e, details: { shard: w.shard, committed } });
      }
    }
    return out;
  },
};
