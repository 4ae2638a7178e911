// The SQL abstract syntax tree: plain, immutable objects tagged by `kind`.
// Covers the SQLite dialect (https://sqlite.org/lang.html) plus SQL:2011 temporal
// clauses on table references (`FOR SYSTEM_TIME ...`). Names keep the case the user wrote
// (quoted identifiers are unquoted); lookups are case-insensitive, as in SQLite.
import type { SqlValue } from '../types/value.js';

// ---------------------------------------------------------------- expressions

export type Expr =
  | LiteralExpr
  | ParamExpr
  | ColumnExpr
  | UnaryExpr
  | BinaryExpr
  | BetweenExpr
  | InExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | CollateExpr
  | FunctionExpr
  | SubqueryExpr
  | ExistsExpr
  | RaiseExpr
  | VectorExpr;

export interface LiteralExpr {
  readonly kind: 'literal';
  /** Integer literals are bigint (reals when beyond int64, as SQLite does); X'..' is a Uint8Array; TRUE/FALSE are 1n/0n. */
  readonly value: SqlValue;
}

/**
 * A bound parameter. `?` gets the next index after the largest seen so far (SQLite's rule);
 * `?NNN` has `index` NNN; `:a`, `@a`, `$a` have `name` with the prefix kept (":a") and also
 * get an index (the first occurrence of a name takes the next free index).
 */
export interface ParamExpr {
  readonly kind: 'param';
  readonly index: number;
  readonly name?: string;
}

export interface ColumnExpr {
  readonly kind: 'column';
  readonly schema?: string;
  readonly table?: string;
  readonly column: string;
  /** Written in double quotes: SQLite falls back to a string literal when no such column exists. */
  readonly dquoted?: boolean;
}

export type UnaryOp = '-' | '+' | '~' | 'NOT';

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}

/**
 * Binary operators. `x IS NULL`, `x ISNULL`, `x NOTNULL`, `x NOT NULL` parse as IS / IS NOT
 * with a NULL literal; `IS DISTINCT FROM` as IS NOT, `IS NOT DISTINCT FROM` as IS.
 * `==` is normalised to `=` and `<>` to `!=`.
 */
export type BinaryOp =
  | '||'
  | '*'
  | '/'
  | '%'
  | '+'
  | '-'
  | '&'
  | '|'
  | '<<'
  | '>>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '='
  | '!='
  | 'IS'
  | 'IS NOT'
  | 'AND'
  | 'OR'
  | '->'
  | '->>';

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface BetweenExpr {
  readonly kind: 'between';
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly not: boolean;
}

/** `x [NOT] IN (list)`, `x IN (SELECT ...)`, or `x IN table` (`table` set). */
export interface InExpr {
  readonly kind: 'in';
  readonly operand: Expr;
  readonly not: boolean;
  readonly list?: readonly Expr[];
  readonly select?: SelectStmt;
  readonly table?: QualifiedName;
}

export interface LikeExpr {
  readonly kind: 'like';
  readonly op: 'LIKE' | 'GLOB' | 'REGEXP' | 'MATCH';
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly escape?: Expr;
  readonly not: boolean;
}

export interface CaseExpr {
  readonly kind: 'case';
  readonly operand?: Expr;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr;
}

export interface CastExpr {
  readonly kind: 'cast';
  readonly operand: Expr;
  readonly type: TypeName;
}

export interface CollateExpr {
  readonly kind: 'collate';
  readonly operand: Expr;
  /** Upper-cased collation name: BINARY, NOCASE, RTRIM (others are kept and rejected later). */
  readonly collation: string;
}

export interface FunctionExpr {
  readonly kind: 'function';
  /** Lower-cased function name. CURRENT_TIMESTAMP / CURRENT_DATE / CURRENT_TIME parse as calls with no arguments. */
  readonly name: string;
  readonly args: readonly Expr[];
  /** `count(*)`. */
  readonly star: boolean;
  readonly distinct: boolean;
  /** ORDER BY inside the argument list (`group_concat(x, ',' ORDER BY y)`). */
  readonly orderBy?: readonly OrderingTerm[];
  readonly filter?: Expr;
  /** Window function call: an inline spec, or the name of a window from the WINDOW clause. */
  readonly over?: WindowSpec | string;
}

export interface SubqueryExpr {
  readonly kind: 'subquery';
  readonly select: SelectStmt;
}

export interface ExistsExpr {
  readonly kind: 'exists';
  readonly select: SelectStmt;
  readonly not: boolean;
}

/** RAISE(IGNORE | ROLLBACK, msg | ABORT, msg | FAIL, msg), only valid inside triggers. */
export interface RaiseExpr {
  readonly kind: 'raise';
  readonly action: 'IGNORE' | 'ROLLBACK' | 'ABORT' | 'FAIL';
  readonly message?: Expr;
}

/**
 * A row value `(a, b, ...)` of two or more expressions (https://sqlite.org/rowvalue.html):
 * compared with `=`, `<`, IN, BETWEEN, or assigned by `UPDATE ... SET (x, y) = (a, b)`.
 */
export interface VectorExpr {
  readonly kind: 'vector';
  readonly items: readonly Expr[];
}

/** A declared type as written: `VARCHAR(10)` has name "VARCHAR" and args [10]. */
export interface TypeName {
  readonly name: string;
  readonly args: readonly number[];
}

