// Lake data and position-delete files (docs/format/lake.md, "File names"): Parquet written with
// src/columnar, named `data/dt=<YYYY-MM-DD|null>/<commit>-<n>.parquet` and
// `data/dt=<…>/<commit>-<n>-deletes.parquet`, where <commit> is the commit's UUIDv7 (cleanup
// reads a file's age from it). Every file is created with create-if-absent: names are never reused.
import { columnStats, openParquet, bytesSource, readParquetColumns, writeParquet, type ColumnDef, type ColumnType, type ColumnValue, type ColumnarSchema, type FileStats } from '../columnar/index.js';
import { asIoError } from '../errors.js';
import { encodeBound } from '../iceberg/bounds.js';
import { dayLabel } from '../iceberg/partition-spec.js';
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from '../iceberg/schemas.js';
import type { DataFileInfo, DeleteFileInfo, IcebergPrimitiveType, IcebergSchema, IcebergTableLocation } from '../iceberg/types.js';
import type { ObjectStore } from '../storage/object-store.js';
import { isSystemField } from './schema-map.js';

const COLUMN_TYPE: Partial<Record<IcebergPrimitiveType, ColumnType>> = { long: 'long', double: 'double', string: 'string', binary: 'binary', timestamptz: 'timestamptz' };

/** The columnar schema of a lake schema: system columns keep their names in Parquet. */
export function columnarSchema(schema: IcebergSchema): ColumnarSchema {
  return {
    columns: schema.fields.map((f): ColumnDef => ({ name: f.name, fieldId: f.id, type: COLUMN_TYPE[f.type] ?? 'string', nullable: !f.required, ...(isSystemField(f) ? { verbatimName: true } : {}) })),
  };
}

const POSITION_DELETE_COLUMNS: ColumnarSchema = {
  columns: [
    { name: 'file_path', fieldId: POSITION_DELETE_FILE_PATH_ID, type: 'string', nullable: false, reserved: true },
    { name: 'pos', fieldId: POSITION_DELETE_POS_ID, type: 'long', nullable: false, reserved: true },
  ],
};

/** The Iceberg data_file figures of a written file, for the schema's field ids. */
function fileInfo(path: string, stats: FileStats, schema: IcebergSchema | null, day: number | null): DataFileInfo {
  const types = new Map<number, IcebergPrimitiveType>(schema ? schema.fields.map((f) => [f.id, f.type]) : [[POSITION_DELETE_FILE_PATH_ID, 'string'], [POSITION_DELETE_POS_ID, 'long']]);
  const columnSizes = new Map<number, number>();
  const valueCounts = new Map<number, number>();
  const nullValueCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  for (const c of stats.columns) {
    const id = c.column.fieldId;
    const type = id === null || c.column.shadowOf !== undefined ? undefined : types.get(id);
    if (id === null || type === undefined) continue;
    columnSizes.set(id, c.columnSize);
    valueCounts.set(id, c.valueCount);
    if (c.nullValueCount !== null) nullValueCounts.set(id, c.nullValueCount);
    if (c.lowerBound !== undefined && c.lowerBound !== null) lowerBounds.set(id, encodeBound(type, c.lowerBound));
    if (c.upperBound !== undefined && c.upperBound !== null) upperBounds.set(id, encodeBound(type, c.upperBound));
  }
  return {
    path,
    recordCount: stats.recordCount,
    fileSizeBytes: stats.fileSizeInBytes,
    columnSizes,
    valueCounts,
    nullValueCounts,
    lowerBounds,
    upperBounds,
    splitOffsets: stats.splitOffsets,
    partition: { dt: day },
  };
}

async function create(store: ObjectStore, key: string, bytes: Uint8Array): Promise<void> {
  try {
    await store.put(key, bytes, { condition: { ifNoneMatch: '*' } });
  } catch (e) {
    throw asIoError('lake', 'put', key, e);
  }
}

/** Relative path of data file `n` of commit `commitId` in partition `day`. */
export function dataPath(commitId: string, day: number | null, n: number, deletes = false): string {
  return `data/dt=${dayLabel(day)}/${commitId}-${n}${deletes ? '-deletes' : ''}.parquet`;
}

/** Writes rows (values in schema field order) as one data file; returns its data_file entry (relative path). */
export async function writeDataFile(
  store: ObjectStore,
  loc: IcebergTableLocation,
  schema: IcebergSchema,
  rows: readonly (readonly ColumnValue[])[],
  path: string,
  day: number | null,
  rowGroupRows: number,
): Promise<DataFileInfo> {
  const written = writeParquet(rows, columnarSchema(schema), { rowGroupRows, icebergSchemaId: schema['schema-id'] });
  await create(store, `${loc.prefix}/${path}`, written.bytes);
  const info = fileInfo(path, columnStats(written.bytes, path), schema, day);
  const nan = new Map<number, number>();
  for (const [id, n] of written.nanCounts) nan.set(id, n);
  return { ...info, nanValueCounts: nan };
}

/**
 * Writes one position-delete file: `(file URL, row)` pairs, sorted by both (spec "Position
 * Delete Files"); `referencedDataFile` is set when they all hit one file.
 */
export async function writeDeleteFile(store: ObjectStore, loc: IcebergTableLocation, deletes: readonly { url: string; pos: number }[], path: string, day: number | null): Promise<DeleteFileInfo> {
  const sorted = [...deletes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : a.pos - b.pos));
  const written = writeParquet(sorted.map((d) => [d.url, BigInt(d.pos)]), POSITION_DELETE_COLUMNS, { rowGroupRows: 100_000 });
  await create(store, `${loc.prefix}/${path}`, written.bytes);
  const info = fileInfo(path, columnStats(written.bytes, path), null, day);
  const one = sorted.every((d) => d.url === sorted[0]!.url);
  return { ...info, ...(one && sorted.length ? { referencedDataFile: sorted[0]!.url } : {}) };
}

/** Reads the rows of a position-delete file: (file URL, row) pairs. */
export async function readDeleteFile(store: ObjectStore, key: string): Promise<{ url: string; pos: number }[]> {
  const got = await store.get(key).catch((e: unknown) => {
    throw asIoError('lake', 'get', key, e);
  });
  if (!got) throw asIoError('lake', 'get', key, new Error('object is missing'));
  const file = await openParquet(bytesSource(got.data, key));
  const { columns } = await readParquetColumns(file, { columns: ['file_path', 'pos'] });
  const [paths, poss] = columns as [ColumnValue[], ColumnValue[]];
  return paths.map((p, i) => ({ url: String(p), pos: Number(poss[i]) }));
}

/**
 * Reads the given fields of a data file (by field id; a field the file lacks reads as
 * `undefined` for every row), plus the row count.
 */
export async function readDataFile(store: ObjectStore, key: string, fieldIds: readonly number[]): Promise<{ rows: number; columns: (ColumnValue | undefined)[][] }> {
  const got = await store.get(key).catch((e: unknown) => {
    throw asIoError('lake', 'get', key, e);
  });
  if (!got) throw asIoError('lake', 'get', key, new Error('object is missing'));
  const file = await openParquet(bytesSource(got.data, key));
  const infos = file.stats.columns.map((c) => c.column).filter((c) => c.shadowOf === undefined);
  const names = fieldIds.map((id) => infos.find((c) => c.fieldId === id)?.name);
  const present = names.filter((n): n is string => n !== undefined);
  const { columns } = await readParquetColumns(file, { columns: present });
  const rows = file.stats.recordCount;
  let k = 0;
  return { rows, columns: names.map((n) => (n === undefined ? new Array<undefined>(rows).fill(undefined) : columns[k++]!)) };
}
