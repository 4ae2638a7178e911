// Publishing tables as Apache Iceberg v2 snapshots (docs/format/iceberg.md): for each table,
// the current state as of one LSN — one row per primary key, no superseded versions, no
// deleted rows — committed as a new snapshot whose summary records the LSN. An Iceberg reader
// of that snapshot sees what `SELECT * FROM t FOR SYSTEM_TIME AS OF LSN n` returns in dosql.
// Where the table's columnar runs hold exactly that state they are referenced in place, with
// position deletes hiding what the LSN does not see; otherwise the rows the table's owner
// hands over (IcebergTableSource, the SQL layer's) are written as one Parquet data file.
//
// A value that does not fit its column is kept for dosql in the columnar shadow column and
// reads as NULL to other engines (docs/format/columnar.md).
import { columnStats, writeParquet, type ColumnDef, type ColumnarSchema, type ColumnType, type ColumnValue, type FileStats } from '../columnar/index.js';
import { encodeBound } from '../iceberg/bounds.js';
import { listSnapshots, publishSnapshot, writeVersionHint, type PublishResult } from '../iceberg/publisher.js';
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from '../iceberg/schemas.js';
import { listMetadataVersions } from '../iceberg/table-files.js';
import { expireSnapshots, listOrphans, referencedFileUrls } from '../iceberg/maintenance.js';
import type { DataFileInfo, DeleteFileInfo, IcebergPrimitiveType, IcebergSchema } from '../iceberg/types.js';
import type { PinnedRuns } from './cold-scan.js';
import { FIELD_ID_SLOTS } from './run-layout.js';
import { visibility } from './run-visibility.js';
import { storeObjectUrl, tableLocation, type Warehouse } from './warehouse.js';

/** A table to publish, as its owner (the SQL layer) describes it at the read point. */
export interface IcebergTableSource {
  /** The table's name as created: its Iceberg folder derives from it. */
  readonly name: string;
  /** Key-space id of its rows (the runs of the main branch hold them under it). */
  readonly table: number;
  /** Its Iceberg columns, field ids as in its runs (for SQL tables the stable column id + 1). */
  readonly schema: ColumnarSchema;
  /**
   * Its rows visible at the read point, in schema order, each value of its column's storage
   * class where it can be (the copy written when the runs cannot be referenced in place).
   */
  rows(): AsyncIterable<readonly ColumnValue[]>;
}

/**
 * The columns of an Iceberg v2 position-delete file (spec "Position Delete Files"): the data
 * file's path and the 0-based row position, with Iceberg's reserved field ids.
 */
const POSITION_DELETE_COLUMNS: readonly ColumnDef[] = [
  { name: 'file_path', fieldId: POSITION_DELETE_FILE_PATH_ID, type: 'string', nullable: false, reserved: true },
  { name: 'pos', fieldId: POSITION_DELETE_POS_ID, type: 'long', nullable: false, reserved: true },
];

const ICEBERG_TYPE: Record<ColumnType, IcebergPrimitiveType> = { long: 'long', double: 'double', string: 'string', binary: 'binary', timestamptz: 'timestamptz' };

/** An Iceberg data_file entry for a Parquet file: its figures for the schema's field ids only. */
function dataFileInfo(path: string, stats: FileStats, schema: ColumnarSchema): DataFileInfo {
  const byId = new Map(schema.columns.map((c) => [c.fieldId, c]));
  const columnSizes = new Map<number, number>();
  const valueCounts = new Map<number, number>();
  const nullValueCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  for (const c of stats.columns) {
    const id = c.column.fieldId;
    const def = id === undefined || id === null || c.column.shadowOf !== undefined ? undefined : byId.get(id);
    if (id === undefined || id === null || !def) continue;
    columnSizes.set(id, c.columnSize);
    valueCounts.set(id, c.valueCount);
    if (c.nullValueCount !== null) nullValueCounts.set(id, c.nullValueCount);
    if (c.lowerBound !== undefined && c.lowerBound !== null) lowerBounds.set(id, encodeBound(ICEBERG_TYPE[def.type], c.lowerBound as never));
    if (c.upperBound !== undefined && c.upperBound !== null) upperBounds.set(id, encodeBound(ICEBERG_TYPE[def.type], c.upperBound as never));
  }
  return { path, recordCount: stats.recordCount, fileSizeBytes: stats.fileSizeInBytes, columnSizes, valueCounts, nullValueCounts, lowerBounds, upperBounds, splitOffsets: stats.splitOffsets };
}

