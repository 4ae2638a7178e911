// CSV, TSV, JSON and NDJSON external files: parsed whole (their size is bounded by max_bytes
// before they are read) into columns, inferred types and rows of SQL values.
//
// Type inference follows DuckDB's read_csv auto-detection in spirit (every value of a column
// is examined, not a sample): a column whose non-empty values all parse as 64-bit integers is
// INTEGER; else, when they all parse as numbers, REAL; else, when they are all true/false,
// INTEGER 1/0 (SQLite has no BOOLEAN); else TEXT. An empty field is NULL (DuckDB: an empty
// unquoted field). Dates stay TEXT (ISO-8601 text is SQLite's date form). JSON values keep
// their JSON type: integers (safe ones) INTEGER, other numbers REAL, true/false 1/0, strings
// TEXT, objects and arrays their JSON text; a column's affinity is that of the one type its
// values have (INTEGER and REAL together: REAL), or none when they mix.
// The browser ESM build: it carries its own Buffer polyfill, so it loads in workerd without
// nodejs_compat (the package's default ESM build reads Node's global Buffer).
import { parse } from 'csv-parse/browser/esm/sync';
import { DoSQLError } from '../errors.js';
import type { Affinity } from '../sql/types/affinity.js';
import type { SqlValue } from '../sql/types/value.js';

export interface ParsedTable {
  readonly columns: readonly string[];
  readonly affinities: readonly Affinity[];
  readonly rows: SqlValue[][];
}

export interface CsvOptions {
  readonly header: boolean;
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
}

const INT = /^[+-]?\d+$/;
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function isInt64(s: string): boolean {
  if (!INT.test(s)) return false;
  const v = BigInt(s);
  return v <= INT64_MAX && v >= INT64_MIN;
}

/** Decodes UTF-8 (a BOM dropped); INVALID_ARGUMENT at the first invalid byte. */
export function utf8Text(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (e) {
    throw new DoSQLError('INVALID_ARGUMENT', `external: ${name} is not valid UTF-8 text`, { cause: e, details: { location: name } });
  }
}

