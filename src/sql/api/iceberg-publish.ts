// Publishing SQL tables as Apache Iceberg v2 snapshots (docs/format/iceberg.md): for each
// table, the current state as of one LSN — one row per primary key, no superseded versions, no
// deleted rows — written as a Parquet data file with Iceberg field ids (stable column id + 1),
// then committed as a new snapshot whose summary records the LSN. An Iceberg reader of that
// snapshot sees what `SELECT * FROM t FOR SYSTEM_TIME AS OF LSN n` returns in dosql.
//
// Value mapping (Iceberg columns are typed, SQLite's are not): INTEGER → long, REAL and
// NUMERIC → double (integers widened), TEXT and untyped → string (numbers rendered as SQLite
// text), BLOB → binary. A value that still does not fit its column is kept for dosql in the
// columnar shadow column and reads as NULL to other engines (docs/format/columnar.md).
import { DoSQLError } from '../../errors.js';
import { columnStats, POSITION_DELETE_COLUMNS, writeParquet, type ColumnarSchema, type ColumnType, type ColumnValue, type FileStats } from '../../columnar/index.js';
import type { ColumnCache } from '../../cold/column-cache.js';
import { visibility } from '../../cold/run-visibility.js';
import { declaredColumnType, FIELD_ID_SLOTS } from '../rows/cold-layout.js';
import type { ColdSource } from '../execution/columnar-aggregate-op.js';
import { encodeBound } from '../../iceberg/bounds.js';
import { listSnapshots, publishSnapshot, writeVersionHint, type PublishResult } from '../../iceberg/publisher.js';
import { listMetadataVersions } from '../../iceberg/table-files.js';
import { tableFolder } from '../../iceberg/table-folder.js';
import { expireSnapshots, listOrphans, referencedFileUrls } from '../../iceberg/maintenance.js';
import type { DataFileInfo, DeleteFileInfo, IcebergPrimitiveType, IcebergSchema, IcebergTableLocation } from '../../iceberg/types.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { TableSchema } from '../catalog/schema.js';
import type { Row } from '../execution/env.js';
import { TableReader } from '../execution/table-reader.js';
import { ExecEnv } from '../execution/env.js';
import { columnDefaults } from '../planner/plan-from.js';
import type { Transaction } from '../txn/transaction.js';
import { toText } from '../types/convert.js';
import type { SqlValue } from '../types/value.js';

/** Where published tables go: `<prefix>/<namespace>/<table>` in `store`, seen by readers under `url`. */
export interface Warehouse {
  readonly store: ObjectStore;
  readonly prefix: string;
  readonly url: string;
  readonly namespace: string;
}

/**
 * Where table `table` (its SQL name) is published: `<prefix>/<namespace>/<folder>`, the folder
 * being the name mapped to one safe path segment (iceberg/table-folder.ts; plain names such as
 * `item` map to themselves).
 */
export async function tableLocation(w: Warehouse, table: string): Promise<IcebergTableLocation> {
  const t = await tableFolder(table);
  return { prefix: `${w.prefix}/${w.namespace}/${t}`, url: `${w.url.replace(/\/$/, '')}/${w.namespace}/${t}` };
}

const ICEBERG_TYPE: Record<ColumnType, IcebergPrimitiveType> = { long: 'long', double: 'double', string: 'string', binary: 'binary' };

function fit(v: SqlValue, type: ColumnType): ColumnValue {
  if (v === null) return null;
  switch (type) {
    case 'double':
      return typeof v === 'bigint' ? Number(v) : v;
    case 'long':
      return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v;
    case 'string':
      return typeof v === 'bigint' || typeof v === 'number' ? toText(v) : v;
    default:
      return v;
  }
}

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

/** The table's Iceberg schema: columns by field id (stable column id + 1). */
function tableSchemas(t: TableSchema): { schema: ColumnarSchema; iceberg: IcebergSchema } {
  const schema: ColumnarSchema = {
    columns: t.columns.map((c, i) => ({ name: c.name, fieldId: c.id + 1, type: declaredColumnType(t, i), nullable: !(c.notNull || i === t.rowidAlias) })),
  };
  const iceberg: IcebergSchema = {
    type: 'struct',
    'schema-id': 0,
    fields: schema.columns.map((c) => ({ id: c.fieldId, name: c.name, required: !c.nullable, type: ICEBERG_TYPE[c.type] })),
  };
  return { schema, iceberg };
}

