// The atomic CrossShardCommitter: a cross-shard write (multi-shard INSERT, scatter UPDATE or
// DELETE, a row moved by an update of its vindex column, a reference-table write) runs as one
// two-phase-commit transaction of the coordinator (src/shard/twopc, docs/sharding-2pc.md):
// BEGIN and each shard's statements on every shard, PREPARE TRANSACTION everywhere, the
// decision logged, COMMIT PREPARED everywhere. Either every shard applies its part or none
// does — also across a coordinator or shard crash, once `coordinator.recover()` has run.
//
// The participant of a shard is, by default, the executor's own connection to it. A
// transaction holds that connection's session from BEGIN to PREPARE, so a connection shared
// with other concurrent statements (localShard over one Database handle) would pull them into
// the transaction: give the committer dedicated participants (`participant`) when statements
// run concurrently with cross-shard writes.
import type { ShardConnection, ShardResult } from './connection.js';
import type { CrossShardCommitter } from './committer.js';
import type { TwoPhaseCoordinator } from './twopc/coordinator.js';
import type { TwoPhaseParticipant } from './twopc/participant.js';

export interface TwoPhaseCommitterOptions {
  /** The coordinator whose durable log decides each transaction. Call `coordinator.recover(participants)` at startup. */
  readonly coordinator: TwoPhaseCoordinator;
  /**
   * The connection a shard's part runs on (one session: BEGIN … PREPARE TRANSACTION). Default:
   * the executor's connection to the shard, wrapped by `shardParticipant`.
   */
  readonly participant?: (shard: string, connection: ShardConnection) => TwoPhaseParticipant;
}

/** What a participant made by `shardParticipant` resolves to: the coordinator's row objects plus the shard's own result. */
interface ParticipantAnswer {
  readonly rows: Record<string, unknown>[];
  readonly result: ShardResult;
}

/**
 * A 2PC participant over a shard connection: results come back as row objects keyed by
 * column name (what the coordinator's recovery reads from `PRAGMA prepared_xacts`) and carry
 * the shard's ShardResult for the executor's answer.
 */
export function shardParticipant(connection: ShardConnection): TwoPhaseParticipant {
  return {
    id: connection.id,
    async exec(sql, params): Promise<ParticipantAnswer> {
      const result = await connection.exec(sql, params);
      const rows = result.rows.map((row) => {
        const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        result.columns.forEach((c, i) => (o[c] = row[i]));
        return o;
      });
      return { rows, result };
    },
  };
}

function resultOf(answer: unknown): ShardResult {
  const r = (answer as Partial<ParticipantAnswer> | undefined)?.result;
  if (r) return r;
  // A user-supplied participant answering row objects: keep the rows, changes unknown (0).
  const rows = Array.isArray(answer) ? (answer as Record<string, unknown>[]) : [];
  const columns = rows.length ? Object.keys(rows[0]!) : [];
  return { columns, rows: rows.map((o) => columns.map((c) => o[c] as ShardResult['rows'][number][number])), changes: 0 };
}

/**
 * A CrossShardCommitter that commits every cross-shard write atomically by two-phase commit.
 * Errors: what the coordinator throws — a shard's statement error or PREPARE conflict
 * (`WRITE_CONFLICT`, retryable) after every shard rolled back; `BUSY` or `COMMIT_UNKNOWN`
 * when recovery decides. See docs/sharding-2pc.md for what readers observe mid-commit.
 */
export function twoPhaseCommitter(options: TwoPhaseCommitterOptions): CrossShardCommitter {
  const make = options.participant ?? ((_shard: string, connection: ShardConnection) => shardParticipant(connection));
  const participants = new Map<string, TwoPhaseParticipant>();
  const participantOf = (shard: string, connection: ShardConnection): TwoPhaseParticipant => {
    let p = participants.get(shard);
    if (!p) participants.set(shard, (p = make(shard, connection)));
    return p;
  };
  return {
    async commit(writes, connection) {
      const chosen = writes.map((w) => participantOf(w.shard, connection(w.shard)));
      const unique = [...new Map(chosen.map((p) => [p.id, p])).values()];
      const done = await options.coordinator.runDistributedTransaction(unique, async (tx) => {
        const out: ShardResult[][] = [];
        for (let i = 0; i < writes.length; i++) {
          const results: ShardResult[] = [];
          for (const s of writes[i]!.statements) results.push(resultOf(await tx.exec(chosen[i]!, s.sql, s.params ? [...s.params] : [])));
          out.push(results);
        }
        return out;
      });
      return done.value;
    },
  };
}
