// Shapes of Iceberg v2 table metadata (spec "Table Metadata", Appendix C "JSON serialization")
// and of the file descriptions the publisher takes. JSON keys are the spec's, so a parsed
// metadata.json is used as is. Snapshot ids are bigint: the spec makes them longs, and ids
// above 2^53 (written by other engines) must survive a read-modify-write.

/** Primitive Iceberg types dosql may write (spec "Primitive Types"). */
export type IcebergPrimitiveType =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'string'
  | 'uuid'
  | 'binary';

export interface IcebergField {
  /** Unique within the table for all time (never reused after a drop). */
  id: number;
  name: string;
  required: boolean;
  type: IcebergPrimitiveType;
  doc?: string;
}

export interface IcebergSchema {
  type: 'struct';
  'schema-id': number;
  'identifier-field-ids'?: number[];
  fields: IcebergField[];
}

export interface PartitionSpec {
  'spec-id': number;
  fields: { 'source-id': number; 'field-id': number; name: string; transform: string }[];
}

export interface SortOrder {
  'order-id': number;
  fields: { 'source-id': number; transform: string; direction: 'asc' | 'desc'; 'null-order': 'nulls-first' | 'nulls-last' }[];
}

export interface SnapshotSummary {
  operation: 'append' | 'replace' | 'overwrite' | 'delete';
  [key: string]: string;
}

export interface Snapshot {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint;
  'sequence-number': number;
  'timestamp-ms': number;
  /** Absolute URL of the manifest list. */
  'manifest-list': string;
  summary: SnapshotSummary;
  'schema-id'?: number;
}

export interface SnapshotRef {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
  'max-ref-age-ms'?: number;
}

export interface TableMetadata {
  'format-version': 2;
  'table-uuid': string;
  /** Absolute base URL of the table; every path inside the table is under it. */
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: IcebergSchema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  /** Absent while the table has no snapshot. */
  'current-snapshot-id'?: bigint;
  snapshots: Snapshot[];
  'snapshot-log': { 'snapshot-id': bigint; 'timestamp-ms': number }[];
  'metadata-log': { 'metadata-file': string; 'timestamp-ms': number }[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs: Record<string, SnapshotRef>;
}

/**
 * A Parquet data file to list in a snapshot. Metric maps are keyed by Iceberg field id;
 * bounds hold Appendix D bytes (see `encodeBound`).
 */
export interface DataFileInfo {
  /** Path relative to the table root ("data/00001.parquet"), or an absolute URL under the table location. */
  path: string;
  recordCount: number;
  /** Bytes. */
  fileSizeBytes: number;
  columnSizes?: ReadonlyMap<number, number>;
  valueCounts?: ReadonlyMap<number, number>;
  nullValueCounts?: ReadonlyMap<number, number>;
  nanValueCounts?: ReadonlyMap<number, number>;
  lowerBounds?: ReadonlyMap<number, Uint8Array>;
  upperBounds?: ReadonlyMap<number, Uint8Array>;
  /** Row-group start offsets in bytes, ascending. */
  splitOffsets?: readonly number[];
  /** The partition tuple by partition field name (day numbers or null); absent when unpartitioned. */
  partition?: Readonly<Record<string, number | null>>;
}

/**
 * A position-delete file (content 1): Parquet with columns file_path (field id 2147483546,
 * absolute URLs as written in the manifests) and pos (2147483545, 0-based row), sorted by both.
 */
export interface DeleteFileInfo extends DataFileInfo {
  /** Set when every row of the file deletes from this one data file (path as in DataFileInfo). */
  referencedDataFile?: string;
}

/**
 * Where a table lives: `prefix` is its object-store key prefix ("warehouse/ns/t"); `url` is the
 * absolute URL under which readers will see the same objects ("s3://bucket/warehouse/ns/t",
 * "file:///srv/cold/warehouse/ns/t", "http://127.0.0.1:8080/warehouse/ns/t"). Iceberg
 * metadata stores absolute paths, so every path written is `url + '/' + relative path`.
 */
export interface IcebergTableLocation {
  prefix: string;
  url: string;
}
