// Columnar runs: one table's row versions, sorted by (primary key ascending, LSN descending),
// cut into Parquet files of about a target size (docs/format/columnar.md, "Columnar runs").
// Independent of the LSM key encoding: keys are tuples of values in SQLite order.
import { DoSQLError, asIoError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import {
  compareKeys,
  computeRunChecksums,
  describeParquet,
  parseFooter,
  readRowGroups,
  validateSchema,
  writeParquet,
  type ColumnValue,
  type ColumnarSchema,
  type FileStats,
  type OpenedParquet,
  type ParquetCompression,
  type ReadParquetOptions,
  type RunChecksums,
} from '../columnar/index.js';
import { COLUMN_KIND, COLUMN_LSN, COLUMN_TS, KIND_DELETE, KIND_PUT, runLayout, withSystemColumns } from './run-layout.js';

/** One row version. */
export interface RunRow {
  /** Primary-key values in key order (the values of the key columns). */
  readonly key: readonly ColumnValue[];
  /** Commit LSN: a non-negative safe integer. */
  readonly lsn: number;
  /** Commit wall-clock time, milliseconds since the Unix epoch. */
  readonly ts: number;
  /** 1 put, 0 delete (tombstone). */
  readonly kind: 0 | 1;
  /** For a put, the whole row in schema order; `null` for a delete. */
  readonly values: readonly ColumnValue[] | null;
}

export interface RunWriterOptions {
  /** The table's columns (the system columns are appended by the writer). */
  readonly schema: ColumnarSchema;
  /** Names of the primary-key columns in key order. */
  readonly keyColumns: readonly string[];
  /** Files are written here with create-if-absent: a run file is never overwritten. */
  readonly store: ObjectStore;
  /** The object key of the run's `index`-th file (0, 1, ...), chosen by the caller. */
  readonly pathFor: (index: number) => string;
  /** Target compressed file size in bytes; a file is cut only between two keys. Default 64 MiB. */
  readonly targetFileBytes?: number;
  /** Maximum rows per row group. Default 65,536. */
  readonly rowGroupRows?: number;
  readonly compression?: ParquetCompression;
  readonly icebergSchemaId?: number;
}

/** A written run file. */
export interface RunFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly rowCount: number;
  /** Key of the first and the last row. */
  readonly minKey: readonly ColumnValue[];
  readonly maxKey: readonly ColumnValue[];
  readonly minLsn: number;
  readonly maxLsn: number;
  readonly minTs: number;
  readonly maxTs: number;
  /** Footer statistics (Iceberg data_file figures and per-row-group min/max). */
  readonly stats: FileStats;
  /** NaN count per `double` field id. */
  readonly nanCounts: ReadonlyMap<number, number>;
  /** CRC-32C of the file's checked ranges, for its manifest entry (run-checksums.ts). */
  readonly checksums: RunChecksums;
}

export const DEFAULT_TARGET_FILE_BYTES = 64 * 1024 * 1024;
/** Compressed/raw size ratio assumed for the first file, before one has been measured. */
const INITIAL_RATIO = 0.5;

/**
 * Writes sorted row versions as one or more Parquet files. Rows must come sorted by key
 * ascending (SQLite order, value-order.ts), then LSN descending, with no (key, LSN) twice.
 * Key columns keep their declared nullability; other columns are written nullable because
 * a tombstone stores only its key.
 *
 * Throws `INVALID_ARGUMENT` for unsorted rows, a key that disagrees with the row's values,
 * or malformed LSN/ts/kind; `PRECONDITION_FAILED` if a path already exists; `IO_ERROR` from the store.
 * Async safety: one call writes its files in order; the store sees one put at a time.
 */
