// Printing for the demo: aligned text tables, durations, rates, and the closing summary of
// every step's time and throughput.

/** One line of the summary: a step, how long it took, and how many rows it handled. */
export interface StepTiming {
  step: string;
  ms: number;
  /** Rows written, read or scanned by the step (0 when not meaningful). */
  rows: number;
  note?: string;
}

/** '1,234,567'. */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** '850 ms' below 10 s, '12.3 s' above. */
export function duration(ms: number): string {
  return ms < 10_000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Rows per second, or '-' when the step handled no rows. */
export function rate(rows: number, ms: number): string {
  return rows > 0 && ms > 0 ? int((rows / ms) * 1000) : '-';
}

/** A fixed-point number with `digits` decimals, or 'NULL'. */
export function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? 'NULL' : v.toFixed(digits);
}

/**
 * An aligned text table: `header` then `rows` (cells already text); columns whose header
 * starts with '>' are right-aligned (the '>' is not printed).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const right = header.map((h) => h.startsWith('>'));
  const head = header.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The closing summary: one row per step with its time and rows/s, and the total. */
export function summaryTable(steps: readonly StepTiming[]): string {
  const total = steps.reduce((s, t) => s + t.ms, 0);
  const rows = steps.map((t) => [t.step, duration(t.ms), t.rows ? int(t.rows) : '-', rate(t.rows, t.ms), t.note ?? '']);
  rows.push(['total', duration(total), '', '', '']);
  return table(['step', '>time', '>rows', '>rows/s', 'note'], rows);
}

/** Times `f` and records it under `step` in `into`. */
export async function timed<T>(into: StepTiming[], step: string, rows: number | ((v: T) => number), f: () => Promise<T>, note?: string | ((v: T) => string)): Promise<T> {
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  const n = typeof rows === 'function' ? rows(value) : rows;
  const text = typeof note === 'function' ? note(value) : note;
  into.push({ step, ms, rows: n, ...(text ? { note: text } : {}) });
  return value;
}
