// Avro binary encoding and Object Container File writer, without code generation (it must run
// in workerd, where `new Function` is refused). Format: docs/format/iceberg.md, "Avro".
// Source: the Avro 1.11 specification, "Binary Encoding" and "Object Container Files".
import { DoSQLError } from '../errors.js';
import { ByteWriter } from '../util/byte-writer.js';

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** Extra attributes (`field-id`, `element-id`, `logicalType`, ...) are kept verbatim in the header. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  fields: AvroField[];
  [attribute: string]: unknown;
}

export interface AvroField {
  name: string;
  type: AvroSchema;
  default?: unknown;
  'field-id'?: number;
  [attribute: string]: unknown;
}

export interface AvroArraySchema {
  type: 'array';
  items: AvroSchema;
  [attribute: string]: unknown;
}

export interface AvroMapSchema {
  type: 'map';
  values: AvroSchema;
  [attribute: string]: unknown;
}

export interface AvroFixedSchema {
  type: 'fixed';
  name: string;
  namespace?: string;
  size: number;
  [attribute: string]: unknown;
}

export interface AvroEnumSchema {
  type: 'enum';
  name: string;
  namespace?: string;
  symbols: string[];
  [attribute: string]: unknown;
}

/** A primitive wrapped in an object so it can carry attributes (`{ type: 'int', logicalType: 'date' }`). */
export interface AvroAnnotatedPrimitive {
  type: AvroPrimitive;
  [attribute: string]: unknown;
}

/** An Avro schema; a bare string other than a primitive names a record/fixed/enum defined earlier. */
export type AvroSchema =
  | AvroPrimitive
  | string
  | AvroRecordSchema
  | AvroArraySchema
  | AvroMapSchema
  | AvroFixedSchema
  | AvroEnumSchema
  | AvroAnnotatedPrimitive
  | AvroSchema[];

/**
 * JS values the encoder takes. long: number (safe integer) or bigint; bytes/fixed: Uint8Array;
 * record: plain object by field name (a missing field counts as null); map: Map or plain object
 * with string keys; enum: the symbol; union: the value of whichever branch accepts it first.
 */
export type AvroValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly AvroValue[]
  | ReadonlyMap<string, AvroValue>
  | { readonly [field: string]: AvroValue | undefined };

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;
const utf8 = new TextEncoder();

export type AvroNamed = AvroRecordSchema | AvroFixedSchema | AvroEnumSchema;

/** Full names of the named types defined in `schema`, for resolving by-name references. */
export function collectNamedTypes(schema: AvroSchema, into = new Map<string, AvroNamed>()): Map<string, AvroNamed> {
  if (Array.isArray(schema)) {
    for (const b of schema) collectNamedTypes(b, into);
  } else if (typeof schema === 'object') {
    if (schema.type === 'record' || schema.type === 'fixed' || schema.type === 'enum') {
      const named = schema as AvroNamed;
      into.set(named.name, named);
      if (named.namespace) into.set(`${named.namespace}.${named.name}`, named);
      if (named.type === 'record') for (const f of named.fields) collectNamedTypes(f.type, into);
    } else if (schema.type === 'array') collectNamedTypes((schema as AvroArraySchema).items, into);
    else if (schema.type === 'map') collectNamedTypes((schema as AvroMapSchema).values, into);
  }
  return into;
}

