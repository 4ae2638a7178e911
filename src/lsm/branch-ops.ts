// Branches and named snapshots, the engine's operations on them (`engine.branches`,
// `engine.snapshots`). Contract 6: a branch is a manifest entry (parent, base LSN), never a
// copy. Each operation is one manifest edit (`VersionSet.update`), so its checks and its change
// are atomic against every other edit; refusing throws inside the edit and writes nothing. The
// base LSN of a branch and the LSN of a snapshot are retained read points while they are listed
// (lsn-pins.ts).
import { DoSQLError } from '../errors.js';
import type { BranchRef, ManifestState, SnapshotRef } from '../manifest/manifest-format.js';
import { MAIN_BRANCH } from '../mvcc/internal-key.js';

/** What the operations read of the engine (LsmEngine). */
export interface RefHost {
  readonly manifest: ManifestState;
  /** Checks a read point (`LsmEngine.readPoint`): the latest when undefined. */
  readPoint(asOf: number | undefined): number;
  clockNow(): number;
}

/** One manifest edit (then compaction may collect what a removed reference kept). */
export type ManifestEdit = (edit: (draft: ManifestState) => void) => Promise<void>;

/** The branches of a database (`LsmEngine.branches`). Main (id 0) is implicit and never listed. */
export class Branches {
  constructor(
    private readonly h: RefHost,
    private readonly edit: ManifestEdit,
  ) {}

  /**
   * Creates branch `name` of `parent` (an id, default main) at `baseLsn` (default the latest
   * commit; checked as a read point): one manifest entry, no data copied; the base stays
   * retained while the branch exists. Read and write it with `{ branch: ref.id }`.
   * INVALID_ARGUMENT for a malformed or taken name, NOT_FOUND for an unknown parent,
   * BEFORE_RETENTION_HORIZON for a base whose history may be gone.
   */
  async create(name: string, options: { parent?: number; baseLsn?: number } = {}): Promise<BranchRef> {
    const base = this.h.readPoint(options.baseLsn);
    let ref!: BranchRef;
    await this.edit((d) => (ref = addBranch(d, name, options.parent ?? MAIN_BRANCH, base, this.h.clockNow())));
    return ref;
  }

  /** Deletes branch `name` and its snapshots (its rows become garbage). INVALID_ARGUMENT for main or a parent of branches; NOT_FOUND. */
  delete(name: string): Promise<void> {
    return this.edit((d) => removeBranch(d, name));
  }

  /** Records that branch `id` was merged by the commit at `lsn` (its `mergedAt`; a deleted branch is left alone). */
  markMerged(id: number, lsn: number): Promise<void> {
    return this.edit((d) => setMerged(d, id, lsn));
  }

  /** Every branch but main, in creation order. */
  list(): readonly BranchRef[] {
    return this.h.manifest.branches;
  }

  /** The branch called `name` (not main), or undefined. */
  get(name: string): BranchRef | undefined {
    return this.h.manifest.branches.find((b) => b.name === name);
  }
}

/** The named snapshots of a database (`LsmEngine.snapshots`). */
export class Snapshots {
  constructor(
    private readonly h: RefHost,
    private readonly edit: ManifestEdit,
  ) {}

  /**
   * Names the state of `branch` (default main) at `lsn` (default the latest commit): kept from
   * garbage collection and readable as of that LSN until deleted. Without a name:
   * `<branch>@<n>`. INVALID_ARGUMENT for an empty or taken name, NOT_FOUND for an unknown branch.
   */
  async create(options: { name?: string; branch?: number; lsn?: number } = {}): Promise<SnapshotRef> {
    const at = this.h.readPoint(options.lsn);
    let ref!: SnapshotRef;
    await this.edit((d) => (ref = addSnapshot(d, options.name, options.branch ?? MAIN_BRANCH, at, this.h.clockNow())));
    return ref;
  }

  /** Deletes snapshot `name`; NOT_FOUND if there is none. */
  delete(name: string): Promise<void> {
    return this.edit((d) => removeSnapshot(d, name));
  }

  /** Every named snapshot, in creation order. */
  list(): readonly SnapshotRef[] {
    return this.h.manifest.snapshots;
  }

  /** The snapshot called `name`, or undefined. */
  get(name: string): SnapshotRef | undefined {
    return this.h.manifest.snapshots.find((x) => x.name === name);
  }
}

/** Branch names: letters, digits and `_ . - /`; `main` is the main branch's. */
const BRANCH_NAME = /^[A-Za-z0-9_.\-/]+$/;

