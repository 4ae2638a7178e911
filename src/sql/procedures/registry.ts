// The procedure registry and executor of seeds 000 and 001 (dosql/proc, docs/procedures.md),
// and the functional helpers withRetry, withValidation and defineProcedures.
//
// createProcedureExecutor(db, registry) does two things: execute(name, input) runs a
// registered procedure in a transaction of its own (committed when it returns, rolled back
// when it throws, retried as its retry options say), and it attaches the registry to `db`,
// so SQL `CALL name(...)` finds the registered procedures too (before SQL-stored ones).
import { DoSQLError } from '../../errors.js';
import { Database, databaseParts } from '../api/database.js';
import type { ProcedureContext } from '../api/procedures.js';
import { checkRetry, makeProcedure, withRetries, type Procedure, type RetryOptions } from './procedure.js';

export interface ProcedureRegistry {
  /** Adds a procedure; INVALID_ARGUMENT when one of the same name (case-insensitive) is registered. */
  register(p: Procedure<never, unknown> | Procedure): this;
  unregister(name: string): boolean;
  get(name: string): Procedure | undefined;
  has(name: string): boolean;
  list(): Procedure[];
}

export function createProcedureRegistry(): ProcedureRegistry {
  const byName = new Map<string, Procedure>();
  const registry: ProcedureRegistry = {
    register(p) {
      const proc = p as Procedure;
      if (proc === null || typeof proc !== 'object' || typeof proc.name !== 'string' || typeof proc.call !== 'function' || typeof proc.invoke !== 'function') {
        throw new DoSQLError('INVALID_ARGUMENT', 'proc: registry.register() takes a procedure made by procedure(name)...handler(fn)');
      }
      const k = proc.name.toLowerCase();
      if (byName.has(k)) throw new DoSQLError('INVALID_ARGUMENT', `proc: procedure ${proc.name} is already registered`, { details: { name: proc.name } });
      byName.set(k, proc);
      return registry;
    },
    unregister: (name) => byName.delete(String(name).toLowerCase()),
    get: (name) => byName.get(String(name).toLowerCase()),
    has: (name) => byName.has(String(name).toLowerCase()),
    list: () => [...byName.values()],
  };
  return registry;
}

export interface ProcedureExecutor {
  /** Runs procedure `name` with `input` in its own transaction; NOT_FOUND when it is not registered. */
  execute<O = unknown>(name: string, input?: unknown): Promise<O>;
  /** Detaches the registry from the database (CALL no longer finds its procedures). */
  close(): void;
}

export interface ExecutorOptions {
  /** Given to handlers as ctx.env (bindings, configuration). */
  readonly env?: Readonly<Record<string, unknown>>;
}

export function createProcedureExecutor(db: Database, registry: ProcedureRegistry, options: ExecutorOptions = {}): ProcedureExecutor {
  if (!(db instanceof Database)) throw new DoSQLError('INVALID_ARGUMENT', 'proc: createProcedureExecutor() takes a database from DB() first');
  if (registry === null || typeof registry !== 'object' || typeof registry.get !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'proc: createProcedureExecutor() takes a registry from createProcedureRegistry() second');
  const env = options.env ?? {};
  const host = databaseParts(db).procedures;
  db.attachProcedures((name) => registry.get(name), env);
  return {
    async execute<O>(name: string, input?: unknown): Promise<O> {
      const p = registry.get(name);
      if (!p) throw new DoSQLError('NOT_FOUND', `proc: no registered procedure ${String(name)} (registered: ${registry.list().map((x) => x.name).join(', ') || 'none'}; SQL-stored procedures run with CALL)`, { details: { name } });
      return withRetries(p.retry, () => host.inTransaction((pdb) => p.invoke({ db: pdb, procedure: p.name, env }, input))) as Promise<O>;
    },
    close() {
      db.attachProcedures(undefined);
    },
  };
}

/** A function procedure of defineProcedures: (ctx, ...args). */
export type ProcedureFn = (ctx: ProcedureContext, ...args: never[]) => Promise<unknown> | unknown;

