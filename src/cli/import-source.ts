// The files `dosql import` reads, behind one shape: column names, inferred types, and rows
// in batches, read as a stream (a file never has to fit in memory). CSV/TSV and JSON/NDJSON
// here; Parquet in parquet-source.ts.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { DoSQLError } from '../errors.js';
import type { ColumnBatch } from '../sql/api/host.js';
import type { BindValue } from '../sql/api/values.js';
import { CsvReader, type CsvRecord } from './csv-reader.js';
import { inferJsonType, inferTextType, jsonCell, type InferredType } from './infer-schema.js';
import { JsonArrayReader, NdjsonReader, type JsonRow } from './json-reader.js';

export type ImportFormat = 'csv' | 'tsv' | 'json' | 'ndjson' | 'parquet';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'tsv', 'json', 'ndjson', 'parquet'];

export interface ImportSource {
  /** Column names, in file order. */
  readonly columns: readonly string[];
  /** Types for a CREATE TABLE when the user gives none. */
  readonly types: readonly InferredType[];
  /** Rows in the file when its metadata says (Parquet), else undefined. */
  readonly totalRows: number | undefined;
  /** File size, bytes. */
  readonly totalBytes: number;
  /** Bytes consumed so far (progress). */
  bytesRead(): number;
  /** The rows, in order, as values aligned with `columns`, in batches of any size. */
  batches(): AsyncGenerator<BindValue[][]>;
  /**
   * The same rows by column (a columnar file's natural shape), for the bulk loader: no array
   * per row. Optional; call it or `batches()`, once.
   */
  columnBatches?(): AsyncGenerator<ColumnBatch>;
  /**
   * Sources of named values (JSON) can align their rows with other columns (an existing
   * table's, or those of --schema); `columns` then reads back the new list. Call before `batches()`.
   */
  retarget?(columns: readonly string[]): void;
}

/** The format a file name implies, or undefined. */
export function formatFromName(file: string): ImportFormat | undefined {
  const m = /\.(csv|tsv|json|ndjson|jsonl|parquet|parq)$/i.exec(file);
  if (!m) return undefined;
  const ext = m[1]!.toLowerCase();
  return ext === 'jsonl' ? 'ndjson' : ext === 'parq' ? 'parquet' : (ext as ImportFormat);
}

/** Rows sampled before the columns and types are fixed. */
const SAMPLE_ROWS = 1000;

/** Text chunks of a file, with the byte count read so far. */
async function* textChunks(path: string, counter: { bytes: number }): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      counter.bytes = stream.bytesRead;
      yield chunk as string;
    }
  } finally {
    stream.destroy();
  }
}

/** Parsed items of a text file: `push`/`end` decoders (CsvReader, NdjsonReader, ...). */
interface Decoder<T> {
  push(text: string, out: T[]): T[];
  end(out: T[]): T[];
}

/**
 * Reads items until `SAMPLE_ROWS` are in hand (or the file ends), then hands back the sample
 * and a generator of the later batches, so the schema can be inferred before inserting.
 */
async function sampleThenStream<T>(path: string, decoder: Decoder<T>, counter: { bytes: number }): Promise<{ sample: T[]; rest: AsyncGenerator<T[]> }> {
  const chunks = textChunks(path, counter);
  const sample: T[] = [];
  let done = false;
  while (sample.length < SAMPLE_ROWS) {
    const c = await chunks.next();
    if (c.done) {
      decoder.end(sample);
      done = true;
      break;
    }
    decoder.push(c.value, sample);
  }
  async function* rest(): AsyncGenerator<T[]> {
    if (done) return;
    for await (const c of chunks) {
      const out = decoder.push(c, []);
      if (out.length) yield out;
    }
    const tail = decoder.end([]);
    if (tail.length) yield tail;
  }
  return { sample, rest: rest() };
}

