// Foreign key enforcement (https://sqlite.org/foreignkeys.html), on unless PRAGMA
// foreign_keys = OFF, done as SQLite's fkey.c does it so the answers are SQLite's even where
// its rules are surprising. Violations are counted, not raised at once:
//   - before a row enters a child table (INSERT, the new image of an UPDATE) its parent is
//     looked up (fkLookupParent) and a missing one counts +1; before a child row leaves
//     (DELETE, the old image) a missing parent counts -1 when something is outstanding;
//   - before a parent row leaves, each child row still holding its key counts +1; before one
//     enters, each child row holding the new key counts -1 (fkScanChildren);
//   - after a parent row left or changed key, its actions run: CASCADE deletes or updates
//     the child rows, SET NULL / SET DEFAULT rewrite them, RESTRICT fails if any exist (the
//     rows an action reaches are matched differently from those counted: see ChildMatch).
// The statement fails with FOREIGN KEY constraint failed if its counter is not zero at its
// end; DEFERRABLE INITIALLY DEFERRED constraints count on the transaction, checked at COMMIT
// (which fails and leaves the transaction open), restored when a statement or savepoint is
// rolled back.
import { DoSQLError } from '../../errors.js';
import { bytesEqual } from '../../util/bytes.js';
import { rowKey } from '../rows/row-keys.js';
import type { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import type { ExecEnv, Row } from './env.js';
import { evaluate } from './evaluate.js';
import { childRows, foreignKeyFailed, keyOf, parentExists, unusable, type ForeignKey } from './foreign-key-lookup.js';
import { writerFor, type TableDml } from './table-dml.js';
import type { TableWriter } from './table-writer.js';
import { applyRowObject, rowObject } from './row-triggers.js';
import { MAX_TRIGGER_DEPTH, RaiseIgnore, type RowHooks, type TriggerTiming } from './triggers.js';
import * as ops from './value-ops.js';

/** A transaction's count of outstanding deferred violations, and the constraint that counted last. */
interface Deferred {
  count: number;
  last?: ForeignKey;
}

const deferred = new WeakMap<Transaction, Deferred>();

function deferredOf(txn: Transaction): Deferred {
  let d = deferred.get(txn);
  if (!d) deferred.set(txn, (d = { count: 0 }));
  return d;
}

/** The deferred violation count of `txn` (saved at statement and savepoint starts). */
export function deferredViolations(txn: Transaction): number {
  return deferred.get(txn)?.count ?? 0;
}

/** Puts the deferred count back to `n` (a statement or savepoint rolled back). */
export function restoreDeferredViolations(txn: Transaction, n: number): void {
  const d = deferred.get(txn);
  if (d) d.count = n;
}

/** At COMMIT: FOREIGN KEY constraint failed while deferred violations are outstanding (the transaction stays open). */
export function checkDeferredForeignKeys(txn: Transaction): void {
  const d = deferred.get(txn);
  if (d && d.count > 0) throw foreignKeyFailed(d.last!);
}

/** How an UPDATE changed a row: the columns it assigned, and whether the rowid changed. */
export interface RowChange {
  readonly assigned: ReadonlySet<number>;
  readonly rowidChanged: boolean;
}

export class ForeignKeyEnforcer {
  /** PRAGMA foreign_keys: nothing is enforced when OFF. */
  readonly on: boolean;
  private immediate = 0;
  private lastImmediate?: ForeignKey;
  /** Made on first use: most statements write no table a constraint points at. */
  private writers: Map<TableDml, TableWriter> | undefined;
  private depth = 0;
  /** The SET NULL action being applied, whose own constraint is not checked on the rows it writes (isSetNullAction). */
  private setNull?: ForeignKey;
  /** The statement's triggers, fired for the child rows actions delete or rewrite. */
  hooks?: RowHooks;

  constructor(private readonly env: ExecEnv) {
    this.on = env.session.foreignKeys !== false;
  }

  /** At the start of a statement: fails as SQLite's prepare does when a constraint it must enforce cannot be (missing parent, key not unique). */
  checkUsable(fks: Iterable<ForeignKey>): void {
    if (!this.on) return;
    for (const fk of fks) {
      const e = unusable(fk);
      if (e) throw e;
    }
  }

  private writer(dml: TableDml): TableWriter {
    const ws = (this.writers ??= new Map());
    let w = ws.get(dml);
    if (!w) ws.set(dml, (w = writerFor(dml)));
    return w;
  }

  private keyOfRow(dml: TableDml, row: Row): Uint8Array {
    return rowKey(this.env.txn.branch, dml.table, row, dml.table.withoutRowid ? null : (row[dml.table.columns.length] as bigint));
  }

  private counter(fk: ForeignKey): number {
    return fk.deferred ? deferredViolations(this.env.txn) : this.immediate;
  }

  private count(fk: ForeignKey, n: number): void {
    if (n === 0) return;
    if (fk.deferred) {
      const d = deferredOf(this.env.txn);
      d.count += n;
      if (n > 0) d.last = fk;
    } else {
      this.immediate += n;
      if (n > 0) this.lastImmediate = fk;
    }
  }

  /**
   * fkLookupParent: the parent of child row `row` through `fk`; counts `incr` when missing.
   * `self`: the row is entering its own table as the parent too, so it may be its own parent
   * (compared as stored, without affinity).
   */
  private async lookupParent(dml: TableDml, fk: ForeignKey, row: Row, incr: 1 | -1): Promise<void> {
    if (incr < 0 && this.counter(fk) === 0) return;
    const key = keyOf(row, fk.childCols);
    if (!key) return;
    const e = unusable(fk);
    if (e) throw e;
    const parent = fk.parent!;
    if (incr > 0 && parent.name.toLowerCase() === dml.table.name.toLowerCase()) {
      const self = fk.parentAccess!.kind === 'rowid' ? [row[parent.columns.length] ?? null] : fk.parentCols.map((c) => row[c] ?? null);
      const probe = fk.parentAccess!.kind === 'rowid' ? [ops.applyAffinity(key[0]!, 'INTEGER')] : key;
      if (self.every((v, j) => v !== null && ops.compare(v, probe[j]!, 'BINARY') === 0 && (typeof v === 'string') === (typeof probe[j] === 'string'))) return;
    }
    if (!(await parentExists(this.env, fk, this.writer(dml.target(fk.parentName)).reader, key))) this.count(fk, incr);
  }

  /** fkScanChildren: counts `incr` for each child row holding parent row `row`'s key (not `row` itself when it is in the child table). */
  private async scanChildren(dml: TableDml, fk: ForeignKey, row: Row, incr: 1 | -1): Promise<void> {
    if (incr < 0 && this.counter(fk) === 0) return;
    const key = keyOf(row, fk.parentCols);
    if (!key) return;
    const child = dml.target(fk.child.name);
    const exclude = incr > 0 && child === dml ? this.keyOfRow(dml, row) : undefined;
    const rows = await childRows(this.env, fk, this.writer(child).reader, key, 'count', exclude);
    this.count(fk, incr * rows.length);
  }

  /**
   * sqlite3FkCheck for a row leaving (`old`) or entering (`next`) `dml`'s table; `change`
   * limits it to what an UPDATE touches. `singleRow`: a top-level INSERT of one row that
   * cannot delete any (SQLite's !isMultiWrite): inserting a parent row then cannot cause or
   * fix an immediate violation, so the referencing constraints are not even looked at.
   */
  private async check(dml: TableDml, old: Row | undefined, next: Row | undefined, change: RowChange | undefined, singleRow = false): Promise<void> {
    const t = dml.table;
    for (const fk of dml.outgoing) {
      const self = fk.parentName.toLowerCase() === t.name.toLowerCase();
      if (change && !self && !fk.childCols.some((c) => change.assigned.has(c) || (c === t.rowidAlias && change.rowidChanged))) continue;
      if (old) await this.lookupParent(dml, fk, old, -1);
      if (next && this.setNull !== fk) await this.lookupParent(dml, fk, next, 1);
    }
    for (const fk of dml.incoming) {
      if (change && !fk.parentCols.some((c) => change.assigned.has(c) || (c === t.rowidAlias && change.rowidChanged))) continue;
      if (!old && !change && singleRow && !fk.deferred) continue;
      const e = unusable(fk);
      if (e) throw e;
      if (next) await this.scanChildren(dml, fk, next, -1);
      if (old) await this.scanChildren(dml, fk, old, 1);
    }
  }

  /** Before a row enters `dml`'s table (INSERT); `singleRow`: see check. */
  beforeInsert(dml: TableDml, row: Row, singleRow = false): Promise<void> | undefined {
    // Nothing to look at (no constraint from or to the table): no promise on the per-row path.
    if (!this.on || (dml.outgoing.length === 0 && dml.incoming.length === 0)) return undefined;
    return this.check(dml, undefined, row, undefined, singleRow);
  }

  /** Before a row leaves `dml`'s table (DELETE, a REPLACE conflict). */
  async beforeDelete(dml: TableDml, old: Row): Promise<void> {
    if (this.on) await this.check(dml, old, undefined, undefined);
  }

  /** Before an UPDATE's old image leaves (its constraints checked, its index entries still there). */
  async beforeUpdateOld(dml: TableDml, old: Row, change: RowChange): Promise<void> {
    if (this.on) await this.check(dml, old, undefined, change);
  }

  /** Before an UPDATE's new image enters. */
  async beforeUpdateNew(dml: TableDml, next: Row, change: RowChange): Promise<void> {
    if (this.on) await this.check(dml, undefined, next, change);
  }

  /** After a row left `dml`'s table: the ON DELETE actions of the constraints referencing it. */
  async afterDelete(dml: TableDml, old: Row): Promise<void> {
    if (!this.on) return;
    for (const fk of dml.incoming) {
      const key = keyOf(old, fk.parentCols);
      if (key) await this.act(dml, fk, fk.onDelete, key, undefined);
    }
  }

  /** After an UPDATE: the ON UPDATE actions of constraints whose parent key changed (old IS NOT new). */
  async afterUpdate(dml: TableDml, old: Row, next: Row, change: RowChange): Promise<void> {
    if (!this.on) return;
    const t = dml.table;
    for (const fk of dml.incoming) {
      if (!fk.parentCols.some((c) => change.assigned.has(c) || (c === t.rowidAlias && change.rowidChanged))) continue;
      const key = keyOf(old, fk.parentCols);
      if (!key) continue;
      const changed = fk.parentCols.some((c) => {
        const a = old[c] ?? null;
        const b = next[c] ?? null;
        return a === null || b === null ? a !== b : ops.compare(a, b, t.columns[c]!.collation) !== 0;
      });
      if (changed) await this.act(dml, fk, fk.onUpdate, key, fk.parentCols.map((c) => next[c] ?? null));
    }
  }

  /** The action of `fk` for parent key `key` (newKey: what it became, for ON UPDATE). */
  private async act(parent: TableDml, fk: ForeignKey, action: string, key: SqlValue[], newKey: SqlValue[] | undefined): Promise<void> {
    if (action === 'NO ACTION') return;
    const child = parent.target(fk.child.name);
    const w = this.writer(child);
    const rows = await childRows(this.env, fk, w.reader, key, 'action');
    if (rows.length === 0) return;
    if (action === 'RESTRICT') throw foreignKeyFailed(fk);
    if (++this.depth > MAX_TRIGGER_DEPTH) throw new DoSQLError('SQL_ERROR', 'sql: too many levels of trigger recursion');
    try {
      for (const r of rows) {
        // A row an earlier action already removed or rewrote is left alone.
        const cur = await w.reader.getRaw(this.env, this.keyOfRow(child, r));
        if (!cur || !fk.childCols.every((c) => sameStored(cur[c] ?? null, r[c] ?? null))) continue;
        try {
          if (action === 'CASCADE' && newKey === undefined) await this.deleteChild(child, w, cur);
          else await this.updateChild(child, w, fk, action, cur, newKey);
        } catch (e) {
          // RAISE(IGNORE) in a trigger of the action's statement skips that row.
          if (!(e instanceof RaiseIgnore)) throw e;
        }
      }
    } finally {
      this.depth--;
    }
  }

  private async fire(dml: TableDml, timing: TriggerTiming, event: 'UPDATE' | 'DELETE', next: Row | undefined, old: Row | undefined, assigned?: ReadonlySet<number>): Promise<void> {
    const programs = this.hooks ? dml.triggers(event) : [];
    if (programs.length) await this.hooks!.fire(this.env, programs, timing, dml.table.columns.length + 1, next, old, assigned);
  }

  /** The DELETE of a CASCADE action: the child's triggers, counts and own actions apply. */
  private async deleteChild(child: TableDml, w: TableWriter, row: Row): Promise<void> {
    await this.fire(child, 'BEFORE', 'DELETE', undefined, row);
    const cur = await w.reader.getRaw(this.env, this.keyOfRow(child, row));
    if (!cur) return;
    const t = child.table;
    const rt = this.env.rowTriggers;
    // Programmatic handlers see the action's DELETE as a DELETE statement's (a BEFORE one may only reject it).
    if (rt?.fires(t.name, 'before', 'delete')) await rt.before(t.name, 'delete', rowObject(t, cur), undefined, this.env.txn.branch);
    await this.beforeDelete(child, cur);
    w.deleteRow(this.env, cur);
    await this.afterDelete(child, cur);
    if (rt?.fires(t.name, 'after', 'delete')) this.env.txn.recordAfter({ table: t.name, event: 'delete', old: rowObject(t, cur), branch: this.env.txn.branch });
    await this.fire(child, 'AFTER', 'DELETE', undefined, row);
  }

  /** The UPDATE of a CASCADE, SET NULL or SET DEFAULT action on one child row. */
  private async updateChild(child: TableDml, w: TableWriter, fk: ForeignKey, action: string, cur: Row, newKey: SqlValue[] | undefined): Promise<void> {
    const next = cur.slice();
    for (let j = 0; j < fk.childCols.length; j++) {
      const c = fk.childCols[j]!;
      let v: SqlValue = null;
      if (action === 'CASCADE') v = newKey![j]!;
      else if (action === 'SET DEFAULT') {
        const d = child.defaults[c];
        v = d ? await evaluate(d, [], this.env) : null;
      }
      next[c] = ops.applyAffinity(v, child.table.columns[c]!.affinity);
    }
    const assigned = new Set(fk.childCols);
    await this.fire(child, 'BEFORE', 'UPDATE', next, cur, assigned);
    const now = await w.reader.getRaw(this.env, this.keyOfRow(child, cur));
    if (!now) return;
    for (let i = 0; i < now.length; i++) if (!assigned.has(i)) next[i] = now[i]!;
    const t = child.table;
    const rt = this.env.rowTriggers;
    // Programmatic handlers see the action's UPDATE as an UPDATE statement's: a BEFORE one may replace the row or reject it.
    if (rt?.fires(t.name, 'before', 'update')) {
      const o = await rt.before(t.name, 'update', rowObject(t, now), rowObject(t, next), this.env.txn.branch);
      if (o) applyRowObject(t, next, o, `a BEFORE UPDATE trigger on ${t.name}`);
    }
    const saved = this.setNull;
    if (action === 'SET NULL') this.setNull = fk;
    try {
      await this.rewrite(child, w, now, next, assigned);
    } finally {
      this.setNull = saved;
    }
    if (rt?.fires(t.name, 'after', 'update')) this.env.txn.recordAfter({ table: t.name, event: 'update', old: rowObject(t, now), new: rowObject(t, next), branch: this.env.txn.branch });
    await this.fire(child, 'AFTER', 'UPDATE', next, cur, assigned);
  }

  /** Writes a child row an action changed, as an UPDATE of those columns would. */
  private async rewrite(child: TableDml, w: TableWriter, old: Row, next: Row, assigned: ReadonlySet<number>): Promise<void> {
    const t = child.table;
    const oldRowid = t.withoutRowid ? null : (old[t.columns.length] as bigint);
    let rowid = oldRowid;
    if (!t.withoutRowid && t.rowidAlias >= 0 && next[t.rowidAlias] !== old[t.rowidAlias]) {
      if (next[t.rowidAlias] === null) throw new DoSQLError('MISMATCH', `sql: datatype mismatch (${t.name}.${t.columns[t.rowidAlias]!.name} is an INTEGER PRIMARY KEY and cannot be NULL)`);
      rowid = await w.resolveRowid(this.env, next, undefined);
      next[t.columns.length] = rowid;
    }
    await w.checkRow(this.env, next, rowid, undefined, []);
    const conflict = await w.findConflict(this.env, next, rowid, this.keyOfRow(child, old));
    if (conflict) throw w.conflictError(conflict);
    const change: RowChange = { assigned, rowidChanged: rowid !== oldRowid };
    await this.beforeUpdateOld(child, old, change);
    const oldKey = this.keyOfRow(child, old);
    w.deleteRow(this.env, old);
    await this.beforeUpdateNew(child, next, change);
    // The new key was probed free by findConflict; the old key's image was logged by deleteRow.
    w.putRow(this.env, next, rowid, bytesEqual(rowKey(this.env.txn.branch, t, next, rowid), oldKey) ? undefined : null);
    await this.afterUpdate(child, old, next, change);
  }

  /**
   * The error a top-level statement ends with: a FAIL (which keeps the statement's changes)
   * while immediate violations are outstanding becomes FOREIGN KEY constraint failed, undoing
   * the statement, as sqlite3VdbeHalt checks the count before keeping them.
   */
  onError(e: unknown): unknown {
    if (this.on && this.immediate > 0 && e instanceof DoSQLError && e.details.conflictAction === 'FAIL') return foreignKeyFailed(this.lastImmediate!);
    return e;
  }

  /** At the end of the statement: FOREIGN KEY constraint failed while immediate violations are outstanding. */
  finish(): void {
    if (this.on && this.immediate > 0) throw foreignKeyFailed(this.lastImmediate!);
  }
}

/** The same stored value (storage class and bytes). */
function sameStored(a: SqlValue, b: SqlValue): boolean {
  if (a === null || b === null) return a === b;
  return typeof a === typeof b && ops.compare(a, b, 'BINARY') === 0;
}
