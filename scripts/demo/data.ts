// The demo's input: vega-datasets' flights-3m.parquet (3,000,000 US flights, 2001-01-01 to
// 2001-07-01) read column by column with hyparquet (ZSTD pages through fzstd), checked for date
// order, stably sorted by date when it is not, then cut to the slice the run asked for.
// Ids are positions after the sort (1-based), so every slice is a deterministic function of
// the source file: the test's DuckDB oracle rebuilds it with `row_number() OVER (ORDER BY date,
// file_row_number)`.
import { readFileSync } from 'node:fs';
import * as fzstd from 'fzstd';
import { parquetRead } from 'hyparquet';
import { flightsFile } from '../../bench/flights.js';

/** Which flights a run uses: the first `rows` by date, or every `every`-th of them (a sample spread over the half year). */
export interface Slice {
  /** Use the first N flights in date order (after `every` is applied). */
  rows?: number;
  /** Keep flights whose 0-based position in date order is a multiple of `every` (default 1: all). */
  every?: number;
}

/** Flights as columns; row i has id `id[i]` (its 1-based position in the date-sorted source). */
export interface Flights {
  readonly length: number;
  readonly id: Int32Array;
  /** Departure time, ms since the epoch (the Parquet TIMESTAMP, read as UTC). */
  readonly time: Float64Array;
  /** Minutes (negative = early). */
  readonly delay: Int32Array;
  /** Miles. */
  readonly distance: Int32Array;
  readonly origin: string[];
  readonly destination: string[];
  /** True when the source file was already in date order (no sort was needed). */
  readonly sourceSorted: boolean;
  /** Rows in the source file. */
  readonly sourceRows: number;
}

/** One day of flights: rows [start, end) of a `Flights`, all departing on `day` ('YYYY-MM-DD', UTC). */
export interface Day {
  day: string;
  start: number;
  end: number;
}

const compressors = { ZSTD: (input: Uint8Array, n: number): Uint8Array => fzstd.decompress(input, new Uint8Array(n)) };

/** 'YYYY-MM-DD HH:MM:SS' (UTC): the TEXT form the table stores (SQLite's datetime format, as bench/flights.ts). */
export function sqlTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function fileBuffer(): ArrayBuffer {
  const buf = readFileSync(flightsFile());
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

const num = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

/** Reads the columns of rows [0, rowEnd) of the source into arrays (source order). */
async function readColumns(file: ArrayBuffer, rowEnd: number): Promise<{ time: Float64Array; delay: Int32Array; distance: Int32Array; origin: string[]; destination: string[] }> {
  const out = { time: new Float64Array(rowEnd), delay: new Int32Array(rowEnd), distance: new Int32Array(rowEnd), origin: new Array<string>(rowEnd), destination: new Array<string>(rowEnd) };
  await parquetRead({
    file,
    compressors,
    rowEnd,
    onChunk: ({ columnName, columnData, rowStart, rowEnd: end }) => {
      const stop = Math.min(end, rowEnd);
      const numeric = columnName === 'date' ? out.time : columnName === 'delay' ? out.delay : columnName === 'distance' ? out.distance : undefined;
      if (numeric) for (let i = rowStart; i < stop; i++) numeric[i] = num(columnData[i - rowStart]);
      const text = columnName === 'origin' ? out.origin : columnName === 'destination' ? out.destination : undefined;
      if (text) for (let i = rowStart; i < stop; i++) text[i] = String(columnData[i - rowStart]);
    },
  });
  return out;
}

/** Only the departure times of the whole file: enough to decide whether it is in date order. */
async function readTimes(file: ArrayBuffer): Promise<Float64Array> {
  const chunks: { rowStart: number; data: ArrayLike<unknown> }[] = [];
  await parquetRead({ file, compressors, columns: ['date'], onChunk: ({ columnData, rowStart }) => chunks.push({ rowStart, data: columnData }) });
  const times = new Float64Array(chunks.reduce((n, c) => Math.max(n, c.rowStart + c.data.length), 0));
  for (const c of chunks) for (let i = 0; i < c.data.length; i++) times[c.rowStart + i] = num(c.data[i]);
  return times;
}

/**
 * Loads the flights of `slice` in date order. When the file is already sorted by date only the
 * rows needed are decoded; otherwise all are, and a stable sort by date fixes the order (ties
 * keep file order). Throws when the file cannot be found or read.
 */
export async function loadFlights(slice: Slice = {}): Promise<Flights> {
  const file = fileBuffer();
  const times = await readTimes(file);
  const total = times.length;
  let sorted = true;
  for (let i = 1; i < total && sorted; i++) if (times[i]! < times[i - 1]!) sorted = false;
  const every = Math.max(1, Math.floor(slice.every ?? 1));
  const wanted = Math.min(Math.ceil(total / every), slice.rows ?? Infinity);
  // Positions (in date order) of the rows this run keeps.
  const positions = new Int32Array(wanted);
  for (let k = 0; k < wanted; k++) positions[k] = k * every;
  const need = sorted ? (wanted === 0 ? 0 : positions[wanted - 1]! + 1) : total;
  const cols = await readColumns(file, need);
  // order[p] = source row at date-order position p (identity when the file is sorted).
  let order: Int32Array | undefined;
  if (!sorted) {
    const idx = Array.from({ length: total }, (_, i) => i);
    idx.sort((a, b) => cols.time[a]! - cols.time[b]! || a - b);
    order = Int32Array.from(idx);
  }
  const f = { id: new Int32Array(wanted), time: new Float64Array(wanted), delay: new Int32Array(wanted), distance: new Int32Array(wanted), origin: new Array<string>(wanted), destination: new Array<string>(wanted) };
  for (let k = 0; k < wanted; k++) {
    const p = positions[k]!;
    const src = order ? order[p]! : p;
    f.id[k] = p + 1;
    f.time[k] = cols.time[src]!;
    f.delay[k] = cols.delay[src]!;
    f.distance[k] = cols.distance[src]!;
    f.origin[k] = cols.origin[src]!;
    f.destination[k] = cols.destination[src]!;
  }
  return { length: wanted, ...f, sourceSorted: sorted, sourceRows: total };
}

const DAY_MS = 86_400_000;

/** Splits date-ordered flights into days (UTC calendar days), in order. */
export function splitDays(f: Flights): Day[] {
  const days: Day[] = [];
  let start = 0;
  while (start < f.length) {
    const d = Math.floor(f.time[start]! / DAY_MS);
    let end = start + 1;
    while (end < f.length && Math.floor(f.time[end]! / DAY_MS) === d) end++;
    days.push({ day: sqlTime(d * DAY_MS).slice(0, 10), start, end });
    start = end;
  }
  return days;
}
