// One lake table as the writer sees it (docs/lake.md, "Layout"): its location, current metadata
// version, schema, the positions object of its current snapshot and its live data and delete
// files. Loaded from the warehouse (the newest `v<N>.metadata.json`, never the hint) and kept
// current by the writer after each of its own commits; reloaded after a lost commit race.
import { asIoError, DoSQLError } from '../errors.js';
import type { ManifestListEntry } from '../iceberg/manifest-writer.js';
import { daySpec } from '../iceberg/partition-spec.js';
import { FileContent, ManifestEntryStatus } from '../iceberg/schemas.js';
import { getBytes, loadCurrentMetadata, readSnapshotFiles, versionHintKey, type LoadedMetadata } from '../iceberg/table-files.js';
import { tableFolder } from '../iceberg/table-folder.js';
import { currentSchema, currentSnapshot } from '../iceberg/table-metadata.js';
import type { IcebergSchema, IcebergTableLocation, PartitionSpec } from '../iceberg/types.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodePositions, emptyPositions, POSITIONS_CRC_SUMMARY_KEY, POSITIONS_SUMMARY_KEY, type Positions } from './positions.js';
import { F_PART, F_TS, initialSchema } from './schema-map.js';
import type { ColumnPartition } from './partition.js';

/** Table property recording the key scope chosen at creation. */
export const KEY_SCOPE_PROPERTY = 'dosql.lake.key-scope';
/** Table property recording the partitioning chosen at creation ('commit' or the ColumnPartition as JSON). */
export const PARTITION_PROPERTY = 'dosql.lake.partition';

/** A live data or delete file. */
export interface LiveFile {
  /** Absolute URL (as in the manifests). */
  url: string;
  day: number | null;
  rows: number;
  size: number;
  /** Data sequence number. */
  seq: number;
}

export interface TableState {
  namespace: string;
  name: string;
  loc: IcebergTableLocation;
  /** null until the table's first commit. */
  loaded: LoadedMetadata | null;
  manifests: ManifestListEntry[];
  schema: IcebergSchema;
  lastColumnId: number;
  spec: PartitionSpec;
  keyScope: 'source' | 'global';
  /** Partitioned by this column's day, or null: by the commit day. */
  partition: ColumnPartition | null;
  positions: Positions;
  dataFiles: Map<string, LiveFile>;
  deleteFiles: Map<string, LiveFile>;
}

/** The table's location under the warehouse: `warehouse/<ns>/<folder>`. */
export async function lakeTableLocation(url: string, namespace: string, name: string): Promise<IcebergTableLocation> {
  const prefix = `warehouse/${await tableFolder(namespace)}/${await tableFolder(name)}`;
  return { prefix, url: `${url.replace(/\/+$/, '')}/${prefix}` };
}

/** The spec of every lake table: day of the commit time. */
export const LAKE_SPEC = daySpec(F_TS);

/**
 * Loads a table from the warehouse (an empty state for a table not created yet). Repairs a
 * lagging version hint. CORRUPTION when the positions object does not match its CRC;
 * NOT_SUPPORTED for a table with equality deletes (written by another writer).
 */
export async function loadTable(store: ObjectStore, url: string, namespace: string, name: string, keyScope: 'source' | 'global', partition: ColumnPartition | null = null): Promise<TableState> {
  const loc = await lakeTableLocation(url, namespace, name);
  const loaded = await loadCurrentMetadata(store, loc);
  const t: TableState = {
    namespace,
    name,
    loc,
    loaded,
    manifests: [],
    schema: initialSchema(partition !== null),
    lastColumnId: partition ? F_PART : F_TS,
    spec: partition ? daySpec(F_PART) : LAKE_SPEC,
    keyScope,
    partition,
    positions: emptyPositions(`${namespace}.${name}`),
    dataFiles: new Map(),
    deleteFiles: new Map(),
  };
  if (!loaded) return t;
  const m = loaded.metadata;
  t.schema = currentSchema(m);
  t.lastColumnId = m['last-column-id'];
  const scope = m.properties[KEY_SCOPE_PROPERTY];
  if (scope === 'global' || scope === 'source') t.keyScope = scope;
  t.spec = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']) ?? t.spec;
  const had = m.properties[PARTITION_PROPERTY] ?? 'commit';
  if (had !== partitionProperty(partition)) {
    throw new DoSQLError('INVALID_ARGUMENT', `lake: table ${namespace}.${name} is partitioned by ${had}, not ${partitionProperty(partition)}: a table's partitioning is fixed at creation (write to a new table)`, { details: { table: `${namespace}.${name}` } });
  }
  const snap = currentSnapshot(m);
  if (snap) {
    const files = await readSnapshotFiles(store, loc, snap);
    t.manifests = files.manifests;
    for (const e of files.entries) {
      if (e.status === ManifestEntryStatus.DELETED) continue;
      if (e.content === FileContent.EQUALITY_DELETES) throw new DoSQLError('NOT_SUPPORTED', `lake: table ${namespace}.${name} has equality deletes (written by another writer); the lake writes position deletes only`);
      const f: LiveFile = { url: e.file.path, day: e.file.partition?.dt ?? null, rows: e.file.recordCount, size: e.file.fileSizeBytes, seq: e.sequenceNumber ?? 0 };
      (e.content === FileContent.DATA ? t.dataFiles : t.deleteFiles).set(f.url, f);
    }
    const rel = snap.summary[POSITIONS_SUMMARY_KEY];
    if (rel !== undefined) {
      const key = `${loc.prefix}/${rel}`;
      t.positions = decodePositions(await getBytes(store, key), Number(snap.summary[POSITIONS_CRC_SUMMARY_KEY]), key);
    }
  }
  // Readers follow the hint: a crash between the commit and the hint left it behind.
  const hint = await store.get(versionHintKey(loc)).catch(() => null);
  if (!hint || new TextDecoder().decode(hint.data).trim() !== String(loaded.version)) {
    await store.put(versionHintKey(loc), new TextEncoder().encode(String(loaded.version))).catch((e: unknown) => {
      throw asIoError('lake', 'put', versionHintKey(loc), e);
    });
  }
  return t;
}

/** The PARTITION_PROPERTY value of a partitioning. */
export function partitionProperty(p: ColumnPartition | null): string {
  return p ? JSON.stringify({ column: p.column, ...(p.unit ? { unit: p.unit } : {}) }) : 'commit';
}