/** The Iceberg schema of a table's columns. */
function icebergSchemaOf(schema: ColumnarSchema): IcebergSchema {
  return {
    type: 'struct',
    'schema-id': 0,
    fields: schema.columns.map((c) => ({ id: c.fieldId, name: c.name, required: !c.nullable, type: ICEBERG_TYPE[c.type] })),
  };
}

/**
 * Publishes `t` by pointing the snapshot at its columnar runs in place, without a copy: rows
 * the LSN does not see (superseded versions, tombstones, newer rows) are hidden by Iceberg v2
 * position-delete files, one per run file. Applies when every current column is present in
 * every row (no slot left to its default), no value of a current column is kept only in a
 * shadow column, and visibility can be computed from typed columns (run-visibility.ts).
 * Returns undefined otherwise (the caller writes a current-state copy). `pin` records the runs
 * as externally referenced before the snapshot can name them.
 */
export async function publishFromRuns(
  t: IcebergTableSource,
  lsn: number,
  w: Warehouse,
  runs: PinnedRuns,
  timestampMs: number,
  pin: (keys: readonly string[]) => Promise<void>,
): Promise<PublishResult | undefined> {
  const cache = runs.cache;
  if (cache.store !== w.store) return undefined;
  const schema = t.schema;
  const ids = new Set(schema.columns.map((c) => c.fieldId));
  const maxId = Math.max(0, ...ids);
  const dataFiles: DataFileInfo[] = [];
  const hidden: { url: string; positions: number[] }[] = [];
  for (const f of runs.files) {
    const c = f.cold;
    if (!c || c.shadowFieldIds.some((id) => ids.has(id))) return undefined;
    const url = storeObjectUrl(w, f.key);
    if (!url) return undefined;
    const file = await cache.file(f);
    const cols = file.stats.columns;
    for (const def of schema.columns) {
      const col = cols.find((x) => x.column.fieldId === def.fieldId && x.column.shadowOf === undefined);
      if (!col || col.column.type !== def.type) return undefined;
    }
    const slots = cols.find((x) => x.column.fieldId === FIELD_ID_SLOTS)?.lowerBound;
    if (typeof slots !== 'bigint' || Number(slots) < maxId) return undefined;
    const vis = await visibility(cache, f, file, lsn);
    if (vis === undefined) return undefined;
    // Other engines read the run as it is, unverified: it must be intact before a snapshot names it.
    await cache.verifyWhole(f);
    dataFiles.push(dataFileInfo(url, file.stats, schema));
    if (vis) {
      const positions: number[] = [];
      for (let i = 0; i < vis.length; i++) if (!vis[i]) positions.push(i);
      if (positions.length > 0) hidden.push({ url, positions });
    }
  }
  await pin(runs.files.map((f) => f.key));
  const loc = await tableLocation(w, t.name);
  const deleteFiles: DeleteFileInfo[] = [];
  for (const h of hidden) {
    const rows: ColumnValue[][] = h.positions.map((p) => [h.url, BigInt(p)]);
    const written = writeParquet(rows, { columns: POSITION_DELETE_COLUMNS }, { compression: 'zstd' });
    const rel = `data/${String(lsn).padStart(12, '0')}-${crypto.randomUUID()}-deletes.parquet`;
    await w.store.put(`${loc.prefix}/${rel}`, written.bytes, { condition: { ifNoneMatch: '*' } });
    deleteFiles.push({ path: rel, recordCount: rows.length, fileSizeBytes: written.bytes.byteLength, referencedDataFile: h.url });
  }
  const existing = await listSnapshots(w.store, loc);
  return publishSnapshot(w.store, loc, {
    schema: icebergSchemaOf(schema),
    dataFiles,
    ...(deleteFiles.length ? { deleteFiles } : {}),
    lsn: BigInt(lsn),
    timestampMs,
    ...(dataFiles.length === 0 && existing.length > 0 ? { removeAll: true } : {}),
  });
}

