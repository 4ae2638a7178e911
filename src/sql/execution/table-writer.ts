// Writes rows of one table with its constraints and secondary indexes, in the
// transaction's write set (so the row and its index entries commit in one LSN).
// Constraint order and conflict resolution follow SQLite (lang_conflict.html,
// lang_createtable.html): NOT NULL, CHECK, then PRIMARY KEY / UNIQUE, with
// REPLACE deleting the conflicting rows and IGNORE skipping the row.
import { DoSQLError } from '../../errors.js';
import { encodeRange } from '../../lsm/engine-types.js';
import { encodeTablePrefix } from '../../mvcc/internal-key.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { ConflictAction } from '../parser/ast.js';
import { encodeRowValue } from '../rows/row-materializer.js';
import { checkLength } from '../types/length-limit.js';
import { indexColumnPositions, indexKey, indexValues, rowKey, rowidFromKey, tableKeyFromIndexKey } from '../rows/row-keys.js';
import type { SqlValue } from '../types/value.js';
import { INT64_MAX } from '../types/value.js';
import type { Compiled } from './compiled.js';
import type { ExecEnv, Row } from './env.js';
import { evaluate } from './evaluate.js';
import * as ops from './value-ops.js';
import type { TableReader } from './table-reader.js';
import { indexMethodOf } from './index-methods.js';
import { bytesEqual } from '../../util/bytes.js';
import { NO_PROGRAMS, type IndexProgram, type RowPrograms } from './row-programs.js';

const EMPTY = new Uint8Array(0);

export interface CheckConstraint {
  readonly name?: string;
  readonly text: string;
  readonly c: Compiled;
}

/** A conflict the caller may resolve itself (UPSERT). */
export interface UniqueConflict {
  readonly rowKey: Uint8Array;
  readonly index?: IndexSchema;
}

export class TableWriter {
  private readonly positions: number[][];
  private readonly progs: (IndexProgram | undefined)[];
  /** Next automatic rowid per statement (SQLite: max(rowid) + 1). */
  private nextRowid: bigint | undefined;
  /**
   * An AUTOINCREMENT table's sequence during an INSERT (set by it): read from sqlite_sequence
   * at the start, raised by every rowid the statement resolves, written back at its end.
   */
  autoSeq: { value: bigint } | undefined;

  constructor(
    readonly table: TableSchema,
    readonly indexes: readonly IndexSchema[],
    readonly reader: TableReader,
    readonly checks: readonly CheckConstraint[],
    readonly programs: RowPrograms = NO_PROGRAMS,
  ) {
    this.positions = indexes.map((ix) => indexColumnPositions(table, ix));
    this.progs = indexes.map((ix) => {
      const p = programs.indexes.get(ix.name.toLowerCase());
      if (!p && (ix.where || ix.columns.some((c) => c.expr))) throw new DoSQLError('SQL_ERROR', `sql: index ${ix.name} on ${table.name} was not planned with its expressions (internal error)`);
      return p;
    });
  }

  /** The row as the programs read it: the table's columns, then the rowid. */
  private programRow(values: Row, rowid: bigint | null): Row {
    const r = values.slice(0, this.table.columns.length);
    r.push(rowid);
    return r;
  }

  /** Whether the row has an entry in index `k` (false when a partial index's WHERE is not true). */
  private covers(env: ExecEnv, k: number, values: Row, rowid: bigint | null): boolean {
    const w = this.progs[k]?.where;
    if (!w) return true;
    const v = w.ev(this.programRow(values, rowid), env);
    return v !== null && ops.toBool(v) === true;
  }

  /** The row and positions index `k`'s key is read from: expression values are appended to the row. */
  private keySource(env: ExecEnv, k: number, values: Row, rowid: bigint | null): { row: Row; positions: readonly number[] } {
    const p = this.progs[k];
    if (!p || p.exprs.every((e) => !e)) return { row: values, positions: this.positions[k]! };
    const base = this.programRow(values, rowid);
    const row = values.slice();
    const positions = this.positions[k]!.map((pos, i) => {
      const e = p.exprs[i];
      if (!e) return pos;
      row.push(e.ev(base, env));
      return row.length - 1;
    });
    return { row, positions };
  }

