// Binding JavaScript values to a statement's parameter slots. The reference is better-sqlite3
// (src/util/binder.cpp), itself SQLite's slot numbering (lang_expr.html#varparam):
//
// - Slots are 1..paramCount. A slot that a name (`:a`, `@a`, `$a`) took is named; every other
//   slot (`?`, `?NNN`, and gaps a `?NNN` left) is positional and takes the next positional value.
// - Every positional slot needs a value and no value may be left over, and every name needs an
//   own property of the named-values object: a missing or extra value is INVALID_ARGUMENT naming
//   the parameter (better-sqlite3 throws RangeError; SQLite's C API would bind NULL silently).
// - Statement calls take better-sqlite3's arguments: values, arrays of values (spread), and at
//   most one plain object of named values. `db.query(sql, params)` takes one array or one plain
//   object. A name is looked up bare (`a`, as better-sqlite3 does) or with its prefix (`:a`).
//
// Where dosql differs from better-sqlite3, on purpose: `?NNN` slots bind positionally (as
// sqlite3_bind_* by index; better-sqlite3 cannot bind them at all), booleans bind as 1/0, and
// a prefixed key (`{ ':a': 1 }`) is accepted. Scripts (`db.exec`) bind nothing and read every
// parameter as NULL, as sqlite3_exec does.
import { DoSQLError } from '../../errors.js';
import { hasOwn } from '../../util/record.js';
import type { ParsedStatement } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { toSqlValue, type BindParams, type BindValue } from './values.js';

/** The arguments of one statement call, sorted into positional values and named values (not public API; hosts see it through host.ts). */
export class StatementArgs {
  constructor(
    readonly positional: readonly unknown[],
    readonly named: Readonly<Record<string, unknown>> | undefined,
    /** Scripts: unbound parameters are NULL (sqlite3_exec) instead of an error. */
    readonly unboundIsNull = false,
  ) {}
}

/** What `db.exec` scripts bind: nothing; every parameter reads NULL (not public API; hosts see it through host.ts). */
export const SCRIPT_ARGS = new StatementArgs([], undefined, true);

/** True for `{...}` and `Object.create(null)`: the only objects that carry named values. */
function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for error messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  if (typeof v === 'string') return `a string`;
  return `a ${typeof v}`;
}

/**
 * The arguments of a statement call (`stmt.all(...args)`), as better-sqlite3 reads them:
 * an array contributes its elements as positional values, a plain object is the named values
 * (at most one), anything else is one positional value.
 */
export function statementArgs(args: readonly unknown[], hasNamed: boolean): StatementArgs {
  const positional: unknown[] = [];
  let named: Readonly<Record<string, unknown>> | undefined;
  for (const a of args) {
    if (Array.isArray(a)) positional.push(...(a as unknown[]));
    else if (a !== null && typeof a === 'object' && !(a instanceof Uint8Array)) {
      if (isPlainObject(a)) {
        if (named) throw new DoSQLError('INVALID_ARGUMENT', 'sql: named parameters were given in two objects; pass one object of named values');
        named = a as Readonly<Record<string, unknown>>;
      } else if (hasNamed) {
        throw new DoSQLError('INVALID_ARGUMENT', `sql: named parameters must be given in a plain object, got ${describeValue(a)}`);
      } else positional.push(a);
    } else positional.push(a);
  }
  return new StatementArgs(positional, named);
}

/** `params` of `db.query(sql, params)`: an array of positional values or a plain object of named values. */
function fromParams(params: BindParams | StatementArgs | null | undefined): StatementArgs {
  if (params instanceof StatementArgs) return params;
  if (params === undefined || params === null) return NO_ARGS;
  if (Array.isArray(params)) return new StatementArgs(params as readonly BindValue[], undefined);
  if (typeof params === 'object' && !(params instanceof Uint8Array) && isPlainObject(params)) return new StatementArgs([], params as Readonly<Record<string, BindValue>>);
  throw new DoSQLError('INVALID_ARGUMENT', `sql: parameters must be an array of values or a plain object of named values, got ${describeValue(params)}`);
}

const NO_ARGS = new StatementArgs([], undefined);

/**
 * The statement's parameter values by slot (index i holds slot i + 1). Throws INVALID_ARGUMENT
 * naming the parameter when a value is missing, left over, or of a type that cannot be bound
 * (see toSqlValue), and RANGE for a bigint outside 64 bits.
 */
export function bindParams(p: ParsedStatement, params: BindParams | StatementArgs | null | undefined): SqlValue[] {
  const n = p.paramCount;
  if (Array.isArray(params) && params.length === n && p.paramNames.length === 0) {
    // One value per positional slot (the prepared INSERT of a load loop): no StatementArgs.
    const out: SqlValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = toSqlValue(params[i] as BindValue, positionalLabel(i + 1));
    return out;
  }
  const args = fromParams(params);
  const out: SqlValue[] = new Array(p.paramCount).fill(null);
  if (args.unboundIsNull) return out;
  const namedSlots = p.paramNames.length ? new Set(p.paramNames.map(([, i]) => i)) : undefined;
  const pos = args.positional;
  let k = 0;
  let slots = 0;
  for (let i = 1; i <= p.paramCount; i++) {
    if (namedSlots?.has(i)) continue;
    slots++;
    if (k < pos.length) out[i - 1] = toSqlValue(pos[k++] as BindValue, positionalLabel(i));
    else throw missingPositional(i, pos.length, p.paramCount - (namedSlots?.size ?? 0));
  }
  if (k < pos.length) {
    throw new DoSQLError('INVALID_ARGUMENT', `sql: too many parameter values: the statement takes ${slots} positional value${slots === 1 ? '' : 's'}, got ${pos.length}`, {
      details: { expected: slots, given: pos.length },
    });
  }
  if (p.paramNames.length === 0) return out;
  const named = args.named;
  for (const [name, index] of p.paramNames) {
    const bare = name.slice(1);
    let v: unknown;
    if (named && hasOwn(named, bare)) v = named[bare];
    else if (named && hasOwn(named, name)) v = named[name];
    else {
      const how = named ? 'the object of named values has no own property' : 'no object of named values was given; expected one with';
      throw new DoSQLError('INVALID_ARGUMENT', `sql: missing named parameter ${name}: ${how} ${JSON.stringify(bare)}`, { details: { parameter: name } });
    }
    out[index - 1] = toSqlValue(v as BindValue, `parameter ${name}`);
  }
  return out;
}

const labels: string[] = [];

/** `parameter ?i`, made once per slot number (a template string per value bound was garbage per row). */
function positionalLabel(i: number): string {
  return (labels[i] ??= `parameter ?${i}`);
}

function missingPositional(slot: number, given: number, expected: number): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `sql: missing value for parameter ?${slot}: the statement takes ${expected} positional value${expected === 1 ? '' : 's'}, got ${given}`, {
    details: { parameter: `?${slot}`, expected, given },
  });
}

/** Throws INVALID_ARGUMENT unless `sql` is a string (JavaScript callers can pass anything). */
export function checkSql(sql: unknown): asserts sql is string {
  if (typeof sql !== 'string') throw new DoSQLError('INVALID_ARGUMENT', `sql: the SQL text must be a string, got ${describeValue(sql)}`);
}

/** Scripts bind nothing: parameters given to `exec` are refused, not silently dropped. */
export function refuseScriptParams(params: unknown, what = 'exec()'): void {
  if (params !== undefined) {
    throw new DoSQLError('INVALID_ARGUMENT', `sql: ${what} runs a script and binds no parameters (as sqlite3_exec); bind values with run() or query(), one statement at a time`);
  }
}
