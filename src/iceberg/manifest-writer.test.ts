// Manifests and manifest lists decode with avsc against the spec's schemas (field ids kept in
// the header), carry the required header keys, and read back through our own reader.
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { encodeBound } from './bounds.js';
import { decodeManifest, decodeManifestList } from './manifest-reader.js';
import { encodeManifest, encodeManifestList, type ManifestEntry, type ManifestListEntry } from './manifest-writer.js';
import { MANIFEST_ENTRY_SCHEMA, MANIFEST_FILE_SCHEMA } from './schemas.js';
import type { IcebergSchema } from './types.js';
import { bigintLong } from '../../test/support/avsc-bigint.js';


async function avscDecode(bytes: Uint8Array): Promise<{ schema: unknown; meta: Record<string, string>; records: Record<string, unknown>[] }> {
  let schema: unknown;
  const decoder = new avsc.streams.BlockDecoder({
    parseHook: (s: avsc.Schema) => {
      schema = s;
      return avsc.Type.forSchema(s, { registry: { long: bigintLong } as unknown as Record<string, avsc.Type>, wrapUnions: false });
    },
  });
  const records: Record<string, unknown>[] = [];
  const meta: Record<string, string> = {};
  decoder.on('metadata', (_t: unknown, _c: string, header: { meta: Record<string, Buffer> }) => {
    for (const [k, v] of Object.entries(header.meta)) meta[k] = v.toString('utf8');
  });
  decoder.on('data', (r: Record<string, unknown>) => records.push(r));
  const done = new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
  });
  decoder.end(Buffer.from(bytes));
  await done;
  return { schema, meta, records };
}

const SCHEMA: IcebergSchema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
  ],
};

const ENTRIES: ManifestEntry[] = [
  {
    status: 1,
    snapshotId: null,
    sequenceNumber: null,
    fileSequenceNumber: null,
    content: 0,
    file: {
      path: 'mem://b/t/data/a.parquet',
      recordCount: 3,
      fileSizeBytes: 1234,
      columnSizes: new Map([[2, 50], [1, 40]]),
      valueCounts: new Map([[1, 3], [2, 3]]),
      nullValueCounts: new Map([[1, 0], [2, 1]]),
      lowerBounds: new Map([[1, encodeBound('long', -5n)], [2, encodeBound('string', 'ab')]]),
      upperBounds: new Map([[1, encodeBound('long', 9007199254740993n)], [2, encodeBound('string', 'zz')]]),
      splitOffsets: [4],
    },
  },
  {
    status: 0,
    snapshotId: 9007199254740993n,
    sequenceNumber: 4,
    fileSequenceNumber: 3,
    content: 1,
    file: { path: 'mem://b/t/data/d.parquet', recordCount: 1, fileSizeBytes: 99, referencedDataFile: 'mem://b/t/data/a.parquet' },
  },
];

describe('manifest files', () => {
  it('encode manifest entries avsc decodes with the spec schema and header keys', async () => {
    const out = await avscDecode(encodeManifest({ schema: SCHEMA, content: 'data', entries: ENTRIES }));
    expect(out.schema).toEqual(MANIFEST_ENTRY_SCHEMA);
    expect(JSON.stringify(out.schema)).toContain('"field-id":134');
    expect(out.meta).toMatchObject({ 'schema-id': '0', 'partition-spec': '[]', 'partition-spec-id': '0', 'format-version': '2', content: 'data' });
    expect(JSON.parse(out.meta['schema']!)).toEqual(SCHEMA);
    const [a, d] = out.records as [Record<string, any>, Record<string, any>];
    expect(a).toMatchObject({ status: 1, snapshot_id: null, sequence_number: null, file_sequence_number: null });
    expect(a['data_file']).toMatchObject({ content: 0, file_path: 'mem://b/t/data/a.parquet', file_format: 'PARQUET', record_count: 3n, file_size_in_bytes: 1234n });
    // Map keys are written sorted by field id.
    expect(a['data_file'].column_sizes).toEqual([{ key: 1, value: 40n }, { key: 2, value: 50n }]);
    expect(Buffer.from(a['data_file'].upper_bounds[0].value).readBigInt64LE()).toBe(9007199254740993n);
    expect(Buffer.from(a['data_file'].lower_bounds[1].value).toString()).toBe('ab');
    expect(a['data_file'].split_offsets).toEqual([4n]);
    expect(d).toMatchObject({ status: 0, snapshot_id: 9007199254740993n, sequence_number: 4n, file_sequence_number: 3n });
    expect(d['data_file']).toMatchObject({ content: 1, referenced_data_file: 'mem://b/t/data/a.parquet', column_sizes: null });
  });

  it('manifest entries read back through our reader unchanged', () => {
    expect(decodeManifest(encodeManifest({ schema: SCHEMA, content: 'deletes', entries: ENTRIES }))).toEqual(ENTRIES);
  });

  it('encode a manifest list avsc decodes with the spec schema', async () => {
    const m: ManifestListEntry = {
      manifestPath: 'mem://b/t/metadata/x-m0.avro',
      manifestLength: 777,
      partitionSpecId: 0,
      content: 1,
      sequenceNumber: 5,
      minSequenceNumber: 2,
      addedSnapshotId: 1n << 60n,
      addedFilesCount: 1,
      existingFilesCount: 2,
      deletedFilesCount: 3,
      addedRowsCount: 10,
      existingRowsCount: 20,
      deletedRowsCount: 30,
    };
    const bytes = encodeManifestList({ snapshotId: 1n << 60n, parentSnapshotId: 7n, sequenceNumber: 5, manifests: [m] });
    const out = await avscDecode(bytes);
    expect(out.schema).toEqual(MANIFEST_FILE_SCHEMA);
    expect(out.meta).toMatchObject({ 'snapshot-id': String(1n << 60n), 'parent-snapshot-id': '7', 'sequence-number': '5', 'format-version': '2' });
    expect(out.records[0]).toMatchObject({ manifest_path: m.manifestPath, manifest_length: 777n, content: 1, sequence_number: 5n, min_sequence_number: 2n, added_snapshot_id: 1n << 60n, added_files_count: 1, deleted_rows_count: 30n, partitions: null });
    expect(decodeManifestList(bytes)).toEqual([m]);
  });
});
