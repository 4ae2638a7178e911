// The eval-free Avro writer against two independent decoders: avsc (streams.BlockDecoder,
// which also checks the container framing) and icebird's Avro reader. Our own reader is
// checked against the same values.
import avsc from 'avsc';
import { avroMetadata, avroRead } from 'icebird';
import { describe, expect, it } from 'vitest';
import { isDoSQLError } from '../errors.js';
import type { AvroSchema, AvroValue } from './avro.js';
import { encodeAvroContainer } from './avro-container.js';
import { decodeAvroContainer } from './avro-reader.js';
import { bigintLong } from '../../test/support/avsc-bigint.js';


/** Decodes a whole container with avsc: header schema (verbatim), metadata and records. */
async function avscDecode(bytes: Uint8Array): Promise<{ schema: unknown; meta: Record<string, string>; records: unknown[] }> {
  let schema: unknown;
  const decoder = new avsc.streams.BlockDecoder({
    parseHook: (s: avsc.Schema) => {
      schema = s;
      return avsc.Type.forSchema(s, { registry: { long: bigintLong } as unknown as Record<string, avsc.Type>, wrapUnions: false });
    },
  });
  const records: unknown[] = [];
  const meta: Record<string, string> = {};
  decoder.on('metadata', (_t: unknown, _codec: string, header: { meta: Record<string, Buffer> }) => {
    for (const [k, v] of Object.entries(header.meta)) meta[k] = v.toString('utf8');
  });
  decoder.on('data', (r: unknown) => records.push(r));
  const done = new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
  });
  decoder.end(Buffer.from(bytes));
  await done;
  return { schema, meta, records };
}

async function icebirdDecode(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { metadata, syncMarker } = await avroMetadata(reader);
  return avroRead({ reader, metadata, syncMarker });
}

/** avsc yields Buffers for bytes; compare as plain arrays. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const ALL_TYPES: AvroSchema = {
  type: 'record',
  name: 'all',
  fields: [
    { name: 'b', type: 'boolean', 'field-id': 1 },
    { name: 'i', type: 'int', 'field-id': 2 },
    { name: 'l', type: 'long', 'field-id': 3 },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'y', type: 'bytes' },
    { name: 'n', type: 'null' },
    { name: 'u', type: ['null', 'long'] },
    { name: 'us', type: ['null', 'string'] },
    { name: 'a', type: { type: 'array', items: 'long' } },
    { name: 'm', type: { type: 'map', values: 'int' } },
    { name: 'x', type: { type: 'fixed', name: 'sixteen', size: 4 } },
    { name: 'e', type: { type: 'enum', name: 'color', symbols: ['red', 'green'] } },
    {
      name: 'kv',
      type: ['null', { type: 'array', logicalType: 'map', items: { type: 'record', name: 'k1_v2', fields: [{ name: 'key', type: 'int' }, { name: 'value', type: 'bytes' }] } }],
    },
    { name: 'again', type: ['null', 'k1_v2'] },
  ],
};

function sample(i: number): AvroValue {
  const big = (1n << 62n) + BigInt(i);
  return {
    b: i % 2 === 0,
    i: i === 0 ? -0x8000_0000 : i * 1000 - 7,
    l: i % 3 === 0 ? -big : i % 3 === 1 ? big : i,
    f: 1.5,
    d: i === 0 ? -0 : Math.PI * i,
    s: i === 1 ? 'héllo ✓ 𝄞' : `row ${i}`,
    y: new Uint8Array([i, 0, 255]),
    n: null,
    u: i % 2 === 0 ? null : BigInt(-i),
    us: i % 2 === 0 ? `s${i}` : null,
    a: i === 0 ? [] : [1n, 2n, BigInt(Number.MAX_SAFE_INTEGER) + 10n],
    m: i === 0 ? {} : new Map([['one', 1], ['two', -2]]),
    x: new Uint8Array([1, 2, 3, i]),
    e: i % 2 === 0 ? 'red' : 'green',
    kv: i === 2 ? null : [{ key: 7, value: new Uint8Array([9]) }],
    again: i === 3 ? { key: -1, value: new Uint8Array() } : null,
  };
}

/** The value as avsc/our reader decode it: longs bigint, maps plain objects. */
function expected(v: AvroValue): unknown {
  const r = v as Record<string, AvroValue>;
  const toBig = (x: AvroValue): unknown => (typeof x === 'number' ? BigInt(x) : x);
  return plain({ ...r, l: toBig(r['l']!), m: r['m'] instanceof Map ? Object.fromEntries(r['m']) : r['m'] });
}

