// Plans what writing rows of a table needs (execution/table-dml.ts): its CHECK constraints
// and defaults compiled, its foreign keys resolved in both directions (cached per catalog),
// and, on first use, the same for every table its foreign-key actions reach. SQLite's rules
// for a usable parent key (sqlite3FkLocateIndex): the parent columns are its PRIMARY KEY or
// exactly the columns of a UNIQUE index whose collations are the columns' own; otherwise
// the constraint reports "foreign key mismatch" when a statement must enforce it.
import type { Catalog } from '../catalog/catalog.js';
import type { TableSchema } from '../catalog/schema.js';
import type { Compiled } from '../execution/compiled.js';
import type { ForeignKey, ParentKeyAccess } from '../execution/foreign-key-lookup.js';
import type { TableDml } from '../execution/table-dml.js';
import type { TriggerEvent, TriggerProgram } from '../execution/triggers.js';
import { compileTriggers, type PlanTriggerStep } from './plan-trigger.js';
import type { CheckConstraint } from '../execution/table-writer.js';
import { TableReader } from '../execution/table-reader.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { exprToSql } from './expr-name.js';
import { buildFrom } from './plan-from.js';
import { columnDefaults } from '../rows/row-materializer.js';
import type { PlanSelectFn } from './plan-from.js';
import type { PlannerContext } from './planner-context.js';
import { Scope } from './scope.js';
import type { RowPrograms } from '../execution/row-programs.js';
import { compileRowPrograms } from './plan-row-programs.js';

interface CatalogKeys {
  readonly outgoing: Map<string, ForeignKey[]>;
  readonly incoming: Map<string, ForeignKey[]>;
}

const keysByCatalog = new WeakMap<Catalog, CatalogKeys>();

/** Every foreign key of the catalog, by child and by parent table (lower-case names). */
export function catalogForeignKeys(catalog: Catalog): CatalogKeys {
  let k = keysByCatalog.get(catalog);
  if (k) return k;
  k = { outgoing: new Map(), incoming: new Map() };
  for (const o of catalog.objects()) {
    if (o.type !== 'table' || o.foreignKeys.length === 0) continue;
    const list = o.foreignKeys.map((f) => resolve(catalog, o, f));
    k.outgoing.set(o.name.toLowerCase(), list);
    for (const fk of list) {
      const p = fk.parentName.toLowerCase();
      const inc = k.incoming.get(p) ?? [];
      inc.push(fk);
      k.incoming.set(p, inc);
    }
  }
  keysByCatalog.set(catalog, k);
  return k;
}

function resolve(catalog: Catalog, child: TableSchema, f: TableSchema['foreignKeys'][number]): ForeignKey {
  const parent = catalog.findTable(f.fk.table);
  const childCols = f.columns.map((n) => child.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase()));
  const pcols = f.fk.columns;
  const label = `${f.name ? `${f.name} (` : ''}${child.name}(${f.columns.join(', ')}) REFERENCES ${f.fk.table}${pcols ? `(${pcols.join(', ')})` : ''}${f.name ? ')' : ''}`;
  const base = {
    label,
    child,
    childCols,
    parentName: parent?.name ?? f.fk.table,
    onDelete: f.fk.onDelete ?? 'NO ACTION',
    onUpdate: f.fk.onUpdate ?? 'NO ACTION',
    deferred: f.fk.deferrable === true,
  } as const;
  if (!parent) return { ...base, parentCols: [], affinity: [], collation: [], error: `no such table: main.${f.fk.table}` };
  const parentCols = pcols ? pcols.map((n) => parent.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase())) : parent.primaryKey.slice();
  // Unusable, but its parent columns still tell which UPDATEs of the parent must report it.
  const mismatch = (): ForeignKey => ({ ...base, parentCols: parentCols.filter((c) => c >= 0), affinity: [], collation: [], error: `foreign key mismatch - "${child.name}" referencing "${base.parentName}"` });
  if (childCols.some((c) => c < 0) || parentCols.some((c) => c < 0) || parentCols.length !== childCols.length || parentCols.length === 0) return mismatch();
  const access = parentAccess(catalog, parent, parentCols);
  if (!access) return mismatch();
  const childIndex = childKeyIndex(catalog, child, childCols);
  return {
    ...base,
    parent,
    parentCols,
    parentAccess: access,
    affinity: parentCols.map((c) => parent.columns[c]!.affinity),
    collation: parentCols.map((c) => parent.columns[c]!.collation),
    ...(childIndex ? { childIndex } : {}),
  };
}

const sameSet = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