  /** Computes the generated columns of `values` (a row of the table's columns) from the others. */
  computeGenerated(env: ExecEnv, values: Row, rowid: bigint | null): void {
    const gen = this.programs.generated;
    if (gen.length === 0) return;
    const t = this.table;
    const row = this.programRow(values, rowid);
    for (const g of gen) {
      const v = ops.applyAffinity(g.c.ev(row, env), t.columns[g.col]!.affinity);
      row[g.col] = v;
      values[g.col] = v;
    }
  }

  /** The next automatic rowid (taken only when the row is stored: see putRow). */
  private async allocRowid(env: ExecEnv): Promise<bigint> {
    if (this.nextRowid === undefined) {
      const { lower, upper } = this.reader.bounds(env.txn.branch);
      let max = 0n;
      for await (const e of env.txn.scan(lower, upper, true)) {
        max = rowidFromKey(e.uk, encodeTablePrefix(env.txn.branch, this.table.id).length);
        break;
      }
      if (max >= INT64_MAX) throw new DoSQLError('SQL_ERROR', `sql: database or disk is full (no rowid left in ${this.table.name})`);
      this.nextRowid = max + 1n;
    }
    // autoinc.html: one more than the largest rowid the table ever held, or the statement tried
    // (a row IGNOREd after taking a rowid still raises the sequence).
    const seq = this.autoSeq?.value;
    if (seq !== undefined && seq >= this.nextRowid) {
      if (seq >= INT64_MAX) throw new DoSQLError('SQL_ERROR', `sql: database or disk is full (no rowid left in ${this.table.name})`);
      return seq + 1n;
    }
    return this.nextRowid;
  }

  /** Forgets the next automatic rowid: a trigger may have inserted rows since it was read. */
  forgetRowid(): void {
    this.nextRowid = undefined;
  }

  private noteRowid(r: bigint): void {
    if (this.nextRowid !== undefined && r >= this.nextRowid) this.nextRowid = r + 1n;
  }


  /**
   * Applies NOT NULL (with REPLACE → default) and CHECK. Returns false to skip the row
   * (IGNORE). Synchronous unless the table has CHECK constraints (the per-row insert path
   * takes no await when nothing needs one).
   */
  checkRow(env: ExecEnv, values: Row, rowid: bigint | null, conflict: ConflictAction | undefined, defaults: readonly SqlValue[]): boolean | Promise<boolean> {
    const t = this.table;
    this.computeGenerated(env, values, rowid);
    for (let i = 0; i < t.columns.length; i++) {
      const col = t.columns[i]!;
      if (!col.notNull || values[i] !== null || i === t.rowidAlias) continue;
      const action = conflict ?? col.notNullConflict ?? 'ABORT';
      if (action === 'IGNORE') return false;
      if (action === 'REPLACE' && defaults[i] !== null && defaults[i] !== undefined) {
        values[i] = defaults[i]!;
        continue;
      }
      throw new DoSQLError('CONSTRAINT_NOTNULL', `sql: NOT NULL constraint failed: ${t.name}.${col.name}`, { details: { table: t.name, column: col.name, conflictAction: action } });
    }
    return this.checks.length ? this.checkConstraints(env, values, rowid, conflict) : true;
  }

  private async checkConstraints(env: ExecEnv, values: Row, rowid: bigint | null, conflict: ConflictAction | undefined): Promise<boolean> {
    const t = this.table;
    const row = values.slice();
    row[t.columns.length] = rowid;
    for (const ck of this.checks) {
      const v = await evaluate(ck.c, row, env);
      if (v !== null && ops.toBool(v) === false) {
        const action = conflict ?? 'ABORT';
        if (action === 'IGNORE') return false;
        throw new DoSQLError('CONSTRAINT_CHECK', `sql: CHECK constraint failed: ${ck.name ?? ck.text}`, { details: { table: t.name, constraint: ck.name ?? ck.text, conflictAction: action } });
      }
    }
    return true;
  }

