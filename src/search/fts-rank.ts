// The per-row match state an fts5 scan hands to its auxiliary functions, and those functions:
// bm25(), highlight(), snippet() (https://sqlite.org/fts5.html#built_in_auxiliary_functions).
// The state travels as the value of the table's hidden column of its own name (JSON text with
// the "fts5" tag), as SQLite's fts5 passes a pointer there: `bm25(t)` reads column `t`.
import { DoSQLError } from '../errors.js';
import type { SqlValue } from '../sql/types/value.js';
import type { Instance } from './query-eval.js';
import { tokenizerFor } from './tokenizer.js';

export interface MatchState {
  readonly fts5: 1;
  /** IDF of each query phrase (bm25's formula, floor 1e-6). */
  readonly idf: number[];
  /** Instances of each phrase in each column: f[phrase][column]. */
  readonly f: number[][];
  /** Tokens in the row (all columns). */
  readonly d: number;
  /** Average tokens per row in the table. */
  readonly avg: number;
  /** [phrase, column, first token, tokens] of each instance. */
  readonly inst: [number, number, number, number][];
  /** The tokenize= spec, to find tokens' offsets again. */
  readonly tok: string;
  /** The row's column texts (null for NULL). */
  readonly txt: (string | null)[];
}

const K1 = 1.2;
const B = 0.75;

/** bm25's IDF of a phrase matching `hits` of `rows` rows (fts5_aux.c fts5Bm25GetData). */
export function idf(rows: number, hits: number): number {
  const v = Math.log((rows - hits + 0.5) / (hits + 0.5));
  return v <= 0 ? 1e-6 : v;
}

export function matchState(idfs: number[], instances: readonly Instance[], columns: number, d: number, avg: number, tok: string, txt: (string | null)[]): MatchState {
  const f = idfs.map(() => new Array<number>(columns).fill(0));
  for (const i of instances) f[i.phrase]![i.col]!++;
  return { fts5: 1, idf: idfs, f, d, avg, inst: instances.map((i) => [i.phrase, i.col, i.pos, i.len]), tok, txt };
}

/** The state in a hidden-column value; SQLite's error when the function is used outside an fts5 scan. */
export function stateOf(v: SqlValue | undefined, fn: string): MatchState {
  if (typeof v === 'string' && v.startsWith('{"fts5":1')) return JSON.parse(v) as MatchState;
  throw new DoSQLError('SQL_ERROR', `sql: unable to use function ${fn} in the requested context`, { details: { function: fn } });
}

/** bm25 with column weights (missing weights are 1): −Σ idf·f·(k1+1)/(f + k1·(1 − b + b·D/avgdl)), as fts5. */
export function bm25(s: MatchState, weights: readonly number[]): number {
  let score = 0;
  for (let p = 0; p < s.idf.length; p++) {
    let freq = 0;
    s.f[p]!.forEach((n, c) => (freq += n * (c < weights.length ? weights[c]! : 1)));
    score += s.idf[p]! * ((freq * (K1 + 1)) / (freq + K1 * (1 - B + (B * s.d) / s.avg)));
  }
  return score === 0 ? 0 : -score;
}

/** Token ranges [first, last] of instances in `col`, overlapping ones merged (fts5 highlight). */
function ranges(s: MatchState, col: number): [number, number][] {
  const rs = s.inst.filter((i) => i[1] === col).map((i) => [i[2], i[2] + i[3] - 1] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * The character ranges [start, end) of token ranges, merged where they overlap or touch (as
 * fts5's highlight joins them: trigram tokens overlap, and "tin" twice in "Tintin" is one mark).
 */
function charRanges(toks: readonly { start: number; end: number }[], rs: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of rs) {
    const ta = toks[a];
    const tb = toks[b];
    if (!ta || !tb) continue;
    const last = out[out.length - 1];
    if (last && ta.start <= last[1]) last[1] = Math.max(last[1], tb.end);
    else out.push([ta.start, tb.end]);
  }
  return out;
}

/** highlight(t, col, open, close): the column's text with each phrase instance wrapped. */
export function highlight(s: MatchState, col: number, open: string, close: string): string | null {
  const text = s.txt[col];
  if (text === undefined || text === null) return null;
  const toks = tokenizerFor(s.tok).tokenize(text);
  let out = '';
  let at = 0;
  for (const [a, b] of charRanges(toks, ranges(s, col))) {
    out += text.slice(at, a) + open + text.slice(a, b) + close;
    at = b;
  }
  return out + text.slice(at);
}

/**
 * snippet(t, col, open, close, ellipsis, tokens): a window of at most `tokens` tokens (1..64)
 * of column `col` (−1: the column with most instances) holding the most phrase instances,
 * highlighted, with `ellipsis` where the text is cut. Simpler than fts5's scoring of
 * windows (it also favours windows starting a sentence), so texts may differ from SQLite's.
 */
export function snippet(s: MatchState, col: number, open: string, close: string, ellipsis: string, tokens: number): string | null {
  const n = Math.max(1, Math.min(64, tokens));
  let c = col;
  if (c < 0) {
    const counts = s.txt.map((_, i) => s.inst.filter((x) => x[1] === i).length);
    c = counts.indexOf(Math.max(...counts));
  }
  const text = s.txt[c];
  if (text === undefined || text === null) return null;
  const toks = tokenizerFor(s.tok).tokenize(text);
  if (toks.length === 0) return text;
  const hits = ranges(s, c);
  let best = 0;
  let bestCount = -1;
  for (let start = 0; start < Math.max(1, toks.length - n + 1); start++) {
    const cnt = hits.filter(([a, b]) => a >= start && b < start + n).length;
    if (cnt > bestCount) {
      best = start;
      bestCount = cnt;
    }
  }
  const last = Math.min(toks.length, best + n) - 1;
  const from = best === 0 ? 0 : toks[best]!.start;
  const to = last === toks.length - 1 ? text.length : toks[last]!.end;
  let out = best === 0 ? '' : ellipsis;
  let at = from;
  for (const [a, b] of charRanges(
    toks,
    hits.filter(([a, b]) => a >= best && b <= last),
  )) {
    out += text.slice(at, a) + open + text.slice(a, b) + close;
    at = b;
  }
  return out + text.slice(at, to) + (last === toks.length - 1 ? '' : ellipsis);
}
