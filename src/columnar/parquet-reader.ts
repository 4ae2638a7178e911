// Reads our Parquet files with hyparquet (pure JS, runs in workerd) and fzstd: footer,
// row-group pruning, then the selected columns of the selected row groups.
import { decompress as zstdDecompress } from 'fzstd';
import { parquetMetadataAsync, parquetRead, snappyUncompress, type AsyncBuffer, type ColumnData, type Compressors, type FileMetaData } from 'hyparquet';
import { DoSQLError, asIoError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { utf8Decoder } from '../util/bytes.js';
import { describeParquet, RAW_BYTES_PARSERS, type FileStats, type ParquetColumnInfo } from './parquet-stats.js';
import { selectRowGroups, type StatsPredicate } from './row-group-pruning.js';
import type { ColumnValue } from './schema.js';
import type { ColumnChunk } from './column-chunk.js';
import { decodeShadow } from './shadow-codec.js';

/** A Parquet file to read: whole bytes in memory, or ranges fetched on demand. */
export interface ParquetSource {
  /** Name for error messages (the object key). */
  readonly name: string;
  readonly byteLength: number;
  /** Bytes [start, end). */
  slice(start: number, end: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name = 'parquet'): ParquetSource {
  return { name, byteLength: bytes.byteLength, slice: (start, end) => Promise.resolve(bytes.subarray(start, end)) };
}

/** A source over one object: one HEAD now, then one ranged GET per byte range hyparquet plans. */
export async function objectStoreSource(store: ObjectStore, key: string): Promise<ParquetSource> {
  const info = await store.head(key).catch((e: unknown) => {
    throw asIoError('columnar', 'head', key, e);
  });
  if (!info) throw new DoSQLError('NOT_FOUND', `columnar: no object ${key} in ${store.name}`, { details: { file: key } });
  return {
    name: key,
    byteLength: info.size,
    async slice(start, end) {
      const got = await store.get(key, { range: { offset: start, length: end - start } }).catch((e: unknown) => {
        throw asIoError('columnar', 'get', key, e);
      });
      if (!got || got.data.byteLength !== end - start) {
        throw new DoSQLError('CORRUPTION', `columnar: ${key} ended before byte ${end} in ${store.name}`, {
          details: { file: key, offset: start },
        });
      }
      return got.data;
    },
  };
}

/** An opened file: its source, parsed footer and described statistics. */
export interface OpenedParquet {
  readonly source: ParquetSource;
  readonly metadata: FileMetaData;
  readonly stats: FileStats;
}

/** Reads and parses the footer (one ranged read of up to 64 KiB, a second if the footer is larger). */
export async function openParquet(source: ParquetSource): Promise<OpenedParquet> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(asyncBuffer(source), { parsers: RAW_BYTES_PARSERS, initialFetchSize: 64 * 1024 });
  } catch (e) {
    if (e instanceof DoSQLError) throw e;
    throw new DoSQLError('CORRUPTION', `columnar: unreadable Parquet footer in ${source.name}: ${(e as Error).message}`, {
      cause: e,
      details: { file: source.name },
    });
  }
  return { source, metadata, stats: describeParquet(metadata, source.byteLength, source.name) };
}

export interface ReadParquetOptions {
  /** Columns to return, in this order. Default: every column except shadow columns. */
  columns?: readonly string[];
  /** Row groups to consider (file order is kept). Default: all. */
  rowGroups?: readonly number[];
  /** Conjunction used to skip row groups by statistics; rows are NOT filtered within a group. */
  where?: readonly StatsPredicate[];
}

/** One row group's requested columns, each an array of values in row order. */
export interface RowGroupColumns {
  readonly rowGroup: number;
  readonly firstRow: number;
  readonly columns: readonly ColumnValue[][];
}

/** The row groups a read would visit after `rowGroups` and `where` are applied. */
export function plannedRowGroups(file: OpenedParquet, options: ReadParquetOptions = {}): number[] {
  const all = options.where?.length ? selectRowGroups(file.stats, options.where) : file.stats.rowGroups.map((g) => g.index);
  if (!options.rowGroups) return all;
  for (const g of options.rowGroups) {
    if (!Number.isInteger(g) || g < 0 || g >= file.stats.rowGroups.length) {
      throw new DoSQLError('INVALID_ARGUMENT', `columnar: ${file.source.name} has no row group ${g}`);
    }
  }
  const wanted = new Set(options.rowGroups);
  return all.filter((g) => wanted.has(g));
}

/**
 * Yields the selected columns of each planned row group, in file order. Values come back
 * in their storage class: long as bigint, double as number, string as string, binary as a
 * fresh Uint8Array; off-type values are restored from the column's shadow column.
 * Throws `INVALID_ARGUMENT` for an unknown column, `CORRUPTION` for undecodable data.
 */