/** Name of branch `id` ('main' for 0), or undefined. */
export function branchName(s: ManifestState, id: number): string | undefined {
  return id === MAIN_BRANCH ? 'main' : s.branches.find((b) => b.id === id)?.name;
}

/**
 * Adds branch `name` of `parent` at `baseLsn` with the next branch id (ids are never reused).
 * INVALID_ARGUMENT for a malformed or taken name, NOT_FOUND for an unknown parent.
 */
export function addBranch(d: ManifestState, name: string, parent: number, baseLsn: number, createdAt: number): BranchRef {
  if (!BRANCH_NAME.test(name) || name === 'main') throw new DoSQLError('INVALID_ARGUMENT', `engine: invalid branch name ${JSON.stringify(name)} (letters, digits, _ . - /; not main)`);
  if (d.branches.some((b) => b.name === name)) throw new DoSQLError('INVALID_ARGUMENT', `engine: branch ${name} already exists`, { details: { branch: name } });
  if (branchName(d, parent) === undefined) throw new DoSQLError('NOT_FOUND', `engine: no branch with id ${parent} to branch from`, { details: { branch: parent } });
  const id = d.nextBranchId;
  d.nextBranchId = id + 1;
  const ref: BranchRef = { id, name, parent, baseLsn, createdAt, mergedAt: null };
  d.branches.push(ref);
  return ref;
}

/**
 * Removes branch `name` and its named snapshots (its rows become garbage). INVALID_ARGUMENT for
 * main, for a branch with child branches and for a branch a replication slot follows (delete the
 * slot first: its consumer would lose the branch's history), NOT_FOUND for an unknown name.
 */
export function removeBranch(d: ManifestState, name: string): void {
  if (name === 'main') throw new DoSQLError('INVALID_ARGUMENT', 'engine: cannot delete main');
  const ref = d.branches.find((b) => b.name === name);
  if (!ref) throw new DoSQLError('NOT_FOUND', `engine: no such branch: ${name}`, { details: { branch: name } });
  if (d.branches.some((b) => b.parent === ref.id)) throw new DoSQLError('INVALID_ARGUMENT', `engine: branch ${name} has child branches`, { details: { branch: name } });
  const slot = d.slots.find((s) => s.branch === ref.id);
  if (slot) throw new DoSQLError('INVALID_ARGUMENT', `engine: replication slot ${slot.name} follows branch ${name}; delete the slot first`, { details: { branch: name, slot: slot.name } });
  d.branches = d.branches.filter((b) => b.id !== ref.id);
  d.snapshots = d.snapshots.filter((x) => x.branch !== ref.id);
}

/** Records that branch `id` was merged by the commit at `lsn` (a branch deleted meanwhile is left alone). */
export function setMerged(d: ManifestState, id: number, lsn: number): void {
  const b = d.branches.find((x) => x.id === id);
  if (b) b.mergedAt = lsn;
}

/**
 * Adds a named snapshot of `branch` at `lsn`; without a name, `<branch name>@<n>` with the
 * first free n above the branch's snapshot count. INVALID_ARGUMENT for an empty or taken
 * name, NOT_FOUND for an unknown branch.
 */
export function addSnapshot(d: ManifestState, name: string | undefined, branch: number, lsn: number, createdAt: number): SnapshotRef {
  const bname = branchName(d, branch);
  if (bname === undefined) throw new DoSQLError('NOT_FOUND', `engine: no branch with id ${branch} to snapshot`, { details: { branch } });
  let chosen = name;
  if (chosen === undefined) {
    let n = d.snapshots.filter((x) => x.branch === branch).length + 1;
    while (d.snapshots.some((x) => x.name === `${bname}@${n}`)) n++;
    chosen = `${bname}@${n}`;
  } else if (chosen === '') throw new DoSQLError('INVALID_ARGUMENT', 'engine: a snapshot name must not be empty');
  else if (d.snapshots.some((x) => x.name === chosen)) throw new DoSQLError('INVALID_ARGUMENT', `engine: snapshot ${chosen} already exists`, { details: { snapshot: chosen } });
  const ref: SnapshotRef = { name: chosen, branch, lsn, createdAt };
  d.snapshots.push(ref);
  return ref;
}

/** Removes snapshot `name`; NOT_FOUND if there is none. */
export function removeSnapshot(d: ManifestState, name: string): void {
  if (!d.snapshots.some((x) => x.name === name)) throw new DoSQLError('NOT_FOUND', `engine: no such snapshot: ${name}`, { details: { snapshot: name } });
  d.snapshots = d.snapshots.filter((x) => x.name !== name);
}
