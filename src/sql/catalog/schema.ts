// Schema objects of the catalog (tables, indexes, views, triggers, procedures) and their persisted
// JSON form. The catalog is itself a versioned table in the LSM (table id 1, see
// docs/format/row.md), so every schema travels with time travel and branches.
import { DoSQLError } from '../../errors.js';
import type { CreateTriggerStmt, Expr, ForeignKeyClause, SelectStmt, ConflictAction } from '../parser/ast.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';

export interface ColumnSchema {
  /** Stable id: the slot in the row value (docs/format/row.md). Never reused. */
  readonly id: number;
  readonly name: string;
  /** Declared type as written (e.g. "VARCHAR(10)"), or "" when none. */
  readonly type: string;
  readonly affinity: Affinity;
  readonly notNull: boolean;
  readonly notNullConflict?: ConflictAction;
  readonly defaultExpr?: Expr;
  /** DEFAULT as written, without enclosing parentheses (absent in catalogs written before it was kept). */
  readonly defaultText?: string;
  readonly collation: Collation;
  /** Part of the PRIMARY KEY. */
  readonly primaryKey: boolean;
  readonly generated?: { readonly expr: Expr; readonly stored: boolean };
}

export interface UniqueConstraintSchema {
  readonly name?: string;
  /** Index into TableSchema.columns. */
  readonly columns: readonly number[];
  readonly onConflict?: ConflictAction;
}

export interface TableSchema {
  readonly type: 'table';
  readonly name: string;
  /** Key-space id of the table's rows (>= 16). */
  readonly id: number;
  readonly columns: readonly ColumnSchema[];
  readonly nextColumnId: number;
  readonly withoutRowid: boolean;
  /** Index into `columns` of the INTEGER PRIMARY KEY (rowid alias), or -1. */
  readonly rowidAlias: number;
  /** Indexes into `columns`, in PRIMARY KEY order ([] when none). */
  readonly primaryKey: readonly number[];
  readonly pkConflict?: ConflictAction;
  readonly autoincrement: boolean;
  readonly checks: readonly { readonly name?: string; readonly expr: Expr }[];
  readonly foreignKeys: readonly { readonly name?: string; readonly columns: readonly string[]; readonly fk: ForeignKeyClause }[];
  /** WITHOUT ROWID: the name SQLite gives the PRIMARY KEY's index (sqlite_autoindex_T_N; the table itself is keyed by it). */
  readonly pkIndexName?: string;
  /** CREATE TEMP TABLE: the handle's own, in its temp store, never the engine (src/sql/txn/temp-store.ts; docs/sql.md). */
  readonly temp?: boolean;
  readonly sql: string;
}

export interface IndexColumnSchema {
  /** Stable column id (survives renames); EXPRESSION_COLUMN for a column of an index on an expression. */
  readonly columnId: number;
  /** The indexed expression when columnId is EXPRESSION_COLUMN (as SQLite's cid -2). */
  readonly expr?: Expr;
  readonly collation: Collation;
  readonly desc: boolean;
}

/** IndexColumnSchema.columnId of an expression (SQLite's PRAGMA index_info shows cid -2 for it). */
export const EXPRESSION_COLUMN = -2;

export interface IndexSchema {
  readonly type: 'index';
  readonly name: string;
  readonly id: number;
  readonly table: string;
  readonly unique: boolean;
  readonly columns: readonly IndexColumnSchema[];
  readonly where?: Expr;
  readonly onConflict?: ConflictAction;
  /** Created for a UNIQUE / PRIMARY KEY constraint (sqlite_autoindex_*): dropped with the table only. */
  readonly auto: boolean;
  /** 'pk' for the PRIMARY KEY's automatic index (PRAGMA index_list's origin); absent otherwise and in catalogs written before it was kept. */
  readonly origin?: 'pk';
  /** Secondary-index method (e.g. VECTOR) when not a plain B-tree-like index. */
  readonly using?: string;
  readonly sql: string;
}

export interface ViewSchema {
  readonly type: 'view';
  readonly name: string;
  readonly columns?: readonly string[];
  readonly select: SelectStmt;
  /** CREATE TEMP VIEW (see TableSchema.temp). */
  readonly temp?: boolean;
  readonly sql: string;
}

export interface TriggerSchema {
  readonly type: 'trigger';
  readonly name: string;
  readonly table: string;
  /** Creation order (the newest fires first, as in SQLite); absent in catalogs written before it was kept. */
  readonly seq?: number;
  readonly stmt: CreateTriggerStmt;
  readonly sql: string;
}

export type SchemaObject = TableSchema | IndexSchema | ViewSchema | TriggerSchema;

/**
 * A stored procedure (CREATE PROCEDURE ... AS MODULE, docs/procedures.md): a row of the
 * catalog like any schema object, so it time-travels and branches with the schema. It is not
 * a SQLite object: Catalog.objects() (sqlite_schema, PRAGMAs, CDC schemas) leaves it out.
 */
export interface ProcedureSchema {
  readonly type: 'procedure';
  readonly name: string;
  readonly language: 'module';
  /** The ES module's source as written. */
  readonly source: string;
  /** Names of the default export's parameters after the context, for named CALL arguments. */
  readonly params: readonly string[];
  readonly sql: string;
}

/** Every row of the catalog table that is an object. */
export type CatalogObject = SchemaObject | ProcedureSchema;

// JSON cannot carry bigint or bytes: literals are tagged objects.
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (value instanceof Uint8Array) return { $blob: Array.from(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$int === 'string') return BigInt(o.$int);
    if (Array.isArray(o.$blob)) return Uint8Array.from(o.$blob as number[]);
  }
  return value;
}

export function encodeSchemaObject(o: CatalogObject): string {
  return JSON.stringify(o, replacer);
}

export function decodeSchemaObject(text: string): CatalogObject {
  try {
    return JSON.parse(text, reviver) as CatalogObject;
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `sql: catalog entry is not valid JSON`, { cause: e });
  }
}