/** Unique, non-empty column names (duplicates get `_1`, `_2`, as DuckDB names them). */
function columnNames(raw: readonly string[]): string[] {
  const seen = new Set<string>();
  return raw.map((n, i) => {
    let name = n.trim() === '' ? `column${i}` : n;
    for (let k = 1; seen.has(name.toLowerCase()); k++) name = `${n}_${k}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/** CSV or TSV text; INVALID_ARGUMENT naming the line for malformed input. */
export function parseCsv(text: string, name: string, o: CsvOptions): ParsedTable {
  let records: string[][];
  try {
    records = parse(text, { delimiter: o.delimiter, quote: o.quote, escape: o.escape, relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new DoSQLError('INVALID_ARGUMENT', `external: cannot parse ${name} as CSV${line !== undefined ? ` at line ${line}` : ''}: ${(e as Error).message}`, { cause: e, details: { location: name, ...(line !== undefined ? { line } : {}) } });
  }
  const width = records.reduce((w, r) => Math.max(w, r.length), 0);
  const head = o.header && records.length ? records.shift()! : [];
  const columns = columnNames(Array.from({ length: Math.max(width, head.length) }, (_, i) => (o.header ? (head[i] ?? '') : `column${i}`)));
  const kinds = columns.map((_, c) => inferText(records, c));
  const rows = records.map((r) => columns.map((_, c) => textCell(r[c], kinds[c]!)));
  return { columns, affinities: kinds.map((k) => (k === 'TEXT' ? 'TEXT' : k === 'REAL' ? 'REAL' : 'INTEGER')), rows };
}

type TextKind = 'INTEGER' | 'REAL' | 'BOOLEAN' | 'TEXT';

function inferText(records: readonly string[][], c: number): TextKind {
  let int = true;
  let real = true;
  let bool = true;
  let any = false;
  for (const r of records) {
    const v = r[c];
    if (v === undefined || v === '') continue;
    any = true;
    if (int && !isInt64(v)) int = false;
    if (real && !REAL.test(v)) real = false;
    if (bool && !/^(?:true|false)$/i.test(v)) bool = false;
    if (!int && !real && !bool) return 'TEXT';
  }
  if (!any) return 'TEXT';
  return int ? 'INTEGER' : real ? 'REAL' : bool ? 'BOOLEAN' : 'TEXT';
}

function textCell(v: string | undefined, kind: TextKind): SqlValue {
  if (v === undefined || v === '') return null;
  switch (kind) {
    case 'INTEGER':
      return BigInt(v);
    case 'REAL':
      return Number(v);
    case 'BOOLEAN':
      return v.toLowerCase() === 'true' ? 1n : 0n;
    case 'TEXT':
      return v;
  }
}

/** A JSON document: an array of objects (or one object); INVALID_ARGUMENT with the line of a syntax error. */
export function parseJson(text: string, name: string): ParsedTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    const line = pos === undefined ? undefined : text.slice(0, Number(pos)).split('\n').length;
    throw new DoSQLError('INVALID_ARGUMENT', `external: cannot parse ${name} as JSON${line !== undefined ? ` at line ${line}` : ''}: ${(e as Error).message}`, { cause: e, details: { location: name, ...(line !== undefined ? { line, offset: Number(pos) } : {}) } });
  }
  const items = Array.isArray(doc) ? doc : [doc];
  items.forEach((x, i) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new DoSQLError('INVALID_ARGUMENT', `external: ${name}: item ${i} of the JSON array is not an object`, { details: { location: name, item: i } });
  });
  return jsonObjects(items as Record<string, unknown>[]);
}

/** Newline-delimited JSON: one object per non-blank line; INVALID_ARGUMENT naming the line. */
export function parseNdjson(text: string, name: string): ParsedTable {
  const items: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    let x: unknown;
    try {
      x = JSON.parse(l);
    } catch (e) {
      throw new DoSQLError('INVALID_ARGUMENT', `external: cannot parse ${name} as NDJSON at line ${i + 1}: ${(e as Error).message}`, { cause: e, details: { location: name, line: i + 1 } });
    }
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new DoSQLError('INVALID_ARGUMENT', `external: ${name}: line ${i + 1} is not a JSON object`, { details: { location: name, line: i + 1 } });
    items.push(x as Record<string, unknown>);
  }
  return jsonObjects(items);
}

/** Rows of JSON objects: the union of their keys in first-seen order (missing keys NULL). */
export function jsonObjects(items: readonly Record<string, unknown>[]): ParsedTable {
  const index = new Map<string, number>();
  const columns: string[] = [];
  for (const o of items) {
    for (const k of Object.keys(o)) {
      if (!index.has(k.toLowerCase())) {
        index.set(k.toLowerCase(), columns.length);
        columns.push(k);
      }
    }
  }
  const rows = items.map((o) => {
    const r: SqlValue[] = new Array<SqlValue>(columns.length).fill(null);
    for (const [k, v] of Object.entries(o)) r[index.get(k.toLowerCase())!] = jsonCell(v);
    return r;
  });
  const affinities = columns.map((_, c) => {
    let kinds = 0;
    for (const r of rows) {
      const v = r[c];
      kinds |= typeof v === 'bigint' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 4 : v === null ? 0 : 8;
    }
    if (kinds === 1) return 'INTEGER' as const;
    if (kinds === 2 || kinds === 3) {
      for (const r of rows) if (typeof r[c] === 'bigint') r[c] = Number(r[c]);
      return 'REAL' as const;
    }
    return kinds === 4 || kinds === 0 ? ('TEXT' as const) : ('BLOB' as const);
  });
  return { columns, affinities, rows };
}

/** One JSON value as SQL: safe integers INTEGER, numbers REAL, booleans 1/0, objects and arrays JSON text. */
export function jsonCell(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v;
  return JSON.stringify(v);
}
