// Two-phase commit, participant side, as PostgreSQL's PREPARE TRANSACTION / COMMIT PREPARED /
// ROLLBACK PREPARED (https://www.postgresql.org/docs/current/sql-prepare-transaction.html):
// one registry per engine of the transactions prepared and not yet resolved, and of recent
// outcomes (so a coordinator retrying COMMIT PREPARED recognises a gid it already committed).
//
// Durability: a prepared transaction is a row of system table 3 on the main branch, key (gid),
// value the record of prepared-format.ts (docs/format/prepared-xact.md) holding its write set
// with before images and its range claims. PREPARE writes that row through the normal commit
// path (one WAL record, one LSN, under the commit lock after the first-committer-wins check),
// instead of the writes themselves. COMMIT PREPARED writes, in one commit at a new LSN, the
// write set (a normal commit to change data capture, with the before images PREPARE read) and
// the row's outcome; ROLLBACK PREPARED writes only the outcome. Being a row, it survives a
// crash (WAL replay), flushes and compaction like any other; it needs no old history, since
// its before images were read at PREPARE, so it pins nothing.
//
// Write intents: while a transaction is prepared, no other transaction may commit a write to
// a key it wrote, a write into a range it claimed, or a claim over a key it wrote (WRITE_CONFLICT,
// `details.gid`): its before images stay the values at COMMIT PREPARED's LSN - 1, and first
// committer wins still holds when it commits. Readers are not blocked: under snapshot isolation
// they see the last committed versions, as they would of any transaction not yet committed.
//
// Async safety: every state change happens under the engine's commit lock (src/mvcc/commit.ts):
// PREPARE through `LsmEngine.commit` (`writeInstead`, `onCommitted`), the outcomes through
// `Committer.exclusive`; the intent check runs under that lock too.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import type { RangeClaim } from '../../mvcc/conflicts.js';
import type { WriteIntents } from '../../mvcc/commit.js';
import { encodeUserKey, KIND_DELETE, KIND_PUT, MAIN_BRANCH } from '../../mvcc/internal-key.js';
import type { KvOp } from '../../mvcc/kv-types.js';
import type { Transaction as KvTransaction } from '../../mvcc/transaction.js';
import { SortedKeys } from '../../mvcc/sorted-keys.js';
import type { CommitInfo } from '../../mvcc/version-store.js';
import { byteString, compareBytes } from '../../util/bytes.js';
import { decodePreparedRecord, encodePreparedRecord, STATE_COMMITTED, STATE_PREPARED, STATE_ROLLED_BACK, type PreparedBody } from './prepared-format.js';
import type { Transaction } from './transaction.js';

/** Key-space id of the prepared transactions. Persisted: never change. */
export const PREPARED_XACTS_TABLE_ID = 3;
/** Longest gid, in UTF-16 units (PostgreSQL's GIDSIZE is 200 bytes). */
export const MAX_GID_LENGTH = 200;
/** How long a resolved gid's outcome is kept for retries to recognise, ms (then: NOT_FOUND). */
export const OUTCOME_RETENTION_MS = 24 * 3600 * 1000;
/** Expired outcomes deleted per resolution (bounds the commit's size). */
const PRUNE_PER_COMMIT = 64;

/** One row of `PRAGMA prepared_xacts`: a transaction prepared and not yet resolved. */
export interface PreparedXactInfo {
  readonly gid: string;
  /** LSN of the PREPARE TRANSACTION commit. */
  readonly lsn: number;
  /** When it was prepared, ms since the epoch. */
  readonly preparedMs: number;
  /** The LSN its reads saw. */
  readonly readLsn: number;
  /** Keys it writes (rows and index entries). */
  readonly writes: number;
}

/** The state of a gid: prepared, resolved (and kept for retries), or unknown. */
export type GidState = { readonly state: 'prepared'; readonly lsn: number } | { readonly state: 'committed' | 'rolled back'; readonly lsn: number } | { readonly state: 'unknown' };

interface Pending {
  readonly gid: string;
  readonly body: PreparedBody;
  readonly lsn: number;
  /** Every key it writes, and those it puts (a plain claim conflicts only with puts). */
  readonly keys: SortedKeys;
  readonly puts: SortedKeys;
}

interface Outcome {
  readonly state: 'committed' | 'rolled back';
  readonly lsn: number;
  readonly resolvedMs: number;
}

const registries = new WeakMap<LsmEngine, Promise<PreparedXacts>>();

/**
 * The engine's prepared transactions, loaded once per engine (at a handle's open) and installed
 * as its commit path's write intents. Read-only engines have none (they never write).
 */
export function preparedXacts(engine: LsmEngine): Promise<PreparedXacts> {
  let r = registries.get(engine);
  if (!r) {
    r = PreparedXacts.load(engine);
    registries.set(engine, r);
    r.catch(() => registries.delete(engine));
  }
  return r;
}

/** The user key of gid's record. */
export function preparedKey(gid: string): Uint8Array {
  return encodeUserKey(MAIN_BRANCH, PREPARED_XACTS_TABLE_ID, [gid]);
}

