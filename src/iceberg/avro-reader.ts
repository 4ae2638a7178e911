// Avro container file reader, the mirror of avro-container.ts. The publisher uses it to read
// back the parent snapshot's manifests (to carry entries over as EXISTING with their sequence
// numbers) and maintenance uses it to list referenced files. Codec `null` only.
// Format: docs/format/iceberg.md, "Avro".
import { corruption, DoSQLError } from '../errors.js';
import { bytesEqual } from '../util/bytes.js';
import { AVRO_MAGIC, AVRO_SYNC_SIZE } from './avro-container.js';
import {
  collectNamedTypes,
  resolveSchema,
  type AvroArraySchema,
  type AvroEnumSchema,
  type AvroFixedSchema,
  type AvroMapSchema,
  type AvroNamed,
  type AvroRecordSchema,
  type AvroSchema,
} from './avro.js';

/**
 * Decoded values: long → bigint, int → number, float/double → number, bytes/fixed →
 * Uint8Array, record and map → plain object, array → array, null → null, enum → symbol.
 */
export type AvroDecoded =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | AvroDecoded[]
  | { [key: string]: AvroDecoded };

export interface AvroContainer {
  schema: AvroSchema;
  /** Header metadata decoded as UTF-8 (including `avro.schema` and `avro.codec`). */
  metadata: Map<string, string>;
  records: AvroDecoded[];
}

// ignoreBOM: a string value (a path, a name) that starts with U+FEFF keeps it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly file: string,
  ) {}

  fail(what: string): never {
    throw corruption('iceberg', this.file, this.pos, `avro: ${what}`);
  }

  long(): bigint {
    let shift = 0n;
    let z = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      z |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) this.fail('varint longer than 10 bytes');
    }
    return (z >> 1n) ^ -(z & 1n);
  }

  int(): number {
    const v = this.long();
    if (v < -0x8000_0000n || v > 0x7fff_ffffn) this.fail(`int out of range: ${v}`);
    return Number(v);
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`length ${n} past the end`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Parses a whole container file. Throws CORRUPTION (naming `file` and the offset) on bad framing. */
export function decodeAvroContainer(bytes: Uint8Array, file = 'avro'): AvroContainer {
  const c = new Cursor(bytes, file);
  if (!bytesEqual(c.take(4), AVRO_MAGIC)) c.fail('bad magic (not an Avro container file)');
  const metadata = new Map<string, string>();
  for (let n = c.long(); n !== 0n; n = c.long()) {
    let count = n;
    if (count < 0n) {
      count = -count;
      c.long();
    }
    for (let i = 0n; i < count; i++) {
      const k = utf8.decode(c.take(c.int()));
      metadata.set(k, utf8.decode(c.take(c.int())));
    }
  }
  const sync = c.take(AVRO_SYNC_SIZE).slice();
  const codec = metadata.get('avro.codec') ?? 'null';
  if (codec !== 'null') {
    throw new DoSQLError('NOT_SUPPORTED', `iceberg: avro codec ${JSON.stringify(codec)} in ${file} is not supported (only null)`);
  }
  const schemaText = metadata.get('avro.schema');
  if (schemaText === undefined) return c.fail('no avro.schema in header');
  const schema = JSON.parse(schemaText) as AvroSchema;
  const names = collectNamedTypes(schema);
  const records: AvroDecoded[] = [];
  while (c.pos < bytes.length) {
    const count = Number(c.long());
    const size = Number(c.long());
    const end = c.pos + size;
    for (let i = 0; i < count; i++) records.push(readValue(c, schema, names));
    if (c.pos !== end) c.fail(`block size ${size} does not match its records`);
    if (!bytesEqual(c.take(AVRO_SYNC_SIZE), sync)) c.fail('sync marker mismatch');
  }
  return { schema, metadata, records };
}

function readValue(c: Cursor, schema: AvroSchema, names: ReadonlyMap<string, AvroNamed>): AvroDecoded {
  const s = resolveSchema(schema, names);
  if (Array.isArray(s)) {
    const i = c.int();
    if (i < 0 || i >= s.length) c.fail(`union branch ${i} out of range`);
    return readValue(c, s[i]!, names);
  }
  switch (typeof s === 'string' ? s : s.type) {
    case 'null':
      return null;
    case 'boolean':
      return c.take(1)[0] !== 0;
    case 'int':
      return c.int();
    case 'long':
      return c.long();
    case 'float': {
      const b = c.take(4);
      return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
    }
    case 'double': {
      const b = c.take(8);
      return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
    }
    case 'bytes':
      return c.take(c.int()).slice();
    case 'string':
      return utf8.decode(c.take(c.int()));
    case 'fixed':
      return c.take((s as AvroFixedSchema).size).slice();
    case 'enum':
      return (s as AvroEnumSchema).symbols[c.int()] ?? c.fail('enum index out of range');
    case 'array': {
      const out: AvroDecoded[] = [];
      readBlocks(c, () => out.push(readValue(c, (s as AvroArraySchema).items, names)));
      return out;
    }
    case 'map': {
      const out: { [key: string]: AvroDecoded } = {};
      readBlocks(c, () => {
        const k = utf8.decode(c.take(c.int()));
        out[k] = readValue(c, (s as AvroMapSchema).values, names);
      });
      return out;
    }
    case 'record': {
      const out: { [key: string]: AvroDecoded } = {};
      for (const f of (s as AvroRecordSchema).fields) out[f.name] = readValue(c, f.type, names);
      return out;
    }
    default:
      return c.fail(`unsupported schema type ${JSON.stringify(s)}`);
  }
}

/** Array/map blocks: count (negative = followed by a byte size), items, ..., 0. */
function readBlocks(c: Cursor, item: () => void): void {
  for (let n = c.long(); n !== 0n; n = c.long()) {
    let count = n;
    if (count < 0n) {
      count = -count;
      c.long();
    }
    for (let i = 0n; i < count; i++) item();
  }
}
