// Footer-only facts about a Parquet file (hyparquet's metadata parser): our column layout,
// per-row-group statistics for pruning, and the per-file figures an Iceberg data_file needs.
import { parquetMetadata, type FileMetaData, type SchemaElement, type Statistics } from 'hyparquet';
import { DoSQLError } from '../errors.js';
import { utf8Decoder } from '../util/bytes.js';
import {
  COLUMNAR_FORMAT_NAME,
  KV_FORMAT,
  KV_FORMAT_VERSION,
  SUPPORTED_FORMAT_VERSIONS,
} from './format.js';
import type { ColumnType, ColumnValue } from './schema.js';
import { compareValues } from './value-order.js';

/** Metadata parser options: keep BYTE_ARRAY statistics as bytes; we decode them by column type. */
export const RAW_BYTES_PARSERS = { stringFromBytes: (b: Uint8Array): Uint8Array => b, timestampFromMicroseconds: (v: bigint): bigint => v };

/** A physical column as found in a file's footer. */
export interface ParquetColumnInfo {
  readonly name: string;
  readonly fieldId: number | null;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Index among the file's leaf columns (the column-chunk index in each row group). */
  readonly index: number;
  /** Field id of the typed column when this is a `_dosql_mixed_<id>` shadow column. */
  readonly shadowOf?: number;
}

export interface ColumnChunkStats {
  /** Values including nulls (Parquet `num_values`; flat columns). */
  readonly valueCount: number;
  /** `null` when the writer recorded no null count. */
  readonly nullCount: number | null;
  /** `undefined` when the chunk has no min/max (no statistics, or only nulls/NaN). */
  readonly min: ColumnValue | undefined;
  readonly max: ColumnValue | undefined;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
}

export interface RowGroupStats {
  readonly index: number;
  /** Position of the group's first row in the file. */
  readonly firstRow: number;
  readonly rowCount: number;
  /** Indexed like {@link FileStats.columns}. */
  readonly columns: readonly ColumnChunkStats[];
}

/** Per column, the figures of an Iceberg `data_file` (spec "Manifests"), keyed by field id there. */
export interface ColumnFileStats {
  readonly column: ParquetColumnInfo;
  /** `column_sizes`: compressed bytes over all row groups. */
  readonly columnSize: number;
  /** `value_counts`: values including nulls. */
  readonly valueCount: number;
  /** `null_value_counts`; `null` when some row group did not record it. */
  readonly nullValueCount: number | null;
  /** `lower_bounds` / `upper_bounds`; `undefined` when unknown (no stats, or no non-null value). */
  readonly lowerBound: ColumnValue | undefined;
  readonly upperBound: ColumnValue | undefined;
}

export interface FileStats {
  /** `record_count`. */
  readonly recordCount: number;
  /** `file_size_in_bytes`. */
  readonly fileSizeInBytes: number;
  readonly columns: readonly ColumnFileStats[];
  readonly rowGroups: readonly RowGroupStats[];
  /** The file's key-value metadata. */
  readonly keyValue: Readonly<Record<string, string>>;
  /** `split_offsets`: byte offset of each row group. */
  readonly splitOffsets: readonly number[];
}

/** Parses the footer of a whole file held in memory and describes it. */
export function columnStats(bytes: Uint8Array, file = 'parquet'): FileStats {
  return describeParquet(parseFooter(bytes, file), bytes.byteLength, file);
}

/** hyparquet `parquetMetadata` with raw BYTE_ARRAY statistics; failures become `CORRUPTION`. */
export function parseFooter(bytes: Uint8Array, file: string): FileMetaData {
  try {
    return parquetMetadata(bytes, { parsers: RAW_BYTES_PARSERS });
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `columnar: unreadable Parquet footer in ${file}: ${(e as Error).message}`, {
      cause: e,
      details: { file },
    });
  }
}

/** Our view of a file's leaf columns; throws `NOT_SUPPORTED` for types we never write. */
export function fileColumns(md: FileMetaData, file: string): ParquetColumnInfo[] {
  const leaves = md.schema.slice(1);
  return leaves.map((el, index) => {
    if (el.num_children) throw new DoSQLError('NOT_SUPPORTED', `columnar: nested column "${el.name}" in ${file}`);
    const shadow = /^_dosql_mixed_(\d+)$/.exec(el.name);
    return {
      name: el.name,
      fieldId: el.field_id ?? null,
      type: columnTypeOf(el, file),
      nullable: el.repetition_type !== 'REQUIRED',
      index,
      ...(shadow ? { shadowOf: Number(shadow[1]) } : {}),
    };
  });
}

