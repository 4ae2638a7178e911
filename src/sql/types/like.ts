// LIKE and GLOB pattern matching (https://sqlite.org/lang_expr.html "The LIKE, GLOB, REGEXP,
// MATCH, and extract operators"; patternCompare in func.c).
//
// LIKE: '%' any run, '_' any one character, case-insensitive for ASCII letters only, an
// optional ESCAPE character makes the next pattern character literal (a pattern ending in
// the escape character matches nothing). GLOB: '*', '?', '[...]' sets with ranges and '^'
// negation ('[]...]' puts ']' in the set), case-sensitive, no escape. Characters are code
// points, and U+0000 ends both the pattern and the text, as in SQLite.
//
// Patterns compile to a token array once and are cached, since LIKE runs per row with
// (usually) the same pattern.
import { DoSQLError } from '../../errors.js';
import { toText } from './convert.js';
import { codePointAt, codePointCount, utf8ByteLength } from './utf8.js';
import type { SqlValue } from './value.js';

const STAR = -1;
const ONE = -2;
const NEVER = -3; // unterminated set / trailing escape: matches nothing
const SET = -4; // followed by an index into `sets`

/** A compiled LIKE or GLOB pattern. */
export interface PatternMatcher {
  /** True when `text` matches the whole pattern. */
  match(text: string): boolean;
}

class CompiledPattern implements PatternMatcher {
  constructor(
    private readonly tokens: Int32Array,
    private readonly sets: readonly SetToken[],
    private readonly noCase: boolean,
  ) {}

  match(text: string): boolean {
    const tokens = this.tokens;
    const nTok = tokens.length;
    const nul = text.indexOf('\0');
    const end = nul < 0 ? text.length : nul;
    let ti = 0;
    let pi = 0;
    let starPi = -1;
    let starTi = 0;
    while (ti < end) {
      if (pi < nTok) {
        const t = tokens[pi]!;
        if (t === STAR) {
          starPi = ++pi;
          starTi = ti;
          continue;
        }
        const c = text.charCodeAt(ti);
        const width = c >= 0xd800 && c <= 0xdbff && ti + 1 < end ? 2 : 1;
        if (this.matchOne(t, pi, width === 2 ? codePointAt(text, ti) : c)) {
          pi += t === SET ? 2 : 1;
          ti += width;
          continue;
        }
      }
      if (starPi < 0) return false;
      // Let the last '%' / '*' absorb one more character and retry from there.
      const c = text.charCodeAt(starTi);
      starTi += c >= 0xd800 && c <= 0xdbff && starTi + 1 < end ? 2 : 1;
      ti = starTi;
      pi = starPi;
    }
    while (pi < nTok && tokens[pi] === STAR) pi++;
    return pi === nTok;
  }

  private matchOne(t: number, pi: number, c: number): boolean {
    if (t >= 0) {
      if (t === c) return true;
      return this.noCase && c >= 65 && c <= 90 && c + 32 === t;
    }
    if (t === ONE) return true;
    if (t === SET) return this.sets[this.tokens[pi + 1]!]!.has(c);
    return false;
  }
}

class SetToken {
  constructor(
    private readonly ranges: readonly number[],
    private readonly invert: boolean,
  ) {}

  has(c: number): boolean {
    let seen = false;
    for (let i = 0; i < this.ranges.length; i += 2) {
      if (c >= this.ranges[i]! && c <= this.ranges[i + 1]!) {
        seen = true;
        break;
      }
    }
    return seen !== this.invert;
  }
}

