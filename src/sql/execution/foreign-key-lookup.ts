// Foreign keys resolved against the catalog (https://sqlite.org/foreignkeys.html) and the two
// lookups enforcement needs: "does a parent row have this key" (through the parent's INTEGER
// PRIMARY KEY, WITHOUT ROWID primary key or UNIQUE index, with the parent columns' affinity
// and collation, as SQLite's fkLookupParent) and "which child rows hold this key" (through an
// index on the child columns when there is one, else a scan). Both claim what they read, so a
// concurrent transaction that changes the answer makes this one's commit conflict.
import { DoSQLError } from '../../errors.js';
import { encodeRange } from '../../lsm/engine-types.js';
import type { KeyValue } from '../../mvcc/key-codec.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { FkAction } from '../parser/ast.js';
import { bytesEqual } from '../../util/bytes.js';
import { collationKey, rowKey, tableKeyFromIndexKey } from '../rows/row-keys.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { ExecEnv, Row } from './env.js';
import type { TableReader } from './table-reader.js';
import * as ops from './value-ops.js';

/** How a parent row is found from a key: its INTEGER PRIMARY KEY, its WITHOUT ROWID primary key, or a UNIQUE index. */
export type ParentKeyAccess = { readonly kind: 'rowid' } | { readonly kind: 'pk' } | { readonly kind: 'index'; readonly index: IndexSchema };

/** One FOREIGN KEY constraint of a child table, resolved against its parent. */
export interface ForeignKey {
  /** The constraint as errors name it: `name (child(cols) REFERENCES parent(cols))`. */
  readonly label: string;
  readonly child: TableSchema;
  /** Positions in child.columns, in key order. */
  readonly childCols: readonly number[];
  readonly parentName: string;
  /** Undefined when the parent table is missing or its key is not unique (`error` says which). */
  readonly parent?: TableSchema;
  /** Positions in parent.columns, in key order (matching childCols). */
  readonly parentCols: readonly number[];
  readonly parentAccess?: ParentKeyAccess;
  /** Per key column: the parent column's affinity and the collation the parent key compares with. */
  readonly affinity: readonly Affinity[];
  readonly collation: readonly Collation[];
  /** A child index whose leading columns are exactly the key (any order), for finding child rows. */
  readonly childIndex?: { readonly index: IndexSchema; readonly order: readonly number[] };
  readonly onDelete: FkAction;
  readonly onUpdate: FkAction;
  /** DEFERRABLE INITIALLY DEFERRED: checked at COMMIT. */
  readonly deferred: boolean;
  /** SQLite's error when the constraint cannot be enforced ("foreign key mismatch ...", "no such table: main.p"). */
  readonly error?: string;
}

/** FOREIGN KEY constraint failed, naming the constraint. */
export function foreignKeyFailed(fk: ForeignKey): DoSQLError {
  return new DoSQLError('CONSTRAINT_FOREIGNKEY', `sql: FOREIGN KEY constraint failed: ${fk.label}`, { details: { table: fk.child.name, parent: fk.parentName, constraint: fk.label } });
}

/** The constraint's error when it cannot be enforced; undefined when it can. */
export function unusable(fk: ForeignKey): DoSQLError | undefined {
  return fk.error === undefined ? undefined : new DoSQLError('SQL_ERROR', `sql: ${fk.error}`, { details: { table: fk.child.name, parent: fk.parentName } });
}

/** The key values a row holds in `cols`; undefined when one is NULL (such a row references nothing). */
export function keyOf(row: readonly SqlValue[], cols: readonly number[]): SqlValue[] | undefined {
  const out: SqlValue[] = [];
  for (const c of cols) {
    const v = row[c] ?? null;
    if (v === null) return undefined;
    out.push(v);
  }
  return out;
}