// ---------------------------------------------------------------- windows

export interface WindowSpec {
  /** `OVER (base PARTITION BY ...)`: a named window this one extends. */
  readonly base?: string;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderingTerm[];
  readonly frame?: WindowFrame;
}

export interface WindowFrame {
  readonly units: 'ROWS' | 'RANGE' | 'GROUPS';
  readonly start: FrameBound;
  /** Absent for the one-bound form (`ROWS 3 PRECEDING`), which means `AND CURRENT ROW`. */
  readonly end?: FrameBound;
  readonly exclude?: 'NO OTHERS' | 'CURRENT ROW' | 'GROUP' | 'TIES';
}

export type FrameBound =
  | { readonly kind: 'unboundedPreceding' }
  | { readonly kind: 'preceding'; readonly offset: Expr }
  | { readonly kind: 'currentRow' }
  | { readonly kind: 'following'; readonly offset: Expr }
  | { readonly kind: 'unboundedFollowing' };

export interface NamedWindow {
  readonly name: string;
  readonly spec: WindowSpec;
}

// ---------------------------------------------------------------- SELECT

export interface QualifiedName {
  readonly schema?: string;
  readonly name: string;
}

export interface OrderingTerm {
  readonly expr: Expr;
  readonly collation?: string;
  readonly direction?: 'ASC' | 'DESC';
  readonly nulls?: 'FIRST' | 'LAST';
}

export interface CommonTableExpr {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly materialized?: boolean;
  readonly select: SelectStmt;
}

export interface WithClause {
  readonly recursive: boolean;
  readonly ctes: readonly CommonTableExpr[];
}

export interface SelectStmt {
  readonly kind: 'select';
  readonly with?: WithClause;
  readonly body: SelectBody;
  readonly orderBy?: readonly OrderingTerm[];
  readonly limit?: Expr;
  readonly offset?: Expr;
}

export type SelectBody = SelectCore | ValuesClause | CompoundSelect;

export interface SelectCore {
  readonly kind: 'selectCore';
  readonly distinct: boolean;
  readonly columns: readonly ResultColumn[];
  readonly from?: FromItem;
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly having?: Expr;
  readonly windows?: readonly NamedWindow[];
}

export interface ValuesClause {
  readonly kind: 'values';
  readonly rows: readonly (readonly Expr[])[];
}

/** Left-associative: `a UNION b EXCEPT c` is compound(compound(a, b), c). */
export interface CompoundSelect {
  readonly kind: 'compound';
  readonly op: 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT';
  readonly left: SelectBody;
  readonly right: SelectCore | ValuesClause;
}

export type ResultColumn =
  | { readonly kind: 'star' }
  | { readonly kind: 'tableStar'; readonly table: string }
  /** `text` is the expression as written (SQLite names an unaliased, non-column result after it). */
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias?: string; readonly text?: string };

export type FromItem = TableRef | SubqueryRef | TableFunctionRef | JoinClause;

export interface TableRef {
  readonly kind: 'table';
  readonly schema?: string;
  readonly name: string;
  readonly alias?: string;
  readonly temporal?: TemporalClause;
  /** INDEXED BY name (string) or NOT INDEXED (null). */
  readonly indexedBy?: string | null;
}

export interface SubqueryRef {
  readonly kind: 'subquery';
  readonly select: SelectStmt;
  readonly alias?: string;
}

export interface TableFunctionRef {
  readonly kind: 'tableFunction';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly alias?: string;
}

/** A comma between FROM items parses as an INNER join without a constraint. */
export interface JoinClause {
  readonly kind: 'join';
  readonly joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
  readonly natural: boolean;
  readonly left: FromItem;
  readonly right: FromItem;
  readonly on?: Expr;
  readonly using?: readonly string[];
}

// ---------------------------------------------------------------- temporal clauses (SQL:2011)

/** A point in a table's history, as written after AS OF / BETWEEN / FROM / TO. */
export type TimePoint =
  | { readonly kind: 'lsn'; readonly value: Expr }
  | { readonly kind: 'timestamp'; readonly value: Expr }
  | { readonly kind: 'snapshot'; readonly name: Expr }
  | { readonly kind: 'branch'; readonly name: Expr }
  /** `VERSION CURRENT - n`: `offset` is n (a non-negative integer). */
  | { readonly kind: 'versionOffset'; readonly offset: number }
  /** A bare expression: an integer means an LSN, text or a date a timestamp (decided at bind time). */
  | { readonly kind: 'expr'; readonly value: Expr };

export type TemporalClause =
  | { readonly kind: 'asOf'; readonly point: TimePoint }
  | { readonly kind: 'between'; readonly from: TimePoint; readonly to: TimePoint }
  | { readonly kind: 'fromTo'; readonly from: TimePoint; readonly to: TimePoint }
  | { readonly kind: 'all' };

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
  | { readonly kind: 'default'; readonly name?: string; readonly expr: Expr }
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

export interface DropStmt {
  readonly kind: 'drop';
  readonly objectType: 'TABLE' | 'INDEX' | 'VIEW' | 'TRIGGER';
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
  | CreateViewStmt
  | CreateTriggerStmt
  | DropStmt
  | AlterTableStmt
  | BeginStmt
  | CommitStmt
  | RollbackStmt
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
