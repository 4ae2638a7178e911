// Evaluates a parsed fts5 query against one document's positions, giving whether it matches
// and the phrase instances bm25() and highlight() read. As in fts5 (fts5_expr.c,
// fts5ExprCheckPoslists), only phrases in subtrees that match the row report instances: an
// AND with a failing side reports none, an OR the instances of its matching sides, a NOT those
// of its left side; a NEAR group reports the instances inside its matching windows.
import type { Near, ParsedQuery, Phrase, QueryNode } from './query-parse.js';

/** A position: column · 2^32 + token offset within the column. */
export type Pos = number;
export const COL_SHIFT = 2 ** 32;

/** A term's (or prefix's) sorted positions in one document. */
export type DocTerms = (term: string, prefix: boolean) => readonly Pos[];

export interface Instance {
  readonly phrase: number;
  readonly col: number;
  /** First token of the instance. */
  readonly pos: number;
  /** Tokens it spans. */
  readonly len: number;
}

/** Start positions of `p`'s matches in the document. */
export function phraseHits(p: Phrase, doc: DocTerms): Pos[] {
  if (p.terms.length === 0) return [];
  const lists = p.terms.map((t) => doc(t.term, t.prefix));
  const rest = lists.slice(1).map((l) => new Set(l));
  const out: Pos[] = [];
  for (const start of lists[0]!) {
    const col = Math.floor(start / COL_SHIFT);
    if (p.cols && !p.cols.has(col)) continue;
    if (p.first && start - col * COL_SHIFT !== 0) continue;
    let ok = true;
    for (let i = 0; i < rest.length && ok; i++) {
      const want = start + i + 1;
      ok = Math.floor(want / COL_SHIFT) === col && rest[i]!.has(want);
    }
    if (ok) out.push(start);
  }
  return out;
}

function nearHits(n: Near, doc: DocTerms): Pos[][] | undefined {
  const hits = n.phrases.map((p) => phraseHits(p, doc));
  if (hits.some((h) => h.length === 0)) return undefined;
  const keep = hits.map(() => new Set<Pos>());
  // fts5ExprNearIsMatch: a window ending at the latest start P holds an instance of every
  // phrase i starting in [P − nTerm(i) − N, P], all in one column.
  let any = false;
  for (const h of hits) {
    for (const P of h) {
      const col = Math.floor(P / COL_SHIFT);
      const inWindow = n.phrases.map((p, i) => hits[i]!.filter((s) => Math.floor(s / COL_SHIFT) === col && s <= P && s >= P - p.terms.length - n.distance));
      if (inWindow.every((w) => w.length > 0)) {
        any = true;
        inWindow.forEach((w, i) => w.forEach((s) => keep[i]!.add(s)));
      }
    }
  }
  return any ? keep.map((k) => [...k].sort((a, b) => a - b)) : undefined;
}

/** Matches `q` against a document; undefined when it does not match, else its instances. */
export function evaluate(q: ParsedQuery, doc: DocTerms): Instance[] | undefined {
  const walk = (n: QueryNode): Instance[] | undefined => {
    switch (n.kind) {
      case 'phrase': {
        const h = phraseHits(n, doc);
        if (h.length === 0) return undefined;
        const r: Instance[] = [];
        for (const s of h) r.push({ phrase: n.index, col: Math.floor(s / COL_SHIFT), pos: s % COL_SHIFT, len: n.terms.length });
        return r;
      }
      case 'near': {
        const h = nearHits(n, doc);
        if (!h) return undefined;
        const r: Instance[] = [];
        n.phrases.forEach((p, i) => {
          for (const s of h[i]!) r.push({ phrase: p.index, col: Math.floor(s / COL_SHIFT), pos: s % COL_SHIFT, len: p.terms.length });
        });
        return r;
      }
      case 'and': {
        const l = walk(n.left);
        if (!l) return undefined;
        const r = walk(n.right);
        return r ? [...l, ...r] : undefined;
      }
      case 'or': {
        const l = walk(n.left);
        const r = walk(n.right);
        if (!l && !r) return undefined;
        return [...(l ?? []), ...(r ?? [])];
      }
      case 'not': {
        const l = walk(n.left);
        if (!l || walk(n.right)) return undefined;
        return l;
      }
    }
  };
  return walk(q.root);
}

/** Every query term and prefix (deduplicated), for loading postings. */
export function queryTerms(q: ParsedQuery): { term: string; prefix: boolean }[] {
  const seen = new Map<string, { term: string; prefix: boolean }>();
  for (const p of q.phrases) for (const t of p.terms) seen.set(`${t.prefix ? '*' : '='}${t.term}`, t);
  return [...seen.values()];
}
