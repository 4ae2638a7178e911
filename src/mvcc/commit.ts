// The engine's one commit path for transactions: under one engine-wide commit lock, check
// conflicts (conflicts.ts), then append the transaction's writes as one commit and wait until
// it is visible. Holding the lock from the check to visibility is what makes first committer
// wins exact: no other transaction commits between a check and the write it admits, whatever
// handle or branch it comes from.
//
// Async safety: `commit` may be called concurrently; commits run one at a time in call order.
// Plain `LsmEngine.write` batches do not take the lock: they are blind writes, never checked,
// and a transaction's check does not see one appended meanwhile.
import { DoSQLError } from '../errors.js';
import { Mutex } from '../util/async.js';
import { byteString } from '../util/bytes.js';
import { checkConflicts, claimsNeedCheck } from './conflicts.js';
import type { KvOp } from './kv-types.js';
import type { Transaction } from './transaction.js';
import type { CommitInfo, VersionReader } from './version-store.js';

export interface CommitOptions {
  /**
   * Commit timestamp, ms since the epoch (default: the engine's clock). Never earlier than the
   * previous commit's: a smaller one is raised to it.
   */
  timestamp?: number;
  /**
   * Operations written with the transaction's own, in the same commit (same LSN), given the
   * commit's timestamp; called under the commit lock. Not checked for conflicts. The SQL layer
   * adds its commit-log row this way.
   */
  extraOps?: (timestamp: number) => readonly KvOp[];
  /**
   * Two-phase commit's PREPARE (src/sql/txn/prepared-xacts.ts): after the conflict and intent
   * checks and the before-image reads, under the commit lock, what to write instead of the
   * transaction's own ops (given them, with their before images, and the timestamp): the
   * prepared record. `onCommitted` then runs, still under the lock, once that is durable.
   */
  writeInstead?: (ops: readonly KvOp[], timestamp: number) => readonly KvOp[];
  /** Called under the commit lock once the commit is durable and visible (PREPARE registers its intents there). */
  onCommitted?: (info: CommitInfo) => void;
}

/**
 * The write intents of prepared transactions (two-phase commit, src/sql/txn/prepared-xacts.ts),
 * checked under the commit lock at every transaction commit after first committer wins: throws
 * WRITE_CONFLICT when `txn` writes a key a prepared transaction holds, writes into a range one
 * claimed, or claims a range holding a key one writes.
 */
export interface WriteIntents {
  check(txn: Transaction): void;
}

/** What committing needs from the engine. */
export interface CommitTarget extends VersionReader {
  readonly lastCommitTimestamp: number;
  clockNow(): number;
}

/**
 * Appends `ops` of one branch as one commit at `timestamp`; resolves once durable and visible.
 * `distinct`: no two ops share a user key (the writer then skips looking for duplicates).
 */
export type WriteOps = (branch: number, ops: readonly KvOp[], timestamp: number, distinct?: boolean) => Promise<CommitInfo>;

export class Committer {
  private readonly lock = new Mutex();
  /** Before images read at commit because no write supplied them (Transaction.resolveBefores). */
  beforeImageReads = 0;
  /** Prepared transactions' write intents (set by the SQL layer when it loads them). */
  intents: WriteIntents | undefined;

  constructor(
    private readonly target: CommitTarget,
    private readonly writeOps: WriteOps,
  ) {}

  /**
   * Commits `txn` (first committer wins) and releases it, committed or not. A transaction that
   * wrote nothing writes no commit: it returns its read LSN and timestamp 0. Throws
   * WRITE_CONFLICT (retryable; nothing written) when a key it wrote or a range it claimed
   * changed after its read point; INVALID_ARGUMENT for a transaction with writes that was
   * already committed, or released (rolled back); what the write path throws (`LsmEngine.write`).
   */
  async commit(txn: Transaction, options: CommitOptions = {}): Promise<CommitInfo> {
    const unlock = this.lock.tryLock() ?? (await this.lock.lock());
    try {
      if (txn.released && txn.writes.size > 0) throw new DoSQLError('INVALID_ARGUMENT', 'mvcc: the transaction was already committed or rolled back');
      if (txn.writes.size === 0) return { lsn: txn.readLsn, timestamp: 0 };
      const t = this.target;
      const latest = t.lastVisibleLsn;
      if (latest !== txn.readLsn || claimsNeedCheck(txn, latest)) await checkConflicts(t, txn, latest);
      this.intents?.check(txn);
      // With first committer wins, a key's value at the read LSN is its value at this commit's
      // LSN - 1: what the before images must be.
      const reads = txn.resolveBefores();
      this.beforeImageReads += reads instanceof Promise ? await reads : reads;
      const ts = Math.max(options.timestamp ?? t.clockNow(), t.lastCommitTimestamp);
      let ops: KvOp[] = txn.ops();
      // The write set holds one write per key; what replaces or joins it may not.
      let distinct = true;
      if (options.writeInstead) {
        ops = [...options.writeInstead(ops, ts)];
        distinct = false;
      }
      if (options.extraOps) {
        const extra = options.extraOps(ts);
        if (extra.length > 1) distinct = false;
        for (const op of extra) {
          if (distinct && txn.writes.has(byteString(op.userKey))) distinct = false;
          ops.push(op);
        }
      }
      const info = await this.writeOps(txn.branch, ops, ts, distinct);
      options.onCommitted?.(info);
      return info;
    } finally {
      unlock();
      txn.release();
    }
  }

  /**
   * Runs `fn` under the commit lock, given the op writer and a commit timestamp (never before
   * the last commit's): two-phase commit's COMMIT PREPARED and ROLLBACK PREPARED write a
   * prepared transaction's outcome this way, with no other commit between their check of its
   * state and the write.
   */
  async exclusive<T>(fn: (write: WriteOps, timestamp: number) => Promise<T>): Promise<T> {
    const unlock = await this.lock.lock();
    try {
      return await fn(this.writeOps, Math.max(this.target.clockNow(), this.target.lastCommitTimestamp));
    } finally {
      unlock();
    }
  }
}
