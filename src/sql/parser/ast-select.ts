// The SELECT nodes of the SQL AST (lang_select.html): WITH, compound selects, result
// columns, FROM items and joins, and the SQL:2011 temporal clauses on table references.
import type { Expr, NamedWindow } from './ast-expr.js';

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
  /** An external table: `FROM 'path-or-url' [WITH (options)]` (name is the location; docs/external-tables.md). */
  readonly external?: ExternalSource;
}

/** `'location' WITH (name = value, ...)`: the string as written and the options (literals or parameters). */
export interface ExternalSource {
  readonly location: string;
  readonly options: readonly { readonly name: string; readonly value: Expr }[];
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