export async function* readRowGroups(file: OpenedParquet, options: ReadParquetOptions = {}): AsyncGenerator<RowGroupColumns> {
  const plan = columnPlan(file, options.columns);
  for (const g of plannedRowGroups(file, options)) {
    const group = file.stats.rowGroups[g]!;
    const columns = await readPlanned(file, plan, group.firstRow, group.rowCount, false);
    yield { rowGroup: g, firstRow: group.firstRow, columns };
  }
}

/**
 * Rows [start, end) of row group `g` (row numbers within the group), the selected `columns`
 * as {@link readRowGroups} returns them: only the data pages holding those rows are
 * decompressed and decoded, found through each column chunk's offset index (the page index
 * our writer emits); a chunk without one is decoded whole and sliced. The bytes fetched are
 * still whole checked ranges when the source verifies them (run-source.ts).
 * Throws `INVALID_ARGUMENT` for an unknown column or a range outside the group.
 */
export async function readRowGroupRange(file: OpenedParquet, g: number, columns: readonly string[], start: number, end: number): Promise<ColumnValue[][]> {
  const group = file.stats.rowGroups[g];
  if (!group || !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= group.rowCount)) {
    throw new DoSQLError('INVALID_ARGUMENT', `columnar: ${file.source.name} has no rows ${start}..${end} in row group ${g}`);
  }
  return readPlanned(file, columnPlan(file, columns), group.firstRow + start, end - start, true);
}

interface ColumnPlan {
  readonly selected: readonly { col: ParquetColumnInfo; shadow: ParquetColumnInfo | undefined }[];
  /** Physical columns to decode (a selected column's shadow column too). */
  readonly physical: string[];
}

function columnPlan(file: OpenedParquet, columns: readonly string[] | undefined): ColumnPlan {
  const infos = file.stats.columns.map((c) => c.column);
  const wanted = columns ?? infos.filter((c) => c.shadowOf === undefined).map((c) => c.name);
  const selected = wanted.map((name) => {
    const col = infos.find((c) => c.name === name);
    if (!col) throw new DoSQLError('INVALID_ARGUMENT', `columnar: ${file.source.name} has no column "${name}"`);
    const shadow = col.fieldId === null ? undefined : infos.find((c) => c.shadowOf === col.fieldId);
    return { col, shadow };
  });
  const physical = [...new Set(selected.flatMap((s) => (s.shadow ? [s.col.name, s.shadow.name] : [s.col.name])))];
  return { selected, physical };
}

/** The planned columns of rows [rowStart, rowStart + count) of the file, converted and with shadow values restored. */
async function readPlanned(file: OpenedParquet, plan: ColumnPlan, rowStart: number, count: number, narrow: boolean): Promise<ColumnValue[][]> {
  const raw = await readGroup(file, plan.physical, rowStart, count, narrow);
  return plan.selected.map(({ col, shadow }) => {
    const typed = convert(raw.get(col.name)!, col, file.source.name);
    if (!shadow) return typed;
    const tagged = raw.get(shadow.name)!;
    for (let i = 0; i < typed.length; i++) {
      const t = tagged[i];
      if (t instanceof Uint8Array) typed[i] = decodeShadow(t, file.source.name);
    }
    return typed;
  });
}

/** All selected rows as arrays of values in `columns` order, plus the row groups read. */
export async function readParquetRows(
  file: OpenedParquet,
  options: ReadParquetOptions = {},
): Promise<{ rows: ColumnValue[][]; rowGroupsRead: number[] }> {
  const rows: ColumnValue[][] = [];
  const rowGroupsRead: number[] = [];
  for await (const g of readRowGroups(file, options)) {
    rowGroupsRead.push(g.rowGroup);
    const n = g.columns[0]?.length ?? file.stats.rowGroups[g.rowGroup]!.rowCount;
    for (let r = 0; r < n; r++) rows.push(g.columns.map((c) => c[r]!));
  }
  return { rows, rowGroupsRead };
}

/** All selected values column by column (each column concatenated over the row groups read). */
export async function readParquetColumns(
  file: OpenedParquet,
  options: ReadParquetOptions = {},
): Promise<{ columns: ColumnValue[][]; rowGroupsRead: number[] }> {
  let columns: ColumnValue[][] | undefined;
  const rowGroupsRead: number[] = [];
  for await (const g of readRowGroups(file, options)) {
    rowGroupsRead.push(g.rowGroup);
    if (!columns) columns = g.columns.map((c) => c.slice());
    else g.columns.forEach((c, i) => columns![i]!.push(...c));
  }
  const width = options.columns?.length ?? file.stats.columns.filter((c) => c.column.shadowOf === undefined).length;
  return { columns: columns ?? Array.from({ length: width }, () => []), rowGroupsRead };
}

