// Input and output schemas of registered procedures (dosql/proc, docs/procedures.md). No
// schema library is a dependency, so two forms are accepted:
//   - a shape of type names, as the seeds write it: { name: 'string', role: 'string?' };
//   - any object with a parse(value) method that returns the value or throws (zod's schemas,
//     valibot's and others' wrappers), and safeParse(value) when it has one.
// A shape also fixes the parameter order of a positional CALL (its keys, in order).
import { DoSQLError } from '../../errors.js';

/** A type name of a shape field; a trailing `?` makes the field optional (undefined or null). */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'bigint' | 'blob' | 'object' | 'array' | 'any';
export type FieldSpec = FieldType | `${FieldType}?`;
/** A shape: field name to type name. */
export type Shape = Readonly<Record<string, FieldSpec>>;
/** A schema library's schema: parse() returns the (possibly transformed) value or throws. */
export interface ParserLike<T = unknown> {
  parse(value: unknown): T;
  safeParse?(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}
export type Schema = Shape | ParserLike;

type TypeOf<F extends string> = F extends 'string'
  ? string
  : F extends 'number' | 'integer'
    ? number
    : F extends 'boolean'
      ? boolean
      : F extends 'bigint'
        ? bigint
        : F extends 'blob'
          ? Uint8Array
          : F extends 'object'
            ? Record<string, unknown>
            : F extends 'array'
              ? unknown[]
              : unknown;
type Strip<F extends string> = F extends `${infer T}?` ? T : F;
type Flatten<T> = { [K in keyof T]: T[K] };

/** The value type a schema describes. */
export type Infer<S> =
  S extends ParserLike<infer T>
    ? T
    : S extends Shape
      ? Flatten<{ [K in keyof S as S[K] extends `${string}?` ? never : K]: TypeOf<S[K]> } & { [K in keyof S as S[K] extends `${string}?` ? K : never]?: TypeOf<Strip<S[K]>> | null }>
      : never;

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'bigint', 'blob', 'object', 'array', 'any']);

export function isParser(s: unknown): s is ParserLike {
  return s !== null && typeof s === 'object' && typeof (s as ParserLike).parse === 'function';
}

/** Checks a schema given to .input() / .output(): INVALID_ARGUMENT naming the field. */
export function checkSchema(s: unknown, where: string): Schema {
  if (isParser(s)) return s;
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new DoSQLError('INVALID_ARGUMENT', `proc: ${where} takes a shape like { name: 'string', role: 'string?' } or a schema with parse(), got ${s === null ? 'null' : typeof s}`);
  for (const [k, v] of Object.entries(s)) {
    if (typeof v !== 'string' || !TYPES.has(v.endsWith('?') ? v.slice(0, -1) : v)) {
      throw new DoSQLError('INVALID_ARGUMENT', `proc: ${where}: field ${k} has type ${JSON.stringify(v)}; known types: ${[...TYPES].join(', ')} (suffix ? for optional)`, { details: { field: k } });
    }
  }
  return s as Shape;
}

/** The field names of a schema, in order (a shape's keys, or a zod object's shape), for positional CALL arguments. */
export function fieldsOf(s: Schema | undefined): string[] | undefined {
  if (!s) return undefined;
  if (!isParser(s)) return Object.keys(s);
  const shape = (s as { shape?: unknown }).shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : undefined;
}

/**
 * `value` checked against `s`: the parser's result, or the value with shape fields coerced
 * where SQL cannot say it better (1/0 for a boolean, a safe number for a bigint). Throws
 * `code` (INVALID_ARGUMENT for input, PROCEDURE_ERROR for output) naming the field.
 */
export function validate(s: Schema, value: unknown, code: 'INVALID_ARGUMENT' | 'PROCEDURE_ERROR', where: string): unknown {
  if (isParser(s)) {
    if (s.safeParse) {
      const r = s.safeParse(value);
      if (r.success) return r.data;
      throw new DoSQLError(code, `proc: ${where} is invalid: ${messageOf(r.error)}`, { cause: r.error });
    }
    try {
      return s.parse(value);
    } catch (e) {
      throw new DoSQLError(code, `proc: ${where} is invalid: ${messageOf(e)}`, { cause: e });
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DoSQLError(code, `proc: ${where} must be an object with fields ${Object.keys(s).join(', ')}, got ${describe(value)}`);
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...obj };
  for (const [k, spec] of Object.entries(s)) {
    const optional = spec.endsWith('?');
    const type = (optional ? spec.slice(0, -1) : spec) as FieldType;
    const v = obj[k];
    if (v === undefined || v === null) {
      if (optional) continue;
      throw new DoSQLError(code, `proc: ${where}.${k} is required (${type})`, { details: { field: k } });
    }
    const c = coerce(type, v);
    if (c === BAD) throw new DoSQLError(code, `proc: ${where}.${k} must be ${type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a'} ${type}, got ${describe(v)}`, { details: { field: k } });
    out[k] = c;
  }
  for (const k of Object.keys(obj)) {
    if (!(k in s)) throw new DoSQLError(code, `proc: ${where} has an unknown field ${k} (fields: ${Object.keys(s).join(', ')})`, { details: { field: k } });
  }
  return out;
}

const BAD = Symbol('bad');

function coerce(type: FieldType, v: unknown): unknown {
  switch (type) {
    case 'any':
      return v;
    case 'string':
      return typeof v === 'string' ? v : BAD;
    case 'number':
      return typeof v === 'number' ? v : typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : BAD;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : BAD;
    case 'boolean':
      return typeof v === 'boolean' ? v : v === 0 || v === 1 ? v === 1 : BAD; // SQL has no booleans: 1 and 0
    case 'bigint':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : BAD;
    case 'blob':
      return v instanceof Uint8Array ? v : BAD;
    case 'array':
      return Array.isArray(v) ? v : BAD;
    case 'object':
      return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? v : BAD;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'a Uint8Array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${typeof v === 'object' ? '' : String(v)}`.trim();
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
