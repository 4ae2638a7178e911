// The hot delta of a merge-on-read columnar query (columnar-aggregate-op.ts) in the shape the
// kernels take: its rows decoded as the row path decodes them (TableReader: ADD COLUMN
// defaults, the rowid alias), then each named column made one typed chunk, so the delta is
// filtered, grouped and summed by the same code and the same rules as the run row groups.
//
// Both the decoded columns and a WHERE clause's mask over them are kept with the delta: the
// cold tier hands out the same ColdDelta while the hot sources stay as they are
// (src/cold/delta-cache.ts drops it with the manifest version or when a memtable grows), so a
// query repeated over an unchanged delta neither decodes nor filters it again.
import { toChunk, type ColdDelta, type ColumnChunk } from '../../cold/index.js';
import type { SqlValue } from '../types/value.js';
import { applyFilter, type ColumnarFilter } from './columnar-filters.js';
import type { Row } from './env.js';
import type { TableReader } from './table-reader.js';

/** The delta's rows, column by column. */
export interface DeltaColumns {
  readonly n: number;
  /** Typed chunk of each named column. */
  readonly chunks: ReadonlyMap<string, ColumnChunk>;
  /** Estimated bytes held (keys, values and chunks), for the statement's memory budget. */
  readonly bytes: number;
  /** WHERE masks computed over these rows, by filterKey; the most recently used last. */
  readonly masks: Map<string, Uint8Array | null>;
}

/** WHERE masks kept per decoded delta (each is one byte per delta row). */
const MAX_MASKS = 8;

/** Delta masks computed (not found kept), for tests. */
export const deltaMaskStats = { computed: 0 };

/**
 * The rows of `cols` that pass every filter of `where` (1 = passes), shared and read-only:
 * kept with the decoded delta while it lives; null when a filter cannot be tested exactly on
 * typed chunks (applyFilter), where the caller takes the row path.
 */
export function deltaMask(cols: DeltaColumns, where: readonly ColumnarFilter[]): Uint8Array | null {
  const key = filtersKey(where);
  if (key !== undefined) {
    const hit = cols.masks.get(key);
    if (hit !== undefined) {
      cols.masks.delete(key);
      cols.masks.set(key, hit);
      return hit;
    }
  }
  deltaMaskStats.computed++;
  let mask: Uint8Array | null = new Uint8Array(cols.n).fill(1);
  for (const f of where) {
    if (!applyFilter(mask, f, (c) => cols.chunks.get(c)!)) {
      mask = null;
      break;
    }
  }
  if (key !== undefined) {
    cols.masks.set(key, mask);
    if (cols.masks.size > MAX_MASKS) cols.masks.delete(cols.masks.keys().next().value!);
  }
  return mask;
}

/**
 * A key naming exactly what bound filters test: structure, columns, operators, patterns and
 * each literal with its class (1 and 1.0 compare alike, but the class is kept so the key never
 * has to know that); undefined for a blob or NULL literal (not kept).
 */
function filtersKey(where: readonly ColumnarFilter[]): string | undefined {
  const parts: string[] = [];
  const walk = (f: ColumnarFilter): boolean => {
    if ('any' in f || 'every' in f) {
      parts.push('any' in f ? 'any(' : 'every(');
      for (const c of 'any' in f ? f.any : f.every) if (!walk(c)) return false;
      parts.push(')');
      return true;
    }
    if ('match' in f) {
      parts.push(JSON.stringify([f.column, f.match, f.pattern, f.escape ?? null, f.not]));
      return true;
    }
    const v = f.value;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return false;
    parts.push(JSON.stringify([f.column, f.op, typeof v, typeof v === 'string' ? v : String(v)]));
    return true;
  };
  for (const f of where) if (!walk(f)) return undefined;
  return parts.join(',');
}

/** Decoded deltas: the cold tier hands out the same ColdDelta while the hot sources stay as they are (src/cold/delta-cache.ts). */
const decoded = new WeakMap<ColdDelta, WeakMap<TableReader, Map<string, DeltaColumns | undefined>>>();

/**
 * Decodes `delta`'s rows (keys in `branch`) with `reader` and returns the columns `names`
 * (positions in the reader's rows by name) as typed chunks; undefined when a column's values
 * do not fit one typed chunk (mixed storage classes, blobs, integers beyond ±2^53), where the
 * caller takes the row path.
 */
export function deltaColumns(delta: ColdDelta, reader: TableReader, branch: number, positions: ReadonlyMap<string, number>, names: readonly string[]): DeltaColumns | undefined {
  let byReader = decoded.get(delta);
  if (!byReader) decoded.set(delta, (byReader = new WeakMap()));
  let byNames = byReader.get(reader);
  if (!byNames) byReader.set(reader, (byNames = new Map()));
  const key = `${branch}|${names.join('\u0000')}`;
  if (byNames.has(key)) return byNames.get(key);
  const out = decode(delta, reader, branch, positions, names);
  byNames.set(key, out);
  return out;
}

function decode(delta: ColdDelta, reader: TableReader, branch: number, positions: ReadonlyMap<string, number>, names: readonly string[]): DeltaColumns | undefined {
  const n = delta.keys.length;
  const cols = names.map(() => new Array<SqlValue>(n));
  const at = names.map((name) => positions.get(name)!);
  const row: Row = new Array<SqlValue>(reader.width).fill(null);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const uk = delta.keys[i]!;
    const value = delta.values[i]!;
    bytes += uk.length + value.length + 64;
    reader.decodeInto(row, uk, value, branch);
    for (let j = 0; j < at.length; j++) cols[j]![i] = row[at[j]!]!;
  }
  const chunks = new Map<string, ColumnChunk>();
  for (let j = 0; j < names.length; j++) {
    const c = toChunk(cols[j]!);
    if (!c) return undefined;
    chunks.set(names[j]!, c);
    bytes += c.bytes;
  }
  return { n, chunks, bytes, masks: new Map() };
}