/**
 * zstd through fzstd (pure JS: loads anywhere; hyparquet-compressors' snappy compiles wasm at
 * run time, which workerd forbids) unless a runtime registered a faster decoder.
 */
const COMPRESSORS: Compressors = {
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
};

/**
 * Installs a faster ZSTD decoder for Parquet reads (the Node entry registers
 * @bokuweb/zstd-wasm: about a third of a row group's decode time was fzstd's). `decode`
 * returns the frame's bytes; a result of the wrong length falls back to fzstd for that page.
 */
export function registerZstdDecoder(decode: (input: Uint8Array) => Uint8Array): void {
  COMPRESSORS.ZSTD = (input, outputLength) => {
    const out = decode(input);
    return out.length === outputLength ? out : zstdDecompress(input, new Uint8Array(outputLength));
  };
}

/**
 * A page's data decompressed with the chunk's `codec` (ZSTD, SNAPPY or UNCOMPRESSED) through
 * the same decoders as every read (page-decoder.ts). Throws CORRUPTION (naming `file` and the
 * page's `offset`) for another codec, data that does not decompress or a wrong length.
 */
export function decompressPageBytes(size: number, codec: string, input: Uint8Array, file: string, offset: number): Uint8Array {
  let out: Uint8Array;
  try {
    if (codec === 'UNCOMPRESSED') out = input;
    else if (codec === 'ZSTD') out = COMPRESSORS.ZSTD!(input, size);
    else if (codec === 'SNAPPY') snappyUncompress(input, (out = new Uint8Array(size)));
    else throw new Error(`unsupported codec ${codec}`);
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `columnar: cannot decompress the page at byte ${offset} of ${file}: ${(e as Error).message}`, { cause: e, details: { file, offset } });
  }
  if (out.length !== size) throw new DoSQLError('CORRUPTION', `columnar: the page at byte ${offset} of ${file} decompressed to ${out.length} bytes, its header says ${size}`, { details: { file, offset } });
  return out;
}

/** STRING values decoded keeping a leading U+FEFF (hyparquet's default decoder drops it). */
// Timestamps stay µs bigints (hyparquet would make a Date of them, losing the microseconds).
const TEXT_PARSERS = { stringFromBytes: (b: Uint8Array | undefined): string | undefined => b && utf8Decoder.decode(b), timestampFromMicroseconds: (v: bigint): bigint => v };

async function readGroup(file: OpenedParquet, columns: string[], rowStart: number, rowCount: number, narrow: boolean): Promise<Map<string, ArrayLike<unknown>>> {
  const parts = new Map(columns.map((c) => [c, [] as ColumnData[]] as const));
  const rowEnd = rowStart + rowCount;
  const take = (chunk: ColumnData): void => {
    parts.get(chunk.columnName)?.push(chunk);
  };
  try {
    await parquetRead({
      file: asyncBuffer(file.source),
      metadata: file.metadata,
      columns,
      rowStart,
      rowEnd,
      compressors: COMPRESSORS,
      parsers: TEXT_PARSERS,
      utf8: false,
      // A narrowed read decodes only the pages holding its rows (the chunks' offset indexes).
      useOffsetIndex: narrow,
      onChunk: take,
    });
  } catch (e) {
    if (e instanceof DoSQLError) throw e;
    throw new DoSQLError('CORRUPTION', `columnar: cannot decode rows ${rowStart}..${rowEnd} of ${file.source.name}: ${(e as Error).message}`, {
      cause: e,
      details: { file: file.source.name },
    });
  }
  const out = new Map<string, ArrayLike<unknown>>();
  for (const [name, chunks] of parts) {
    const only = chunks.length === 1 ? chunks[0]! : undefined;
    // One chunk of exactly the rows asked for (a whole row group, usually): no copy.
    if (only && only.rowStart === rowStart && only.rowEnd === rowEnd) {
      out.set(name, only.columnData as ArrayLike<unknown>);
      continue;
    }
    const dest = new Array<unknown>(rowCount).fill(undefined);
    for (const chunk of chunks) {
      const data = chunk.columnData as ArrayLike<unknown>;
      const from = Math.max(chunk.rowStart, rowStart);
      const to = Math.min(chunk.rowEnd, rowEnd);
      for (let r = from; r < to; r++) dest[r - rowStart] = data[r - chunk.rowStart];
    }
    out.set(name, dest);
  }
  return out;
}

const SAFE = 2 ** 53;

/**
 * The typed chunk of a column's decoded values in one pass (readRowGroupChunks), checked as
 * `convert` checks them; null when they do not fit one (integers beyond ±2^53, blobs).
 */
