// The statement nodes of the SQL AST other than SELECT: DML (lang_insert, lang_update,
// lang_delete, lang_upsert), DDL (lang_createtable, lang_createindex, lang_createview,
// lang_createtrigger, lang_droptable, lang_altertable), transactions and utility statements,
// and `Statement`, their union.
import type { Expr, TypeName } from './ast-expr.js';
import type { FromItem, OrderingTerm, QualifiedName, ResultColumn, SelectStmt, WithClause } from './ast-select.js';

// ---------------------------------------------------------------- DML

export type ConflictAction = 'ROLLBACK' | 'ABORT' | 'FAIL' | 'IGNORE' | 'REPLACE';

export interface UpsertClause {
  readonly target?: { readonly columns: readonly IndexedColumn[]; readonly where?: Expr };
  readonly action: { readonly kind: 'nothing' } | { readonly kind: 'update'; readonly sets: readonly SetClause[]; readonly where?: Expr };
}

/** `a = expr` or `(a, b) = (x, y)` / `(a, b) = (SELECT ...)`. */
export interface SetClause {
  readonly columns: readonly string[];
  readonly value: Expr;
}

export interface InsertStmt {
  readonly kind: 'insert';
  readonly with?: WithClause;
  /** INSERT OR <action>; REPLACE INTO sets 'REPLACE'. */
  readonly orAction?: ConflictAction;
  readonly table: QualifiedName;
  readonly alias?: string;
  readonly columns?: readonly string[];
  readonly source: { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[] } | { readonly kind: 'select'; readonly select: SelectStmt } | { readonly kind: 'defaultValues' };
  readonly upsert?: readonly UpsertClause[];
  readonly returning?: readonly ResultColumn[];
}

export interface UpdateStmt {
  readonly kind: 'update';
  readonly with?: WithClause;
  readonly orAction?: ConflictAction;
  readonly table: QualifiedName;
  readonly alias?: string;
  readonly indexedBy?: string | null;
  readonly sets: readonly SetClause[];
  readonly from?: FromItem;
  readonly where?: Expr;
  readonly returning?: readonly ResultColumn[];
  readonly orderBy?: readonly OrderingTerm[];
  readonly limit?: Expr;
  readonly offset?: Expr;
}

export interface DeleteStmt {
  readonly kind: 'delete';
  readonly with?: WithClause;
  readonly table: QualifiedName;
  readonly alias?: string;
  readonly indexedBy?: string | null;
  readonly where?: Expr;
  readonly returning?: readonly ResultColumn[];
  readonly orderBy?: readonly OrderingTerm[];
  readonly limit?: Expr;
  readonly offset?: Expr;
}

// ---------------------------------------------------------------- DDL

export interface IndexedColumn {
  /** Usually a column reference; expressions are allowed by the grammar. */
  readonly expr: Expr;
  readonly collation?: string;
  readonly direction?: 'ASC' | 'DESC';
}

export type FkAction = 'SET NULL' | 'SET DEFAULT' | 'CASCADE' | 'RESTRICT' | 'NO ACTION';

export interface ForeignKeyClause {
  readonly table: string;
  readonly columns?: readonly string[];
  readonly onDelete?: FkAction;
  readonly onUpdate?: FkAction;
  /** Present when a [NOT] DEFERRABLE clause was written; true only for DEFERRABLE INITIALLY DEFERRED, the one form that defers checks. */
  readonly deferrable?: boolean;
}

export type ColumnConstraint =
  | { readonly kind: 'primaryKey'; readonly name?: string; readonly direction?: 'ASC' | 'DESC'; readonly onConflict?: ConflictAction; readonly autoincrement: boolean }
  | { readonly kind: 'notNull'; readonly name?: string; readonly onConflict?: ConflictAction }
  | { readonly kind: 'null'; readonly name?: string }
  | { readonly kind: 'unique'; readonly name?: string; readonly onConflict?: ConflictAction }
  | { readonly kind: 'check'; readonly name?: string; readonly expr: Expr }
  /** `text`: the value as written, without enclosing parentheses (PRAGMA table_info's dflt_value). */
  | { readonly kind: 'default'; readonly name?: string; readonly expr: Expr; readonly text?: string }
  | { readonly kind: 'collate'; readonly name?: string; readonly collation: string }
  | { readonly kind: 'references'; readonly name?: string; readonly fk: ForeignKeyClause }
  | { readonly kind: 'generated'; readonly name?: string; readonly expr: Expr; readonly stored: boolean };