function columnTypeOf(el: SchemaElement, file: string): ColumnType {
  switch (el.type) {
    case 'INT64':
      return el.logical_type?.type === 'TIMESTAMP' || el.converted_type === 'TIMESTAMP_MICROS' ? 'timestamptz' : 'long';
    case 'DOUBLE':
      return 'double';
    case 'BYTE_ARRAY':
      return el.logical_type?.type === 'STRING' || el.converted_type === 'UTF8' ? 'string' : 'binary';
    default:
      throw new DoSQLError('NOT_SUPPORTED', `columnar: column "${el.name}" has Parquet type ${String(el.type)} in ${file}`);
  }
}

/** Key-value metadata as a record; checks `dosql.format` / version when present. */
export function keyValueOf(md: FileMetaData, file: string): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const e of md.key_value_metadata ?? []) kv[e.key] = e.value ?? '';
  const format = kv[KV_FORMAT];
  if (format !== undefined) {
    const version = Number(kv[KV_FORMAT_VERSION]);
    if (format !== COLUMNAR_FORMAT_NAME || !SUPPORTED_FORMAT_VERSIONS.has(version)) {
      throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `columnar: ${file} is ${format} version ${kv[KV_FORMAT_VERSION]}`, {
        details: { file },
      });
    }
  }
  return kv;
}

/** Describes a parsed footer: columns, row groups with decoded min/max, Iceberg figures. */
export function describeParquet(md: FileMetaData, fileSize: number, file = 'parquet'): FileStats {
  const columns = fileColumns(md, file);
  let firstRow = 0;
  const rowGroups: RowGroupStats[] = md.row_groups.map((rg, index) => {
    const rowCount = Number(rg.num_rows);
    const stats = columns.map((col) => {
      const meta = rg.columns[col.index]?.meta_data;
      if (!meta) throw new DoSQLError('CORRUPTION', `columnar: row group ${index} lacks column ${col.name} in ${file}`);
      const s = meta.statistics;
      const legacyOk = meta.type !== 'BYTE_ARRAY'; // deprecated min/max of byte arrays used signed order
      return {
        valueCount: Number(meta.num_values),
        nullCount: s?.null_count === undefined ? null : Number(s.null_count),
        min: statValue(s?.min_value ?? (legacyOk ? s?.min : undefined), col.type),
        max: statValue(s?.max_value ?? (legacyOk ? s?.max : undefined), col.type),
        compressedBytes: Number(meta.total_compressed_size),
        uncompressedBytes: Number(meta.total_uncompressed_size),
      };
    });
    const g = { index, firstRow, rowCount, columns: stats };
    firstRow += rowCount;
    return g;
  });
  const fileColumnStats = columns.map((column, c) => {
    let columnSize = 0;
    let valueCount = 0;
    let nullValueCount: number | null = 0;
    let lowerBound: ColumnValue | undefined;
    let upperBound: ColumnValue | undefined;
    let boundsKnown = true;
    for (const g of rowGroups) {
      const s = g.columns[c]!;
      columnSize += s.compressedBytes;
      valueCount += s.valueCount;
      nullValueCount = nullValueCount === null || s.nullCount === null ? null : nullValueCount + s.nullCount;
      const allNull = s.nullCount !== null && s.nullCount === s.valueCount;
      if (allNull) continue;
      if (s.min === undefined || s.max === undefined) boundsKnown = false;
      else {
        if (lowerBound === undefined || compareValues(s.min, lowerBound) < 0) lowerBound = s.min;
        if (upperBound === undefined || compareValues(s.max, upperBound) > 0) upperBound = s.max;
      }
    }
    return {
      column,
      columnSize,
      valueCount,
      nullValueCount,
      lowerBound: boundsKnown ? lowerBound : undefined,
      upperBound: boundsKnown ? upperBound : undefined,
    };
  });
  return {
    recordCount: Number(md.num_rows),
    fileSizeInBytes: fileSize,
    columns: fileColumnStats,
    rowGroups,
    keyValue: keyValueOf(md, file),
    splitOffsets: md.row_groups.map((rg) => {
      const first = rg.columns[0]?.meta_data;
      return Number(first?.dictionary_page_offset ?? first?.data_page_offset ?? 4n);
    }),
  };
}

function statValue(v: Statistics['min_value'], type: ColumnType): ColumnValue | undefined {
  if (v === undefined) return undefined;
  switch (type) {
    case 'long':
    case 'timestamptz':
      return typeof v === 'bigint' ? v : undefined;
    case 'double':
      return typeof v === 'number' ? v : undefined;
    case 'string':
      return v instanceof Uint8Array ? utf8Decoder.decode(v) : typeof v === 'string' ? v : undefined;
    case 'binary':
      return v instanceof Uint8Array ? v.slice() : undefined;
  }
}
