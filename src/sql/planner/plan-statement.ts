// Turns one parsed statement into something executable against a transaction: the one
// SQL path every caller (API, CLI, Worker, benchmarks, conformance runner) goes through.
// The planner's entry point: dispatches on the statement kind to plan-select, plan-dml and
// plan-ddl; the session (api/database.ts) runs what it returns.
import { DoSQLError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { accountResult, collectResult } from '../execution/collect.js';
import type { DmlResult } from './plan-dml-common.js';
import type { ExecEnv, Row } from '../execution/env.js';
import { OperatorProfiler } from '../execution/op-profile.js';
import type { Operator } from '../execution/operators.js';
import { DEFAULT_LIMITS, stackOverflowAsLimit, type Limits } from '../execution/limits.js';
import type { Statement, TableFunctionRef, TableRef } from '../parser/ast.js';
import type { TableFunction } from '../functions/table-functions.js';
import { alterTable, createIndex, createTable, createTrigger, createView, drop } from './plan-ddl.js';
import { createVirtualTable } from './virtual-tables.js';
import { createProcedure, dropProcedure, planCall } from './plan-procedure.js';
import { planDelete, planInsert, planUpdate } from './plan-dml.js';
import { planSelect } from './plan-select.js';
import { PlannerContext, type TemporalBinding } from './planner-context.js';
import { settingPragma } from './pragma-settings.js';
import { rowsPragma, runPragma } from './pragma-tables.js';
import './pragma-fk-check.js';
import './pragma-prepared-xacts.js';
import { Scope } from './scope.js';

export interface ExecResult {
  readonly rows: Row[];
  readonly changes: number;
  readonly lastInsertRowId?: bigint;
  /** Result columns known only once run (CALL); otherwise Executable.columns. */
  readonly columns?: readonly string[];
}

/** A statement planned against one catalog version. */
export interface Executable {
  readonly catalogVersion: number;
  /** Result column names ([] for statements without results). */
  readonly columns: readonly string[];
  /** True when the statement returns rows (SELECT, RETURNING, EXPLAIN, some PRAGMAs). */
  readonly returnsRows: boolean;
  /** True when the statement may write. */
  readonly writes: boolean;
  /** The result, or a promise of it (DML that completed synchronously returns it at once: statement-runner.ts). */
  execute(env: ExecEnv, sql: string): ExecResult | Promise<ExecResult>;
  /** SELECT only: the rows, synchronously when the plan allows (point lookups in memory). */
  readonly runRows?: (env: ExecEnv) => Row[] | Promise<Row[]>;
  /** The rows, streamed (SELECT only; others return everything at once). */
  stream?(env: ExecEnv): AsyncGenerator<Row[]>;
  /** SELECT only: the plan's root operator (what a profiler instruments: op-profile.ts). */
  readonly root?: Operator;
}

const NO_ROWS: Row[] = [];

/** A DML statement's result as the runner takes it (its RETURNING rows charged to the guard). */
function dmlResult(r: DmlResult, env: ExecEnv): ExecResult {
  accountResult(r.rows, env);
  return r.lastInsertRowId !== undefined ? { rows: r.rows, changes: r.changes, lastInsertRowId: r.lastInsertRowId } : { rows: r.rows, changes: r.changes };
}

/**
 * Plans `stmt` against `catalog` under `limits` (the database's; checked while planning). A
 * stack overflow while planning or running it is LIMIT_EXCEEDED, never a raw RangeError.
 */
export function compileStatement(
  stmt: Statement,
  catalog: Catalog,
  temporal?: ReadonlyMap<TableRef, TemporalBinding>,
  limits: Readonly<Limits> = DEFAULT_LIMITS,
  /** External references resolved for this execution (external-tables.ts). */
  external?: ReadonlyMap<TableFunctionRef, TableFunction>,
): Executable {
  let e: Executable;
  try {
    e = compileUnguarded(stmt, catalog, temporal, limits, external);
  } catch (err) {
    throw stackOverflowAsLimit(err, limits);
  }
  const { execute, runRows } = e;
  const typed = (err: unknown): never => {
    throw stackOverflowAsLimit(err, limits);
  };
  return {
    ...e,
    execute: (env, sql) => {
      let r: ExecResult | Promise<ExecResult>;
      try {
        r = execute(env, sql);
      } catch (err) {
        return typed(err);
      }
      return r instanceof Promise ? r.catch(typed) : r;
    },
    ...(runRows
      ? {
          runRows: (env: ExecEnv) => {
            let r: Row[] | Promise<Row[]>;
            try {
              r = runRows(env);
            } catch (err) {
              return typed(err);
            }
            return r instanceof Promise ? r.catch(typed) : r;
          },
        }
      : {}),
  };
}

function compileUnguarded(
  stmt: Statement,
  catalog: Catalog,
  temporal: ReadonlyMap<TableRef, TemporalBinding> | undefined,
  limits: Readonly<Limits>,
  external: ReadonlyMap<TableFunctionRef, TableFunction> | undefined,
): Executable {
  const v = catalog.version;
  switch (stmt.kind) {
    case 'select': {
      const plan = planSelect(stmt, new Scope(undefined, 0), new PlannerContext(catalog, temporal, limits, undefined, external));
      return {
        catalogVersion: v,
        columns: plan.columnNames,
        returnsRows: true,
        writes: false,
        execute: async (env) => ({ rows: await collectResult(plan.op, env), changes: 0 }),
        runRows: (env) => collectResult(plan.op, env),
        stream: (env) => plan.op.run(env),
        root: plan.op,
      };
    }
    case 'insert':
    case 'update':
    case 'delete': {
      const pc = new PlannerContext(catalog, undefined, limits, undefined, external);
      const plan = stmt.kind === 'insert' ? planInsert(stmt, pc) : stmt.kind === 'update' ? planUpdate(stmt, pc) : planDelete(stmt, pc);
      return {
        catalogVersion: v,
        columns: plan.columns,
        returnsRows: plan.columns.length > 0,
        writes: true,
        execute: (env) => {
          const r = plan.execute(env);
          return r instanceof Promise ? r.then((x) => dmlResult(x, env)) : dmlResult(r, env);
        },
      };
    }
    case 'call':
      return planCall(stmt, catalog, limits);
    case 'createProcedure':
      return { catalogVersion: v, columns: [], returnsRows: false, writes: true, execute: async (env, sql) => (await createProcedure(env, stmt, sql), { rows: NO_ROWS, changes: 0 }) };
    case 'createTable':
    case 'createIndex':
    case 'createVirtualTable':
    case 'createView':
    case 'createTrigger':
    case 'drop':
    case 'alterTable':
      return {
        catalogVersion: v,
        columns: [],
        returnsRows: false,
        writes: true,
        execute: async (env, sql) => {
          switch (stmt.kind) {
            case 'createTable':
              await createTable(env, stmt, sql);
              break;
            case 'createIndex':
              await createIndex(env, stmt, sql);
              break;
            case 'createVirtualTable':
              await createVirtualTable(env, stmt, sql);
              break;
            case 'createView':
              await createView(env, stmt, sql);
              break;
            case 'createTrigger':
              await createTrigger(env, stmt, sql);
              break;
            case 'drop':
              if (stmt.objectType === 'PROCEDURE') dropProcedure(env, stmt);
              else await drop(env, stmt);
              break;
            case 'alterTable':
              await alterTable(env, stmt);
              break;
          }
          return { rows: NO_ROWS, changes: 0 };
        },
      };
    case 'explain': {
      if (stmt.analyze) return explainAnalyze(stmt.statement, catalog, temporal, limits);
      if (!stmt.queryPlan) throw new DoSQLError('NOT_SUPPORTED', 'sql: EXPLAIN (bytecode) is not supported; use EXPLAIN QUERY PLAN');
      const inner = stmt.statement;
      let lines: string[];
      if (inner.kind === 'select') lines = planSelect(inner, new Scope(undefined, 0), new PlannerContext(catalog, temporal, limits, undefined, external)).describe();
      else if (inner.kind === 'update') lines = planUpdate(inner, new PlannerContext(catalog, undefined, limits, undefined, external)).describe();
      else if (inner.kind === 'delete') lines = planDelete(inner, new PlannerContext(catalog, undefined, limits, undefined, external)).describe();
      else if (inner.kind === 'insert') lines = planInsert(inner, new PlannerContext(catalog, undefined, limits, undefined, external)).describe();
      else lines = [];
      const rows: Row[] = lines.map((l, i) => {
        const depth = (l.length - l.trimStart().length) / 2;
        return [BigInt(i + 2), BigInt(depth), 0n, l.trim()];
      });
      return { catalogVersion: v, columns: ['id', 'parent', 'notused', 'detail'], returnsRows: true, writes: false, execute: async () => ({ rows, changes: 0 }) };
    }
    case 'pragma': {
      const d = rowsPragma(stmt.name);
      if (d) {
        const value = stmt.value;
        const arg = value === undefined ? undefined : value.kind === 'literal' ? value.value : value.kind === 'column' ? value.column : undefined;
        return {
          catalogVersion: v,
          columns: d.columns,
          returnsRows: true,
          writes: false,
          execute: async (env) => ({ rows: await runPragma(d, stmt.schema, arg, env), changes: 0 }),
        };
      }
      const setting = settingPragma(stmt);
      if (setting) {
        return {
          catalogVersion: v,
          columns: setting.columns,
          returnsRows: setting.columns.length > 0,
          writes: false,
          execute: async (env) => ({ rows: setting.run(env), changes: 0 }),
        };
      }
      return noOp(stmt, catalog);
    }
    case 'reindex':
    case 'analyze':
    case 'vacuum':
      return noOp(stmt, catalog);
    default:
      throw new DoSQLError('INVALID_ARGUMENT', `sql: internal: ${stmt.kind} is handled by the session`);
  }
}

/** PRAGMA settings, REINDEX, ANALYZE and VACUUM: checked, then nothing to do. */
function noOp(stmt: Extract<Statement, { kind: 'pragma' | 'reindex' | 'analyze' | 'vacuum' }>, catalog: Catalog): Executable {
  if (stmt.kind === 'reindex' && stmt.name) {
    const n = stmt.name;
    if (!catalog.findTable(n) && !catalog.findIndex(n) && !['binary', 'nocase', 'rtrim'].includes(n.toLowerCase())) {
      throw new DoSQLError('SQL_ERROR', `sql: unable to identify the object to be reindexed`);
    }
  }
  // Indexes are maintained in the same commit as rows and statistics are not used:
  // REINDEX, ANALYZE and VACUUM have nothing to do. Unknown PRAGMAs are ignored, as in SQLite.
  return { catalogVersion: catalog.version, columns: [], returnsRows: false, writes: false, execute: async () => ({ rows: NO_ROWS, changes: 0 }) };
}

/** Columns of EXPLAIN ANALYZE (OperatorProfile, op-profile.ts). */
const ANALYZE_COLUMNS = ['id', 'parent', 'operator', 'detail', 'loops', 'rows_in', 'rows_out', 'time_ms', 'self_ms'];

/**
 * EXPLAIN ANALYZE <query> (DuckDB's, Postgres'): runs the query on a plan of its own, discards
 * its rows and returns one row per operator with its loops, rows in and out and times.
 */
function explainAnalyze(inner: Statement, catalog: Catalog, temporal: ReadonlyMap<TableRef, TemporalBinding> | undefined, limits: Readonly<Limits>): Executable {
  if (inner.kind !== 'select') throw new DoSQLError('NOT_SUPPORTED', 'sql: EXPLAIN ANALYZE profiles a query (SELECT, WITH, VALUES); it does not run writes');
  return {
    catalogVersion: catalog.version,
    columns: ANALYZE_COLUMNS,
    returnsRows: true,
    writes: false,
    execute: async (env) => {
      const plan = planSelect(inner, new Scope(undefined, 0), new PlannerContext(catalog, temporal, limits));
      const profiler = new OperatorProfiler();
      profiler.attach(plan.op);
      for await (const _batch of plan.op.run(env)) {
        // The rows are counted by the profiler, not kept.
      }
      const rows: Row[] = profiler.report().map((o) => [BigInt(o.id), BigInt(o.parent), o.operator, o.detail, BigInt(o.loops), BigInt(o.rowsIn), BigInt(o.rowsOut), o.timeMs, o.selfMs]);
      return { rows, changes: 0 };
    },
  };
}
