// The fts5 tokenizers (https://sqlite.org/fts5.html#tokenizers): `unicode61` (the default) and
// `porter`, which stems the tokens of another tokenizer (unicode61 unless named), and
// `trigram` (substring matching: every three characters a token).
//   unicode61: tokens are runs of characters of the Unicode categories L*, N* and Co (plus
//   `tokenchars`, minus `separators`), folded to lower case; `remove_diacritics` 1 (default)
//   or 2 strips combining marks from the folded token's canonical decomposition, 0 keeps them.
// Offsets are UTF-16 positions in the column text (highlight() and snippet() cut there).
import { DoSQLError } from '../errors.js';
import { porterStem } from './porter.js';

export interface Token {
  /** The folded (and possibly stemmed) term indexed and matched. */
  readonly term: string;
  readonly start: number;
  readonly end: number;
}

export interface Tokenizer {
  /** The `tokenize=` argument this was built from, normalised (stored and re-read with the table). */
  readonly spec: string;
  tokenize(text: string): Token[];
}

const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}\p{M}]/u;
const MARKS = /\p{M}/gu;

function tokError(message: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `fts5: ${message}`, { details: { option: 'tokenize' } });
}

/** Splits a tokenize= value into words, honouring '…' and "…" quoting as fts5 does. */
export function splitSpec(spec: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'|"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|\[([^\]]*)\]|(\S+)/g;
  for (const m of spec.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1].replace(/''/g, "'"));
    else if (m[2] !== undefined) out.push(m[2].replace(/""/g, '"'));
    else if (m[3] !== undefined) out.push(m[3].replace(/``/g, '`'));
    else if (m[4] !== undefined) out.push(m[4]);
    else out.push(m[5]!);
  }
  return out;
}

function unicode61(args: readonly string[]): (text: string) => Token[] {
  let removeDiacritics = 1;
  const extra = new Set<string>();
  const seps = new Set<string>();
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i]!;
    const v = args[i + 1];
    if (v === undefined) throw tokError(`error in tokenizer constructor (option ${k} has no value)`);
    if (k === 'remove_diacritics') {
      if (v !== '0' && v !== '1' && v !== '2') throw tokError('error in tokenizer constructor (remove_diacritics must be 0, 1 or 2)');
      removeDiacritics = Number(v);
    } else if (k === 'tokenchars') for (const c of v) extra.add(c);
    else if (k === 'separators') for (const c of v) seps.add(c);
    else if (k !== 'categories') throw tokError(`error in tokenizer constructor (unknown option ${k})`);
  }
  const isTokenChar = (c: string): boolean => !seps.has(c) && (extra.has(c) || TOKEN_CHAR.test(c));
  const fold = (s: string): string => {
    const lower = s.toLowerCase();
    return removeDiacritics ? lower.normalize('NFD').replace(MARKS, '').normalize('NFC') : lower;
  };
  return (text) => {
    const out: Token[] = [];
    let i = 0;
    const n = text.length;
    while (i < n) {
      const cp = text.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      if (!isTokenChar(text.slice(i, i + w))) {
        i += w;
        continue;
      }
      const start = i;
      while (i < n) {
        const c = text.codePointAt(i)!;
        const cw = c > 0xffff ? 2 : 1;
        if (!isTokenChar(text.slice(i, i + cw))) break;
        i += cw;
      }
      const term = fold(text.slice(start, i));
      if (term !== '') out.push({ term, start, end: i });
    }
    return out;
  };
}

/**
 * trigram: every run of three characters (code points) of the text, spaces and punctuation
 * included, as one token at consecutive positions, folded to lower case unless
 * `case_sensitive 1`; `remove_diacritics 1` (only without case_sensitive) strips combining
 * marks. Texts and query strings shorter than three characters have no tokens (match nothing).
 */
function trigram(args: readonly string[]): (text: string) => Token[] {
  let caseSensitive = false;
  let removeDiacritics = false;
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i]!;
    const v = args[i + 1];
    if (v === undefined || (v !== '0' && v !== '1')) throw tokError('error in tokenizer constructor');
    if (k === 'case_sensitive') caseSensitive = v === '1';
    else if (k === 'remove_diacritics') removeDiacritics = v === '1';
    else throw tokError('error in tokenizer constructor');
  }
  if (caseSensitive && removeDiacritics) throw tokError('error in tokenizer constructor');
  // Folding is one code point to one, as fts5's sqlite3Fts5UnicodeFold: a character whose
  // lower case or decomposition is longer stays as it is.
  const fold = (c: string): string => {
    if (caseSensitive) return c;
    let f = c.toLowerCase();
    if ([...f].length !== 1) f = c;
    if (removeDiacritics) {
      const d = f.normalize('NFD').replace(MARKS, '');
      if ([...d].length === 1) f = d;
    }
    return f;
  };
  return (text) => {
    const chars: string[] = [];
    const offsets: number[] = [];
    let i = 0;
    while (i < text.length) {
      const w = text.codePointAt(i)! > 0xffff ? 2 : 1;
      chars.push(fold(text.slice(i, i + w)));
      offsets.push(i);
      i += w;
    }
    offsets.push(text.length);
    const out: Token[] = [];
    for (let k = 0; k + 3 <= chars.length; k++) out.push({ term: chars[k]! + chars[k + 1]! + chars[k + 2]!, start: offsets[k]!, end: offsets[k + 3]! });
    return out;
  };
}

const cache = new Map<string, Tokenizer>();

/**
 * The tokenizer a `tokenize=` value names ('' or undefined: unicode61). Throws SQL_ERROR
 * "fts5: no such tokenizer" for others (ascii is not implemented).
 */
export function tokenizerFor(spec: string | undefined): Tokenizer {
  const key = spec ?? '';
  const hit = cache.get(key);
  if (hit) return hit;
  const words = splitSpec(key);
  const build = (ws: readonly string[]): ((text: string) => Token[]) => {
    const [name = 'unicode61', ...rest] = ws;
    switch (name.toLowerCase()) {
      case 'unicode61':
        return unicode61(rest);
      case 'trigram':
        return trigram(rest);
      case 'porter': {
        const inner = build(rest.length ? rest : ['unicode61']);
        return (text) => inner(text).map((t) => ({ term: porterStem(t.term), start: t.start, end: t.end }));
      }
      default:
        throw tokError(`no such tokenizer: ${name}`);
    }
  };
  const fn = build(words);
  const t: Tokenizer = { spec: key, tokenize: fn };
  if (cache.size > 64) cache.clear();
  cache.set(key, t);
  return t;
}
