// Per-execution state shared by the operators and compiled expressions of one statement.
import type { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { StatementGuard } from './statement-guard.js';

/** A row flowing between operators: values at fixed positions decided by the planner. */
export type Row = SqlValue[];

/** One argument of CALL, evaluated: positional, or named. */
export interface ProcedureArgument {
  readonly name?: string;
  readonly value: SqlValue;
}

/**
 * Runs `CALL name(args)` in the statement's transaction (set by the session, api/procedures.ts):
 * the procedure's result as rows. The planner only evaluates the arguments.
 */
export type ProcedureCaller = (name: string, args: readonly ProcedureArgument[]) => Promise<{ readonly columns: readonly string[]; readonly rows: Row[] }>;

/** How many rows operators pass per batch. */
export const BATCH_ROWS = 256;

/** Connection-level facts some SQL functions report (changes(), last_insert_rowid()). */
export interface SessionInfo {
  changes: number;
  totalChanges: number;
  lastInsertRowId: bigint;
  /** PRAGMA foreign_keys of the connection; undefined means ON (dosql's default, as D1's). */
  foreignKeys?: boolean;
}

export class ExecEnv {
  /** Rows of enclosing queries, by nesting level, for correlated references. */
  readonly outer: Row[] = [];
  /** Results of subqueries prepared for the row being evaluated, by subquery slot. */
  readonly sub: unknown[] = [];
  /** The table's columnar runs with the hot sources beside them, when it has runs (see columnar-aggregate-op.ts); release what it returns. */
  cold?: (tableId: number) => import('./columnar-aggregate-op.js').ColdSource | undefined;
  /** FOR SYSTEM_TIME references resolved for this execution (see planner-context TemporalBinding). */
  temporal?: ReadonlyMap<object, unknown>;
  /** External references resolved for this execution (planner/external-tables.ts), for plans made while running (CREATE TABLE ... AS SELECT). */
  external?: ReadonlyMap<import('../parser/ast.js').TableFunctionRef, import('../functions/table-functions.js').TableFunction>;
  /** The statement runs inside an explicit transaction (BEGIN ... COMMIT): some PRAGMAs do nothing then. */
  inTransaction = false;
  /** Foreign-key counts and the trigger stack of the top-level statement (set for statements triggers run). */
  hooks?: import('./triggers.js').RowHooks;
  /** The conflict resolution of the statement that fired the trigger running this one (it replaces this one's own). */
  conflictOverride?: import('../parser/ast.js').ConflictAction;
  /** Programmatic row triggers of the database (dosql/triggers), when any are attached. */
  rowTriggers?: import('./row-triggers.js').RowTriggerHooks;
  /** CALL's procedure runner, when the session provides one (api/procedures.ts). */
  procedures?: ProcedureCaller;
  private subCacheMap: Map<number, unknown> | undefined;
  private subBytesMap: Map<number, number> | undefined;
  /** Uncorrelated subquery results, computed once per statement execution (made on first use: most statements have none). */
  get subCache(): Map<number, unknown> {
    return (this.subCacheMap ??= new Map());
  }
  /** Bytes charged to the guard for the IN-list held in each subquery slot. */
  get subBytes(): Map<number, number> {
    return (this.subBytesMap ??= new Map());
  }
  private now: number | undefined;
  private readonly clock: (() => number) | undefined;

  constructor(
    readonly txn: Transaction,
    readonly params: readonly SqlValue[],
    readonly session: SessionInfo,
    /** The statement's clock reading (ms), or the clock to read it from when first asked for. */
    nowMs: number | (() => number),
    readonly random: () => bigint,
    /** The statement's limits, deadline and memory budget (statement-guard.ts). */
    readonly guard: StatementGuard = new StatementGuard(),
  ) {
    if (typeof nowMs === 'number') this.now = nowMs;
    else this.clock = nowMs;
  }

  /** The largest TEXT or BLOB the statement may build (FunctionContext; limits.maxLength). */
  get maxLength(): number {
    return this.guard.limits.maxLength;
  }

  /** The statement's clock reading: constant within one statement, as SQLite's 'now' (read when first asked for). */
  nowMs(): number {
    // Read once, on first use: most statements never ask.
    return (this.now ??= this.clock!());
  }
}

/**
 * `env` reading through `txn` instead of its own transaction (a read view of a past LSN):
 * everything else — parameters, guard, clock, subquery cache — is the statement's own.
 */
export function envWithTxn(env: ExecEnv, txn: Transaction): ExecEnv {
  if (env.txn === txn) return env;
  return Object.create(env, { txn: { value: txn, enumerable: true } }) as ExecEnv;
}
