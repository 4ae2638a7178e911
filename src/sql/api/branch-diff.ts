// Comparing two points of a database: commits one branch has that another lacks
// (db.compareBranches, from the commit log), and the rows of a table that differ between two
// time points or branches (db.diff), by primary key (rowid for rowid tables).
import { MAIN_BRANCH } from '../../mvcc/internal-key.js';
import type { Layer } from '../../mvcc/layers.js';
import { identityJson } from '../../util/json.js';
import { ExecEnv } from '../execution/env.js';
import { compileStatement } from '../planner/plan-statement.js';
import { argOptions, argPointOrBranch, argString } from './arguments.js';
import { branchRef } from './branch-names.js';
import { commits } from './commit-log.js';
import type { DatabaseCore } from './core.js';
import { randomInt64, type StatementRunner } from './statement-runner.js';
import { openView, resolvePoint, type ReadPoint } from './temporal.js';
import type { TimeTravelHost } from './time-travel-host.js';
import type { TimePoint } from './time-points.js';
import { rowsToObjects, type JsValue } from './values.js';

/** What db.diff returns: rows only in `to`, rows only in `from`, and rows in both that differ. */
export interface RowDiff {
  added: Record<string, JsValue>[];
  removed: Record<string, JsValue>[];
  changed: { before: Record<string, JsValue>; after: Record<string, JsValue> }[];
}

/** See Database.compareBranches. */
export async function compareBranches(core: DatabaseCore, a: string, b: string): Promise<{ ahead: number; behind: number; diverged: boolean; canFastForward: boolean }> {
  const engine = await core.eng();
  const layers = (name: string): Layer[] => {
    const id = branchRef(engine, name).id;
    return [{ branch: id, lsn: engine.lastVisibleLsn }, ...(id === MAIN_BRANCH ? [] : core.ancestors(id))];
  };
  const ca = new Set((await commits(engine, layers(a))).map((c) => c.lsn));
  const cb = new Set((await commits(engine, layers(b))).map((c) => c.lsn));
  let ahead = 0;
  let behind = 0;
  for (const x of ca) if (!cb.has(x)) ahead++;
  for (const x of cb) if (!ca.has(x)) behind++;
  return { ahead, behind, diverged: ahead > 0 && behind > 0, canFastForward: ahead === 0 };
}

/** See Database.diff. */
export async function diffRows(core: DatabaseCore, runner: StatementRunner, timeTravel: TimeTravelHost, from: TimePoint | string, to: TimePoint | string, options: { table: string }): Promise<RowDiff> {
  argPointOrBranch(from, 'db.diff()');
  argPointOrBranch(to, 'db.diff()');
  argString(argOptions(options, 'db.diff()').table, 'db.diff()', 'option table');
  const engine = await core.eng();
  const host = timeTravel.pointHost(engine);
  const point = (p: TimePoint | string): Promise<ReadPoint> => resolvePoint(host, typeof p === 'string' ? { kind: 'branch', name: p } : p);
  const rowsAt = async (p: ReadPoint): Promise<Map<string, Record<string, JsValue>>> => {
    const { view, catalog } = await openView(host, p);
    try {
      const t = catalog.table(options.table);
      const plan = compileStatement({ kind: 'select', body: { kind: 'selectCore', distinct: false, columns: [{ kind: 'star' }, ...(t.withoutRowid ? [] : [{ kind: 'expr' as const, expr: { kind: 'column' as const, column: 'rowid' }, alias: '_rowid' }])], from: { kind: 'table', name: t.name } } }, catalog);
      const env = new ExecEnv(view, [], runner.info, engine.clockNow(), randomInt64);
      const r = await plan.execute(env, '');
      const objs = rowsToObjects(plan.columns, r.rows, false);
      const keyCols = t.withoutRowid ? t.primaryKey.map((i) => t.columns[i]!.name) : ['_rowid'];
      const m = new Map<string, Record<string, JsValue>>();
      for (const o of objs) {
        const k = JSON.stringify(keyCols.map((c) => o[c]), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
        if (!t.withoutRowid) delete o._rowid;
        m.set(k, o);
      }
      return m;
    } finally {
      view.release();
    }
  };
  const [a, b] = [await rowsAt(await point(from)), await rowsAt(await point(to))];
  const same = (x: Record<string, JsValue>, y: Record<string, JsValue>): boolean => JSON.stringify(x, identityJson) === JSON.stringify(y, identityJson);
  const out: RowDiff = { added: [], removed: [], changed: [] };
  for (const [k, v] of b) {
    const old = a.get(k);
    if (!old) out.added.push(v);
    else if (!same(old, v)) out.changed.push({ before: old, after: v });
  }
  for (const [k, v] of a) if (!b.has(k)) out.removed.push(v);
  return out;
}
