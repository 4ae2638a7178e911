// The time-travel host of a Database handle: resolving time points (lsn(), timestamp(),
// snapshot(), branch(), relative(), and FOR SYSTEM_TIME clauses, temporal.ts) against this
// handle's engine, branch and schemas, and opening read-only views at resolved points with
// the schema of that point (schemas per read point are cached by the core).
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { MAIN_BRANCH } from '../../mvcc/internal-key.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Transaction } from '../txn/transaction.js';
import { argString } from './arguments.js';
import { branchRef } from './branch-names.js';
import type { DatabaseCore } from './core.js';
import { openView, resolvePoint, type PointHost, type ReadPoint } from './temporal.js';
import type { TimePoint } from './time-points.js';

export class TimeTravelHost {
  /** Resolvers per branch (point queries are hot; each holds closures over the engine). */
  private readonly hosts = new Map<number, PointHost>();

  constructor(private readonly core: DatabaseCore) {}

  /** The time-point resolver for statements on `branch` (default: the checked-out one). */
  pointHost(engine: LsmEngine, branch = this.core.branchId): PointHost {
    let h = this.hosts.get(branch);
    if (!h || h.engine !== engine) {
      h = this.makePointHost(engine, branch);
      this.hosts.set(branch, h);
    }
    return h;
  }

  /** Forgets every resolver (a branch was deleted). */
  forget(): void {
    this.hosts.clear();
  }

  /** Resolves an API time point on the checked-out branch. Throws BEFORE_RETENTION_HORIZON, NOT_FOUND. */
  async resolve(point: TimePoint): Promise<ReadPoint> {
    const engine = await this.core.eng();
    return resolvePoint(this.pointHost(engine), point);
  }

  /** A read-only view (and its schema) at a resolved point; release the view. */
  async viewAt(point: ReadPoint): Promise<{ view: Transaction; catalog: Catalog }> {
    const engine = await this.core.eng();
    return openView(this.pointHost(engine), point);
  }

  private makePointHost(engine: LsmEngine, branch: number): PointHost {
    const core = this.core;
    return {
      engine,
      branch,
      branchId: (name) => branchRef(engine, name).id,
      ancestors: (b) => (b === MAIN_BRANCH ? [] : core.ancestors(b)),
      snapshotPoint: (name) => {
        argString(name, 'snapshot', 'a snapshot name');
        const snap = engine.snapshots.get(name);
        if (!snap) throw new DoSQLError('NOT_FOUND', `sql: no such snapshot: ${name}`, { details: { snapshot: name } });
        return { branch: snap.branch, lsn: snap.lsn };
      },
      loadCatalog: (b, lsn) => core.loadCatalog(engine, b, lsn),
      cachedCatalog: (b, lsn) => core.cachedCatalog(b, lsn),
    };
  }
}
