// The rows a parsed fts5 query can match, from its terms' document bitmaps: a phrase is the AND
// of its terms' sets (restricted to its columns), NEAR the AND of its phrases, and AND / OR /
// NOT combine sets. A set is exact when it is the query node's matches (a one-term phrase
// without `^`), else a superset the positions must confirm (query-eval.ts): NOT subtracts
// only an exact right side, since removing a superset would drop rows that match.
import { DoSQLError } from '../errors.js';
import type { DocSet, DocSets } from './docset.js';
import type { Phrase, ParsedQuery, QueryNode, QueryTerm } from './query-parse.js';

export interface NodeSet {
  readonly set: DocSet;
  readonly exact: boolean;
}

/** Loads the rows holding a term (or prefix) in one of `cols` (undefined: any column). */
export type TermSetLoader = (t: QueryTerm, cols: ReadonlySet<number> | undefined) => Promise<DocSet>;

export interface QuerySets {
  /** The rows the whole query may match. */
  readonly root: NodeSet;
  /** Per query phrase (by `Phrase.index`): the rows it may match, for bm25's IDF. */
  readonly phrases: readonly NodeSet[];
}

export async function querySets(q: ParsedQuery, sets: DocSets, load: TermSetLoader): Promise<QuerySets> {
  const cache = new Map<string, Promise<DocSet>>();
  const term = (t: QueryTerm, cols: ReadonlySet<number> | undefined): Promise<DocSet> => {
    const key = `${t.prefix ? '*' : '='}${cols ? [...cols].sort((a, b) => a - b).join(',') : ''}|${t.term}`;
    let s = cache.get(key);
    if (!s) cache.set(key, (s = load(t, cols)));
    return s;
  };
  const phraseSets = new Map<number, NodeSet>();
  const phrase = async (p: Phrase): Promise<NodeSet> => {
    let ns = phraseSets.get(p.index);
    if (ns) return ns;
    let set: DocSet = sets.of([]);
    for (let i = 0; i < p.terms.length; i++) {
      const s = await term(p.terms[i]!, p.cols);
      set = i === 0 ? s : sets.and(set, s);
    }
    ns = { set, exact: p.terms.length <= 1 && !p.first };
    phraseSets.set(p.index, ns);
    return ns;
  };
  const walk = async (n: QueryNode): Promise<NodeSet> => {
    switch (n.kind) {
      case 'phrase':
        return phrase(n);
      case 'near': {
        let set: DocSet | undefined;
        for (const p of n.phrases) {
          const s = (await phrase(p)).set;
          set = set ? sets.and(set, s) : s;
        }
        return { set: set ?? sets.of([]), exact: false };
      }
      case 'and': {
        const l = await walk(n.left);
        const r = await walk(n.right);
        return { set: sets.and(l.set, r.set), exact: l.exact && r.exact };
      }
      case 'or': {
        const l = await walk(n.left);
        const r = await walk(n.right);
        return { set: sets.or(l.set, r.set), exact: l.exact && r.exact };
      }
      case 'not': {
        const l = await walk(n.left);
        const r = await walk(n.right);
        return r.exact ? { set: sets.andNot(l.set, r.set), exact: l.exact } : { set: l.set, exact: false };
      }
    }
  };
  const root = await walk(q.root);
  const phrases: NodeSet[] = [];
  for (const p of q.phrases) phrases[p.index] = await phrase(p);
  return { root, phrases };
}

/**
 * Refuses what an index below detail=full cannot answer, with fts5's errors, the first
 * offending node in query order first (a NEAR group before its phrases, a phrase's terms
 * before its column filter): multi-term and `^` phrases, NEAR of several phrases, and with
 * detail=none column filters.
 */
export function checkDetail(q: ParsedQuery, detail: 'full' | 'column' | 'none'): void {
  if (detail === 'full') return;
  const refuse = (what: string): never => {
    throw new DoSQLError('SQL_ERROR', `fts5: ${what} queries are not supported (${what === 'column' ? 'detail=none' : 'detail!=full'})`, { details: { detail } });
  };
  const phrase = (p: Phrase): void => {
    if (p.terms.length > 1 || p.first) refuse('phrase');
    if (detail === 'none' && p.cols) refuse('column');
  };
  const walk = (n: QueryNode): void => {
    if (n.kind === 'phrase') phrase(n);
    else if (n.kind === 'near') {
      if (n.phrases.length > 1) refuse('NEAR');
      n.phrases.forEach(phrase);
    } else {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(q.root);
}
