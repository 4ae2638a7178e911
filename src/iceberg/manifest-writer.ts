// Encodes Iceberg v2 manifests (one row per data or delete file) and manifest lists (one row
// per manifest) as Avro container files. Source: Iceberg spec "Manifests" (required header
// metadata keys: schema, schema-id, partition-spec, partition-spec-id, format-version, content)
// and "Manifest Lists". Format: docs/format/iceberg.md.
import type { AvroValue } from './avro.js';
import { encodeAvroContainer } from './avro-container.js';
import { manifestEntrySchema, specHeader, UNPARTITIONED, type FieldSummary } from './partition-spec.js';
import { MANIFEST_FILE_SCHEMA, type FileContent, type ManifestContent, type ManifestEntryStatus } from './schemas.js';
import type { DataFileInfo, IcebergSchema, PartitionSpec } from './types.js';

/** A data or delete file as listed in a manifest; `file.path` is an absolute URL. */
export interface ManifestEntry {
  status: ManifestEntryStatus;
  /** null = inherited from the manifest list (only for ADDED entries). */
  snapshotId: bigint | null;
  sequenceNumber: number | null;
  fileSequenceNumber: number | null;
  content: FileContent;
  file: DataFileInfo & { referencedDataFile?: string; equalityIds?: readonly number[] };
}

/** One row of a manifest list. */
export interface ManifestListEntry {
  /** Absolute URL of the manifest. */
  manifestPath: string;
  manifestLength: number;
  partitionSpecId: number;
  content: ManifestContent;
  sequenceNumber: number;
  minSequenceNumber: number;
  addedSnapshotId: bigint;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: number;
  existingRowsCount: number;
  deletedRowsCount: number;
  /** Partition field summaries (one per spec field); absent for unpartitioned manifests. */
  partitions?: readonly FieldSummary[];
}

function intMap<V extends AvroValue>(m: ReadonlyMap<number, V> | undefined, conv: (v: V) => AvroValue = (v) => v): AvroValue {
  if (!m) return null;
  return [...m].sort((a, b) => a[0] - b[0]).map(([key, value]) => ({ key, value: conv(value) }));
}

function entryRecord(e: ManifestEntry): AvroValue {
  const f = e.file;
  return {
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: {
      content: e.content,
      file_path: f.path,
      file_format: 'PARQUET',
      partition: f.partition ? { ...f.partition } : {},
      record_count: f.recordCount,
      file_size_in_bytes: f.fileSizeBytes,
      column_sizes: intMap(f.columnSizes),
      value_counts: intMap(f.valueCounts),
      null_value_counts: intMap(f.nullValueCounts),
      nan_value_counts: intMap(f.nanValueCounts),
      lower_bounds: intMap(f.lowerBounds),
      upper_bounds: intMap(f.upperBounds),
      key_metadata: null,
      split_offsets: f.splitOffsets ? [...f.splitOffsets] : null,
      equality_ids: f.equalityIds ? [...f.equalityIds] : null,
      sort_order_id: null,
      referenced_data_file: f.referencedDataFile ?? null,
    },
  };
}

export interface ManifestOptions {
  schema: IcebergSchema;
  content: 'data' | 'deletes';
  entries: readonly ManifestEntry[];
  /** The partition spec of every entry (default: unpartitioned, spec 0). */
  spec?: PartitionSpec;
  /** Injected for deterministic bytes in tests. */
  sync?: Uint8Array;
}

/** A manifest file (Avro container) of spec `o.spec` (unpartitioned by default). */
export function encodeManifest(o: ManifestOptions): Uint8Array {
  const spec = o.spec ?? UNPARTITIONED;
  return encodeAvroContainer(manifestEntrySchema(spec), o.entries.map(entryRecord), {
    metadata: {
      schema: JSON.stringify(o.schema),
      'schema-id': String(o.schema['schema-id']),
      'partition-spec': specHeader(spec),
      'partition-spec-id': String(spec['spec-id']),
      'format-version': '2',
      content: o.content,
    },
    ...(o.sync ? { sync: o.sync } : {}),
  });
}

export interface ManifestListOptions {
  snapshotId: bigint;
  parentSnapshotId?: bigint;
  sequenceNumber: number;
  manifests: readonly ManifestListEntry[];
  sync?: Uint8Array;
}

/** A manifest list file (Avro container) for one snapshot. */
export function encodeManifestList(o: ManifestListOptions): Uint8Array {
  const rows: AvroValue[] = o.manifests.map((m) => ({
    manifest_path: m.manifestPath,
    manifest_length: m.manifestLength,
    partition_spec_id: m.partitionSpecId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions: m.partitions ? m.partitions.map((p) => ({ contains_null: p.containsNull, contains_nan: null, lower_bound: p.lowerBound, upper_bound: p.upperBound })) : null,
    key_metadata: null,
  }));
  const metadata: Record<string, string> = {
    'snapshot-id': String(o.snapshotId),
    'sequence-number': String(o.sequenceNumber),
    'format-version': '2',
  };
  if (o.parentSnapshotId !== undefined) metadata['parent-snapshot-id'] = String(o.parentSnapshotId);
  return encodeAvroContainer(MANIFEST_FILE_SCHEMA, rows, { metadata, ...(o.sync ? { sync: o.sync } : {}) });
}
