// The fts5 full-text query language (https://sqlite.org/fts5.html#full_text_query_syntax):
// barewords and "quoted strings" tokenized into phrases, `+` joining phrases, `*` prefixes,
// `^` first-token anchors, NEAR(p1 p2 ..., N), column filters (`col:`, `{a b}:`, `-col:`),
// parentheses, and the operators NOT > AND > OR by precedence (upper-case only). Adjacent
// phrases are ANDed and bind tightest, as in fts5's grammar (fts5parse.y, `exprlist`).
import { DoSQLError } from '../errors.js';
import type { Tokenizer } from './tokenizer.js';

export interface QueryTerm {
  readonly term: string;
  readonly prefix: boolean;
}

export interface Phrase {
  readonly kind: 'phrase';
  /** Position of this phrase in the query (bm25 and highlight index phrases so). */
  readonly index: number;
  readonly terms: readonly QueryTerm[];
  /** `^`: must start at the column's first token. */
  readonly first: boolean;
  /** Columns it may match in (undefined: all). */
  cols: ReadonlySet<number> | undefined;
}

export interface Near {
  readonly kind: 'near';
  readonly phrases: readonly Phrase[];
  readonly distance: number;
}

export type QueryNode = Phrase | Near | { readonly kind: 'and' | 'or' | 'not'; readonly left: QueryNode; readonly right: QueryNode };

export interface ParsedQuery {
  readonly root: QueryNode;
  readonly phrases: readonly Phrase[];
}

type Tok = { t: 'str'; v: string; quoted: boolean } | { t: 'op'; v: string };

function syntax(near: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `fts5: syntax error near "${near}"`, { details: { near } });
}