/** INVALID_ARGUMENT unless `gid` is a non-empty string of at most MAX_GID_LENGTH units. */
export function checkGid(gid: string): void {
  if (typeof gid !== 'string' || gid.length === 0 || gid.length > MAX_GID_LENGTH) {
    throw new DoSQLError('INVALID_ARGUMENT', `twopc: a transaction identifier must be 1 to ${MAX_GID_LENGTH} characters`, { details: { gid } });
  }
}

export class PreparedXacts implements WriteIntents {
  private readonly pending = new Map<string, Pending>();
  private readonly outcomes = new Map<string, Outcome>();
  /** Intent keys (byteString) -> the gid holding them. */
  private readonly held = new Map<string, string>();

  private constructor(private readonly engine: LsmEngine) {}

  /** Reads every record at the latest commit and installs the intents on the engine's commit path. */
  static async load(engine: LsmEngine): Promise<PreparedXacts> {
    const r = new PreparedXacts(engine);
    const lower = encodeUserKey(MAIN_BRANCH, PREPARED_XACTS_TABLE_ID, []);
    const upper = encodeUserKey(MAIN_BRANCH, PREPARED_XACTS_TABLE_ID + 1, []);
    for await (const e of engine.scanRaw(lower, upper, engine.lastVisibleLsn, false)) {
      const gid = e.key[0] as string;
      const rec = decodePreparedRecord(e.value, gid);
      if (rec.state === STATE_PREPARED) r.addPending(gid, rec, e.lsn);
      else r.outcomes.set(gid, { state: rec.state === STATE_COMMITTED ? 'committed' : 'rolled back', lsn: e.lsn, resolvedMs: rec.resolvedMs });
    }
    if (!engine.readOnly) engine.committer.intents = r;
    return r;
  }

  /** The prepared transactions, oldest first (`PRAGMA prepared_xacts`, as pg_prepared_xacts). */
  list(): PreparedXactInfo[] {
    return [...this.pending.values()].sort((a, b) => a.lsn - b.lsn).map((p) => ({ gid: p.gid, lsn: p.lsn, preparedMs: p.body.preparedMs, readLsn: p.body.readLsn, writes: p.body.ops.length }));
  }

  /** What this participant knows of `gid`. */
  state(gid: string): GidState {
    const p = this.pending.get(gid);
    if (p) return { state: 'prepared', lsn: p.lsn };
    const o = this.outcomes.get(gid);
    return o ? { state: o.state, lsn: o.lsn } : { state: 'unknown' };
  }

  /** See WriteIntents. */
  check(txn: KvTransaction): void {
    if (this.pending.size === 0) return;
    for (const w of txn.writes.values()) {
      const gid = this.held.get(byteString(w.uk));
      if (gid !== undefined) throw intentConflict(gid, 'writes a key that');
    }
    for (const p of this.pending.values()) {
      for (const c of p.body.claims) {
        for (const w of txn.writes.values()) if ((c.anyChange || w.value !== null) && inRange(w.uk, c)) throw intentConflict(p.gid, 'writes into a key range that');
      }
      for (const c of txn.claims) {
        if ((c.anyChange ? p.keys : p.puts).hasAnyIn(byteString(c.lower), byteString(c.upper))) throw intentConflict(p.gid, 'depends on a key range where');
      }
    }
  }

  /**
   * PREPARE TRANSACTION 'gid' for `txn` (an explicit transaction of the SQL layer): checks it
   * could commit (first committer wins, the schema claim, other prepared transactions'
   * intents), then durably records its write set and claims under `gid` and releases it.
   * Returns the LSN of that record. WRITE_CONFLICT (retryable; nothing prepared, the
   * transaction is gone) as COMMIT; PREPARED_XACT_EXISTS when `gid` is prepared or was resolved
   * within OUTCOME_RETENTION_MS; NOT_SUPPORTED for a transaction that changed the schema or is
   * not on the main branch.
   */
  async prepare(txn: Transaction, gid: string, commitLogOp: CommitLogOp): Promise<CommitInfo> {
    try {
      checkGid(gid);
      if (txn.ddl) throw new DoSQLError('NOT_SUPPORTED', `twopc: cannot PREPARE TRANSACTION '${gid}': it changed the schema (commit schema changes on their own)`, { details: { gid } });
      if (txn.branch !== MAIN_BRANCH) throw new DoSQLError('NOT_SUPPORTED', `twopc: cannot PREPARE TRANSACTION '${gid}' on a branch other than main`, { details: { gid } });
      this.refuseInUse(gid);
    } catch (e) {
      txn.release();
      throw e;
    }
    txn.claimSchema();
    const key = preparedKey(gid);
    let body: PreparedBody | undefined;
    const record = (ops: readonly KvOp[], ts: number): KvOp[] => {
      this.refuseInUse(gid);
      body = { state: STATE_PREPARED, readLsn: txn.readLsn, preparedMs: ts, ops: ops.map(copyOp), claims: txn.claims.map((c) => ({ lower: c.lower, upper: c.upper, ...(c.anyChange ? { anyChange: true } : {}) })) };
      return [{ kind: KIND_PUT, userKey: key, value: encodePreparedRecord(body) }, commitLogOp(ts)];
    };
    if (txn.writes.size === 0) {
      // A read-only transaction prepares too (as in PostgreSQL): its record holds no intents.
      txn.release();
      return this.engine.committer.exclusive(async (write, ts) => {
        const info = await write(MAIN_BRANCH, record([], ts), ts);
        this.addPending(gid, body!, info.lsn);
        return info;
      });
    }
    return this.engine.commit(txn, { writeInstead: (ops, ts) => record(ops, ts), onCommitted: (info) => this.addPending(gid, body!, info.lsn) });
  }

