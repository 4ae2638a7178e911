// Parquet files for `dosql import`, read with hyparquet one row group at a time (memory
// bounded by the largest row group), ZSTD pages through fzstd as bench/flights.ts does;
// hyparquet decodes SNAPPY, GZIP and the others it knows itself.
import { statSync } from 'node:fs';
import * as fzstd from 'fzstd';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { DoSQLError } from '../errors.js';
import { utf8Decoder } from '../util/bytes.js';
import type { BindValue } from '../sql/api/values.js';
import type { ColumnBatch } from '../sql/api/host.js';
import { parquetCell, parquetColumnType, type ParquetKind } from './infer-schema.js';
import type { ImportSource } from './import-source.js';

const compressors = { ZSTD: (input: Uint8Array, n: number): Uint8Array => fzstd.decompress(input, new Uint8Array(n)) };
/** Strings keep a leading U+FEFF (hyparquet's default decoder drops it: it is data here). */
const parsers = { stringFromBytes: (b: Uint8Array | undefined): string | undefined => b && utf8Decoder.decode(b) };

export async function openParquet(path: string): Promise<ImportSource> {
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new DoSQLError('INVALID_ARGUMENT', `parquet: ${path} is not a readable Parquet file: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { path } });
  }
  const top = parquetSchema(metadata).children;
  const columns = top.map((c) => c.element.name);
  const mapped = top.map((c) => parquetColumnType(c.element, c.children.length > 0));
  const groups = metadata.row_groups.map((g) => Number(g.num_rows));
  const flat = top.every((c) => c.children.length === 0);
  const kinds = mapped.map((m) => m.kind);
  const totalRows = Number(metadata.num_rows);
  const totalBytes = statSync(path).size;
  let bytes = 0;
  return {
    columns,
    types: mapped.map((m) => m.type),
    totalRows,
    totalBytes,
    bytesRead: () => bytes,
    async *batches() {
      let start = 0;
      for (let g = 0; g < groups.length; g++) {
        const end = start + groups[g]!;
        // Rows as arrays in column order: any column name works (objects would lose `__proto__`).
        let raw: unknown[][] = [];
        try {
          await parquetRead({ file, metadata, columns, rowStart: start, rowEnd: end, compressors, parsers, rowFormat: 'array', onComplete: (r: unknown[][]) => (raw = r) });
        } catch (e) {
          throw new DoSQLError('INVALID_ARGUMENT', `parquet: ${path}: row group ${g}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { path, rowGroup: g } });
        }
        const rows: BindValue[][] = raw.map((o) => columns.map((_c, i) => parquetCell(o[i], mapped[i]!.kind)));
        start = end;
        bytes = Math.round((totalBytes * start) / Math.max(1, totalRows));
        yield rows;
      }
    },
    // Flat files only (every column a leaf): hyparquet's chunks are then the columns themselves.
    ...(flat ? { columnBatches: () => columnBatchesOf(path, file, metadata, columns, kinds, groups, (n) => (bytes = n), totalBytes, totalRows) } : {}),
  };
}

/**
 * The row groups of a flat file as ColumnBatches: each column decoded by hyparquet (onChunk, no
 * row assembly) and converted as `batches()` converts its cells; typed arrays of numbers and
 * bigints are passed on as they are (parquetCell would return each value unchanged).
 */
async function* columnBatchesOf(path: string, file: AsyncBuffer, metadata: FileMetaData, columns: readonly string[], kinds: readonly ParquetKind[], groups: readonly number[], setBytes: (n: number) => void, totalBytes: number, totalRows: number): AsyncGenerator<ColumnBatch> {
  const at = new Map(columns.map((c, i) => [c, i]));
  let start = 0;
  for (let g = 0; g < groups.length; g++) {
    const n = groups[g]!;
    const end = start + n;
    const out: (BindValue[] | ArrayLike<BindValue> | null)[] = columns.map(() => null);
    const pieces: { column: number; rowStart: number; data: ArrayLike<unknown> }[] = [];
    try {
      await parquetRead({ file, metadata, columns: [...columns], rowStart: start, rowEnd: end, compressors, parsers, onChunk: (c) => pieces.push({ column: at.get(c.columnName) ?? -1, rowStart: c.rowStart, data: c.columnData }) });
    } catch (e) {
      throw new DoSQLError('INVALID_ARGUMENT', `parquet: ${path}: row group ${g}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { path, rowGroup: g } });
    }
    for (const p of pieces) {
      if (p.column < 0) continue;
      const kind = kinds[p.column]!;
      if (p.rowStart === start && p.data.length === n && kind === 'plain' && (p.data instanceof Float64Array || p.data instanceof Int32Array || p.data instanceof BigInt64Array || p.data instanceof Float32Array)) {
        out[p.column] = p.data as ArrayLike<BindValue>;
        continue;
      }
      const have = out[p.column];
      const col: BindValue[] = Array.isArray(have) ? (have as BindValue[]) : new Array<BindValue>(n).fill(null);
      out[p.column] = col;
      const off = p.rowStart - start;
      for (let i = 0; i < p.data.length; i++) if (off + i >= 0 && off + i < n) col[off + i] = parquetCell(p.data[i], kind);
    }
    start = end;
    setBytes(Math.round((totalBytes * start) / Math.max(1, totalRows)));
    yield { rowCount: n, columns: out.map((c) => c ?? new Array<BindValue>(n).fill(null)) };
  }
}