const RETRY = Symbol('dosql.retry');
const VALIDATORS = Symbol('dosql.validators');
type Tagged = ProcedureFn & { [RETRY]?: RetryOptions; [VALIDATORS]?: Readonly<Record<string, (v: unknown) => boolean>> };

/**
 * Retries on transient errors (seed 000): wraps a function procedure for defineProcedures, or
 * returns a registered procedure with retry options. Each retry runs in a new transaction
 * (executor.execute, defineProcedures) or after rolling back to a savepoint (CALL).
 */
export function withRetry<F extends ProcedureFn>(fn: F, options?: RetryOptions): F;
export function withRetry<P extends Procedure>(p: P, options?: RetryOptions): P;
export function withRetry(target: ProcedureFn | Procedure, options: RetryOptions = {}): ProcedureFn | Procedure {
  const retry = checkRetry(options);
  if (typeof target === 'function') {
    const f: Tagged = (ctx, ...args) => target(ctx, ...args);
    const inner = (target as Tagged)[VALIDATORS];
    if (inner) f[VALIDATORS] = inner;
    f[RETRY] = retry;
    return f;
  }
  if (target === null || typeof target !== 'object' || typeof target.invoke !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'proc: withRetry() takes a function or a procedure');
  return makeProcedure({ name: target.name, ...(target.description !== undefined ? { description: target.description } : {}), ...(target.inputSchema ? { input: target.inputSchema } : {}), ...(target.outputSchema ? { output: target.outputSchema } : {}), retry }, target.handler as never);
}

/**
 * Checks the first argument's fields with predicates before the function runs (seed 000):
 * INVALID_ARGUMENT naming the first field whose predicate returns false.
 */
export function withValidation<F extends ProcedureFn>(fn: F, validators: Readonly<Record<string, (value: unknown) => boolean>>): F {
  if (validators === null || typeof validators !== 'object') throw new DoSQLError('INVALID_ARGUMENT', 'proc: withValidation() takes an object of predicates');
  for (const [k, v] of Object.entries(validators)) if (typeof v !== 'function') throw new DoSQLError('INVALID_ARGUMENT', `proc: withValidation(): the check of ${k} is not a function`);
  const f: Tagged = (ctx, ...args) => fn(ctx, ...(args as never[]));
  f[VALIDATORS] = validators;
  return f as F;
}

type Bound<T extends Record<string, ProcedureFn>> = { [K in keyof T]: T[K] extends (ctx: ProcedureContext, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/**
 * Function procedures bound to a database (seed 000's functional API): each call runs the
 * function with ctx.db in a transaction of its own, committed when it resolves.
 */
export function defineProcedures<T extends Record<string, ProcedureFn>>(defs: T, options: { db: Database; env?: Readonly<Record<string, unknown>> }): Bound<T> {
  if (options === null || typeof options !== 'object' || !(options.db instanceof Database)) {
    throw new DoSQLError('INVALID_ARGUMENT', 'proc: defineProcedures(defs, { db }) needs the database its procedures run on (a database from DB())');
  }
  const host = databaseParts(options.db).procedures;
  const env = options.env ?? {};
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(defs)) {
    if (typeof fn !== 'function') throw new DoSQLError('INVALID_ARGUMENT', `proc: defineProcedures(): ${name} is not a function`);
    const t = fn as Tagged;
    out[name] = async (...args) => {
      const checks = t[VALIDATORS];
      if (checks) {
        const first = args[0] as Record<string, unknown> | undefined;
        for (const [k, ok] of Object.entries(checks)) {
          if (!ok(first?.[k])) throw new DoSQLError('INVALID_ARGUMENT', `proc: procedure ${name}: argument field ${k} failed its validation`, { details: { name, field: k } });
        }
      }
      return withRetries(t[RETRY], () => host.inTransaction((db) => Promise.resolve(fn({ db, procedure: name, env }, ...(args as never[])))));
    };
  }
  return out as Bound<T>;
}
