// Branches, named snapshots and merges of a Database handle, on the engine's own operations
// (engine.branches / engine.snapshots, src/lsm/branch-ops.ts: each one manifest edit, no data
// copied). This adds what the SQL API owns: 'main' by name, the checked-out branch (its schema
// and plans), refusing to delete a branch with unmerged writes, and the three-way merge of a
// child branch (merge.ts) written as one commit.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { encodeTablePrefix, MAIN_BRANCH } from '../../mvcc/internal-key.js';
import { CATALOG_TABLE_ID } from '../catalog/catalog.js';
import type { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { argOptions, argString, optionNumber, optionOf, optionOneOf } from './arguments.js';
import { describeValue } from './bind-params.js';
import { branchName, branchRef } from './branch-names.js';
import { COMMIT_LOG_TABLE_ID } from './commit-log.js';
import type { DatabaseCore } from './core.js';
import { applyMerge, planMerge, type MergeConflict, type MergePlan, type MergeStrategy } from './merge.js';
import type { Session } from './session.js';
import type { StatementRunner } from './statement-runner.js';
import type { TimeTravelHost } from './time-travel-host.js';

/** What a merge reports: whether it committed, at which LSN, rows changed, and the conflicts. */
export interface MergeResult {
  merged: boolean;
  lsn: number | null;
  changes: number;
  conflicts: MergeConflict[];
}

export class Branching {
  /** A manual merge waiting for resolveConflict / completeMerge. */
  private pendingMerge: MergePlan | undefined;

  constructor(
    private readonly core: DatabaseCore,
    private readonly session: Session,
    private readonly runner: StatementRunner,
    private readonly timeTravel: TimeTravelHost,
  ) {}

  /** See Database.branch. */
  async branch(name: string, options: { from?: string; fromLSN?: number | bigint }): Promise<{ name: string; baseLsn: number }> {
    argString(name, 'db.branch()', 'the branch name');
    optionOf(argOptions(options, 'db.branch()'), 'from', 'string', 'db.branch()');
    // LSNs are bigints in seed code (`fromLSN: 12345n`): any within 2^53 - 1 is the same LSN.
    const from = options.fromLSN;
    if (typeof from === 'bigint') {
      if (from < 0n || from > BigInt(Number.MAX_SAFE_INTEGER)) throw new DoSQLError('INVALID_ARGUMENT', `sql: db.branch(): option fromLSN must be an LSN from 0 to 2^53 - 1, got ${from}n`);
      options = { ...options, fromLSN: Number(from) };
    } else optionNumber(options, 'fromLSN', 'db.branch()', { integer: true, min: 0 });
    const engine = await this.core.eng();
    let parent = this.core.branchId;
    let baseLsn: number | undefined;
    if (options.from !== undefined) {
      const p = this.timeTravel.pointHost(engine).snapshotPoint(options.from);
      parent = p.branch;
      baseLsn = p.lsn;
    } else if (options.fromLSN !== undefined) baseLsn = Number(options.fromLSN);
    const ref = await engine.branches.create(name, { parent, ...(baseLsn !== undefined ? { baseLsn } : {}) });
    return { name, baseLsn: ref.baseLsn };
  }

  /** See Database.checkout. */
  async checkout(name: string): Promise<void> {
    const engine = await this.core.eng();
    this.session.refuseInTransaction('switch branches');
    const ref = branchRef(engine, name);
    await this.core.checkout(engine, ref.id);
    this.runner.clearPlans();
  }

  /** Name of the checked-out branch ('main' before the handle is open). */
  currentBranch(): string {
    const engine = this.core.engineRef;
    return engine ? branchName(engine, this.core.branchId) : 'main';
  }

  /** See Database.listBranches. */
  async listBranches(): Promise<{ name: string; parent: string | null; baseLsn: number; createdAt: number; merged: boolean }[]> {
    const engine = await this.core.eng();
    return [
      { name: 'main', parent: null, baseLsn: 0, createdAt: 0, merged: false },
      ...engine.branches.list().map((b) => ({ name: b.name, parent: b.parent === null ? null : branchName(engine, b.parent), baseLsn: b.baseLsn, createdAt: b.createdAt, merged: b.mergedAt != null })),
    ];
  }

  /** See Database.deleteBranch. */
  async deleteBranch(name: string, options: { force?: boolean }): Promise<void> {
    optionOf(argOptions(options, 'db.deleteBranch()'), 'force', 'boolean', 'db.deleteBranch()');
    const engine = await this.core.eng();
    const ref = branchRef(engine, name);
    if (ref.id === MAIN_BRANCH) throw new DoSQLError('INVALID_ARGUMENT', 'sql: cannot delete main');
    if (ref.id === this.core.branchId) throw new DoSQLError('INVALID_ARGUMENT', `sql: cannot delete the checked-out branch ${name}`);
    // Children are refused by the engine, in the same manifest edit as the delete.
    if (!engine.branches.list().some((b) => b.parent === ref.id) && ref.mergedAt == null && !options.force && (await ownWrites(engine, ref.id))) {
      throw new DoSQLError('INVALID_ARGUMENT', `sql: branch ${name} has unmerged changes; merge it or pass { force: true }`, { details: { branch: name } });
    }
    this.core.forgetCatalogs();
    this.timeTravel.forget();
    await engine.branches.delete(name);
  }

  // ---------------------------------------------------------------- snapshots

  /** See Database.createSnapshot. */
  async createSnapshot(name?: string): Promise<{ id: string; name: string; lsn: number; branch: string }> {
    if (name !== undefined && argString(name, 'db.createSnapshot()', 'the snapshot name') === '') throw new DoSQLError('INVALID_ARGUMENT', 'sql: db.createSnapshot(): the snapshot name must not be empty');
    const engine = await this.core.eng();
    const branchId = this.core.branchId;
    const snap = await engine.snapshots.create({ branch: branchId, ...(name !== undefined ? { name } : {}) });
    return { id: snap.name, name: snap.name, lsn: snap.lsn, branch: branchName(engine, branchId) };
  }

  /** See Database.listSnapshots. */
  async listSnapshots(): Promise<{ name: string; lsn: number; branch: string; createdAt: number }[]> {
    const engine = await this.core.eng();
    return engine.snapshots.list().map((x) => ({ name: x.name, lsn: x.lsn, branch: branchName(engine, x.branch), createdAt: x.createdAt }));
  }

  /** See Database.deleteSnapshot. */
  async deleteSnapshot(name: string): Promise<void> {
    argString(name, 'db.deleteSnapshot()', 'the snapshot name');
    const engine = await this.core.eng();
    await engine.snapshots.delete(name);
  }

  // ---------------------------------------------------------------- merge

  /** See Database.merge. */
  async merge(source: string, options: { strategy?: MergeStrategy; message?: string }): Promise<MergeResult> {
    optionOneOf(argOptions(options, 'db.merge()'), 'strategy', ['auto', 'manual', 'ours', 'theirs'], 'db.merge()');
    optionOf(options, 'message', 'string', 'db.merge()');
    const engine = await this.core.eng();
    this.session.refuseInTransaction('merge');
    const src = branchRef(engine, source);
    if (src.parent !== this.core.branchId) {
      throw new DoSQLError('NOT_SUPPORTED', `sql: merge: ${source} is not a child of ${this.currentBranch()} (merging into the parent branch is supported)`);
    }
    const strategy = options.strategy ?? 'auto';
    const txn = await this.core.begin(engine);
    let plan: MergePlan;
    try {
      plan = await planMerge(engine, txn, src, [{ branch: src.id, lsn: engine.lastVisibleLsn }, ...this.core.ancestors(src.id)]);
    } catch (e) {
      txn.release();
      throw e;
    }
    if (plan.conflicts.length && strategy === 'auto') {
      txn.release();
      throw new DoSQLError('MERGE_CONFLICT', `sql: merge of ${source}: ${plan.conflicts.length} conflict(s); merge with strategy 'ours', 'theirs' or 'manual'`, { details: { conflicts: plan.conflicts } });
    }
    if (plan.conflicts.length && strategy === 'manual') {
      txn.release();
      this.pendingMerge = plan;
      return { merged: false, lsn: null, changes: 0, conflicts: plan.conflicts };
    }
    return this.finishMerge(engine, txn, plan, strategy);
  }

  /** See Database.resolveConflict. */
  resolveConflict(id: number, value: SqlValue | 'ours' | 'theirs' | undefined): void {
    if (!(value === undefined || value === null || ['bigint', 'number', 'string'].includes(typeof value) || value instanceof Uint8Array)) {
      throw new DoSQLError('INVALID_ARGUMENT', `sql: db.resolveConflict(): the value must be null, a bigint, a number, a string, a Uint8Array, 'ours', 'theirs', or the conflict's main or branch, got ${describeValue(value)}`);
    }
    const p = this.pendingMerge;
    if (!p) throw new DoSQLError('SQL_ERROR', 'sql: no manual merge is pending');
    const c = p.conflicts.find((x) => x.id === id);
    if (!c) throw new DoSQLError('NOT_FOUND', `sql: no merge conflict ${id}`);
    p.resolutions.set(id, sideOf(c, value));
  }

  /** See Database.completeMerge. */
  async completeMerge(): Promise<MergeResult & { lsn: number }> {
    const engine = await this.core.eng();
    const p = this.pendingMerge;
    if (!p) throw new DoSQLError('SQL_ERROR', 'sql: no manual merge is pending');
    const open = p.conflicts.filter((c) => !p.resolutions.has(c.id));
    if (open.length) throw new DoSQLError('MERGE_CONFLICT', `sql: ${open.length} conflict(s) still unresolved: ${open.map((c) => c.id).join(', ')}`, { details: { conflicts: open } });
    return this.finishMerge(engine, await this.core.begin(engine), p, 'manual');
  }

  /** Writes the merge as one commit on the checked-out branch and marks the source merged. */
  private async finishMerge(engine: LsmEngine, txn: Transaction, plan: MergePlan, strategy: MergeStrategy): Promise<MergeResult & { lsn: number }> {
    let changes: number;
    try {
      changes = await applyMerge(txn, plan, strategy, engine.clockNow());
    } catch (e) {
      txn.release();
      throw e;
    }
    txn.ddl ||= plan.schema.length > 0;
    const lsn = await this.core.commit(engine, txn);
    await engine.branches.markMerged(plan.sourceId, lsn);
    this.pendingMerge = undefined;
    this.runner.clearPlans();
    return { merged: true, lsn, changes, conflicts: plan.conflicts };
  }
}

/** True when the branch wrote anything since it was created (beyond its commit log). */
async function ownWrites(engine: LsmEngine, branch: number): Promise<boolean> {
  const any = async (lower: Uint8Array, upper: Uint8Array): Promise<boolean> => {
    const it = engine.scanVersions(lower, upper, engine.lastVisibleLsn, false);
    const first = await it.next();
    await it.return(undefined);
    return !first.done;
  };
  // Its catalog rows and its tables and indexes; not its commit log.
  return (
    (await any(encodeTablePrefix(branch, CATALOG_TABLE_ID), encodeTablePrefix(branch, COMMIT_LOG_TABLE_ID))) ||
    (await any(encodeTablePrefix(branch, COMMIT_LOG_TABLE_ID + 1), encodeTablePrefix(branch + 1, 0)))
  );
}

/**
 * A resolution as the merge applies it. A value equal to one side's picks that side: the same
 * cell either way, and for a whole-row conflict (cells '*', the rows as JSON text, undefined
 * where deleted) the only way to say which row to keep, so `resolveConflict(c.id, c.branch)`
 * keeps the branch's row or its deletion. Undefined must be a side's (a deleted row); other
 * values are refused for whole-row conflicts.
 */
function sideOf(c: MergeConflict, value: SqlValue | 'ours' | 'theirs' | undefined): SqlValue | 'ours' | 'theirs' {
  if (value === 'ours' || value === 'theirs') return value;
  if (sameValue(value, c.theirs)) return 'theirs';
  if (sameValue(value, c.ours)) return 'ours';
  if (value === undefined || c.column === '*') {
    throw new DoSQLError('INVALID_ARGUMENT', `sql: db.resolveConflict(): conflict ${c.id} on ${c.table} ${c.column === '*' ? 'is over a whole row' : 'needs a value'}: pass 'ours' or 'theirs' (or the conflict's main or branch)`);
  }
  return value;
}

/** The same SQL value: same type and value (an INTEGER 1 is not the REAL 1), BLOBs byte for byte. */
function sameValue(a: SqlValue | undefined, b: SqlValue | undefined): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
