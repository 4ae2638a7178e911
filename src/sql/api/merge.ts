// Three-way merge of a branch into its parent (the checked-out branch), cell by cell.
//
// The source branch's own key space holds exactly what it changed since its base LSN, so
// the changed rows are a scan of it. For each changed row: base = the target as of the base
// LSN, ours = the target now, theirs = the source now. A row changed on one side takes that
// side; changed on both, it merges column by column (by stable column id), and the same
// column changed differently — or a delete against an update — is a conflict. Strategies:
// 'ours' / 'theirs' settle conflicts, 'auto' refuses to merge when there are any
// (MERGE_CONFLICT, nothing written), 'manual' returns them for `resolveConflict` and
// `completeMerge`. Rows are written through the target's table writers, so its indexes
// stay right; everything lands in one commit on the target.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { decodeUserKey, encodeTablePrefix } from '../../mvcc/internal-key.js';
import { identityJson } from '../../util/json.js';
import { bytesEqual } from '../../util/bytes.js';
import { Catalog } from '../catalog/catalog.js';
import { COMMIT_LOG_TABLE_ID } from './commit-log.js';
import type { CatalogObject, TableSchema } from '../catalog/schema.js';
import { ExecEnv, type Row } from '../execution/env.js';
import { flushIndexWork } from '../execution/index-methods.js';
import { TableReader } from '../execution/table-reader.js';
import { rowProgramsFor } from '../planner/plan-row-programs.js';
import { TableWriter } from '../execution/table-writer.js';
import { columnDefaults } from '../rows/row-materializer.js';
import { decodeRow } from '../rows/row-codec.js';
import { layeredGet, rebase, branchPrefix, type Layer } from '../../mvcc/layers.js';
import { Transaction } from '../txn/transaction.js';
import { compareValues } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';

export type MergeStrategy = 'auto' | 'ours' | 'theirs' | 'manual';

/** One conflicting cell (or a whole row: column '*', or a schema object: table 'schema'). */
export interface MergeConflict {
  readonly id: number;
  readonly table: string;
  /** Primary key (or rowid) of the row. */
  readonly key: readonly SqlValue[];
  readonly column: string;
  readonly base: SqlValue | undefined;
  /** The checked-out branch's (the merge target's) value; undefined where its row is absent. */
  readonly ours: SqlValue | undefined;
  /** The merged branch's value; undefined where its row is absent. */
  readonly theirs: SqlValue | undefined;
  /** `ours` under seed 001's name (the target, typically main). */
  readonly main: SqlValue | undefined;
  /** `theirs` under seed 001's name (the branch merged in). */
  readonly branch: SqlValue | undefined;
}

/** A conflict with its seed-named aliases (main = ours, branch = theirs). */
function conflict(c: Omit<MergeConflict, 'main' | 'branch'>): MergeConflict {
  return { ...c, main: c.ours, branch: c.theirs };
}

/** A row-level change to apply to the target. */
interface RowChange {
  readonly table: TableSchema;
  /** Target row before (undefined: absent). */
  readonly ours: Row | undefined;
  /** Result row, or undefined to delete. Cells may be filled in by conflict resolution. */
  result: Row | undefined;
  readonly cells: { conflict: MergeConflict; index: number }[];
  /** A row-level conflict (delete vs update): choose theirs or ours whole. */
  rowConflict?: { conflict: MergeConflict; theirs: Row | undefined };
}

export interface MergePlan {
  readonly source: string;
  readonly sourceId: number;
  readonly conflicts: MergeConflict[];
  readonly changes: RowChange[];
  /** Schema objects to write on the target (creates, alters, drops: value undefined). */
  readonly schema: { name: string; type: string; obj: CatalogObject | undefined; old: CatalogObject | undefined }[];
  readonly resolutions: Map<number, SqlValue | 'ours' | 'theirs'>;
}

function valuesEqual(a: SqlValue | undefined, b: SqlValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  return compareValues(a, b) === 0;
}

function rowsEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  return bytesEqual(a, b);
}

/** Decodes stored row slots into the table's declared column order (rowid appended). */
function toRow(t: TableSchema, slots: SqlValue[], rowid: bigint | null, defaults: readonly SqlValue[]): Row {
  const r: Row = t.columns.map((c, i) => (i === t.rowidAlias ? rowid : c.id < slots.length ? slots[c.id]! : defaults[i]!));
  if (!t.withoutRowid) r.push(rowid);
  return r;
}

/**
 * Plans the merge of branch `sourceId` (a child of the target) into the target transaction's
 * branch. Reads only; `applyMerge` writes.
 */
export async function planMerge(engine: LsmEngine, txn: Transaction, source: { id: number; name: string; baseLsn: number }, sourceLayers: readonly Layer[]): Promise<MergePlan> {
  const target = txn.branch;
  const targetAnc = txn.layers.slice(1);
  const baseLayers: Layer[] = [{ branch: target, lsn: source.baseLsn }, ...targetAnc.map((l) => ({ branch: l.branch, lsn: Math.min(l.lsn, source.baseLsn) }))];
  const conflicts: MergeConflict[] = [];
  const changes: RowChange[] = [];
  const schema: MergePlan['schema'] = [];
  const sp = branchPrefix(source.id);
  const tp = branchPrefix(target);
  const getBase = (tk: Uint8Array): Promise<Uint8Array | undefined> => layeredGet(engine, baseLayers, tk);
  const getOurs = async (tk: Uint8Array): Promise<Uint8Array | undefined> => txn.get(tk);

  // Schemas: base, ours (target now), theirs (source now).
  const loadCat = async (layers: readonly Layer[]): Promise<Catalog> => {
    const [own, ...anc] = layers;
    const view = new Transaction(engine, own!.lsn, own!.branch, new Catalog([]), anc, true);
    try {
      return await Catalog.load(view);
    } finally {
      view.release();
    }
  };
  const baseCat = await loadCat(baseLayers);
  // The handle's TEMP objects are no branch's (src/sql/txn/temp-store.ts): merges see the main schema.
  const oursCat = txn.catalog.mainOnly();
  const theirsCat = await loadCat(sourceLayers);

  // Schema changes on the source.
  const key = (o: CatalogObject): string => `${o.type}:${o.name.toLowerCase()}`;
  const all = new Map<string, { b?: CatalogObject; o?: CatalogObject; t?: CatalogObject }>();
  for (const [cat, side] of [
    [baseCat, 'b'],
    [oursCat, 'o'],
    [theirsCat, 't'],
  ] as const) {
    // Stored procedures are catalog rows too: created, replaced or dropped on the source, they merge like a view.
    for (const o of [...cat.objects(), ...cat.procedures()]) {
      const k = key(o);
      const e = all.get(k) ?? {};
      e[side] = o;
      all.set(k, e);
    }
  }
  const same = (x?: CatalogObject, y?: CatalogObject): boolean => (x === undefined || y === undefined ? x === y : JSON.stringify(x, identityJson) === JSON.stringify(y, identityJson));
  for (const [k, e] of all) {
    if (same(e.t, e.b)) continue;
    if (same(e.o, e.b)) {
      schema.push({ name: k, type: (e.t ?? e.b)!.type, obj: e.t, old: e.o });
      continue;
    }
    if (same(e.o, e.t)) continue;
    conflicts.push(conflict({ id: conflicts.length + 1, table: 'schema', key: [k], column: '*', base: describeObj(e.b), ours: describeObj(e.o), theirs: describeObj(e.t) }));
  }
  // A table created on both sides with one id, or ids taken on the target since the base, would collide.
  for (const s of schema) {
    if (!s.obj || s.old) continue;
    const id = (s.obj as { id?: number }).id;
    if (id !== undefined && oursCat.objects().some((o) => (o as { id?: number }).id === id)) {
      throw new DoSQLError('NOT_SUPPORTED', `sql: merge: ${s.name} was created on ${source.name} with an id the target already uses (both branches created objects); recreate it after the merge`);
    }
  }

  // Row changes: the source's own key space, user tables only.
  const lower = encodeTablePrefix(source.id, COMMIT_LOG_TABLE_ID + 1);
  const upper = encodeTablePrefix(source.id + 1, 0);
  for await (const v of engine.scanVersions(lower, upper, sourceLayers[0]!.lsn, false)) {
    const dk = decodeUserKey(v.userKey);
    const tTheirs = theirsCat.objects().find((o) => o.type === 'table' && o.id === dk.table) as TableSchema | undefined;
    const tOurs = tTheirs ? oursCat.findTable(tTheirs.name) : undefined;
    // Decode with the schema the merge keeps: the source's when its schema change is taken.
    const takeTheirs = tTheirs !== undefined && schema.some((x) => x.obj?.type === 'table' && x.obj.name.toLowerCase() === tTheirs.name.toLowerCase());
    const table = takeTheirs ? tTheirs : (tOurs ?? tTheirs);
    if (!table) continue; // an index entry, or a table dropped on one side
    if (tTheirs && tOurs && tOurs.id !== tTheirs.id) continue;
    const tk = rebase(v.userKey, sp.length, tp);
    const baseV = await getBase(tk);
    const oursV = await getOurs(tk);
    const theirsV = v.value ?? undefined;
    if (rowsEqual(oursV, baseV)) {
      if (!rowsEqual(theirsV, baseV)) changes.push(rowChange(table, dk.key, oursV, theirsV));
      continue;
    }
    if (rowsEqual(theirsV, baseV) || rowsEqual(theirsV, oursV)) continue;
    const rowidOf = (): bigint | null => (table.withoutRowid ? null : BigInt(dk.key[0] as number | bigint));
    const defaults = columnDefaults(table);
    const dec = (b: Uint8Array | undefined): Row | undefined => (b ? toRow(table, decodeRow(b), rowidOf(), defaults) : undefined);
    const b = dec(baseV);
    const o = dec(oursV);
    const t = dec(theirsV);
    if (!o || !t) {
      // A whole-row conflict (deleted on one side, changed on the other): the rows as JSON text.
      const text = (r: Row | undefined): SqlValue | undefined => (r ? JSON.stringify(Object.fromEntries(table.columns.map((c, i) => [c.name, r[i]])), plainJson) : undefined);
      const c = conflict({ id: conflicts.length + 1, table: table.name, key: dk.key as SqlValue[], column: '*', base: text(b), ours: text(o), theirs: text(t) });
      conflicts.push(c);
      changes.push({ table, ours: o, result: o, cells: [], rowConflict: { conflict: c, theirs: t } });
      continue;
    }
    const result = o.slice();
    const cells: RowChange['cells'] = [];
    table.columns.forEach((col, i) => {
      const bv = b?.[i];
      if (valuesEqual(t[i], bv) || valuesEqual(t[i], o[i])) return;
      if (valuesEqual(o[i], bv)) {
        result[i] = t[i]!;
        return;
      }
      const c = conflict({ id: conflicts.length + 1, table: table.name, key: dk.key as SqlValue[], column: col.name, base: bv, ours: o[i], theirs: t[i] });
      conflicts.push(c);
      cells.push({ conflict: c, index: i });
    });
    changes.push({ table, ours: o, result, cells });
  }
  return { source: source.name, sourceId: source.id, conflicts, changes, schema, resolutions: new Map() };

  function rowChange(table: TableSchema, keyTuple: readonly unknown[], oursV: Uint8Array | undefined, theirsV: Uint8Array | undefined): RowChange {
    const rowid = table.withoutRowid ? null : BigInt(keyTuple[0] as number | bigint);
    const defaults = columnDefaults(table);
    const o = oursV ? toRow(table, decodeRow(oursV), rowid, defaults) : undefined;
    const t = theirsV ? toRow(table, decodeRow(theirsV), rowid, defaults) : undefined;
    return { table, ours: o, result: t, cells: [] };
  }
}