function chunkOf(raw: ArrayLike<unknown>, col: ParquetColumnInfo, file: string): ColumnChunk | null {
  const n = raw.length;
  let nulls: Uint8Array | null = null;
  const bad = (i: number): DoSQLError => new DoSQLError('CORRUPTION', `columnar: column "${col.name}" of ${file} decoded a ${typeof raw[i]} at row ${i}`, { details: { file } });
  if (col.type === 'string') {
    const codes = new Int32Array(n);
    const dict: string[] = [];
    const ids = new Map<string, number>();
    let bytes = n * 4;
    let last: string | undefined;
    let lastId = 0;
    for (let r = 0; r < n; r++) {
      const v = raw[r];
      if (v === null || v === undefined) {
        (nulls ??= new Uint8Array(n))[r] = 1;
        continue;
      }
      if (typeof v !== 'string') throw bad(r);
      // Dictionary-decoded pages repeat one string object: runs skip the map.
      if (v === last) {
        codes[r] = lastId;
        continue;
      }
      let id = ids.get(v);
      if (id === undefined) {
        id = dict.length;
        ids.set(v, id);
        dict.push(v);
        bytes += v.length * 2 + 16;
      }
      codes[r] = id;
      last = v;
      lastId = id;
    }
    return { kind: 'dict', codes, dict, nulls, bytes: bytes + (nulls ? n : 0) };
  }
  const long = col.type === 'long' || col.type === 'timestamptz';
  if (!long && col.type !== 'double') return null;
  const values = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const v = raw[r];
    if (v === null || v === undefined) {
      (nulls ??= new Uint8Array(n))[r] = 1;
    } else if (long) {
      if (typeof v !== 'bigint') throw bad(r);
      // Compared as numbers (bigint-to-number comparisons are slow): beyond ±2^53 rounds to at least 2^53.
      const x = Number(v);
      if (x >= SAFE || x <= -SAFE) return null;
      values[r] = x;
    } else {
      if (typeof v !== 'number') throw bad(r);
      values[r] = v;
    }
  }
  return { kind: 'num', values, nulls, int: long, bytes: n * 8 + (nulls ? n : 0) };
}

/**
 * Rows [start, end) of row group `g` as {@link readRowGroupRange} reads them, each column as
 * a typed chunk (column-chunk.ts) built straight from the decoder's output, or as values
 * where it does not fit one (off-type values restored from a shadow column, big integers, blobs).
 */
export async function readRowGroupChunks(file: OpenedParquet, g: number, columns: readonly string[], start: number, end: number): Promise<(ColumnChunk | ColumnValue[])[]> {
  const group = file.stats.rowGroups[g];
  if (!group || !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= group.rowCount)) {
    throw new DoSQLError('INVALID_ARGUMENT', `columnar: ${file.source.name} has no rows ${start}..${end} in row group ${g}`);
  }
  const plan = columnPlan(file, columns);
  const raw = await readGroup(file, plan.physical, group.firstRow + start, end - start, start > 0 || end < group.rowCount);
  return plan.selected.map(({ col, shadow }) => {
    const values = raw.get(col.name)!;
    const tagged = shadow && raw.get(shadow.name)!;
    let offType = false;
    if (tagged) for (let i = 0; i < tagged.length && !offType; i++) offType = tagged[i] instanceof Uint8Array;
    if (!offType) {
      const chunk = chunkOf(values, col, file.source.name);
      if (chunk) return chunk;
    }
    const typed = convert(values, col, file.source.name);
    if (offType) for (let i = 0; i < typed.length; i++) if (tagged![i] instanceof Uint8Array) typed[i] = decodeShadow(tagged![i] as Uint8Array, file.source.name);
    return typed;
  });
}

function convert(raw: ArrayLike<unknown>, col: ParquetColumnInfo, file: string): ColumnValue[] {
  const out = new Array<ColumnValue>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === null || v === undefined) out[i] = null;
    else if ((col.type === 'long' || col.type === 'timestamptz') && typeof v === 'bigint') out[i] = v;
    else if (col.type === 'double' && typeof v === 'number') out[i] = v;
    else if (col.type === 'string' && typeof v === 'string') out[i] = v;
    else if (col.type === 'binary' && v instanceof Uint8Array) out[i] = v.slice();
    else throw new DoSQLError('CORRUPTION', `columnar: column "${col.name}" of ${file} decoded a ${typeof v} at row ${i}`, { details: { file } });
  }
  return out;
}

function asyncBuffer(source: ParquetSource): AsyncBuffer {
  return {
    byteLength: source.byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const b = await source.slice(start, end ?? source.byteLength);
      if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
      return b.slice().buffer as ArrayBuffer;
    },
  };
}
