// Parquet files written by anyone (DuckDB, Spark, pandas, parquet-wasm), read with hyparquet
// (pure JS: runs in workerd). The columnar layer's reader (src/columnar/parquet-reader.ts)
// reads dosql's own runs, whose physical types are few and fixed; this one maps every Parquet
// type to SQL as `dosql import` does (src/cli/infer-schema.ts parquetColumnType): integers and
// booleans INTEGER, FLOAT/DOUBLE/DECIMAL REAL, strings TEXT, DATE and TIMESTAMP TEXT in
// SQLite's date format, other byte arrays BLOB, nested groups TEXT holding JSON.
//
// Reads are planned from the footer first (hyparquet plan.js / read.js split): only the
// columns the statement references, only the row groups whose min/max statistics may satisfy
// its WHERE conjuncts (pruning.ts), one row group at a time.
import { decompress as zstdDecompress } from 'fzstd';
import { parquetMetadataAsync, parquetRead, parquetSchema, type ColumnData, type FileMetaData, type SchemaElement } from 'hyparquet';
import { DoSQLError } from '../errors.js';
import type { ExternalPredicate } from '../sql/planner/external-tables.js';
import type { Affinity } from '../sql/types/affinity.js';
import type { SqlValue } from '../sql/types/value.js';
import type { ByteSource } from './byte-source.js';
import { rangeMayMatch } from './pruning.js';
import { countStats } from './read-stats.js';

type Kind = 'plain' | 'int' | 'date' | 'timestamp' | 'json';

export interface ParquetColumn {
  readonly name: string;
  readonly affinity: Affinity;
  readonly kind: Kind;
  /** Leaf column index in row groups, for statistics (undefined for nested columns). */
  readonly leaf: number | undefined;
  /** Statistics may prune (types whose decoded min/max order is SQLite's order of the values). */
  readonly prunable: boolean;
}

export interface OpenedParquetFile {
  readonly source: ByteSource;
  readonly metadata: FileMetaData;
  readonly columns: readonly ParquetColumn[];
}

/** Reads and parses the footer (one bounded ranged read, a second when the footer is larger). */
export async function openParquetFile(source: ByteSource): Promise<OpenedParquetFile> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(asyncBuffer(source), { initialFetchSize: Math.min(source.size, 512 * 1024) });
  } catch (e) {
    if (e instanceof DoSQLError) throw e;
    throw new DoSQLError('INVALID_ARGUMENT', `external: ${source.name} is not a readable Parquet file: ${(e as Error).message}`, { cause: e, details: { location: source.name } });
  }
  const top = parquetSchema(metadata).children;
  let leaf = 0;
  const columns = top.map((c): ParquetColumn => {
    const nested = c.children.length > 0;
    const mapped = columnType(c.element, nested);
    const out: ParquetColumn = { name: c.element.name, affinity: mapped.affinity, kind: mapped.kind, leaf: nested ? undefined : leaf, prunable: !nested && mapped.prunable };
    leaf += countLeaves(c);
    return out;
  });
  return { source, metadata, columns };
}

function countLeaves(node: { children: readonly unknown[] }): number {
  if (node.children.length === 0) return 1;
  return (node.children as { children: readonly unknown[] }[]).reduce((n, c) => n + countLeaves(c), 0);
}

