// The expression nodes of the SQL AST (lang_expr.html), with window specifications and
// declared type names. See ast.ts for the conventions all nodes follow.
import type { SqlValue } from '../types/value.js';
import type { OrderingTerm, QualifiedName, SelectStmt } from './ast-select.js';

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
  /** The type as written in the source (PRAGMA table_info shows it). */
  readonly text?: string;
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
