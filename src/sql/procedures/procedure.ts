// The procedure builder of seeds 000 and 001 (dosql/proc, docs/procedures.md):
//   procedure('create_user').input({ name: 'string', role: 'string?' }).output({ id: 'number' })
//     .handler(async (ctx, input) => ...)
// A procedure is called with one input object (executor.execute(name, input)) or with CALL's
// arguments: positional ones fill the input's fields in the schema's order, named ones by name.
// Input is validated before the handler runs (INVALID_ARGUMENT naming the field), output after
// (PROCEDURE_ERROR). withRetry() (registry.ts) adds retries around it.
import { DoSQLError } from '../../errors.js';
import type { ProcedureArg, ProcedureContext, RegisteredProcedure } from '../api/procedures.js';
import { checkSchema, fieldsOf, validate, type Infer, type Schema } from './schema-check.js';

export type { ProcedureContext };

/** When a procedure is retried (withRetry): attempts after the first, and the backoff. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  readonly maxRetries?: number;
  /** Delay before the first retry, ms, doubled for each next one (default 100). */
  readonly baseDelayMs?: number;
  /** Longest delay, ms (default 5000). */
  readonly maxDelayMs?: number;
  /** Which errors are retried; default: a retryable DoSQLError (WRITE_CONFLICT, BUSY, IO_ERROR) or any error that is not a DoSQLError (a failed fetch). */
  readonly retryOn?: (error: unknown) => boolean;
}

export type ProcedureHandler<I, O> = (ctx: ProcedureContext, input: I) => Promise<O> | O;