/** Resolves by-name references and annotated primitives to the schema node that drives coding. */
export function resolveSchema(schema: AvroSchema, names: ReadonlyMap<string, AvroNamed>): AvroSchema {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return schema;
    const named = names.get(schema);
    if (!named) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: avro: unknown type name ${JSON.stringify(schema)}`);
    return named;
  }
  if (!Array.isArray(schema) && PRIMITIVES.has(schema.type)) return schema.type;
  return schema;
}

function invalid(path: string, what: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `iceberg: avro: ${path}: ${what}`, { details: { path } });
}

/** Whether `value` can be encoded with `schema` (shallow: used to pick a union branch). */
function accepts(schema: AvroSchema, value: AvroValue | undefined): boolean {
  if (typeof schema === 'string' && !PRIMITIVES.has(schema)) return value !== null && value !== undefined && typeof value === 'object';
  const s = typeof schema === 'string' || Array.isArray(schema) ? schema : PRIMITIVES.has(schema.type) ? schema.type : schema;
  if (Array.isArray(s)) return s.some((b) => accepts(b, value));
  switch (typeof s === 'string' ? s : s.type) {
    case 'null':
      return value === null || value === undefined;
    case 'boolean':
      return typeof value === 'boolean';
    case 'int':
    case 'long':
      return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
    case 'float':
    case 'double':
      return typeof value === 'number';
    case 'string':
    case 'enum':
      return typeof value === 'string';
    case 'bytes':
    case 'fixed':
      return value instanceof Uint8Array;
    case 'array':
      return Array.isArray(value);
    default:
      return value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value);
  }
}

/** Encodes values of one schema into Avro binary; reusable across records. */
export class AvroEncoder {
  private readonly names: Map<string, AvroNamed>;

  constructor(readonly schema: AvroSchema) {
    this.names = collectNamedTypes(schema);
  }

  /** Appends the binary encoding of `value` to `out`. Throws INVALID_ARGUMENT naming the field path. */
  write(out: ByteWriter, value: AvroValue | undefined, schema: AvroSchema = this.schema, path = '$'): void {
    const s = resolveSchema(schema, this.names);
    if (Array.isArray(s)) {
      const branch = s.findIndex((b) => accepts(resolveSchema(b, this.names), value));
      if (branch < 0) throw invalid(path, `no union branch accepts ${describe(value)}`);
      writeLong(out, branch);
      this.write(out, value, s[branch]!, path);
      return;
    }
    const kind = typeof s === 'string' ? s : s.type;
    switch (kind) {
      case 'null':
        if (value !== null && value !== undefined) throw invalid(path, `expected null, got ${describe(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') throw invalid(path, `expected boolean, got ${describe(value)}`);
        out.u8(value ? 1 : 0);
        return;
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < INT_MIN || value > INT_MAX) {
          throw invalid(path, `expected a 32-bit int, got ${describe(value)}`);
        }
        writeLong(out, value);
        return;
      case 'long':
        if (typeof value === 'number' ? !Number.isSafeInteger(value) : typeof value !== 'bigint' || value < LONG_MIN || value > LONG_MAX) {
          throw invalid(path, `expected a 64-bit long (safe integer or bigint), got ${describe(value)}`);
        }
        writeLong(out, value as number | bigint);
        return;
      case 'float':
      case 'double': {
        if (typeof value !== 'number') throw invalid(path, `expected a number, got ${describe(value)}`);
        const n = kind === 'float' ? 4 : 8;
        out.ensure(n);
        const dv = new DataView(out.buf.buffer, out.buf.byteOffset + out.pos, n);
        if (n === 4) dv.setFloat32(0, value, true);
        else dv.setFloat64(0, value, true);
        out.pos += n;
        return;
      }
      case 'bytes':
        if (!(value instanceof Uint8Array)) throw invalid(path, `expected Uint8Array, got ${describe(value)}`);
        writeLong(out, value.length);
        out.bytes(value);
        return;
      case 'string': {
        if (typeof value !== 'string') throw invalid(path, `expected string, got ${describe(value)}`);
        const b = utf8.encode(value);
        writeLong(out, b.length);
        out.bytes(b);
        return;
      }
      default:
        this.writeComplex(out, value, s as Exclude<AvroSchema, string | AvroSchema[]>, path);
    }
  }

  private writeComplex(out: ByteWriter, value: AvroValue | undefined, s: Exclude<AvroSchema, string | AvroSchema[]>, path: string): void {
    if (s.type === 'fixed') {
      const f = s as AvroFixedSchema;
      if (!(value instanceof Uint8Array) || value.length !== f.size) throw invalid(path, `expected ${f.size} bytes for fixed ${f.name}`);
      out.bytes(value);
    } else if (s.type === 'enum') {
      const i = typeof value === 'string' ? (s as AvroEnumSchema).symbols.indexOf(value) : -1;
      if (i < 0) throw invalid(path, `not a symbol of enum ${(s as AvroEnumSchema).name}: ${describe(value)}`);
      writeLong(out, i);
    } else if (s.type === 'array') {
      if (!Array.isArray(value)) throw invalid(path, `expected an array, got ${describe(value)}`);
      const items = (s as AvroArraySchema).items;
      if (value.length > 0) {
        writeLong(out, value.length);
        value.forEach((v: AvroValue, i: number) => this.write(out, v, items, `${path}[${i}]`));
      }
      out.u8(0);
    } else if (s.type === 'map') {
      if (value === null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) {
        throw invalid(path, `expected a Map or object, got ${describe(value)}`);
      }
      const entries: [string, AvroValue | undefined][] =
        value instanceof Map ? [...(value as ReadonlyMap<string, AvroValue>)] : Object.entries(value as Record<string, AvroValue>);
      if (entries.length > 0) {
        writeLong(out, entries.length);
        for (const [k, v] of entries) {
          this.write(out, k, 'string', path);
          this.write(out, v, (s as AvroMapSchema).values, `${path}.${k}`);
        }
      }
      out.u8(0);
    } else if (s.type === 'record') {
      if (value === null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value) || value instanceof Map) {
        throw invalid(path, `expected a record object, got ${describe(value)}`);
      }
      const rec = value as { readonly [field: string]: AvroValue | undefined };
      for (const f of (s as AvroRecordSchema).fields) this.write(out, rec[f.name], f.type, `${path}.${f.name}`);
    } else {
      throw invalid(path, `unsupported schema type ${JSON.stringify(s.type)}`);
    }
  }

  /** The encoding of one value as a fresh byte array. */
  encode(value: AvroValue): Uint8Array {
    const w = new ByteWriter(64);
    this.write(w, value);
    return w.toBytes();
  }
}

function describe(v: AvroValue | undefined): string {
  if (v === undefined) return 'undefined';
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'array' : 'object';
  return `${typeof v} ${String(v)}`;
}

/** Avro `int`/`long`: zigzag, then little-endian base-128 varint. */
export function writeLong(out: ByteWriter, value: number | bigint): void {
  if (typeof value === 'number' && value >= -0x4000_0000 && value < 0x4000_0000) {
    let z = ((value << 1) ^ (value >> 31)) >>> 0;
    out.ensure(5);
    while (z > 0x7f) {
      out.buf[out.pos++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    out.buf[out.pos++] = z;
    return;
  }
  const n = BigInt(value);
  let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  out.ensure(10);
  while (z > 0x7fn) {
    out.buf[out.pos++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  out.buf[out.pos++] = Number(z);
}
