// The SQL abstract syntax tree: plain, immutable objects tagged by `kind`.
// Covers the SQLite dialect (https://sqlite.org/lang.html) plus SQL:2011 temporal
// clauses on table references (`FOR SYSTEM_TIME ...`). Names keep the case the user wrote
// (quoted identifiers are unquoted); lookups are case-insensitive, as in SQLite.
//
// The nodes are split by family: ast-expr.ts (expressions, windows, type names),
// ast-select.ts (SELECT, FROM, temporal clauses), ast-statement.ts (DML, DDL, transactions,
// utility, and the Statement union). Import them from here.
export type * from './ast-expr.js';
export type * from './ast-select.js';
export type * from './ast-statement.js';