export async function writeColumnarRun(rows: AsyncIterable<RunRow> | Iterable<RunRow>, options: RunWriterOptions): Promise<RunFile[]> {
  validateSchema(options.schema);
  const keyIndexes = options.keyColumns.map((name) => {
    const i = options.schema.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new DoSQLError('INVALID_ARGUMENT', `columnar: key column "${name}" is not in the schema`);
    return i;
  });
  if (keyIndexes.length === 0) throw new DoSQLError('INVALID_ARGUMENT', 'columnar: a run needs at least one key column');
  const keySet = new Set(keyIndexes);
  const fileSchema = withSystemColumns({
    columns: options.schema.columns.map((c, i) => (keySet.has(i) ? c : { ...c, nullable: true })),
  });
  const keyFieldIds = keyIndexes.map((i) => options.schema.columns[i]!.fieldId);
  const width = options.schema.columns.length;
  const target = options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES;
  let ratio = INITIAL_RATIO;
  const files: RunFile[] = [];
  let buffer: ColumnValue[][] = [];
  let rawBytes = 0;
  let prev: RunRow | undefined;
  let first: RunRow | undefined;

  const flush = async (last: RunRow): Promise<void> => {
    const written = writeParquet(buffer, fileSchema, {
      ...(options.rowGroupRows === undefined ? {} : { rowGroupRows: options.rowGroupRows }),
      ...(options.compression === undefined ? {} : { compression: options.compression }),
      ...(options.icebergSchemaId === undefined ? {} : { icebergSchemaId: options.icebergSchemaId }),
      keyFieldIds,
    });
    const path = options.pathFor(files.length);
    try {
      await options.store.put(path, written.bytes, { condition: { ifNoneMatch: '*' } });
    } catch (e) {
      if (e instanceof DoSQLError) throw e;
      throw asIoError('columnar', 'put', path, e);
    }
    let minLsn = Infinity, maxLsn = -Infinity, minTs = Infinity, maxTs = -Infinity;
    for (const row of buffer) {
      const lsn = Number(row[width] as bigint);
      const ts = Number(row[width + 1] as bigint);
      if (lsn < minLsn) minLsn = lsn;
      if (lsn > maxLsn) maxLsn = lsn;
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
    }
    const footer = parseFooter(written.bytes, path);
    files.push({
      path,
      sizeBytes: written.bytes.byteLength,
      rowCount: buffer.length,
      minKey: first!.key.slice(),
      maxKey: last.key.slice(),
      minLsn,
      maxLsn,
      minTs,
      maxTs,
      stats: describeParquet(footer, written.bytes.byteLength, path),
      nanCounts: written.nanCounts,
      checksums: computeRunChecksums(written.bytes, footer, path),
    });
    if (rawBytes > 0) ratio = written.bytes.byteLength / rawBytes;
    buffer = [];
    rawBytes = 0;
  };

  for await (const row of rows) {
    checkRow(row, prev, keyIndexes, width);
    if (prev && buffer.length > 0 && compareKeys(prev.key, row.key) !== 0 && rawBytes * ratio >= target) await flush(prev);
    if (buffer.length === 0) first = row;
    const full: ColumnValue[] = row.values ? row.values.slice() : new Array<ColumnValue>(width).fill(null);
    if (!row.values) keyIndexes.forEach((c, k) => (full[c] = row.key[k]!));
    full.push(BigInt(row.lsn), BigInt(row.ts), BigInt(row.kind));
    buffer.push(full);
    rawBytes += rawSize(full);
    prev = row;
  }
  if (prev && buffer.length > 0) await flush(prev);
  return files;
}

function checkRow(row: RunRow, prev: RunRow | undefined, keyIndexes: readonly number[], width: number): void {
  const bad = (why: string): DoSQLError => new DoSQLError('INVALID_ARGUMENT', `columnar: run row at LSN ${row.lsn}: ${why}`);
  if (!Number.isSafeInteger(row.lsn) || row.lsn < 0) throw bad('LSN must be a non-negative safe integer');
  if (!Number.isSafeInteger(row.ts)) throw bad('ts must be a safe integer (milliseconds)');
  if (row.kind !== KIND_PUT && row.kind !== KIND_DELETE) throw bad(`kind must be 0 or 1, got ${String(row.kind)}`);
  if (row.key.length !== keyIndexes.length) throw bad(`key has ${row.key.length} values, expected ${keyIndexes.length}`);
  if (row.kind === KIND_PUT) {
    if (!row.values || row.values.length !== width) throw bad(`a put needs ${width} values`);
    keyIndexes.forEach((c, k) => {
      if (!sameValue(row.values![c]!, row.key[k]!)) throw bad(`key value ${k} differs from column ${c} of the row`);
    });
  } else if (row.values !== null) throw bad('a delete carries no values');
  if (prev) {
    const d = compareKeys(prev.key, row.key);
    if (d > 0 || (d === 0 && prev.lsn <= row.lsn)) throw bad('rows must be sorted by key ascending, then LSN descending');
  }
}

function sameValue(a: ColumnValue, b: ColumnValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return typeof a === typeof b && (a === b || (typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b as number)));
}

function rawSize(row: readonly ColumnValue[]): number {
  let n = 0;
  for (const v of row) {
    if (v === null) n += 1;
    else if (typeof v === 'string') n += v.length + 4;
    else if (v instanceof Uint8Array) n += v.length + 4;
    else n += 8;
  }
  return n;
}

/**
 * Yields a run file's row versions in file order (key ascending, LSN descending).
 * `rowGroups` and `where` (statistics pruning) narrow the row groups read; rows within a
 * read group are all returned.
 */
export async function* readColumnarRun(file: OpenedParquet, options: Omit<ReadParquetOptions, 'columns'> = {}): AsyncGenerator<RunRow> {
  const { schema, keyColumns } = runLayout(file);
  const names = [...schema.columns.map((c) => c.name), COLUMN_LSN, COLUMN_TS, COLUMN_KIND];
  const width = schema.columns.length;
  const keyIndexes = keyColumns.map((k) => schema.columns.findIndex((c) => c.name === k));
  for await (const g of readRowGroups(file, { ...options, columns: names })) {
    const n = g.columns[0]!.length;
    for (let r = 0; r < n; r++) {
      const kind = Number(g.columns[width + 2]![r] as bigint);
      if (kind !== KIND_PUT && kind !== KIND_DELETE) {
        throw new DoSQLError('CORRUPTION', `columnar: kind ${kind} at row ${g.firstRow + r} of ${file.source.name}`, {
          details: { file: file.source.name },
        });
      }
      const values = g.columns.slice(0, width).map((c) => c[r]!);
      yield {
        key: keyIndexes.map((i) => values[i]!),
        lsn: Number(g.columns[width]![r] as bigint),
        ts: Number(g.columns[width + 1]![r] as bigint),
        kind,
        values: kind === KIND_PUT ? values : null,
      };
    }
  }
}