export interface ColumnDef {
  readonly name: string;
  readonly type?: TypeName;
  readonly constraints: readonly ColumnConstraint[];
}

export type TableConstraint =
  | { readonly kind: 'primaryKey'; readonly name?: string; readonly columns: readonly IndexedColumn[]; readonly onConflict?: ConflictAction; readonly autoincrement: boolean }
  | { readonly kind: 'unique'; readonly name?: string; readonly columns: readonly IndexedColumn[]; readonly onConflict?: ConflictAction }
  | { readonly kind: 'check'; readonly name?: string; readonly expr: Expr }
  | { readonly kind: 'foreignKey'; readonly name?: string; readonly columns: readonly string[]; readonly fk: ForeignKeyClause };

export interface CreateTableStmt {
  readonly kind: 'createTable';
  readonly temp: boolean;
  readonly ifNotExists: boolean;
  readonly schema?: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly constraints: readonly TableConstraint[];
  readonly withoutRowid: boolean;
  readonly strict: boolean;
  readonly asSelect?: SelectStmt;
}

export interface CreateIndexStmt {
  readonly kind: 'createIndex';
  readonly unique: boolean;
  readonly ifNotExists: boolean;
  readonly schema?: string;
  readonly name: string;
  readonly table: string;
  readonly columns: readonly IndexedColumn[];
  readonly where?: Expr;
  /** `USING VECTOR (col) WITH (metric = 'cosine', ...)`: the method (upper-cased) and options. */
  readonly using?: string;
  readonly options?: readonly { readonly key: string; readonly value: Expr }[];
}

/**
 * `CREATE VIRTUAL TABLE [IF NOT EXISTS] name USING module(arg, ...)` (https://sqlite.org/lang_createvtab.html).
 * As in SQLite the arguments are kept as written, split at top-level commas, for the module to read.
 */
export interface CreateVirtualTableStmt {
  readonly kind: 'createVirtualTable';
  readonly ifNotExists: boolean;
  readonly name: string;
  readonly module: string;
  readonly args: readonly string[];
}

export interface CreateViewStmt {
  readonly kind: 'createView';
  readonly temp: boolean;
  readonly ifNotExists: boolean;
  readonly schema?: string;
  readonly name: string;
  readonly columns?: readonly string[];
  readonly select: SelectStmt;
}

export interface CreateTriggerStmt {
  readonly kind: 'createTrigger';
  readonly temp: boolean;
  readonly ifNotExists: boolean;
  readonly schema?: string;
  readonly name: string;
  /** BEFORE when omitted, as in SQLite. */
  readonly timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  readonly event: { readonly kind: 'DELETE' | 'INSERT' } | { readonly kind: 'UPDATE'; readonly columns?: readonly string[] };
  readonly table: string;
  readonly forEachRow: boolean;
  readonly when?: Expr;
  readonly body: readonly (InsertStmt | UpdateStmt | DeleteStmt | SelectStmt)[];
}

/**
 * dosql extension: `CREATE [OR REPLACE] PROCEDURE [IF NOT EXISTS] name AS MODULE $$ source $$`
 * (seed 000): an ES module whose default export is the procedure (docs/procedures.md).
 */
export interface CreateProcedureStmt {
  readonly kind: 'createProcedure';
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly name: string;
  /** The module's source text as written between the quotes. */
  readonly source: string;
}

