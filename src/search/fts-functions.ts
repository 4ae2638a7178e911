// The fts5 auxiliary functions as SQL scalar functions over the match state in a scan's hidden
// column (fts-rank.ts): bm25(t, w...), highlight(t, col, open, close),
// snippet(t, col, open, close, ellipsis, tokens). And, for a plain TEXT column without an
// fts5 table (the seeds' `content MATCH :q` / `bm25_score(content, :q)`):
//   match(q, text)       1 when the fts5 query q matches text (unicode61), else 0: `text MATCH q`
//   bm25_score(text, q)  the BM25 term-frequency part for one document with every IDF 1 and
//                        the document as its own average (no corpus statistics): 0 when q does
//                        not match, larger for more matches. Positive, unlike bm25().
// Both scan every row; a query over many rows should use an fts5 table.
import type { ScalarFunction } from '../sql/functions/function-types.js';
import { toReal } from '../sql/types/convert.js';
import type { SqlValue } from '../sql/types/value.js';
import { textOf } from './fts-index.js';
import { bm25, highlight, snippet, stateOf } from './fts-rank.js';
import { evaluate, COL_SHIFT, type Pos } from './query-eval.js';
import { parseQuery, type ParsedQuery } from './query-parse.js';
import { tokenizerFor } from './tokenizer.js';

function fn(name: string, minArgs: number, maxArgs: number, call: (args: readonly SqlValue[]) => SqlValue): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call: (args) => call(args) };
}

const int = (v: SqlValue | undefined, d: number): number => (v === null || v === undefined ? d : Math.trunc(toReal(v)));
const str = (v: SqlValue | undefined): string => textOf(v ?? null);

const queries = new Map<string, ParsedQuery>();
const unicode61 = tokenizerFor(undefined);

function singleColumn(q: string): ParsedQuery {
  let p = queries.get(q);
  if (!p) {
    p = parseQuery(q, ['content'], unicode61);
    if (queries.size > 256) queries.clear();
    queries.set(q, p);
  }
  return p;
}

function matchText(q: SqlValue, text: SqlValue): { inst: ReturnType<typeof evaluate>; tokens: number; phrases: number } | null {
  if (q === null || text === null) return null;
  if (typeof text === 'string' && text.startsWith('{"fts5":1')) stateOf(null, 'match');
  const parsed = singleColumn(str(q));
  const toks = unicode61.tokenize(str(text));
  const pos = new Map<string, Pos[]>();
  toks.forEach((t, i) => {
    let l = pos.get(t.term);
    if (!l) pos.set(t.term, (l = []));
    l.push(i);
  });
  const doc = (term: string, prefix: boolean): readonly Pos[] => {
    if (!prefix) return pos.get(term) ?? [];
    const out: Pos[] = [];
    for (const [t, l] of pos) if (t.startsWith(term)) out.push(...l);
    return out.sort((a, b) => a - b);
  };
  void COL_SHIFT;
  return { inst: evaluate(parsed, doc), tokens: toks.length, phrases: parsed.phrases.length };
}

export const FTS_FUNCTIONS: readonly ScalarFunction[] = [
  fn('bm25', 1, -1, (args) => bm25(stateOf(args[0], 'bm25'), args.slice(1).map((w) => (w === null ? 0 : toReal(w))))),
  fn('highlight', 4, 4, (args) => highlight(stateOf(args[0], 'highlight'), int(args[1], 0), str(args[2]), str(args[3]))),
  fn('snippet', 6, 6, (args) => snippet(stateOf(args[0], 'snippet'), int(args[1], -1), str(args[2]), str(args[3]), str(args[4]), int(args[5], 15))),
  fn('match', 2, 2, (args) => {
    const m = matchText(args[0]!, args[1]!);
    return m === null ? null : m.inst ? 1n : 0n;
  }),
  fn('bm25_score', 2, 2, (args) => {
    const m = matchText(args[1]!, args[0]!);
    if (m === null) return null;
    if (!m.inst) return 0;
    const freq = new Array<number>(m.phrases).fill(0);
    for (const i of m.inst) freq[i.phrase]!++;
    return freq.reduce((s, f) => s + (f * 2.2) / (f + 1.2), 0);
  }),
];
