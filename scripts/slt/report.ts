// Console and JSON reports of a sqllogictest run.
import type { FileResult } from './file-run.js';
import type { SltFailure } from './runner.js';

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  /** Failed records that ran out of time. */
  timeouts: number;
  ms: number;
}

export function totalsOf(results: readonly FileResult[]): Totals {
  const t: Totals = { passed: 0, failed: 0, skipped: 0, timeouts: 0, ms: 0 };
  for (const r of results) {
    t.passed += r.passed;
    t.failed += r.failed;
    t.skipped += r.skipped;
    t.timeouts += r.timeouts;
    t.ms += r.ms;
  }
  return t;
}

/** `path  passed N  failed N  skipped N  (x.x%)  time`, the path padded to `width`. */
export function fileLine(r: FileResult, width = 0): string {
  const head = `${r.path.padEnd(width)}  passed ${r.passed}  failed ${r.failed}  skipped ${r.skipped}  (${percent(r.passed, r.failed)})  ${seconds(r.ms)}`;
  return r.error === undefined ? head : `${head}  ERROR: ${r.error}`;
}

/** `N passed, N failed[ (N timed out)], N skipped (engine E)`: the last line of every run, naming the engine measured. */
export function totalsLine(t: Totals, engine: string): string {
  return `${t.passed} passed, ${t.failed} failed${t.timeouts > 0 ? ` (${t.timeouts} timed out)` : ''}, ${t.skipped} skipped (engine ${engine})`;
}

export function percent(passed: number, failed: number): string {
  const n = passed + failed;
  return n === 0 ? '-' : `${((100 * passed) / n).toFixed(1)}%`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

const VALUES_SHOWN = 40;

/** A failure as a few indented lines: location and reason, SQL, expected, actual or error. */
export function failureText(f: SltFailure): string {
  const lines = [`FAIL ${f.path}:${f.line}  ${f.reason}`, `  sql:      ${f.sql.split('\n').join('\n            ')}`];
  if (f.expected !== undefined) lines.push(`  expected: ${valueList(f.expected)}`);
  if (f.actual !== undefined) {
    const expectedHash = f.expected?.length === 1 && / values hashing to /.test(f.expected[0]!);
    lines.push(`  actual:   ${expectedHash && f.actualHash !== undefined ? f.actualHash : valueList(f.actual)}`);
    if (expectedHash) lines.push(`            ${valueList(f.actual)}`);
  }
  if (f.error !== undefined) lines.push(`  error:    ${f.error}`);
  return lines.join('\n');
}

function valueList(values: readonly string[]): string {
  if (values.length === 0) return '(no rows)';
  const shown = values.slice(0, VALUES_SHOWN).join(' ');
  return values.length > VALUES_SHOWN ? `${shown} ... (${values.length - VALUES_SHOWN} more)` : shown;
}

/** The `--json` document: run settings, per-file counts with kept failures, totals. */
export function jsonReport(engine: string, timeoutMs: number, results: readonly FileResult[]): string {
  const files = results.map((r) => ({ ...r, ms: Math.round(r.ms) }));
  const totals = totalsOf(results);
  return JSON.stringify({ engine, timeoutMs, files, totals: { ...totals, ms: Math.round(totals.ms) } }, null, 1);
}