/** Whether a parent row holds `key` (child values, in key order). */
export async function parentExists(env: ExecEnv, fk: ForeignKey, parentReader: TableReader, key: readonly SqlValue[]): Promise<boolean> {
  const p = fk.parent!;
  const a = fk.parentAccess!;
  const vals = key.map((v, j) => ops.applyAffinity(v, fk.affinity[j]!));
  const branch = env.txn.branch;
  if (a.kind === 'rowid') {
    const v = vals[0]!;
    if (typeof v !== 'bigint') return false;
    env.txn.claim(p.id, { prefix: [v] }, { anyChange: true });
    return (await parentReader.get(env, [v])) !== undefined;
  }
  if (a.kind === 'pk') {
    const keys: KeyValue[] = p.primaryKey.map((ci) => {
      const j = fk.parentCols.indexOf(ci);
      return collationKey(vals[j]!, p.columns[ci]!.collation);
    });
    env.txn.claim(p.id, { prefix: keys }, { anyChange: true });
    return (await parentReader.get(env, keys)) !== undefined;
  }
  const ix = a.index;
  const keys: KeyValue[] = ix.columns.map((c, k) => {
    const j = fk.parentCols.findIndex((ci) => p.columns[ci]!.id === c.columnId);
    return collationKey(vals[j]!, ix.columns[k]!.collation);
  });
  const range = encodeRange(branch, ix.id, { prefix: keys });
  env.txn.claim({ ...range, anyChange: true });
  for await (const _ of env.txn.scan(range.lower, range.upper)) return true;
  return false;
}

/**
 * How a child row is matched with a parent key. SQLite compares them two ways:
 *  - 'count' (fkScanChildren, which decides whether a parent key still has children): the
 *    comparison affinity of the child column and the parent column (numeric if either is);
 *  - 'action' (the WHERE of the CASCADE / SET NULL / SET DEFAULT / RESTRICT action, `old.p =
 *    child.c`): the child column's affinity only.
 * Both use the parent column's collation; an INTEGER PRIMARY KEY parent compares as integers.
 * Where the two differ (child '1' under a parent INT UNIQUE 1), an action leaves a child
 * that still counts as referencing the key, and the statement fails as in SQLite.
 */
export type ChildMatch = 'count' | 'action';

const NUMERIC: ReadonlySet<string> = new Set(['INTEGER', 'REAL', 'NUMERIC']);

function matches(fk: ForeignKey, j: number, v: SqlValue, k: SqlValue, mode: ChildMatch): boolean {
  if (v === null) return false;
  const childAff = fk.child.columns[fk.childCols[j]!]!.affinity;
  let a: SqlValue = v;
  let b: SqlValue = k;
  if (fk.parentAccess?.kind === 'rowid' || (mode === 'count' && (NUMERIC.has(childAff) || NUMERIC.has(fk.affinity[j]!)))) {
    a = ops.applyAffinity(a, 'NUMERIC');
    b = ops.applyAffinity(b, 'NUMERIC');
  } else if (mode === 'action') b = ops.applyAffinity(b, childAff);
  return a !== null && b !== null && ops.compare(a, b, fk.collation[j]!) === 0;
}

/** The child rows whose key equals `key` (parent values, in key order), as the child's reader returns them; not the row under `exclude`. */
export async function childRows(env: ExecEnv, fk: ForeignKey, childReader: TableReader, key: readonly SqlValue[], mode: ChildMatch, exclude?: Uint8Array): Promise<Row[]> {
  const c = fk.child;
  const branch = env.txn.branch;
  const out: Row[] = [];
  const keep = (r: Row): void => {
    if (!fk.childCols.every((ci, j) => matches(fk, j, r[ci]!, key[j]!, mode))) return;
    if (exclude && bytesEqual(rowKey(branch, c, r, c.withoutRowid ? null : (r[c.columns.length] as bigint)), exclude)) return;
    out.push(r);
  };
  const ci = fk.childIndex;
  // The child's index finds the rows when it orders values as the match compares them:
  // the parent key's collation, and an affinity that leaves stored values as they compare.
  const usable = ci && ci.order.every((j, k) => ci.index.columns[k]!.collation === fk.collation[j] && c.columns[fk.childCols[j]!]!.affinity === fk.affinity[j]);
  if (ci && usable) {
    const keys: KeyValue[] = ci.order.map((j, k) => collationKey(key[j]!, ci.index.columns[k]!.collation));
    const range = encodeRange(branch, ci.index.id, { prefix: keys });
    env.txn.claim({ ...range, anyChange: true });
    for await (const e of env.txn.scan(range.lower, range.upper)) {
      const r = await childReader.getRaw(env, tableKeyFromIndexKey(branch, c, ci.index, e.uk));
      if (r) keep(r);
      const t = env.guard.tick();
      if (t) await t;
    }
    return out;
  }
  const b = childReader.bounds(branch);
  env.txn.claim({ ...b, anyChange: true });
  for await (const batch of childReader.scan(env)) for (const r of batch) keep(r);
  return out;
}