  /**
   * Resolves the rowid of a new row of a rowid table (INTEGER PRIMARY KEY value or automatic).
   * Synchronous when the row gives its rowid or the next automatic one is known.
   */
  resolveRowid(env: ExecEnv, values: Row, explicit: SqlValue | undefined): bigint | null | Promise<bigint | null> {
    const t = this.table;
    if (t.withoutRowid) return null;
    let v: SqlValue = t.rowidAlias >= 0 ? values[t.rowidAlias]! : (explicit ?? null);
    if (v !== null && typeof v !== 'bigint') {
      v = ops.applyAffinity(v, 'INTEGER');
      if (typeof v !== 'bigint') throw new DoSQLError('MISMATCH', `sql: datatype mismatch (rowid of ${t.name} must be an integer)`);
    }
    if (v === null) {
      // AUTOINCREMENT: every automatic rowid consults the sequence (allocRowid).
      if (this.nextRowid === undefined || this.autoSeq) return this.allocRowid(env).then((r) => this.takeRowid(values, r));
      v = this.nextRowid;
    }
    return this.takeRowid(values, v);
  }

  private takeRowid(values: Row, rowid: bigint): bigint {
    if (this.autoSeq && rowid > this.autoSeq.value) this.autoSeq.value = rowid;
    if (this.table.rowidAlias >= 0) values[this.table.rowidAlias] = rowid;
    return rowid;
  }

  /**
   * Finds a row conflicting with `values` on the primary key or a unique index (other than
   * `selfKey`). `key`: the row's key if the caller already encoded it (`rowKey`).
   * Synchronous when the key's read is (memtable, cached blocks) and no unique index is probed.
   */
  findConflict(env: ExecEnv, values: Row, rowid: bigint | null, selfKey?: Uint8Array, only?: 'pk' | IndexSchema, key?: Uint8Array): UniqueConflict | undefined | Promise<UniqueConflict | undefined> {
    const t = this.table;
    const k = key ?? rowKey(env.txn.branch, t, values, rowid);
    if ((only === undefined || only === 'pk') && (!selfKey || !bytesEqual(k, selfKey))) {
      const existing = env.txn.get(k);
      if (existing instanceof Promise) return existing.then((e) => (e ? { rowKey: k } : this.findIndexConflict(env, values, rowid, selfKey, only)));
      if (existing) return { rowKey: k };
    }
    return this.findIndexConflict(env, values, rowid, selfKey, only);
  }

  private findIndexConflict(env: ExecEnv, values: Row, rowid: bigint | null, selfKey: Uint8Array | undefined, only: 'pk' | IndexSchema | undefined): UniqueConflict | undefined | Promise<UniqueConflict | undefined> {
    for (let k = 0; k < this.indexes.length; k++) {
      const ix = this.indexes[k]!;
      if (ix.unique && (only === undefined || only === ix)) return this.scanIndexConflicts(env, values, rowid, selfKey, only, k);
    }
    return undefined;
  }

  private async scanIndexConflicts(env: ExecEnv, values: Row, rowid: bigint | null, selfKey: Uint8Array | undefined, only: 'pk' | IndexSchema | undefined, from: number): Promise<UniqueConflict | undefined> {
    const branch = env.txn.branch;
    const t = this.table;
    for (let k = from; k < this.indexes.length; k++) {
      const ix = this.indexes[k]!;
      if (!ix.unique || (only !== undefined && only !== ix)) continue;
      if (!this.covers(env, k, values, rowid)) continue;
      const src = this.keySource(env, k, values, rowid);
      const vals = indexValues(t, ix, src.row, src.positions);
      if (vals.some((v) => v === null)) continue;
      const { lower, upper } = encodeRange(branch, ix.id, { prefix: vals });
      env.txn.claims.push({ lower, upper });
      for await (const e of env.txn.scan(lower, upper)) {
        const rk = tableKeyFromIndexKey(branch, t, ix, e.uk);
        if (selfKey && bytesEqual(rk, selfKey)) continue;
        return { rowKey: rk, index: ix };
      }
    }
    return undefined;
  }

