// Builds, serialises and parses Iceberg v2 table metadata (`metadata/vN.metadata.json`).
// Source: Apache Iceberg table spec, "Table Metadata Fields" and "Appendix C: JSON serialization".
// Format notes: docs/format/iceberg.md.
import { DoSQLError } from '../errors.js';
import type { IcebergSchema, Snapshot, SnapshotRef, TableMetadata } from './types.js';

/** The only table format version dosql writes and reads. */
export const ICEBERG_FORMAT_VERSION = 2;

/** Snapshot-id keys whose values are JSON longs that may exceed 2^53. */
const LONG_KEYS = ['snapshot-id', 'parent-snapshot-id', 'current-snapshot-id'];
const LONG_KEY_RE = new RegExp(`"(${LONG_KEYS.join('|')})"(\\s*:\\s*)(-?\\d+)`, 'g');
const BIGINT_MARK = '\u0001bigint:';
const BIGINT_MARK_RE = /"\\u0001bigint:(-?\d+)"/g;

export interface NewTableOptions {
  location: string;
  tableUuid: string;
  schema: IcebergSchema;
  timestampMs: number;
  properties?: Record<string, string>;
}

/** Metadata of a table with one schema, an unpartitioned spec, no sort order and no snapshot. */
export function newTableMetadata(o: NewTableOptions): TableMetadata {
  return {
    'format-version': ICEBERG_FORMAT_VERSION,
    'table-uuid': o.tableUuid,
    location: o.location,
    'last-sequence-number': 0,
    'last-updated-ms': o.timestampMs,
    'last-column-id': o.schema.fields.reduce((m, f) => Math.max(m, f.id), 0),
    schemas: [o.schema],
    'current-schema-id': o.schema['schema-id'],
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    // Java Iceberg's value for "no partition field yet": partition field ids start at 1000.
    'last-partition-id': 999,
    properties: { ...(o.properties ?? {}) },
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: {},
  };
}

/**
 * `base` with `snapshot` appended and made current on branch `main`. `previousMetadataFile`
 * (absolute URL of the file `base` was read from) is appended to the metadata log.
 * The snapshot's sequence number must be `last-sequence-number + 1`.
 */
export function withSnapshot(base: TableMetadata, snapshot: Snapshot, previousMetadataFile?: string): TableMetadata {
  if (snapshot['sequence-number'] !== base['last-sequence-number'] + 1) {
    throw new DoSQLError('INVALID_ARGUMENT', `iceberg: snapshot sequence number ${snapshot['sequence-number']} must follow ${base['last-sequence-number']}`);
  }
  if (base.snapshots.some((s) => s['snapshot-id'] === snapshot['snapshot-id'])) {
    throw new DoSQLError('INVALID_ARGUMENT', `iceberg: snapshot id ${snapshot['snapshot-id']} already exists`);
  }
  const main: SnapshotRef = { ...(base.refs['main'] ?? { type: 'branch' }), 'snapshot-id': snapshot['snapshot-id'], type: 'branch' };
  return {
    ...base,
    'last-sequence-number': snapshot['sequence-number'],
    'last-updated-ms': snapshot['timestamp-ms'],
    'current-snapshot-id': snapshot['snapshot-id'],
    snapshots: [...base.snapshots, snapshot],
    'snapshot-log': [...base['snapshot-log'], { 'snapshot-id': snapshot['snapshot-id'], 'timestamp-ms': snapshot['timestamp-ms'] }],
    'metadata-log': previousMetadataFile
      ? [...base['metadata-log'], { 'metadata-file': previousMetadataFile, 'timestamp-ms': base['last-updated-ms'] }]
      : base['metadata-log'],
    refs: { ...base.refs, main },
  };
}

/** The current snapshot, or undefined for a table without one. */
export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  const id = m['current-snapshot-id'];
  return id === undefined ? undefined : m.snapshots.find((s) => s['snapshot-id'] === id);
}

/** The current schema. Throws CORRUPTION when `current-schema-id` names no schema. */
export function currentSchema(m: TableMetadata): IcebergSchema {
  const s = m.schemas.find((x) => x['schema-id'] === m['current-schema-id']);
  if (!s) throw new DoSQLError('CORRUPTION', `iceberg: current-schema-id ${m['current-schema-id']} names no schema`);
  return s;
}

/** Pretty JSON with snapshot ids written as exact integers (never rounded through a double). */
export function serializeTableMetadata(m: TableMetadata): string {
  const text = JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? `${BIGINT_MARK}${v}` : v), 2);
  return text.replace(BIGINT_MARK_RE, '$1');
}

/**
 * Parses a metadata.json. Snapshot ids become bigint without precision loss.
 * Throws UNSUPPORTED_FORMAT_VERSION for format versions other than 2, CORRUPTION for
 * malformed JSON or missing required fields (`file` names the object in the message).
 */
export function parseTableMetadata(text: string, file = 'metadata.json'): TableMetadata {
  let raw: unknown;
  try {
    // Quote long ids before JSON.parse rounds them to a double.
    raw = JSON.parse(text.replace(LONG_KEY_RE, '"$1"$2"$3"'), (k, v: unknown) =>
      LONG_KEYS.includes(k) && typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : v,
    );
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `iceberg: ${file} is not valid JSON`, { cause: e, details: { file } });
  }
  if (typeof raw !== 'object' || raw === null) throw new DoSQLError('CORRUPTION', `iceberg: ${file} is not a JSON object`, { details: { file } });
  const m = raw as Record<string, unknown>;
  if (m['format-version'] !== ICEBERG_FORMAT_VERSION) {
    throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `iceberg: ${file} has format-version ${String(m['format-version'])}; dosql reads 2`, {
      details: { file },
    });
  }
  for (const k of ['table-uuid', 'location', 'last-sequence-number', 'last-column-id', 'schemas', 'current-schema-id', 'partition-specs']) {
    if (m[k] === undefined) throw new DoSQLError('CORRUPTION', `iceberg: ${file} lacks required field ${k}`, { details: { file } });
  }
  // -1 is the pre-1.0 Java spelling of "no current snapshot".
  if (m['current-snapshot-id'] === -1n || m['current-snapshot-id'] === null) delete m['current-snapshot-id'];
  m['snapshots'] ??= [];
  m['snapshot-log'] ??= [];
  m['metadata-log'] ??= [];
  m['properties'] ??= {};
  m['refs'] ??= m['current-snapshot-id'] === undefined ? {} : { main: { 'snapshot-id': m['current-snapshot-id'], type: 'branch' } };
  m['sort-orders'] ??= [{ 'order-id': 0, fields: [] }];
  m['default-sort-order-id'] ??= 0;
  m['default-spec-id'] ??= 0;
  m['last-partition-id'] ??= 999;
  m['last-updated-ms'] ??= 0;
  return m as unknown as TableMetadata;
}
