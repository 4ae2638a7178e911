// The hot delta of a merge-on-read columnar query (columnar-aggregate-op.ts) in the shape the
// kernels take: its rows decoded as the row path decodes them (TableReader: ADD COLUMN
// defaults, the rowid alias), then each named column made one typed chunk, so the delta is
// filtered, grouped and summed by the same code and the same rules as the run row groups.
import { toChunk, type ColdDelta, type ColumnChunk } from '../../cold/index.js';
import type { SqlValue } from '../types/value.js';
import type { Row } from './env.js';
import type { TableReader } from './table-reader.js';

/** The delta's rows, column by column. */
export interface DeltaColumns {
  readonly n: number;
  /** Typed chunk of each named column. */
  readonly chunks: ReadonlyMap<string, ColumnChunk>;
  /** Estimated bytes held (keys, values and chunks), for the statement's memory budget. */
  readonly bytes: number;
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
  return { n, chunks, bytes };
}