function isBare(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0x80 || code === 0x1a || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function lex(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if ('(){}:,+*^-'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= q.length) throw new DoSQLError('SQL_ERROR', `fts5: unterminated string`, { details: { query: q } });
        if (q[i] === '"') {
          if (q[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += q[i++];
      }
      out.push({ t: 'str', v: s, quoted: true });
      continue;
    }
    if (!isBare(c)) throw syntax(c);
    const start = i;
    while (i < q.length && isBare(q[i]!)) i++;
    out.push({ t: 'str', v: q.slice(start, i), quoted: false });
  }
  return out;
}

/**
 * Parses an fts5 query over columns `columns` (names, in table order) with `tok`. Throws
 * SQL_ERROR "fts5: syntax error near ..." or "fts5: no such column: ...".
 */
export function parseQuery(query: string, columns: readonly string[], tok: Tokenizer): ParsedQuery {
  const toks = lex(query);
  let pos = 0;
  const phrases: Phrase[] = [];
  const peek = (k = 0): Tok | undefined => toks[pos + k];
  const isOp = (v: string, k = 0): boolean => {
    const t = peek(k);
    return t !== undefined && t.t === 'op' && t.v === v;
  };
  const isKw = (v: string, k = 0): boolean => {
    const t = peek(k);
    return t !== undefined && t.t === 'str' && !t.quoted && t.v === v;
  };
  const fail = (): never => {
    const t = peek();
    throw syntax(t === undefined ? '' : t.v);
  };
  const expectOp = (v: string): void => {
    if (!isOp(v)) fail();
    pos++;
  };
  const column = (name: string): number => {
    const i = columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new DoSQLError('SQL_ERROR', `fts5: no such column: ${name}`, { details: { column: name } });
    return i;
  };

  /** A colset at the cursor followed by ':' (undefined, cursor unmoved, when there is none). */
  const colset = (): Set<number> | undefined => {
    const save = pos;
    const neg = isOp('-');
    if (neg) pos++;
    let cols: number[] | undefined;
    if (isOp('{')) {
      pos++;
      cols = [];
      while (!isOp('}')) {
        const t = peek();
        if (!t || t.t !== 'str') fail();
        cols.push(column((t as { v: string }).v));
        pos++;
      }
      pos++;
    } else {
      const t = peek();
      if (t && t.t === 'str' && isOp(':', 1)) {
        cols = [column(t.v)];
        pos++;
      }
    }
    if (cols === undefined || !isOp(':')) {
      if (neg || cols !== undefined) fail();
      pos = save;
      return undefined;
    }
    pos++;
    const set = new Set(cols);
    return neg ? new Set(columns.map((_, i) => i).filter((i) => !set.has(i))) : set;
  };

  const phrase = (): Phrase => {
    const first = isOp('^');
    if (first) pos++;
    const terms: QueryTerm[] = [];
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'str') fail();
      pos++;
      const star = isOp('*');
      if (star) pos++;
      const words = tok.tokenize((t as { v: string }).v);
      words.forEach((w, i) => terms.push({ term: w.term, prefix: star && i === words.length - 1 }));
      if (!isOp('+')) break;
      pos++;
    }
    const p: Phrase = { kind: 'phrase', index: phrases.length, terms, first, cols: undefined };
    phrases.push(p);
    return p;
  };

  const nearset = (): QueryNode => {
    if (isKw('NEAR') && isOp('(', 1)) {
      pos += 2;
      const ps: Phrase[] = [];
      while (!isOp(')') && !isOp(',')) ps.push(phrase());
      if (ps.length === 0) fail();
      // A phrase with no tokens (a trigram query string under three characters) leaves the
      // group, as fts5's parser drops it; a group of only such phrases matches nothing.
      const kept = ps.filter((p) => p.terms.length > 0);
      if (kept.length > 0) ps.splice(0, ps.length, ...kept);
      else ps.splice(1);
      let distance = 10;
      if (isOp(',')) {
        pos++;
        const t = peek();
        if (!t || t.t !== 'str' || !/^[0-9]+$/.test(t.v)) fail();
        distance = Number((t as { v: string }).v);
        pos++;
      }
      expectOp(')');
      return ps.length === 1 ? ps[0]! : { kind: 'near', phrases: ps, distance };
    }
    return phrase();
  };

  const startsPhrase = (): boolean => {
    const t = peek();
    if (!t) return false;
    if (t.t === 'str') return t.quoted || (t.v !== 'AND' && t.v !== 'OR' && t.v !== 'NOT');
    return t.v === '^' || t.v === '-' || t.v === '{';
  };

  const primary = (): QueryNode => {
    if (isOp('(')) {
      pos++;
      const e = orExpr();
      expectOp(')');
      return e;
    }
    let node: QueryNode | undefined;
    while (startsPhrase() || (node === undefined && isOp('('))) {
      const cs = colset();
      let item: QueryNode;
      if (cs && isOp('(')) {
        pos++;
        item = orExpr();
        expectOp(')');
      } else item = nearset();
      if (cs) restrict(item, cs);
      // Adjacent phrases: one without tokens is dropped (fts5), unless nothing else is there.
      const empty = (n: QueryNode): boolean => n.kind === 'phrase' && n.terms.length === 0;
      if (node === undefined || empty(node)) node = item;
      else if (!empty(item)) node = { kind: 'and', left: node, right: item };
      if (cs && item.kind !== 'phrase' && item.kind !== 'near') break;
    }
    return node ?? fail();
  };

  const notExpr = (): QueryNode => {
    let l = primary();
    while (isKw('NOT')) {
      pos++;
      l = { kind: 'not', left: l, right: primary() };
    }
    return l;
  };
  const andExpr = (): QueryNode => {
    let l = notExpr();
    while (isKw('AND')) {
      pos++;
      l = { kind: 'and', left: l, right: notExpr() };
    }
    return l;
  };
  const orExpr = (): QueryNode => {
    let l = andExpr();
    while (isKw('OR')) {
      pos++;
      l = { kind: 'or', left: l, right: andExpr() };
    }
    return l;
  };

  if (toks.length === 0) throw syntax('');
  const root = orExpr();
  if (pos < toks.length) fail();
  return { root, phrases };
}

/** Pushes a column filter down to every phrase under `n` (intersecting nested filters). */
function restrict(n: QueryNode, cols: ReadonlySet<number>): void {
  if (n.kind === 'phrase') n.cols = n.cols === undefined ? cols : new Set([...n.cols].filter((c) => cols.has(c)));
  else if (n.kind === 'near') for (const p of n.phrases) restrict(p, cols);
  else {
    restrict(n.left, cols);
    restrict(n.right, cols);
  }
}