/** Publishes the rows `t` hands over (its state at `lsn`) as one Parquet data file in a new snapshot. */
export async function publishCopy(t: IcebergTableSource, lsn: number, w: Warehouse, timestampMs: number): Promise<PublishResult & { dataKey?: string }> {
  const rows: (readonly ColumnValue[])[] = [];
  for await (const r of t.rows()) rows.push(r);
  const schema = t.schema;
  const loc = await tableLocation(w, t.name);
  const dataFiles: DataFileInfo[] = [];
  let dataKey: string | undefined;
  if (rows.length > 0) {
    const written = writeParquet(rows, schema, { compression: 'zstd' });
    const rel = `data/${String(lsn).padStart(12, '0')}-${crypto.randomUUID()}.parquet`;
    dataKey = `${loc.prefix}/${rel}`;
    await w.store.put(dataKey, written.bytes, { condition: { ifNoneMatch: '*' } });
    dataFiles.push(dataFileInfo(rel, columnStats(written.bytes, rel), schema));
  }
  const existing = await listSnapshots(w.store, loc);
  const result = await publishSnapshot(w.store, loc, {
    schema: icebergSchemaOf(schema),
    dataFiles,
    lsn: BigInt(lsn),
    timestampMs,
    ...(dataFiles.length === 0 && existing.length > 0 ? { removeAll: true } : {}),
  });
  return dataKey ? { ...result, dataKey } : result;
}

/** Object keys (under `prefix`) of the files outside its own folder that any retained snapshot of `table` references. */
export async function externalKeys(w: Warehouse, table: string, prefix: string): Promise<string[]> {
  const root = storeObjectUrl(w, '');
  if (root === undefined) return [];
  const out: string[] = [];
  for (const url of await referencedFileUrls(w.store, await tableLocation(w, table))) {
    if (url.startsWith(root + prefix)) out.push(url.slice(root.length));
  }
  return out;
}

/** Snapshots of a published table: id, the dosql LSN it reflects, time and metadata file. */
export async function tableSnapshots(w: Warehouse, table: string): Promise<{ snapshotId: bigint; lsn: number; timestampMs: number; metadataPath: string }[]> {
  const loc = await tableLocation(w, table);
  return (await listSnapshots(w.store, loc)).map((s) => ({
    snapshotId: s.snapshotId,
    lsn: s.lsn === undefined ? -1 : Number(s.lsn),
    timestampMs: s.timestampMs,
    metadataPath: s.metadataKey === null ? '' : `${loc.url}/${s.metadataKey.slice(loc.prefix.length + 1)}`,
  }));
}

/** Expires old snapshots of a published table (see iceberg/maintenance.ts); no-op for tables never published. */
export async function expireTableSnapshots(w: Warehouse, table: string, o: { olderThanMs: number; retainLast?: number; timestampMs: number }): Promise<{ expired: bigint[] }> {
  const loc = await tableLocation(w, table);
  if ((await listMetadataVersions(w.store, loc)).length === 0) return { expired: [] };
  return expireSnapshots(w.store, loc, o);
}

/** Deletes the table's unreferenced files (see maintenance.listOrphans); returns their keys. */
export async function removeOrphans(w: Warehouse, table: string): Promise<string[]> {
  const loc = await tableLocation(w, table);
  // A crash between the metadata commit and the hint leaves the hint one version behind.
  const versions = await listMetadataVersions(w.store, loc);
  if (versions.length) await writeVersionHint(w.store, loc, Math.max(...versions));
  const orphans = await listOrphans(w.store, loc);
  for (const k of orphans) await w.store.delete(k);
  return orphans;
}
