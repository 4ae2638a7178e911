// compareBranches(db, source, target) of seed 001 (`dosql/timetravel`): how two branches of
// one database relate, in the seed's field names, over Database.compareBranches.
import { DoSQLError } from '../errors.js';
import { Database } from '../sql/api/database.js';

export interface BranchComparison {
  readonly source: string;
  readonly target: string;
  /** Commits on `source` that `target` does not have. */
  readonly sourceAhead: number;
  /** Commits on `target` that `source` does not have. */
  readonly sourceBehind: number;
  /** Both have commits of their own. */
  readonly diverged: boolean;
  /** `target` can move to `source` without a merge (it has no commits of its own). */
  readonly canFastForward: boolean;
}

/** Compares branch `source` with branch `target` of `db` (seed 001 passes a history manager there; here it is the database). */
export async function compareBranches(db: Database, source: string, target: string): Promise<BranchComparison> {
  if (!(db instanceof Database)) throw new DoSQLError('INVALID_ARGUMENT', 'sql: compareBranches() takes a database from DB() first');
  const c = await db.compareBranches(source, target);
  return { source, target, sourceAhead: c.ahead, sourceBehind: c.behind, diverged: c.diverged, canFastForward: c.behind === 0 };
}
