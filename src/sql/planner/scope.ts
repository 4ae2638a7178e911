// Name resolution: which source and position a column reference means.
// Follows SQLite's rules (lang_select.html): unqualified names must be unique among the
// FROM sources (USING/NATURAL join columns count once); inner scopes shadow outer ones.
import { DoSQLError } from '../../errors.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';

export interface SourceColumn {
  readonly name: string;
  /** null: no affinity (a subquery column computed by an expression without one). */
  readonly affinity: Affinity | null;
  readonly collation: Collation;
  /** Not expanded by `*` (rowid; the right-hand copy of a USING column). */
  readonly hidden: boolean;
  /** The subtype of the column's value in a joined row holding its source from `offset` (json_each's value). */
  readonly subtypeOf?: (row: readonly SqlValue[], offset: number) => number | undefined;
  /** The result-column name of a reference to this column by a rowid name (a table's INTEGER PRIMARY KEY). */
  readonly outputName?: string;
}

export interface ScopeSource {
  /** Name used to qualify columns: the alias, else the table name. */
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  /** Position of the first column in the joined row. */
  readonly offset: number;
  /** Index of the source within its scope. */
  readonly index: number;
  /** rowid/oid/_rowid_ resolve to this column (index into `columns`), or -1. */
  readonly rowidColumn: number;
  /** Column names merged by USING/NATURAL into an earlier source: unqualified refs go there. */
  readonly mergedNames: Set<string>;
  /** Columns (indexes into `columns`) some expression references: what readers must decode. */
  readonly used: Set<number>;
}

export interface Resolved {
  /** Nesting level of the scope that owns the column (0 = outermost query). */
  readonly level: number;
  /** Position in that scope's row. */
  readonly index: number;
  readonly source: number;
  readonly affinity: Affinity | null;
  readonly collation: Collation;
  /** SourceColumn.subtypeOf, with the source's offset. */
  readonly subtypeOf?: (row: readonly SqlValue[]) => number | undefined;
}

export class Scope {
  readonly sources: ScopeSource[] = [];
  width = 0;
  /** The NEW/OLD scope of a trigger: statements under it may use RAISE(). */
  trigger = false;

  constructor(
    readonly parent: Scope | undefined,
    readonly level: number,
  ) {}

  child(): Scope {
    return new Scope(this, this.level + 1);
  }

  addSource(name: string, columns: readonly SourceColumn[], rowidColumn = -1): ScopeSource {
    const s: ScopeSource = { name, columns, offset: this.width, index: this.sources.length, rowidColumn, mergedNames: new Set(), used: new Set() };
    this.sources.push(s);
    this.width += columns.length;
    return s;
  }

  /** Resolves a column reference here or in an enclosing scope; throws SQL_ERROR when unknown or ambiguous. */
  resolve(table: string | undefined, column: string): Resolved | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const r = s.resolveLocal(table, column);
      if (r) return r;
    }
    return undefined;
  }

  resolveLocal(table: string | undefined, column: string): Resolved | undefined {
    const col = column.toLowerCase();
    const tbl = table?.toLowerCase();
    let found: Resolved | undefined;
    for (const src of this.sources) {
      if (tbl !== undefined && src.name.toLowerCase() !== tbl) continue;
      if (tbl === undefined && src.mergedNames.has(col)) continue;
      let idx = columnIndex(src, col);
      if (idx < 0 && (col === 'rowid' || col === 'oid' || col === '_rowid_') && src.rowidColumn >= 0) idx = src.rowidColumn;
      if (idx < 0) continue;
      if (found) throw new DoSQLError('SQL_ERROR', `sql: ambiguous column name: ${table ? `${table}.` : ''}${column}`);
      const c = src.columns[idx]!;
      src.used.add(idx);
      const sub = c.subtypeOf;
      const off = src.offset;
      found = { level: this.level, index: src.offset + idx, source: src.index, affinity: c.affinity, collation: c.collation, ...(sub ? { subtypeOf: (row: readonly SqlValue[]) => sub(row, off) } : {}) };
    }
    return found;
  }

  /**
   * The result-column name of a column reference `table.column`, as SQLite gives it: the
   * referenced column's declared name (not the spelling in the query), and for `rowid`/`oid`/
   * `_rowid_` the table's INTEGER PRIMARY KEY column, else `rowid`. Unresolved: as written.
   */
  columnOutputName(table: string | undefined, column: string): string {
    const col = column.toLowerCase();
    const tbl = table?.toLowerCase();
    for (let sc: Scope | undefined = this; sc; sc = sc.parent) {
      for (const src of sc.sources) {
        if (tbl !== undefined && src.name.toLowerCase() !== tbl) continue;
        if (tbl === undefined && src.mergedNames.has(col)) continue;
        const i = columnIndex(src, col);
        if (i >= 0) return src.columns[i]!.outputName ?? src.columns[i]!.name;
        // A rowid name of a source whose rowid slot has no name of its own (virtual tables, triggers).
        if ((col === 'rowid' || col === 'oid' || col === '_rowid_') && src.rowidColumn >= 0) return src.columns[src.rowidColumn]!.outputName ?? 'rowid';
      }
    }
    return column;
  }

  findSource(name: string): ScopeSource | undefined {
    const n = name.toLowerCase();
    return this.sources.find((s) => s.name.toLowerCase() === n);
  }
}

const byName = new WeakMap<readonly SourceColumn[], Map<string, number>>();

/**
 * Position of the first column of `src` called `col` (lower case), or -1. A map per column
 * list, built on first use: resolving every column of a wide source (SELECT *) by a linear
 * search was quadratic in its width.
 */
function columnIndex(src: ScopeSource, col: string): number {
  let m = byName.get(src.columns);
  if (!m) {
    m = new Map();
    src.columns.forEach((c, i) => {
      if (c.hidden && c.name === '\u0000') return;
      const k = c.name.toLowerCase();
      if (!m!.has(k)) m!.set(k, i);
    });
    byName.set(src.columns, m);
  }
  return m.get(col) ?? -1;
}
