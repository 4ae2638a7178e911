// Parquet files for `dosql import`, read with hyparquet one row group at a time (memory
// bounded by the largest row group), ZSTD pages through fzstd as bench/flights.ts does;
// hyparquet decodes SNAPPY, GZIP and the others it knows itself.
import { statSync } from 'node:fs';
import * as fzstd from 'fzstd';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { DoSQLError } from '../errors.js';
import { utf8Decoder } from '../util/bytes.js';
import type { BindValue } from '../sql/api/values.js';
import { parquetCell, parquetColumnType } from './infer-schema.js';
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
  };
}
