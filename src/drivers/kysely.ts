// The `dosql/kysely` subpath: Kysely's SQLite dialect on dosql (kysely-dialect.ts). Only named re-exports.
export { DosqlDialect, type DosqlDialectConfig } from './kysely-dialect.js';
