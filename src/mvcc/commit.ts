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
 * Appends `ops` of one branch as one commit at `timestamp`; returns (or resolves to) its LSN once
 * durable and visible: synchronously when the write path could make it durable at once.
 * `distinct`: no two ops share a user key (the writer then skips looking for duplicates).
 */
export type WriteOps = (branch: number, ops: readonly KvOp[], timestamp: number, distinct?: boolean) => CommitInfo | Promise<CommitInfo>;

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
  commit(txn: Transaction, options: CommitOptions = {}): Promise<CommitInfo> {
    const r = this.commitNow(txn, options);
    return Promise.resolve(r);
  }

  /**
   * commit(), answering with the commit itself when it finished before returning: the lock
   * was free (nearly always), the commit needed no read (nothing committed since its read
   * point, every before image supplied) and the write path made it durable at once
   * (WritePath.writeNow) — the autocommit statement's commit. Errors are still rejections.
   */
  commitNow(txn: Transaction, options: CommitOptions = {}): CommitInfo | Promise<CommitInfo> {
    const unlock = this.lock.tryLock();
    if (!unlock) return this.commitWaiting(txn, options);
    let r: CommitInfo | Promise<CommitInfo>;
    try {
      r = this.commitLocked(txn, options);
    } catch (e) {
      unlock();
      txn.release();
      return Promise.reject(e);
    }
    if (!(r instanceof Promise)) {
      unlock();
      txn.release();
      return r;
    }
    return r.then(
      (info) => {
        unlock();
        txn.release();
        return info;
      },
      (e: unknown) => {
        unlock();
        txn.release();
        throw e;
      },
    );
  }

  /** commit() once the commits before it are done. */
  private async commitWaiting(txn: Transaction, options: CommitOptions): Promise<CommitInfo> {
    const unlock = await this.lock.lock();
    try {
      return await this.commitLocked(txn, options);
    } finally {
      unlock();
      txn.release();
    }
  }

  /** REQUIRES: the commit lock held. The commit, synchronously when nothing in it waits; the caller releases `txn`. */
  private commitLocked(txn: Transaction, options: CommitOptions): CommitInfo | Promise<CommitInfo> {
    if (txn.released && txn.writes.size > 0) throw new DoSQLError('INVALID_ARGUMENT', 'mvcc: the transaction was already committed or rolled back');
    if (txn.writes.size === 0) return { lsn: txn.readLsn, timestamp: 0 };
    const latest = this.target.lastVisibleLsn;
    if (latest !== txn.readLsn || claimsNeedCheck(txn, latest)) return checkConflicts(this.target, txn, latest).then(() => this.afterChecks(txn, options));
    return this.afterChecks(txn, options);
  }

  /** commitLocked once first committer wins held: intents, before images, then the write. */
  private afterChecks(txn: Transaction, options: CommitOptions): CommitInfo | Promise<CommitInfo> {
    this.intents?.check(txn);
    // With first committer wins, a key's value at the read LSN is its value at this commit's
    // LSN - 1: what the before images must be.
    const reads = txn.resolveBefores();
    if (reads instanceof Promise) {
      return reads.then((n) => {
        this.beforeImageReads += n;
        return this.write(txn, options);
      });
    }
    this.beforeImageReads += reads;
    return this.write(txn, options);
  }

  private write(txn: Transaction, options: CommitOptions): CommitInfo | Promise<CommitInfo> {
    const t = this.target;
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
    const info = this.writeOps(txn.branch, ops, ts, distinct);
    const done = options.onCommitted;
    if (done === undefined) return info;
    if (info instanceof Promise) {
      return info.then((i) => {
        done(i);
        return i;
      });
    }
    done(info);
    return info;
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