  /** The constraint error for `c`; `action` (ABORT, FAIL, ROLLBACK) tells the session how much to undo. */
  conflictError(c: UniqueConflict, action: string = 'ABORT'): DoSQLError {
    const t = this.table;
    if (!c.index) {
      const cols = t.withoutRowid || t.rowidAlias < 0 ? t.primaryKey.map((i) => `${t.name}.${t.columns[i]!.name}`) : [`${t.name}.${t.columns[t.rowidAlias]!.name}`];
      const what = cols.length ? cols.join(', ') : `${t.name}.rowid`;
      return new DoSQLError('CONSTRAINT_PRIMARYKEY', `sql: UNIQUE constraint failed: ${what}`, { details: { table: t.name, constraint: 'PRIMARY KEY', conflictAction: action } });
    }
    // SQLite names an index on expressions, not its columns.
    const what = c.index.columns.some((ic) => ic.expr) ? `index '${c.index.name}'` : c.index.columns.map((ic) => `${t.name}.${t.columns.find((col) => col.id === ic.columnId)?.name ?? '?'}`).join(', ');
    return new DoSQLError('CONSTRAINT_UNIQUE', `sql: UNIQUE constraint failed: ${what}`, { details: { table: t.name, index: c.index.name, conflictAction: action } });
  }

  /** Deletes the row stored under `key` and its index entries. Returns whether a row existed. */
  async deleteByKey(env: ExecEnv, key: Uint8Array): Promise<boolean> {
    const row = await this.reader.getRaw(env, key);
    if (!row) return false;
    this.deleteRow(env, row);
    return true;
  }

  /**
   * Deletes a row (as read by the table reader, rowid last) and its index entries. `row` is
   * logged as the before image (change data capture) unless `readHere` is false: a row that
   * was not read through this transaction (the commit then reads the image itself).
   */
  deleteRow(env: ExecEnv, row: Row, readHere = true): void {
    const branch = env.txn.branch;
    const t = this.table;
    const rowid = t.withoutRowid ? null : (row[t.columns.length] as bigint);
    env.txn.delete(rowKey(branch, t, row, rowid), readHere ? encodeRowValue(t, row) : undefined);
    this.deleteIndexEntries(env, row, rowid);
  }

  /**
   * Stores a row and its index entries (constraints already checked). `before` is the row the
   * key held as this transaction read it (null: none, as when a conflict probe found the key
   * free or the rowid is new): the before image change data capture logs. Undefined when not
   * read here (or when this transaction already wrote the key: the first write's image stands).
   */
  putRow(env: ExecEnv, values: Row, rowid: bigint | null, before?: Row | null, key?: Uint8Array): void {
    if (rowid !== null) this.noteRowid(rowid);
    const branch = env.txn.branch;
    const t = this.table;
    const encoded = encodeRowValue(t, values);
    // SQLITE_MAX_LENGTH bounds a row as well as a value (sqlite.org/limits.html).
    if (encoded.length > env.maxLength) checkLength(encoded.length, env.maxLength, `a row of ${t.name}`);
    const k = key ?? rowKey(branch, t, values, rowid);
    env.txn.put(k, encoded, before === undefined ? undefined : before && encodeRowValue(t, before));
    this.putIndexEntries(env, values, rowid);
  }

  /** Stores the index entries of a row (CREATE INDEX over existing rows). */
  putIndexEntries(env: ExecEnv, values: Row, rowid: bigint | null): void {
    const branch = env.txn.branch;
    const t = this.table;
    for (let k = 0; k < this.indexes.length; k++) {
      const ix = this.indexes[k]!;
      if (ix.using) {
        indexMethodOf(ix)?.onPut(env, t, ix, values, rowid);
        continue;
      }
      if (!this.covers(env, k, values, rowid)) continue;
      const src = this.keySource(env, k, values, rowid);
      env.txn.put(indexKey(branch, t, ix, src.row, rowid, src.positions), EMPTY);
    }
  }

  /** Removes the old index entries of `oldRow` whose key changes in `newValues`. */
  deleteIndexEntries(env: ExecEnv, oldRow: Row, oldRowid: bigint | null): void {
    const branch = env.txn.branch;
    for (let k = 0; k < this.indexes.length; k++) {
      const ix = this.indexes[k]!;
      if (ix.using) {
        indexMethodOf(ix)?.onDelete(env, this.table, ix, oldRow, oldRowid);
        continue;
      }
      // Partial indexes written before their WHERE was applied held every row: deleted whatever it says.
      const src = this.keySource(env, k, oldRow, oldRowid);
      env.txn.delete(indexKey(branch, this.table, ix, src.row, oldRowid, src.positions));
    }
  }
}
