// Running procedures (docs/procedures.md): the CALL statement's runner (env.procedures) and
// the transaction executor.execute() runs a registered procedure in. A CALL finds its
// procedure among the ones registered on the handle (dosql/proc's executor attaches them),
// then among the catalog's SQL-stored MODULE procedures of the statement's read point (so
// those time-travel and branch with the schema). Either kind runs with `ctx.db` inside the
// caller's transaction: a rollback of the caller undoes the procedure's writes.
//
// SQL-stored code needs a sandbox that can evaluate it. The core has none (it must load in
// workerd, where eval is forbidden); the Node entry installs one (src/node/proc-sandbox.ts).
// Without it, CALL of a MODULE procedure is NOT_SUPPORTED with the reason.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import type { ProcedureSchema } from '../catalog/schema.js';
import type { ProcedureArgument, Row } from '../execution/env.js';
import type { Limits } from '../execution/limits.js';
import type { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import type { DatabaseParts } from './database.js';
import { ProcedureDb } from './procedure-db.js';
import { toSqlValue, type BindValue, type JsValue } from './values.js';

/** One CALL argument as the procedure gets it: INTEGERs as numbers when exact, else bigint. */
export interface ProcedureArg {
  readonly name?: string;
  readonly value: JsValue;
}

/** What a procedure's handler is given (seed 000/001's ProcedureContext). */
export interface ProcedureContext {
  /** The database, inside the caller's transaction. */
  readonly db: ProcedureDb;
  /** The procedure's name as registered or created. */
  readonly procedure: string;
  /** What the executor was given as `env` (createProcedureExecutor(db, registry, { env })); {} otherwise. */
  readonly env: Readonly<Record<string, unknown>>;
}

/** A procedure registered on a handle (dosql/proc's registry, attached by its executor). */
export interface RegisteredProcedure {
  readonly name: string;
  /** Runs the procedure with the CALL's arguments (positional and named, as written). */
  call(ctx: ProcedureContext, args: readonly ProcedureArg[]): Promise<unknown>;
}

/** Finds a registered procedure by name (case-insensitive), or undefined. */
export type ProcedureResolver = (name: string) => RegisteredProcedure | undefined;

/** One run of a SQL-stored MODULE procedure, as the sandbox gets it. */
export interface SandboxCall {
  readonly name: string;
  /** The module source: its default export is called as (ctx, ...args). */
  readonly source: string;
  /** Positional arguments (named ones placed by the module's parameter names). */
  readonly args: readonly (JsValue | undefined)[];
  /** Limits (limits.procedureTimeoutMs, limits.procedureMemoryMb). */
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /** ctx.db: runs statements in the caller's transaction. */
  readonly db: ProcedureDb;
}

/**
 * Evaluates SQL-stored module code. Must stop code that runs past `timeoutMs` with INTERRUPTED
 * and code that outgrows `memoryMb` with LIMIT_EXCEEDED, without harming the process.
 */
export interface ModuleSandbox {
  run(call: SandboxCall): Promise<unknown>;
}

let sandbox: ModuleSandbox | undefined;

/** @internal The Node entry installs its sandbox (src/node/proc-sandbox.ts); Workers install none. */
export function installModuleSandbox(s: ModuleSandbox | undefined): void {
  sandbox = s;
}

/** The procedures of one Database handle. */
export class ProcedureHost {
  private resolver: ProcedureResolver | undefined;
  env: Readonly<Record<string, unknown>> = {};

  constructor(private readonly parts: () => DatabaseParts) {}

  /** Registered procedures CALL finds (before SQL-stored ones); undefined detaches them. */
  attach(resolver: ProcedureResolver | undefined, env: Readonly<Record<string, unknown>> = {}): void {
    this.resolver = resolver;
    this.env = env;
  }

  /** CALL name(args) in `txn`: the result as rows (see resultRows). */
  async call(txn: Transaction, name: string, args: readonly ProcedureArgument[], limits: Readonly<Limits>): Promise<{ columns: readonly string[]; rows: Row[] }> {
    const jsArgs = args.map((a) => (a.name !== undefined ? { name: a.name, value: jsArg(a.value) } : { value: jsArg(a.value) }));
    const registered = this.resolver?.(name);
    const stored = registered ? undefined : txn.catalog.findProcedure(name);
    if (!registered && !stored) throw new DoSQLError('SQL_ERROR', `sql: no such procedure: ${name}`, { details: { name } });
    const db = new ProcedureDb(this.parts(), txn);
    try {
      const out = registered
        ? await registered.call({ db, procedure: registered.name, env: this.env }, jsArgs)
        : await runStored(stored!, jsArgs, db, limits);
      return resultRows(name, out);
    } finally {
      db.finish();
    }
  }

  /** Runs `fn` with a ctx.db in a transaction of its own, committed when it resolves (executor.execute()). */
  async inTransaction<T>(fn: (db: ProcedureDb) => Promise<T>): Promise<T> {
    const { core } = this.parts();
    const engine: LsmEngine = await core.eng();
    const txn = await core.begin(engine);
    const db = new ProcedureDb(this.parts(), txn);
    let result: T;
    try {
      result = await fn(db);
    } catch (e) {
      db.finish();
      txn.release();
      throw e;
    }
    db.finish();
    await core.commit(engine, txn);
    if (core.afterTriggersPending) await core.drainAfterTriggers();
    return result;
  }
}

async function runStored(p: ProcedureSchema, args: readonly ProcedureArg[], db: ProcedureDb, limits: Readonly<Limits>): Promise<unknown> {
  if (!sandbox) {
    throw new DoSQLError(
      'NOT_SUPPORTED',
      `proc: procedure ${p.name} is SQL-stored code (CREATE PROCEDURE ... AS MODULE), which needs a sandbox that evaluates code; this runtime has none (Cloudflare Workers forbid eval and new Function). Register the procedure with procedure() from dosql/proc and createProcedureExecutor(db, registry) instead: registered procedures run here`,
      { details: { name: p.name, reason: 'no-sandbox' } },
    );
  }
  return sandbox.run({ name: p.name, source: p.source, args: positional(p, args), timeoutMs: limits.procedureTimeoutMs, memoryMb: limits.procedureMemoryMb, db });
}

/** The arguments in the module's parameter order: positional first, then named ones by parameter name. */
function positional(p: ProcedureSchema, args: readonly ProcedureArg[]): (JsValue | undefined)[] {
  const out: (JsValue | undefined)[] = [];
  let given = 0;
  for (const a of args) {
    if (a.name === undefined) {
      out.push(a.value);
      given++;
      continue;
    }
    const i = p.params.findIndex((n) => n.toLowerCase() === a.name!.toLowerCase());
    if (i < 0) throw new DoSQLError('SQL_ERROR', `sql: CALL ${p.name}: no parameter named ${a.name} (parameters: ${p.params.filter((n) => n).join(', ') || 'none'})`, { details: { name: p.name, argument: a.name } });
    if (i < given) throw new DoSQLError('SQL_ERROR', `sql: CALL ${p.name}: argument ${a.name} is also given by position`, { details: { name: p.name, argument: a.name } });
    while (out.length <= i) out.push(undefined);
    out[i] = a.value;
  }
  return out;
}

function jsArg(v: SqlValue): JsValue {
  if (typeof v === 'bigint' && v <= 9007199254740991n && v >= -9007199254740991n) return Number(v);
  return v;
}

/**
 * A procedure's result as rows: an array of objects is rows (columns: the keys in first-seen
 * order), one object is one row, undefined or null is no rows, anything else is one row of
 * one column `result`. Booleans are 1/0; nested objects and arrays are JSON text.
 */
export function resultRows(name: string, out: unknown): { columns: readonly string[]; rows: Row[] } {
  if (out === undefined || out === null) return { columns: [], rows: [] };
  const objects = Array.isArray(out) && out.every(isRecord) ? (out as Record<string, unknown>[]) : isRecord(out) ? [out] : undefined;
  if (!objects) return { columns: ['result'], rows: [[sqlOf(name, out)]] };
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) for (const k of Object.keys(o)) if (!seen.has(k)) (seen.add(k), columns.push(k));
  return { columns, rows: objects.map((o) => columns.map((c) => sqlOf(name, o[c]))) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

function sqlOf(name: string, v: unknown): SqlValue {
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  if (typeof v === 'function' || typeof v === 'symbol') throw new DoSQLError('INVALID_ARGUMENT', `proc: procedure ${name} returned a ${typeof v}, which is not a SQL value`);
  return toSqlValue(v as BindValue, `procedure ${name}'s result`);
}