  /**
   * COMMIT PREPARED 'gid': applies the write set as one commit at a new LSN and records the
   * outcome. NOT_FOUND (`details.gid`) for an unknown gid; PREPARED_XACT_RESOLVED
   * (`details.outcome` 'committed' or 'rolled back', `details.lsn`) for one already resolved —
   * a coordinator's retry of a commit that went through sees outcome 'committed'.
   */
  commitPrepared(gid: string, commitLogOp: CommitLogOp): Promise<CommitInfo> {
    return this.resolve(gid, true, commitLogOp);
  }

  /** ROLLBACK PREPARED 'gid': discards the write set and records the outcome; errors as commitPrepared. */
  rollbackPrepared(gid: string, commitLogOp: CommitLogOp): Promise<CommitInfo> {
    return this.resolve(gid, false, commitLogOp);
  }

  private resolve(gid: string, commit: boolean, commitLogOp: CommitLogOp): Promise<CommitInfo> {
    checkGid(gid);
    return this.engine.committer.exclusive(async (write, ts) => {
      const p = this.pending.get(gid);
      if (!p) throw this.notPending(gid);
      const state = commit ? STATE_COMMITTED : STATE_ROLLED_BACK;
      const ops: KvOp[] = commit ? [...p.body.ops] : [];
      ops.push({ kind: KIND_PUT, userKey: preparedKey(gid), value: encodePreparedRecord({ state, resolvedMs: ts }) }, commitLogOp(ts));
      const expired = this.expiredOutcomes(ts);
      for (const g of expired) ops.push({ kind: KIND_DELETE, userKey: preparedKey(g) });
      const info = await write(MAIN_BRANCH, ops, ts);
      this.removePending(p);
      this.outcomes.set(gid, { state: commit ? 'committed' : 'rolled back', lsn: info.lsn, resolvedMs: ts });
      for (const g of expired) this.outcomes.delete(g);
      return info;
    });
  }

  private expiredOutcomes(now: number): string[] {
    const out: string[] = [];
    for (const [g, o] of this.outcomes) {
      if (out.length >= PRUNE_PER_COMMIT) break;
      if (o.resolvedMs < now - OUTCOME_RETENTION_MS) out.push(g);
    }
    return out;
  }

  private notPending(gid: string): DoSQLError {
    const o = this.outcomes.get(gid);
    if (o) {
      return new DoSQLError('PREPARED_XACT_RESOLVED', `twopc: prepared transaction '${gid}' was already ${o.state} (LSN ${o.lsn})`, { details: { gid, outcome: o.state, lsn: o.lsn } });
    }
    return new DoSQLError('NOT_FOUND', `twopc: prepared transaction with identifier '${gid}' does not exist`, { details: { gid } });
  }

  private refuseInUse(gid: string): void {
    const s = this.state(gid);
    if (s.state !== 'unknown') {
      throw new DoSQLError('PREPARED_XACT_EXISTS', `twopc: transaction identifier '${gid}' is already in use (${s.state} at LSN ${s.lsn})`, { details: { gid, state: s.state, lsn: s.lsn } });
    }
  }

  private addPending(gid: string, body: PreparedBody, lsn: number): void {
    const keys = new SortedKeys();
    const puts = new SortedKeys();
    for (const op of body.ops) {
      const k = byteString(op.userKey);
      keys.add(k);
      if (op.kind === KIND_PUT) puts.add(k);
      this.held.set(k, gid);
    }
    this.pending.set(gid, { gid, body, lsn, keys, puts });
  }

  private removePending(p: Pending): void {
    for (const op of p.body.ops) this.held.delete(byteString(op.userKey));
    this.pending.delete(p.gid);
  }
}

/** The commit-log op every SQL commit adds (src/sql/api/commit-log.ts), for a commit at `ts`. */
export type CommitLogOp = (timestamp: number) => KvOp;

function copyOp(op: KvOp): KvOp {
  const out: KvOp = { kind: op.kind, userKey: op.userKey.slice() };
  if (op.value) out.value = op.value.slice();
  if (op.before !== undefined) out.before = op.before === null ? null : op.before.slice();
  return out;
}

function inRange(uk: Uint8Array, c: RangeClaim): boolean {
  return compareBytes(uk, c.lower) >= 0 && compareBytes(uk, c.upper) < 0;
}

function intentConflict(gid: string, what: string): DoSQLError {
  return new DoSQLError('WRITE_CONFLICT', `twopc: write conflict: this transaction ${what} prepared transaction '${gid}' holds; retry after it is resolved`, { details: { gid } });
}
