// dosql/proc: stored procedures (docs/procedures.md; seeds 000 and 001). The builder,
// registry and executor are in src/sql/procedures; CREATE PROCEDURE and CALL are SQL.
export { procedure, ProcedureBuilder, type Procedure, type ProcedureHandler, type RetryOptions } from '../sql/procedures/procedure.js';
export { createProcedureExecutor, createProcedureRegistry, defineProcedures, withRetry, withValidation, type ExecutorOptions, type ProcedureExecutor, type ProcedureFn, type ProcedureRegistry } from '../sql/procedures/registry.js';
export type { FieldSpec, FieldType, Infer, ParserLike, Schema, Shape } from '../sql/procedures/schema-check.js';
export type { ProcedureContext } from '../sql/api/procedures.js';
export { ProcedureDb } from '../sql/api/procedure-db.js';