function columnType(e: SchemaElement, nested: boolean): { affinity: Affinity; kind: Kind; prunable: boolean } {
  if (nested || (e.num_children ?? 0) > 0) return { affinity: 'TEXT', kind: 'json', prunable: false };
  const logical = e.logical_type?.type;
  const conv = e.converted_type;
  if (logical === 'DATE' || conv === 'DATE') return { affinity: 'TEXT', kind: 'date', prunable: true };
  if (logical === 'TIMESTAMP' || conv === 'TIMESTAMP_MILLIS' || conv === 'TIMESTAMP_MICROS' || e.type === 'INT96') return { affinity: 'TEXT', kind: 'timestamp', prunable: e.type !== 'INT96' };
  if (logical === 'DECIMAL' || conv === 'DECIMAL' || logical === 'FLOAT16') return { affinity: 'REAL', kind: 'plain', prunable: false };
  if (logical === 'STRING' || logical === 'ENUM' || logical === 'JSON' || logical === 'UUID' || conv === 'UTF8' || conv === 'ENUM' || conv === 'JSON') {
    return { affinity: 'TEXT', kind: 'plain', prunable: logical === 'STRING' || conv === 'UTF8' };
  }
  switch (e.type) {
    case 'BOOLEAN':
      return { affinity: 'INTEGER', kind: 'int', prunable: false };
    case 'INT32':
    case 'INT64':
      // Unsigned 64-bit statistics are not in signed order: no pruning on them.
      return { affinity: 'INTEGER', kind: 'int', prunable: !(logical === 'INTEGER' && e.logical_type?.isSigned === false) && conv !== 'UINT_64' && conv !== 'UINT_32' };
    case 'FLOAT':
    case 'DOUBLE':
      return { affinity: 'REAL', kind: 'plain', prunable: true };
    default:
      return { affinity: 'BLOB', kind: 'plain', prunable: false };
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** SQLite's date text: 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.SSS]' (UTC), as `dosql import` writes. */
function dateText(d: Date, dateOnly: boolean): string {
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (dateOnly) return day;
  const ms = d.getUTCMilliseconds();
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}`;
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString()) : v);

/** One decoded value as SQL. */
export function parquetCell(v: unknown, kind: Kind): SqlValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : dateText(v, kind === 'date');
  if (kind === 'json') return JSON.stringify(v, bigintJson);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (kind === 'int' && typeof v === 'number') return BigInt(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return v;
  return JSON.stringify(v, bigintJson);
}

/** Row groups whose statistics may satisfy every predicate on a prunable column of the file. */
export function selectRowGroups(file: OpenedParquetFile, predicates: readonly ExternalPredicate[]): number[] {
  const byName = new Map(file.columns.map((c) => [c.name.toLowerCase(), c] as const));
  const usable = predicates.flatMap((p) => {
    const c = byName.get(p.column);
    return c && c.prunable && c.leaf !== undefined ? [{ p, c }] : [];
  });
  const out: number[] = [];
  file.metadata.row_groups.forEach((rg, g) => {
    const keep = usable.every(({ p, c }) => {
      const meta = rg.columns[c.leaf!]?.meta_data;
      const s = meta?.statistics;
      if (!meta || !s) return true;
      const rows = Number(rg.num_rows);
      if (s.null_count !== undefined && Number(s.null_count) === rows && rows > 0) return false; // only NULLs: no comparison is true
      // The deprecated min/max of byte arrays used signed byte order: only min_value/max_value.
      const legacyOk = meta.type !== 'BYTE_ARRAY';
      const min = s.min_value ?? (legacyOk ? s.min : undefined);
      const max = s.max_value ?? (legacyOk ? s.max : undefined);
      if (min === undefined || max === undefined || min === null || max === null) return true;
      const lo = parquetCell(min, c.kind);
      const hi = parquetCell(max, c.kind);
      if (lo === null || hi === null || (typeof lo === 'number' && Number.isNaN(lo)) || (typeof hi === 'number' && Number.isNaN(hi))) return true;
      return rangeMayMatch(p, c.affinity, lo, hi);
    });
    if (keep) out.push(g);
  });
  countStats({ rowGroupsRead: out.length, rowGroupsSkipped: file.metadata.row_groups.length - out.length });
  return out;
}

const COMPRESSORS = { ZSTD: (input: Uint8Array, outputLength: number): Uint8Array => zstdDecompress(input, new Uint8Array(outputLength)) };

/**
 * The values of `columns` (indexes into file.columns) in row group `g`, column by column; with
 * no columns, only the row count matters (`count(*)`): an empty list.
 */
export async function readRowGroup(file: OpenedParquetFile, g: number, columns: readonly number[]): Promise<{ rowCount: number; values: SqlValue[][] }> {
  const rg = file.metadata.row_groups[g]!;
  const rowCount = Number(rg.num_rows);
  let rowStart = 0;
  for (let i = 0; i < g; i++) rowStart += Number(file.metadata.row_groups[i]!.num_rows);
  if (!columns.length) return { rowCount, values: [] };
  const names = columns.map((c) => file.columns[c]!.name);
  const raw = new Map(names.map((n) => [n, new Array<unknown>(rowCount)] as const));
  const rowEnd = rowStart + rowCount;
  try {
    await parquetRead({
      file: asyncBuffer(file.source),
      metadata: file.metadata,
      columns: names,
      rowStart,
      rowEnd,
      compressors: COMPRESSORS,
      onChunk: (chunk: ColumnData) => {
        const dest = raw.get(chunk.columnName);
        if (!dest) return;
        const data = chunk.columnData as ArrayLike<unknown>;
        const from = Math.max(chunk.rowStart, rowStart);
        const to = Math.min(chunk.rowEnd, rowEnd);
        for (let r = from; r < to; r++) dest[r - rowStart] = data[r - chunk.rowStart];
      },
    });
  } catch (e) {
    if (e instanceof DoSQLError) throw e;
    throw new DoSQLError('INVALID_ARGUMENT', `external: cannot decode row group ${g} of ${file.source.name}: ${(e as Error).message}`, { cause: e, details: { location: file.source.name, rowGroup: g } });
  }
  const values = columns.map((c, i) => {
    const kind = file.columns[c]!.kind;
    const src = raw.get(names[i]!)!;
    const out = new Array<SqlValue>(rowCount);
    for (let r = 0; r < rowCount; r++) out[r] = parquetCell(src[r], kind);
    return out;
  });
  return { rowCount, values };
}

function asyncBuffer(source: ByteSource): { byteLength: number; slice(start: number, end?: number): Promise<ArrayBuffer> } {
  return {
    byteLength: source.size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const b = await source.read(start, end ?? source.size);
      if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
      return b.slice().buffer as ArrayBuffer;
    },
  };
}