/** JSON for people: safe integers as numbers, others as strings, blobs as hex. */
function plainJson(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  return v;
}

function describeObj(o: CatalogObject | undefined): SqlValue | undefined {
  return o ? o.sql || `${o.type} ${o.name}` : undefined;
}

/**
 * Writes a planned merge into `txn` (the target), settling conflicts by `strategy` or by
 * the plan's manual resolutions. Returns the number of rows changed.
 */
export async function applyMerge(txn: Transaction, plan: MergePlan, strategy: MergeStrategy, nowMs: number): Promise<number> {
  const pick = (c: MergeConflict): 'ours' | 'theirs' | { value: SqlValue } => {
    const r = plan.resolutions.get(c.id);
    if (r === 'ours' || r === 'theirs') return r;
    if (r !== undefined) return { value: r };
    if (strategy === 'ours' || strategy === 'theirs') return strategy;
    throw new DoSQLError('MERGE_CONFLICT', `sql: merge of ${plan.source}: conflict ${c.id} on ${c.table} ${JSON.stringify(c.key, identityJson)} column ${c.column} is unresolved`, { details: { conflict: c.id } });
  };
  // Schema first, so rows of new or altered tables decode and index on the target.
  let cat = txn.catalog.mainOnly();
  for (const s of plan.schema) {
    if (s.obj) cat = cat.with(txn, s.obj, s.old && s.old.name.toLowerCase() !== s.obj.name.toLowerCase() ? s.old : undefined);
    else if (s.old) cat = cat.without(txn, s.old);
  }
  for (const c of plan.conflicts) if (c.table === 'schema') pick(c);
  txn.catalog = cat;
  const env = new ExecEnv(txn, [], { changes: 0, totalChanges: 0, lastInsertRowId: 0n }, nowMs, () => 0n);
  const writers = new Map<string, TableWriter>();
  const writerFor = (name: string): TableWriter => {
    let w = writers.get(name);
    if (!w) {
      const t = cat.table(name);
      const width = t.columns.length + (t.withoutRowid ? 0 : 1);
      w = new TableWriter(t, cat.indexesOf(t.name), new TableReader(t, width, 0, columnDefaults(t)), [], rowProgramsFor(cat, t, cat.indexesOf(t.name)));
      writers.set(name, w);
    }
    return w;
  };
  let n = 0;
  for (const ch of plan.changes) {
    let result = ch.result;
    if (ch.rowConflict) {
      const p = pick(ch.rowConflict.conflict);
      result = p === 'ours' ? ch.ours : p === 'theirs' ? ch.rowConflict.theirs : ch.ours;
    }
    if (result) {
      result = result.slice();
      for (const cell of ch.cells) {
        const p = pick(cell.conflict);
        result[cell.index] = p === 'ours' ? cell.conflict.ours! : p === 'theirs' ? cell.conflict.theirs! : p.value;
      }
    }
    const w = writerFor(ch.table.name);
    const t = w.table;
    const fit = (r: Row): Row => {
      // Rows read with the source's schema get the target's column layout (same names).
      if (t === ch.table) return r;
      const out: Row = t.columns.map((c) => {
        const i = ch.table.columns.findIndex((x) => x.name.toLowerCase() === c.name.toLowerCase());
        return i >= 0 ? r[i]! : null;
      });
      if (!t.withoutRowid) out.push(r[ch.table.columns.length] ?? null);
      return out;
    };
    // The plan's rows may be older than this transaction (a manual merge completes in a new
    // one): the commit reads the before images itself.
    if (ch.ours) w.deleteRow(env, fit(ch.ours), false);
    if (result) {
      const r = fit(result);
      w.putRow(env, r, t.withoutRowid ? null : (r[t.columns.length] as bigint), undefined);
    }
    n++;
  }
  await flushIndexWork(txn);
  return n;
}