/**
 * URL under which other readers find object `key` of the warehouse's store: defined when the
 * warehouse URL is `<root>/<prefix>` (the default layout), so the store's root is `<root>`.
 */
export function storeObjectUrl(w: Warehouse, key: string): string | undefined {
  const u = w.url.replace(/\/$/, '');
  if (!u.endsWith(`/${w.prefix}`)) return undefined;
  return `${u.slice(0, u.length - w.prefix.length - 1)}/${key}`;
}

/**
 * Publishes `t` by pointing the snapshot at its columnar runs in place, without a copy: rows
 * the view's LSN does not see (superseded versions, tombstones, newer rows) are hidden by Iceberg
 * v2 position-delete files, one per run file. Applies when every current column is present in
 * every row (no slot left to its default), no value of a current column is kept only in a
 * shadow column, and visibility can be computed from typed columns (run-visibility.ts).
 * Returns undefined otherwise (the caller writes a current-state copy). `pin` records the runs
 * as externally referenced before the snapshot can name them.
 */
export async function publishFromRuns(
  view: Transaction,
  t: TableSchema,
  w: Warehouse,
  src: ColdSource,
  timestampMs: number,
  cache: ColumnCache,
  pin: (keys: readonly string[]) => Promise<void>,
): Promise<PublishResult | undefined> {
  if (src.store !== w.store) return undefined;
  const { schema, iceberg } = tableSchemas(t);
  const ids = new Set(schema.columns.map((c) => c.fieldId));
  const maxId = Math.max(0, ...ids);
  const dataFiles: DataFileInfo[] = [];
  const hidden: { url: string; positions: number[] }[] = [];
  for (const f of src.files) {
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
    const vis = await visibility(cache, f, file, view.readLsn);
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
  await pin(src.files.map((f) => f.key));
  const loc = await tableLocation(w, t.name);
  const deleteFiles: DeleteFileInfo[] = [];
  for (const h of hidden) {
    const rows: ColumnValue[][] = h.positions.map((p) => [h.url, BigInt(p)]);
    const written = writeParquet(rows, { columns: POSITION_DELETE_COLUMNS }, { compression: 'zstd' });
    const rel = `data/${String(view.readLsn).padStart(12, '0')}-${crypto.randomUUID()}-deletes.parquet`;
    await w.store.put(`${loc.prefix}/${rel}`, written.bytes, { condition: { ifNoneMatch: '*' } });
    deleteFiles.push({ path: rel, recordCount: rows.length, fileSizeBytes: written.bytes.byteLength, referencedDataFile: h.url });
  }
  const existing = await listSnapshots(w.store, loc);
  return publishSnapshot(w.store, loc, {
    schema: iceberg,
    dataFiles,
    ...(deleteFiles.length ? { deleteFiles } : {}),
    lsn: BigInt(view.readLsn),
    timestampMs,
    ...(dataFiles.length === 0 && existing.length > 0 ? { removeAll: true } : {}),
  });
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

/** Publishes the state of `t` visible to `view` (its read LSN) as a new Iceberg snapshot. */
export async function publishTable(view: Transaction, t: TableSchema, w: Warehouse, timestampMs: number): Promise<PublishResult & { dataKey?: string }> {
  const width = t.columns.length + (t.withoutRowid ? 0 : 1);
  const reader = new TableReader(t, width, 0, columnDefaults(t));
  const types = t.columns.map((_, i) => declaredColumnType(t, i));
  const env = new ExecEnv(view, [], { changes: 0, totalChanges: 0, lastInsertRowId: 0n }, timestampMs, () => 0n);
  const rows: ColumnValue[][] = [];
  for await (const batch of reader.scan(env)) {
    for (const r of batch as Row[]) rows.push(t.columns.map((_, i) => fit(r[i]!, types[i]!)));
  }
  const { schema, iceberg } = tableSchemas(t);
  const loc = await tableLocation(w, t.name);
  const lsn = view.readLsn;
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
    schema: iceberg,
    dataFiles,
    lsn: BigInt(lsn),
    timestampMs,
    ...(dataFiles.length === 0 && existing.length > 0 ? { removeAll: true } : {}),
  });
  return dataKey ? { ...result, dataKey } : result;
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

export function requireTable(t: TableSchema | undefined, name: string): TableSchema {
  if (!t) throw new DoSQLError('SQL_ERROR', `sql: no such table: ${name}`);
  return t;
}