function patternCodePoints(pattern: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; ) {
    const cp = codePointAt(pattern, i);
    if (cp === 0) break;
    out.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Compiles a LIKE pattern. `escape`, when given, must be a single character (the caller
 * checks; see likeFunction in functions/). If it is '%' or '_', that character stops being
 * a wildcard, as in SQLite.
 */
export function compileLike(pattern: string, escape?: string): PatternMatcher {
  const cps = patternCodePoints(pattern);
  const esc = escape === undefined ? -1 : codePointAt(escape, 0);
  const tokens: number[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === esc) {
      if (i + 1 >= cps.length) {
        tokens.push(NEVER);
        break;
      }
      tokens.push(lowerAscii(cps[++i]!));
    } else if (c === 37 /* % */) {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (c === 95 /* _ */) {
      tokens.push(ONE);
    } else {
      tokens.push(lowerAscii(c));
    }
  }
  return new CompiledPattern(Int32Array.from(tokens), [], true);
}

/** Compiles a GLOB pattern. */
export function compileGlob(pattern: string): PatternMatcher {
  const cps = patternCodePoints(pattern);
  const tokens: number[] = [];
  const sets: SetToken[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === 42 /* * */) {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (c === 63 /* ? */) {
      tokens.push(ONE);
    } else if (c === 91 /* [ */) {
      const ranges: number[] = [];
      let j = i + 1;
      let invert = false;
      if (cps[j] === 94 /* ^ */) {
        invert = true;
        j++;
      }
      if (cps[j] === 93 /* ] */) {
        ranges.push(93, 93);
        j++;
      }
      let prior = 0;
      while (j < cps.length && cps[j] !== 93) {
        const c2 = cps[j]!;
        if (c2 === 45 /* - */ && j + 1 < cps.length && cps[j + 1] !== 93 && prior > 0) {
          ranges.push(prior, cps[j + 1]!);
          prior = 0;
          j += 2;
        } else {
          ranges.push(c2, c2);
          prior = c2;
          j++;
        }
      }
      if (j >= cps.length) {
        tokens.push(NEVER);
        break;
      }
      tokens.push(SET, sets.length);
      sets.push(new SetToken(ranges, invert));
      i = j;
    } else {
      tokens.push(c);
    }
  }
  return new CompiledPattern(Int32Array.from(tokens), sets, false);
}

const CACHE_LIMIT = 256;
const likeCache = new Map<string, PatternMatcher>();
const likeEscapeCache = new Map<string, Map<string, PatternMatcher>>();
const globCache = new Map<string, PatternMatcher>();

function cached(cache: Map<string, PatternMatcher>, key: string, make: () => PatternMatcher): PatternMatcher {
  let m = cache.get(key);
  if (m === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    m = make();
    cache.set(key, m);
  }
  return m;
}

/** `text LIKE pattern [ESCAPE escape]` on two strings (compiled patterns are cached). */
export function likeMatch(pattern: string, text: string, escape?: string): boolean {
  let m: PatternMatcher | undefined;
  if (escape === undefined) {
    m = likeCache.get(pattern) ?? cached(likeCache, pattern, () => compileLike(pattern));
  } else {
    let byPattern = likeEscapeCache.get(escape);
    if (byPattern === undefined) {
      if (likeEscapeCache.size >= 16) likeEscapeCache.clear();
      byPattern = new Map();
      likeEscapeCache.set(escape, byPattern);
    }
    m = byPattern.get(pattern) ?? cached(byPattern, pattern, () => compileLike(pattern, escape));
  }
  return m.match(text);
}

/** `text GLOB pattern` on two strings (compiled patterns are cached). */
export function globMatch(pattern: string, text: string): boolean {
  const m = globCache.get(pattern) ?? cached(globCache, pattern, () => compileGlob(pattern));
  return m.match(text);
}

/** SQLITE_LIMIT_LIKE_PATTERN_LENGTH's default, in bytes. */
const LIKE_PATTERN_LIMIT = 50000;

function checkPattern(pattern: string): void {
  if (pattern.length > LIKE_PATTERN_LIMIT / 4 && utf8ByteLength(pattern) > LIKE_PATTERN_LIMIT) {
    throw new DoSQLError('SQL_ERROR', 'sql: LIKE or GLOB pattern too complex');
  }
}

/**
 * `text LIKE pattern [ESCAPE escape]` on SQL values (what the like() function computes):
 * 1n, 0n, or NULL when an operand is NULL. Numbers are matched by their text. A BLOB
 * operand never matches, even against NULL (SQLITE_LIKE_DOESNT_MATCH_BLOBS, a recommended
 * build option that our reference SQLite uses). Throws SQL_ERROR "ESCAPE expression must
 * be a single character" and "LIKE or GLOB pattern too complex" (over 50000 bytes).
 */
export function sqlLike(pattern: SqlValue, text: SqlValue, escape?: SqlValue): SqlValue {
  if (pattern instanceof Uint8Array || text instanceof Uint8Array) return 0n;
  const p = toText(pattern);
  if (p !== null) checkPattern(p);
  let esc: string | undefined;
  if (escape !== undefined) {
    const e = toText(escape);
    if (e === null) return null;
    const nul = e.indexOf('\0');
    esc = nul < 0 ? e : e.slice(0, nul);
    if (esc.length === 0 || codePointCount(esc) !== 1) {
      throw new DoSQLError('SQL_ERROR', 'sql: ESCAPE expression must be a single character');
    }
  }
  const t = toText(text);
  if (p === null || t === null) return null;
  return likeMatch(p, t, esc) ? 1n : 0n;
}

/** `text GLOB pattern` on SQL values (the glob() function); BLOBs never match. */
export function sqlGlob(pattern: SqlValue, text: SqlValue): SqlValue {
  if (pattern instanceof Uint8Array || text instanceof Uint8Array) return 0n;
  const p = toText(pattern);
  if (p !== null) checkPattern(p);
  const t = toText(text);
  if (p === null || t === null) return null;
  return globMatch(p, t) ? 1n : 0n;
}