/** Header names made usable: blanks become c<i>, repeats get a numeric suffix. */
function columnNames(raw: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  return raw.map((r, i) => {
    let name = r === null || r.trim() === '' ? `c${i + 1}` : r;
    for (let k = 2; seen.has(name.toLowerCase()); k++) name = `${r ?? `c${i + 1}`}_${k}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/** A CSV (or TSV) file. Fields go in as text (or NULL); column affinity converts them, as sqlite3's `.import` does. */
export async function openCsv(path: string, options: { delimiter?: string; header: boolean }): Promise<ImportSource> {
  const counter = { bytes: 0 };
  const reader = new CsvReader(options.delimiter === undefined ? {} : { delimiter: options.delimiter });
  const { sample, rest } = await sampleThenStream<CsvRecord>(path, reader, counter);
  if (sample.length === 0) throw new DoSQLError('INVALID_ARGUMENT', `csv: ${path} is empty`);
  const columns = options.header ? columnNames(sample.shift()!) : sample[0]!.map((_, i) => `c${i + 1}`);
  const types = columns.map((_, i) => inferTextType(sample.map((r) => r[i] ?? null)));
  let record = options.header ? 1 : 0;
  const check = (rows: CsvRecord[]): BindValue[][] => {
    for (const r of rows) {
      record++;
      if (r.length !== columns.length) {
        throw new DoSQLError('INVALID_ARGUMENT', `csv: ${path}: record ${record} has ${r.length} field${r.length === 1 ? '' : 's'}, the header ${columns.length}`, { details: { record } });
      }
    }
    return rows;
  };
  return {
    columns,
    types,
    totalRows: undefined,
    totalBytes: statSync(path).size,
    bytesRead: () => counter.bytes,
    async *batches() {
      if (sample.length) yield check(sample);
      for await (const b of rest) yield check(b);
    },
  };
}

/** 'ndjson' when the file's first non-blank character opens an object rather than an array. */
function sniffJson(path: string): 'json' | 'ndjson' {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = /[^\s\uFEFF]/.exec(buf.subarray(0, n).toString('utf8'));
    return first?.[0] === '{' ? 'ndjson' : 'json';
  } finally {
    closeSync(fd);
  }
}

/**
 * A JSON array of objects or NDJSON (a `.json` file holding objects line by line is read as
 * NDJSON). Columns: the keys of the sampled rows, in order of first appearance.
 */
export async function openJson(path: string, declared: 'json' | 'ndjson'): Promise<ImportSource> {
  const format = declared === 'json' ? sniffJson(path) : declared;
  const counter = { bytes: 0 };
  const decoder: Decoder<JsonRow> =
    format === 'ndjson'
      ? new NdjsonReader()
      : (() => {
          const r = new JsonArrayReader();
          return { push: (t: string, out: JsonRow[]) => r.push(t, out), end: (out: JsonRow[]) => (r.end(), out) };
        })();
  const { sample, rest } = await sampleThenStream<JsonRow>(path, decoder, counter);
  if (sample.length === 0) throw new DoSQLError('INVALID_ARGUMENT', `json: ${path} holds no rows`);
  let columns: string[] = [];
  // Keys match columns case-insensitively, as SQL names do.
  let index = new Map<string, number>();
  for (const r of sample)
    for (const k of Object.keys(r))
      if (!index.has(k.toLowerCase())) {
        index.set(k.toLowerCase(), columns.length);
        columns.push(k);
      }
  const types = columns.map((c) => inferJsonType(sample.map((r) => r[c])));
  let row = 0;
  const toRows = (objs: JsonRow[]): BindValue[][] =>
    objs.map((o) => {
      row++;
      const out: BindValue[] = new Array(columns.length).fill(null);
      for (const k in o) {
        const i = index.get(k.toLowerCase());
        if (i === undefined) {
          throw new DoSQLError('INVALID_ARGUMENT', `json: ${path}: row ${row} has key ${JSON.stringify(k)}, not a column (${columns.join(', ')}); columns come from the keys of the first ${SAMPLE_ROWS} rows unless the table exists or --schema gives them`, { details: { row } });
        }
        out[i] = jsonCell(o[k]);
      }
      return out;
    });
  const source: ImportSource = {
    get columns() {
      return columns;
    },
    types,
    totalRows: undefined,
    totalBytes: statSync(path).size,
    bytesRead: () => counter.bytes,
    retarget(cols) {
      columns = [...cols];
      index = new Map(cols.map((c, i) => [c.toLowerCase(), i]));
    },
    async *batches() {
      yield toRows(sample);
      for await (const b of rest) yield toRows(b);
    },
  };
  return source;
}