describe('avro writer', () => {
  const records = Array.from({ length: 7 }, (_, i) => sample(i));
  const bytes = encodeAvroContainer(ALL_TYPES, records, { metadata: { hello: 'wörld' }, blockRecords: 3 });

  it('writes a container avsc decodes, with the schema and field-id attributes verbatim', async () => {
    const out = await avscDecode(bytes);
    expect(out.schema).toEqual(ALL_TYPES);
    expect(out.meta['avro.codec']).toBe('null');
    expect(out.meta['hello']).toBe('wörld');
    expect(out.records.map(plain)).toEqual(records.map(expected));
  });

  it('is read back by its own reader with the same values and header', () => {
    const c = decodeAvroContainer(bytes);
    expect(c.metadata.get('hello')).toBe('wörld');
    expect(JSON.parse(c.metadata.get('avro.schema')!)).toEqual(ALL_TYPES);
    expect(plain(c.records)).toEqual(records.map(expected));
  });

  it('writes longs icebird decodes, including bigints beyond 2^53', async () => {
    const schema: AvroSchema = { type: 'record', name: 'r', fields: [{ name: 'l', type: 'long' }, { name: 'u', type: ['null', 'long'] }] };
    const vals = [0n, -1n, (1n << 63n) - 1n, -(1n << 63n), 9007199254740993n];
    const rows = await icebirdDecode(encodeAvroContainer(schema, vals.map((l) => ({ l, u: l }))));
    expect(rows.map((r) => [BigInt(r['l'] as bigint), BigInt(r['u'] as bigint)])).toEqual(vals.map((v) => [v, v]));
  });

  it('writes an empty container with no blocks', async () => {
    const out = await avscDecode(encodeAvroContainer(ALL_TYPES, []));
    expect(out.records).toEqual([]);
  });

  it('is byte-identical for the same sync marker', () => {
    const sync = new Uint8Array(16).fill(7);
    expect(encodeAvroContainer(ALL_TYPES, records, { sync })).toEqual(encodeAvroContainer(ALL_TYPES, records, { sync }));
  });

  it('rejects values that do not fit, naming the field', () => {
    const bad: [string, AvroValue][] = [
      ['$.i', { ...(sample(1) as object), i: 2 ** 31 }],
      ['$.l', { ...(sample(1) as object), l: 2 ** 60 }],
      ['$.l', { ...(sample(1) as object), l: 1n << 63n }],
      ['$.s', { ...(sample(1) as object), s: 5 }],
      ['$.y', { ...(sample(1) as object), y: 'text' }],
      ['$.x', { ...(sample(1) as object), x: new Uint8Array(3) }],
      ['$.e', { ...(sample(1) as object), e: 'blue' }],
      ['$.u', { ...(sample(1) as object), u: 'x' }],
    ];
    for (const [path, v] of bad) {
      let err: unknown;
      try {
        encodeAvroContainer(ALL_TYPES, [v]);
      } catch (e) {
        err = e;
      }
      expect(isDoSQLError(err, 'INVALID_ARGUMENT'), path).toBe(true);
      expect((err as Error).message).toContain(`record 0${path.slice(1)}:`);
    }
  });

  it('detects a corrupted sync marker when reading', () => {
    const copy = bytes.slice();
    copy[copy.length - 1]! ^= 1;
    expect(() => decodeAvroContainer(copy, 'x.avro')).toThrow(/x\.avro.*sync marker/);
  });
});