function parentAccess(catalog: Catalog, parent: TableSchema, cols: readonly number[]): ParentKeyAccess | undefined {
  if (!parent.withoutRowid && parent.rowidAlias >= 0 && cols.length === 1 && cols[0] === parent.rowidAlias) return { kind: 'rowid' };
  if (parent.withoutRowid && sameSet(cols, parent.primaryKey)) return { kind: 'pk' };
  for (const ix of catalog.indexesOf(parent.name)) {
    if (!ix.unique || ix.where || ix.using) continue;
    const pos = ix.columns.map((c) => parent.columns.findIndex((col) => col.id === c.columnId));
    if (!sameSet(pos, cols)) continue;
    if (ix.columns.every((c, k) => c.collation === parent.columns[pos[k]!]!.collation)) return { kind: 'index', index: ix };
  }
  return undefined;
}

function childKeyIndex(catalog: Catalog, child: TableSchema, cols: readonly number[]): ForeignKey['childIndex'] {
  for (const ix of catalog.indexesOf(child.name)) {
    if (ix.where || ix.using || ix.columns.length < cols.length) continue;
    const lead = ix.columns.slice(0, cols.length).map((c) => child.columns.findIndex((col) => col.id === c.columnId));
    if (sameSet(lead, cols)) return { index: ix, order: lead.map((p) => cols.indexOf(p)) };
  }
  return undefined;
}

/** CHECK constraints of `t`, compiled over a row of its columns then the rowid. */
export function compileChecks(t: TableSchema, pc: PlannerContext, planSelect: PlanSelectFn): CheckConstraint[] {
  if (t.checks.length === 0) return [];
  const scope = new Scope(undefined, 0);
  const from = buildFrom({ kind: 'table', name: t.name }, scope, pc, planSelect);
  from.leaves[0]!.reader!.width = scope.width;
  const cx = dmlCx(scope, pc, planSelect);
  return t.checks.map((ck) => ({ ...(ck.name ? { name: ck.name } : {}), text: exprToSql(ck.expr), c: compileExpr(ck.expr, cx) }));
}

/** Column defaults of `t`, compiled on an empty row. */
export function compileDefaults(t: TableSchema, pc: PlannerContext, planSelect: PlanSelectFn): (Compiled | undefined)[] {
  const cx = dmlCx(new Scope(undefined, 0), pc, planSelect);
  return t.columns.map((c) => (c.defaultExpr ? compileExpr(c.defaultExpr, cx) : undefined));
}

export function dmlCx(scope: Scope, pc: PlannerContext, planSelect: PlanSelectFn): CompileContext {
  return { scope, planSubquery: (s, child) => planSelect(s, child, pc), nextSlot: () => pc.nextSlot(), indexes: (t) => pc.catalog.indexesOf(t) };
}

/**
 * The TableDml of each table one statement writes, built on first use and shared (a
 * foreign-key action reaching back to a table gets the same object, so cycles end).
 */
export class DmlTargets {
  private readonly built = new Map<string, TableDml>();

  constructor(
    private readonly pc: PlannerContext,
    private readonly planSelect: PlanSelectFn,
    private readonly planStep: PlanTriggerStep,
  ) {}

  get(t: TableSchema): TableDml {
    const key = t.name.toLowerCase();
    let d = this.built.get(key);
    if (d) return d;
    const keys = catalogForeignKeys(this.pc.catalog);
    let checks: CheckConstraint[] | undefined;
    const triggers = new Map<TriggerEvent, TriggerProgram[]>();
    let defaults: (Compiled | undefined)[] | undefined;
    let programs: RowPrograms | undefined;
    const self = this;
    d = {
      table: t,
      indexes: this.pc.catalog.indexesOf(t.name),
      // Compiled when first asked for: a table reached only for lookups never needs them.
      get checks() {
        return (checks ??= compileChecks(t, self.pc, self.planSelect));
      },
      get programs() {
        return (programs ??= compileRowPrograms(t, self.pc.catalog.indexesOf(t.name), self.pc, self.planSelect));
      },
      get defaults() {
        return (defaults ??= compileDefaults(t, self.pc, self.planSelect));
      },
      outgoing: keys.outgoing.get(key) ?? [],
      incoming: keys.incoming.get(key) ?? [],
      target: (name: string) => self.get(self.pc.catalog.table(name)),
      reader: () => new TableReader(t, t.columns.length + 1, 0, columnDefaults(t)),
      triggers(event: TriggerEvent) {
        let list = triggers.get(event);
        if (!list) {
          const target = { name: t.name, columns: t.columns, hasRowid: !t.withoutRowid };
          // Cached before compiling: a trigger whose statements write this table again finds it.
          triggers.set(event, []);
          list = compileTriggers(self.pc.catalog, self.pc.limits, target, event, self.planStep, self.planSelect).filter((p) => p.timing !== 'INSTEAD OF');
          triggers.set(event, list);
        }
        return list;
      },
    };
    this.built.set(key, d);
    return d;
  }
}
