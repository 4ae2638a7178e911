// The sqlite3 shell's other output modes (shell.html, ".mode"): box, markdown and line, and
// headers on or off for csv and the grids. Values print as formatText's (format.ts): NULL as
// empty in csv and markdown, "NULL" nowhere else but the table grid.
import { csvField, valueText, type ResultSet } from './format.js';
import type { JsValue } from '../sql/api/values.js';

/** One grid cell: control characters escaped so they cannot break the grid; NULL as empty. */
function cell(v: JsValue): string {
  const t = valueText(v);
  if (t === null) return '';
  return t.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** Display width of `s` in code points (what the grids pad by). */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const n = w - width(s);
  return n <= 0 ? s : right ? ' '.repeat(n) + s : s + ' '.repeat(n);
}

function numericColumns(r: ResultSet): boolean[] {
  return r.columns.map((_, i) => r.rows.some((row) => typeof row[i] === 'number' || typeof row[i] === 'bigint'));
}

/** sqlite3's `.mode box`: a grid drawn with box characters. */
export function formatBox(r: ResultSet, headers = true): string {
  if (r.columns.length === 0) return '';
  const cells = r.rows.map((row) => r.columns.map((_, i) => cell(row[i] ?? null)));
  const w = r.columns.map((c, i) => Math.max(headers ? width(c) : 0, ...cells.map((row) => width(row[i]!))));
  const num = numericColumns(r);
  const rule = (l: string, m: string, e: string): string => `${l}${w.map((x) => '─'.repeat(x + 2)).join(m)}${e}`;
  const line = (vals: readonly string[], align: boolean): string => `│ ${vals.map((v, i) => pad(v, w[i]!, align && num[i]!)).join(' │ ')} │`;
  const out = [rule('┌', '┬', '┐')];
  if (headers) out.push(line(r.columns, false), rule('├', '┼', '┤'));
  for (const row of cells) out.push(line(row, true));
  out.push(rule('└', '┴', '┘'));
  return `${out.join('\n')}\n`;
}

/** sqlite3's `.mode markdown`: a GitHub-flavoured Markdown table ('|' in values escaped). */
export function formatMarkdown(r: ResultSet, headers = true): string {
  if (r.columns.length === 0) return '';
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const cells = r.rows.map((row) => r.columns.map((_, i) => esc(cell(row[i] ?? null))));
  const heads = r.columns.map(esc);
  const w = heads.map((c, i) => Math.max(3, width(c), ...cells.map((row) => width(row[i]!))));
  const num = numericColumns(r);
  const line = (vals: readonly string[], align: boolean): string => `| ${vals.map((v, i) => pad(v, w[i]!, align && num[i]!)).join(' | ')} |`;
  const out: string[] = [];
  if (headers) out.push(line(heads, false), `|${w.map((x, i) => (num[i] ? `${'-'.repeat(x + 1)}:` : `:${'-'.repeat(x + 1)}`)).join('|')}|`);
  for (const row of cells) out.push(line(row, true));
  return out.length ? `${out.join('\n')}\n` : '';
}

/** sqlite3's `.mode line`: one `column = value` line per value, a blank line between rows. */
export function formatLine(r: ResultSet): string {
  const w = Math.max(0, ...r.columns.map(width));
  return r.rows.map((row) => `${r.columns.map((c, i) => `${pad(c, w, true)} = ${valueText(row[i] ?? null) ?? ''}`).join('\n')}\n`).join('\n');
}

/** CSV without the header row (`.headers off`). */
export function formatCsvRows(r: ResultSet): string {
  if (r.rows.length === 0) return '';
  return `${r.rows.map((row) => r.columns.map((_, i) => csvField(row[i] ?? null)).join(',')).join('\r\n')}\r\n`;
}
