// Hand-written SVG charts for bench/RESULTS.md: horizontal bars of ratios on a log scale,
// drawn from the line at 1 (parity with the reference engine): right and green when dosql
// is ahead, left and orange when behind. No dependencies; the output is plain SVG 1.1
// that GitHub renders from a Markdown image link.

export interface RatioBar {
  /** Row label, e.g. "fillrandom vs leveldb". */
  label: string;
  /** The ratio (> 1: dosql ahead); non-finite or <= 0 shows as "n/a". */
  value: number;
}

export interface RatioChart {
  title: string;
  /** One line under the title (what the ratio is). */
  subtitle?: string;
  bars: readonly RatioBar[];
  /** Axis captions for the two sides of 1. */
  below?: string;
  above?: string;
  /** How a value is printed (default "2.35x"). */
  format?: (v: number) => string;
}

const WIDTH = 860;
const VALUE_W = 96;
/** Approximate advance of a 12px sans-serif character, for sizing the label column. */
const CHAR_W = 6.6;
const ROW_H = 24;
const BAR_H = 15;
const TOP = 62;

/** Escapes text for SVG content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const usable = (v: number): boolean => Number.isFinite(v) && v > 0;

/** Powers of ten covering the values and at least [0.1, 10]. */
function domain(values: readonly number[]): [number, number] {
  const ok = values.filter(usable);
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(1, ...ok))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(1, ...ok))));
  return [lo, hi];
}

const defaultFormat = (v: number): string => `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : Number(v.toPrecision(2))}x`;

function tickText(p: number, k: number): string {
  const v = k * 10 ** p;
  return v >= 1 ? String(Math.round(v)) : String(Number(v.toPrecision(2)));
}

/** The chart as an SVG document (a string). */
export function ratioChartSvg(c: RatioChart): string {
  const fmt = c.format ?? defaultFormat;
  const [lo, hi] = domain(c.bars.map((b) => b.value));
  const x0 = Math.round(Math.min(WIDTH / 2, Math.max(140, 20 + CHAR_W * Math.max(0, ...c.bars.map((b) => b.label.length)))));
  const x1 = WIDTH - VALUE_W;
  const x = (v: number): number => x0 + ((Math.log10(v) - lo) / (hi - lo)) * (x1 - x0);
  const plotH = c.bars.length * ROW_H;
  const axisY = TOP + plotH + 6;
  const height = axisY + 58;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${xmlEscape(c.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="12" y="22" font-size="15" font-weight="bold" fill="#111">${xmlEscape(c.title)}</text>`);
  if (c.subtitle) out.push(`<text x="12" y="42" fill="#555">${xmlEscape(c.subtitle)}</text>`);
  // Grid: each power of ten, and 2 and 5 between them when the span is short.
  const span = hi - lo;
  for (let p = lo; p <= hi; p++) {
    for (const k of span <= 2 ? [1, 2, 5] : [1]) {
      const v = k * 10 ** p;
      if (Math.log10(v) > hi + 1e-9) continue;
      const gx = x(v).toFixed(1);
      out.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${axisY}" stroke="${k === 1 ? '#d0d0d0' : '#ececec'}" stroke-width="1"/>`);
      out.push(`<text x="${gx}" y="${axisY + 14}" text-anchor="middle" fill="#666">${xmlEscape(tickText(p, k))}</text>`);
    }
  }
  c.bars.forEach((b, i) => {
    const cy = TOP + i * ROW_H + ROW_H / 2;
    out.push(`<text x="${x0 - 8}" y="${(cy + 4).toFixed(1)}" text-anchor="end" fill="#222">${xmlEscape(b.label)}</text>`);
    if (!usable(b.value)) {
      out.push(`<text x="${WIDTH - 8}" y="${(cy + 4).toFixed(1)}" text-anchor="end" fill="#999">n/a</text>`);
      return;
    }
    const a = x(1);
    const e = x(b.value);
    const left = Math.min(a, e);
    const w = Math.max(1, Math.abs(e - a));
    const color = b.value >= 1 ? '#2e8b57' : '#e07b39';
    out.push(`<rect x="${left.toFixed(1)}" y="${(cy - BAR_H / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"><title>${xmlEscape(`${b.label}: ${fmt(b.value)}`)}</title></rect>`);
    out.push(`<text x="${WIDTH - 8}" y="${(cy + 4).toFixed(1)}" text-anchor="end" fill="#222" font-weight="bold">${xmlEscape(fmt(b.value))}</text>`);
  });
  // Parity line at 1, drawn over the bars.
  out.push(`<line x1="${x(1).toFixed(1)}" y1="${TOP - 8}" x2="${x(1).toFixed(1)}" y2="${axisY}" stroke="#333" stroke-width="1.5"/>`);
  const capY = axisY + 36;
  if (c.below) out.push(`<text x="${(x(1) - 8).toFixed(1)}" y="${capY}" text-anchor="end" fill="#e07b39">${xmlEscape(`\u2190 ${c.below}`)}</text>`);
  if (c.above) out.push(`<text x="${(x(1) + 8).toFixed(1)}" y="${capY}" fill="#2e8b57">${xmlEscape(`${c.above} \u2192`)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