/** One argument of CALL: positional, or named (`name => expr` or `name = expr`, seeds 000 and 001). */
export interface CallArgument {
  readonly name?: string;
  readonly expr: Expr;
}

/** dosql extension: `CALL name(arg, ...)` runs a stored or registered procedure (docs/procedures.md). */
export interface CallStmt {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly CallArgument[];
}

export interface DropStmt {
  readonly kind: 'drop';
  readonly objectType: 'TABLE' | 'INDEX' | 'VIEW' | 'TRIGGER' | 'PROCEDURE';
  readonly ifExists: boolean;
  readonly schema?: string;
  readonly name: string;
}

export type AlterAction =
  | { readonly kind: 'renameTable'; readonly newName: string }
  | { readonly kind: 'renameColumn'; readonly from: string; readonly to: string }
  | { readonly kind: 'addColumn'; readonly column: ColumnDef }
  | { readonly kind: 'dropColumn'; readonly column: string };

export interface AlterTableStmt {
  readonly kind: 'alterTable';
  readonly schema?: string;
  readonly table: string;
  readonly action: AlterAction;
}

// ---------------------------------------------------------------- transactions and utility

export interface BeginStmt {
  readonly kind: 'begin';
  readonly mode?: 'DEFERRED' | 'IMMEDIATE' | 'EXCLUSIVE';
}
export interface CommitStmt {
  readonly kind: 'commit';
}
/** ROLLBACK, or ROLLBACK TO [SAVEPOINT] name when `savepoint` is set. */
export interface RollbackStmt {
  readonly kind: 'rollback';
  readonly savepoint?: string;
}
/**
 * Two-phase commit, as PostgreSQL: PREPARE TRANSACTION 'gid' (action 'prepare'),
 * COMMIT PREPARED 'gid' ('commit'), ROLLBACK PREPARED 'gid' ('rollback').
 */
export interface TwoPhaseStmt {
  readonly kind: 'twoPhase';
  readonly action: 'prepare' | 'commit' | 'rollback';
  readonly gid: string;
}
export interface SavepointStmt {
  readonly kind: 'savepoint';
  readonly name: string;
}
export interface ReleaseStmt {
  readonly kind: 'release';
  readonly name: string;
}
export interface ExplainStmt {
  readonly kind: 'explain';
  readonly queryPlan: boolean;
  /** EXPLAIN ANALYZE <query>: run the query and return its per-operator profile. */
  readonly analyze?: boolean;
  readonly statement: Statement;
}
export interface PragmaStmt {
  readonly kind: 'pragma';
  readonly schema?: string;
  readonly name: string;
  /** `= v` or `(v)`: signed numbers as numeric literals; names, strings, ON, DELETE, DEFAULT as text literals. */
  readonly value?: Expr;
}
export interface ReindexStmt {
  readonly kind: 'reindex';
  readonly name?: string;
}
export interface AnalyzeStmt {
  readonly kind: 'analyze';
  readonly name?: string;
}
export interface VacuumStmt {
  readonly kind: 'vacuum';
}

export type Statement =
  | SelectStmt
  | InsertStmt
  | UpdateStmt
  | DeleteStmt
  | CreateTableStmt
  | CreateIndexStmt
  | CreateVirtualTableStmt
  | CreateViewStmt
  | CreateTriggerStmt
  | DropStmt
  | CreateProcedureStmt
  | CallStmt
  | AlterTableStmt
  | BeginStmt
  | CommitStmt
  | RollbackStmt
  | TwoPhaseStmt
  | SavepointStmt
  | ReleaseStmt
  | ExplainStmt
  | PragmaStmt
  | ReindexStmt
  | AnalyzeStmt
  | VacuumStmt;

/** A parsed statement with its source span (UTF-16 offsets into the input, end exclusive, without the `;`). */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly start: number;
  readonly end: number;
  /** Number of parameter slots (the largest index used). */
  readonly paramCount: number;
  /** Named parameters with their indexes, e.g. [[":a", 1]]. */
  readonly paramNames: readonly (readonly [string, number])[];
}