/** A registered procedure: its name, schemas and handler. */
export interface Procedure<I = unknown, O = unknown> extends RegisteredProcedure {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: Schema;
  readonly outputSchema?: Schema;
  readonly retry?: RetryOptions;
  readonly handler: ProcedureHandler<I, O>;
  /** Validates `input`, runs the handler with `ctx`, validates its output (no retries: the executor adds them). */
  invoke(ctx: ProcedureContext, input: unknown): Promise<O>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class ProcedureBuilder<I = unknown, O = unknown> {
  /** @internal */
  constructor(
    private readonly def: { name: string; description?: string; input?: Schema; output?: Schema; retry?: RetryOptions },
  ) {}

  /** The input schema: a shape ({ field: 'string' | 'number' | ... , '?' for optional }) or a schema with parse(). */
  input<S extends Schema>(schema: S): ProcedureBuilder<Infer<S>, O> {
    return new ProcedureBuilder<Infer<S>, O>({ ...this.def, input: checkSchema(schema, `procedure ${this.def.name}: input()`) });
  }

  /** The output schema, checked against what the handler returns. */
  output<S extends Schema>(schema: S): ProcedureBuilder<I, Infer<S>> {
    return new ProcedureBuilder<I, Infer<S>>({ ...this.def, output: checkSchema(schema, `procedure ${this.def.name}: output()`) });
  }

  description(text: string): ProcedureBuilder<I, O> {
    return new ProcedureBuilder<I, O>({ ...this.def, description: text });
  }

  /** Retries the whole procedure on transient errors (see RetryOptions). */
  retry(options: RetryOptions = {}): ProcedureBuilder<I, O> {
    return new ProcedureBuilder<I, O>({ ...this.def, retry: checkRetry(options) });
  }

  handler(fn: ProcedureHandler<I, O>): Procedure<I, O> {
    if (typeof fn !== 'function') throw new DoSQLError('INVALID_ARGUMENT', `proc: procedure ${this.def.name}: handler() takes a function`);
    return makeProcedure(this.def, fn as ProcedureHandler<unknown, unknown>) as Procedure<I, O>;
  }
}

/** Starts a procedure definition (seed 000: procedure('transfer_funds').input(...).output(...).handler(...)). */
export function procedure(name: string): ProcedureBuilder {
  if (typeof name !== 'string' || !NAME.test(name)) throw new DoSQLError('INVALID_ARGUMENT', `proc: a procedure name is an identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(name)}`);
  return new ProcedureBuilder({ name });
}

/** @internal A procedure from a definition (the builder, withRetry, defineProcedures). */
export function makeProcedure(def: { name: string; description?: string; input?: Schema; output?: Schema; retry?: RetryOptions }, fn: ProcedureHandler<unknown, unknown>): Procedure {
  const fields = fieldsOf(def.input);
  const invoke = async (ctx: ProcedureContext, input: unknown): Promise<unknown> => {
    const checked = def.input ? validate(def.input, input, 'INVALID_ARGUMENT', `procedure ${def.name}: input`) : input;
    const out = await fn(ctx, checked);
    return def.output ? validate(def.output, out, 'PROCEDURE_ERROR', `procedure ${def.name}: output`) : out;
  };
  return {
    name: def.name,
    ...(def.description !== undefined ? { description: def.description } : {}),
    ...(def.input ? { inputSchema: def.input } : {}),
    ...(def.output ? { outputSchema: def.output } : {}),
    ...(def.retry ? { retry: def.retry } : {}),
    handler: fn,
    invoke,
    // CALL: the arguments become the input object (fields in schema order), then retries as configured.
    call: (ctx, args) => withRetries(def.retry, () => invoke(ctx, inputOf(def.name, fields, args)), () => ctx.db.savepoint(), (m) => ctx.db.rollbackTo(m)),
  };
}

/**
 * The input object of a CALL: positional arguments fill `fields` in order, named ones their
 * field. Without a shape: the named arguments as an object, or the one positional argument.
 */
function inputOf(name: string, fields: string[] | undefined, args: readonly ProcedureArg[]): unknown {
  const positional = args.filter((a) => a.name === undefined).map((a) => a.value);
  const named = args.filter((a) => a.name !== undefined);
  if (!fields) {
    if (named.length && positional.length) throw new DoSQLError('INVALID_ARGUMENT', `proc: CALL ${name}: a procedure without an input shape takes named or positional arguments, not both`);
    if (named.length) return Object.fromEntries(named.map((a) => [a.name!, a.value]));
    return positional.length <= 1 ? positional[0] : positional;
  }
  if (positional.length > fields.length) throw new DoSQLError('INVALID_ARGUMENT', `proc: CALL ${name}: ${positional.length} arguments given, the procedure takes ${fields.length} (${fields.join(', ')})`);
  const input: Record<string, unknown> = {};
  positional.forEach((v, i) => (input[fields[i]!] = v));
  for (const a of named) {
    const f = fields.find((x) => x.toLowerCase() === a.name!.toLowerCase());
    if (!f) throw new DoSQLError('INVALID_ARGUMENT', `proc: CALL ${name}: no parameter named ${a.name} (parameters: ${fields.join(', ')})`, { details: { argument: a.name } });
    if (f in input) throw new DoSQLError('INVALID_ARGUMENT', `proc: CALL ${name}: argument ${a.name} is also given by position`, { details: { argument: a.name } });
    input[f] = a.value;
  }
  return input;
}

/** Checks RetryOptions: INVALID_ARGUMENT naming the option. */
export function checkRetry(o: RetryOptions): RetryOptions {
  if (o === null || typeof o !== 'object') throw new DoSQLError('INVALID_ARGUMENT', 'proc: retry options must be an object');
  for (const k of Object.keys(o)) if (!['maxRetries', 'baseDelayMs', 'maxDelayMs', 'retryOn'].includes(k)) throw new DoSQLError('INVALID_ARGUMENT', `proc: unknown retry option ${k} (known: maxRetries, baseDelayMs, maxDelayMs, retryOn)`);
  for (const k of ['maxRetries', 'baseDelayMs', 'maxDelayMs'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)) throw new DoSQLError('INVALID_ARGUMENT', `proc: retry option ${k} must be an integer >= 0, got ${String(v)}`);
  }
  if (o.retryOn !== undefined && typeof o.retryOn !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'proc: retry option retryOn must be a function');
  return o;
}

function retryable(e: unknown): boolean {
  return e instanceof DoSQLError ? e.retryable : true;
}

/**
 * Runs `attempt`, again after a retryable error while retries are left (`retry` undefined: once).
 * `mark`/`undo` bracket each attempt (a savepoint inside the caller's transaction) so a failed
 * attempt leaves no writes behind.
 */
export async function withRetries<T>(retry: RetryOptions | undefined, attempt: () => Promise<T>, mark?: () => number, undo?: (m: number) => void): Promise<T> {
  const max = retry ? (retry.maxRetries ?? 3) : 0;
  const base = retry?.baseDelayMs ?? 100;
  const cap = retry?.maxDelayMs ?? 5000;
  const retryOn = retry?.retryOn ?? retryable;
  for (let i = 0; ; i++) {
    const m = mark?.();
    try {
      return await attempt();
    } catch (e) {
      if (m !== undefined) undo?.(m);
      if (i >= max || !retryOn(e)) throw e;
      const delay = Math.min(cap, base * 2 ** i);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    }
  }
}
