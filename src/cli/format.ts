// Result sets as text: an aligned table (for people), JSON (an array of objects), CSV
// (RFC 4180, CRLF line ends, header row). Arrow IPC bytes are in format-arrow.ts.
//
// Values arrive as better-sqlite3 returns them with safeIntegers: INTEGER as bigint, REAL
// as number, TEXT as string, BLOB as Uint8Array, NULL as null; so INTEGER 3 and REAL 3.0
// print differently, as in the sqlite3 shell.
import type { JsValue } from '../sql/api/values.js';
import { formatBox, formatCsvRows, formatLine, formatMarkdown } from './format-modes.js';

/** A query's result: column names and rows of values in column order. */
export interface ResultSet {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly JsValue[])[];
}

export type OutputFormat = 'table' | 'box' | 'markdown' | 'line' | 'json' | 'csv' | 'arrow';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'box', 'markdown', 'line', 'json', 'csv', 'arrow'];

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x];
  return s;
}

/** REAL text as the sqlite3 shell shows it: integral values keep a ".0", infinities read Inf. */
export function realText(n: number): string {
  if (n === Infinity) return 'Inf';
  if (n === -Infinity) return '-Inf';
  const s = String(n);
  return Number.isInteger(n) && !/e/i.test(s) ? `${s}.0` : s;
}

/** A value as text for the table and CSV formats; null stays null (each format shows it its way). */
export function valueText(v: JsValue): string | null {
  if (v === null) return null;
  if (typeof v === 'number') return realText(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v;
  return `x'${hex(v)}'`;
}

// ---------------------------------------------------------------- table

/** Control characters that would break the grid are shown escaped. */
function cellText(v: JsValue): string {
  const t = valueText(v);
  if (t === null) return 'NULL';
  return t.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/**
 * An aligned grid: numbers right-aligned, a rule under the header, and the row count:
 *
 *      id | name
 *     ----+------
 *       1 | pen
 *     (1 row)
 */
export function formatTable(r: ResultSet): string {
  if (r.columns.length === 0) return r.rows.length === 0 ? '' : `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
  const cells = r.rows.map((row) => r.columns.map((_, i) => cellText(row[i] ?? null)));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const numeric = r.columns.map((_, i) => r.rows.length > 0 && r.rows.every((row) => row[i] === null || row[i] === undefined || typeof row[i] === 'number' || typeof row[i] === 'bigint'));
  const line = (vals: readonly string[], align: boolean): string =>
    ` ${vals.map((v, i) => (align && numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')}`.trimEnd();
  const out = [line(r.columns, false), widths.map((w) => '-'.repeat(w + 2)).join('+')];
  for (const row of cells) out.push(line(row, true));
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- JSON

/**
 * A value as JSON text: INTEGER as an exact number literal (also beyond 2^53), REAL
 * infinities as 1e999 / -1e999 (JSON.parse reads them back as Infinity), BLOB as base64.
 */
export function jsonValue(v: JsValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? '1e999' : '-1e999';
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
}

/** An array of objects, one per line. Duplicate column names keep the last value (JSON objects cannot repeat keys). */
export function formatJson(r: ResultSet): string {
  if (r.rows.length === 0) return '[]\n';
  const keys = r.columns.map((c) => JSON.stringify(c));
  const lines = r.rows.map((row) => `{${keys.map((k, i) => `${k}:${jsonValue(row[i] ?? null)}`).join(',')}}`);
  return `[\n${lines.join(',\n')}\n]\n`;
}

// ---------------------------------------------------------------- CSV

/** One CSV field: quoted when it holds the delimiter, a quote, CR or LF, or is the empty string (NULL stays empty and unquoted). */
export function csvField(v: JsValue, delimiter = ','): string {
  const t = valueText(v);
  if (t === null) return '';
  if (t === '' || t.includes(delimiter) || /["\r\n]/.test(t)) return `"${t.replace(/"/g, '""')}"`;
  return t;
}

export function formatCsv(r: ResultSet, delimiter = ','): string {
  const lines = [r.columns.map((c) => csvField(c, delimiter)).join(delimiter)];
  for (const row of r.rows) lines.push(r.columns.map((_, i) => csvField(row[i] ?? null, delimiter)).join(delimiter));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The text formats by name (arrow is binary: format-arrow.ts; box, markdown and line are
 * sqlite3's modes: format-modes.ts). `headers: false` (sqlite3's `.headers off`) drops the
 * header row of csv, box and markdown.
 */
export function formatText(r: ResultSet, format: Exclude<OutputFormat, 'arrow'>, headers = true): string {
  switch (format) {
    case 'table':
      return formatTable(r);
    case 'box':
      return formatBox(r, headers);
    case 'markdown':
      return formatMarkdown(r, headers);
    case 'line':
      return formatLine(r);
    case 'json':
      return formatJson(r);
    case 'csv':
      return headers ? formatCsv(r) : formatCsvRows(r);
  }
}

/** A result set from plain records (command listings): integral numbers print as integers. */
export function recordsResult(columns: readonly string[], records: readonly Readonly<Record<string, string | number | bigint | boolean | null | undefined>>[]): ResultSet {
  return {
    columns,
    rows: records.map((r) =>
      columns.map((c): JsValue => {
        const v = r[c];
        if (v === undefined || v === null) return null;
        if (typeof v === 'boolean') return v ? 'yes' : 'no';
        if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
        return v;
      }),
    ),
  };
}
