import { describe, expect, it } from 'vitest';
import { isDoSQLError } from '../errors.js';
import { addColumn, dropColumn, icebergType, renameColumn, schemaFromColumns, withCurrentSchema } from './schema-evolution.js';
import { currentSnapshot, newTableMetadata, parseTableMetadata, serializeTableMetadata, withSnapshot } from './table-metadata.js';
import type { Snapshot } from './types.js';

const schema = schemaFromColumns([
  { name: 'id', affinity: 'INTEGER', notNull: true },
  { name: 'price', affinity: 'REAL' },
  { name: 'name', affinity: 'TEXT' },
  { name: 'raw', affinity: 'BLOB' },
  { name: 'n', affinity: 'NUMERIC' },
  { name: 'any', affinity: 'NONE' },
]);
const base = newTableMetadata({ location: 'mem://b/t', tableUuid: '00000000-0000-4000-8000-000000000000', schema, timestampMs: 1000 });
const BIG = 9007199254740993n; // 2^53 + 1: a double cannot hold it
const snap = (id: bigint, seq: number, parent?: bigint): Snapshot => ({
  'snapshot-id': id,
  ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
  'sequence-number': seq,
  'timestamp-ms': 1000 + seq,
  'manifest-list': `mem://b/t/metadata/snap-${id}.avro`,
  summary: { operation: 'append', 'dosql.lsn': String(seq * 10) },
  'schema-id': 0,
});

describe('table metadata', () => {
  it('maps SQL affinities to Iceberg types with ids 1..n', () => {
    expect(schema.fields.map((f) => [f.id, f.name, f.type, f.required])).toEqual([
      [1, 'id', 'long', true],
      [2, 'price', 'double', false],
      [3, 'name', 'string', false],
      [4, 'raw', 'binary', false],
      [5, 'n', 'double', false],
      [6, 'any', 'string', false],
    ]);
    expect(icebergType('INTEGER')).toBe('long');
    expect(base['last-column-id']).toBe(6);
  });

  it('round-trips through JSON with snapshot ids above 2^53 kept exact', () => {
    const m = withSnapshot(withSnapshot(base, snap(BIG, 1)), snap(BIG + 2n, 2, BIG), 'mem://b/t/metadata/v1.metadata.json');
    const text = serializeTableMetadata(m);
    expect(text).toContain(`"current-snapshot-id": ${BIG + 2n}`);
    expect(text).toContain(`"parent-snapshot-id": ${BIG}`);
    const back = parseTableMetadata(text);
    expect(back).toEqual(m);
    expect(currentSnapshot(back)!['snapshot-id']).toBe(BIG + 2n);
    expect(back.refs['main']).toEqual({ 'snapshot-id': BIG + 2n, type: 'branch' });
    expect(back['metadata-log']).toEqual([{ 'metadata-file': 'mem://b/t/metadata/v1.metadata.json', 'timestamp-ms': 1001 }]);
    expect(back['last-sequence-number']).toBe(2);
  });

  it('rejects other format versions and broken files', () => {
    const v1 = serializeTableMetadata(base).replace('"format-version": 2', '"format-version": 3');
    expect(() => parseTableMetadata(v1)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FORMAT_VERSION' }));
    expect(() => parseTableMetadata('{"format-version": 2')).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    expect(() => parseTableMetadata('{"format-version": 2}')).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
  });

  it('requires consecutive sequence numbers and unique snapshot ids', () => {
    const m = withSnapshot(base, snap(1n, 1));
    expect(() => withSnapshot(m, snap(2n, 3))).toThrow(/sequence number/);
    expect(() => withSnapshot(m, snap(1n, 2))).toThrow(/already exists/);
  });
});

describe('schema evolution', () => {
  it('adds, renames and drops by field id without reusing ids', () => {
    const added = addColumn(schema, base['last-column-id'], 'qty', 'long');
    expect(added.lastColumnId).toBe(7);
    const renamed = renameColumn(added.schema, 3, 'title');
    const dropped = dropColumn(renamed, 2);
    let m = withCurrentSchema(base, added.schema);
    m = withCurrentSchema(m, renamed);
    m = withCurrentSchema(m, dropped);
    expect(m.schemas.map((s) => s['schema-id'])).toEqual([0, 1, 2, 3]);
    expect(m['current-schema-id']).toBe(3);
    expect(m['last-column-id']).toBe(7);
    expect(m.schemas[3]!.fields.map((f) => `${f.id}:${f.name}`)).toEqual(['1:id', '3:title', '4:raw', '5:n', '6:any', '7:qty']);
    // After the drop, the next column gets 8, never 2.
    expect(addColumn(dropped, m['last-column-id'], 'price', 'double').schema.fields.at(-1)!.id).toBe(8);
    // Going back to an identical schema reuses its id.
    expect(withCurrentSchema(m, schema)['current-schema-id']).toBe(0);
  });

  it('refuses reused or invented ids and clashing names', () => {
    const m = withCurrentSchema(base, dropColumn(schema, 2));
    const retype = { ...schema, fields: schema.fields.map((f) => (f.id === 2 ? { ...f, type: 'string' as const } : f)) };
    const codes = [
      () => withCurrentSchema(m, retype),
      () => withCurrentSchema(base, { ...schema, fields: [...schema.fields.slice(0, 5)] }),
      () => withCurrentSchema(base, { ...schema, fields: [schema.fields[0]!, { id: 1, name: 'x', required: false, type: 'long' }] }),
      () => addColumn(schema, 6, 'ID', 'long'),
      () => renameColumn(schema, 1, 'Name'),
      () => dropColumn(schema, 42),
    ].map((f) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return isDoSQLError(e) ? e.code : 'other';
      }
    });
    // The second case is a valid drop (ids 1..5 all existed), so it is accepted.
    expect(codes).toEqual(['INVALID_ARGUMENT', 'ok', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
    const invented = { ...schema, fields: [...schema.fields.slice(0, 5)], 'schema-id': 9 };
    const m2 = { ...base, 'last-column-id': 10 };
    expect(() => withCurrentSchema(m2, { ...invented, fields: [...invented.fields, { id: 9, name: 'new', required: false, type: 'long' as const }] })).toThrow(/never assigned/);
  });
});
