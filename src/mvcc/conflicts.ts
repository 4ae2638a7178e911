// First-committer-wins conflict detection (snapshot isolation as in PostgreSQL's REPEATABLE
// READ and Berenson et al., "A Critique of ANSI SQL Isolation Levels"): a transaction that read
// as of LSN r may commit only if no key it writes, and no key range it claimed, changed in a
// commit after r. The first of two overlapping transactions to commit wins; the other gets
// WRITE_CONFLICT (retryable) and nothing of it is written.
//
// REQUIRES: the caller holds the engine's commit lock (commit.ts), so nothing commits between
// this check and the transaction's WAL append.
import { DoSQLError } from '../errors.js';
import type { Transaction } from './transaction.js';
import type { VersionReader } from './version-store.js';

/**
 * A user-key range [lower, upper) that must see no commit after `since` (default: the
 * transaction's read LSN). `anyChange` false (default): only a live entry committed since
 * conflicts — a unique-index claim, where only a new key breaks uniqueness; true: any
 * committed version, deletes included — e.g. "the schema I planned against did not change".
 * `label` names the range in the error message.
 */
export interface RangeClaim {
  readonly lower: Uint8Array;
  readonly upper: Uint8Array;
  readonly anyChange?: boolean;
  readonly since?: number;
  readonly label?: string;
}

/** True when a claim reaches back before `latest` even though the read LSN does not. */
export function claimsNeedCheck(txn: Transaction, latest: number): boolean {
  for (const c of txn.claims) if (c.since !== undefined && c.since < latest) return true;
  return false;
}

/** Throws WRITE_CONFLICT when a key `txn` wrote or a range it claimed changed after its read point. */
export async function checkConflicts(engine: VersionReader, txn: Transaction, latest: number): Promise<void> {
  const readLsn = txn.readLsn;
  for (const w of txn.writes.values()) {
    const v = await engine.getRaw(w.uk, latest);
    if (v && v.lsn > readLsn) {
      throw new DoSQLError('WRITE_CONFLICT', `mvcc: write conflict: a key this transaction wrote was changed by a transaction that committed after it began (LSN ${v.lsn} > ${readLsn}); retry`, {
        details: { readLsn, conflictLsn: v.lsn },
      });
    }
  }
  for (const c of txn.claims) {
    const since = c.since ?? readLsn;
    const found = c.anyChange ? await changedSince(engine, c, since, latest) : await insertedSince(engine, c, since, latest);
    if (found !== undefined) {
      throw new DoSQLError('WRITE_CONFLICT', `mvcc: write conflict on ${c.label ?? 'a claimed key range'} (LSN ${found} > ${since}); retry`, {
        details: { readLsn, conflictLsn: found },
      });
    }
  }
}

async function insertedSince(engine: VersionReader, c: RangeClaim, since: number, latest: number): Promise<number | undefined> {
  for await (const e of engine.scanRaw(c.lower, c.upper, latest, false)) if (e.lsn > since) return e.lsn;
  return undefined;
}

async function changedSince(engine: VersionReader, c: RangeClaim, since: number, latest: number): Promise<number | undefined> {
  for await (const b of engine.scanVersionBatches(c.lower, c.upper, latest, false)) for (const v of b) if (v.lsn > since) return v.lsn;
  return undefined;
}
