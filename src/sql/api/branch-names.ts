// Branch names and ids as the SQL API shows them: 'main' is branch 0 (it has no manifest
// entry); every other branch is the engine's (engine.branches, src/lsm/branch-ops.ts).
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { MAIN_BRANCH } from '../../mvcc/internal-key.js';
import { argString } from './arguments.js';

/** A branch as the API layer sees it (main included). */
export interface BranchInfo {
  readonly id: number;
  readonly name: string;
  readonly parent: number | null;
  readonly baseLsn: number;
  readonly mergedAt?: number | null;
}

/** The branch called `name` ('main' included). Throws INVALID_ARGUMENT for a non-string, NOT_FOUND for an unknown name. */
export function branchRef(engine: LsmEngine, name: string): BranchInfo {
  argString(name, 'branch', 'a branch name');
  if (name === 'main') return { id: MAIN_BRANCH, name: 'main', parent: null, baseLsn: 0 };
  const r = engine.branches.get(name);
  if (!r) throw new DoSQLError('NOT_FOUND', `sql: no such branch: ${name}`, { details: { branch: name } });
  return r;
}

/** The name of branch `id`, or `#<id>` for one no longer listed. */
export function branchName(engine: LsmEngine, id: number): string {
  if (id === MAIN_BRANCH) return 'main';
  return engine.branches.list().find((b) => b.id === id)?.name ?? `#${id}`;
}
