// Differential test of LIKE (with and without ESCAPE) and GLOB on random patterns and texts.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { globMatch, likeMatch } from './like.js';

const db = new Database(':memory:');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r = rng(1234);
function randomString(alphabet: readonly string[], maxLen: number): string {
  const n = Math.floor(r() * (maxLen + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

const TEXT_CHARS = ['a', 'b', 'A', 'B', 'é', 'É', '😀', '-', ']', '%', '_', '\\', ' ', 'z'];
const LIKE_CHARS = [...TEXT_CHARS, '%', '_', '%', '_', '\\'];
const GLOB_CHARS = [...TEXT_CHARS, '*', '?', '[', ']', '^', '-', '*', '[a-b]', '[^a]', '[]]', '[😀-😀]', '[b-a]'];

describe('LIKE and GLOB match SQLite', () => {
  it('LIKE without escape', () => {
    const stmt = db.prepare('SELECT ? LIKE ?').pluck();
    const bad: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const text = randomString(TEXT_CHARS, 6);
      const pattern = randomString(LIKE_CHARS, 5);
      const want = stmt.get(text, pattern) === 1;
      if (likeMatch(pattern, text) !== want) bad.push(`${JSON.stringify(text)} LIKE ${JSON.stringify(pattern)}: sqlite ${want}`);
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('LIKE with ESCAPE', () => {
    const bad: string[] = [];
    for (const escape of ['\\', '%', '_', 'a', 'é']) {
      const stmt = db.prepare('SELECT ? LIKE ? ESCAPE ?').pluck();
      for (let i = 0; i < 2000; i++) {
        const text = randomString(TEXT_CHARS, 5);
        const pattern = randomString([...LIKE_CHARS, escape, escape], 5);
        const want = stmt.get(text, pattern, escape) === 1;
        if (likeMatch(pattern, text, escape) !== want) bad.push(`${JSON.stringify(text)} LIKE ${JSON.stringify(pattern)} ESCAPE ${escape}: sqlite ${want}`);
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('GLOB', () => {
    const stmt = db.prepare('SELECT ? GLOB ?').pluck();
    const bad: string[] = [];
    for (let i = 0; i < 8000; i++) {
      const text = randomString(TEXT_CHARS, 6);
      const pattern = randomString(GLOB_CHARS, 5);
      const want = stmt.get(text, pattern) === 1;
      if (globMatch(pattern, text) !== want) bad.push(`${JSON.stringify(text)} GLOB ${JSON.stringify(pattern)}: sqlite ${want}`);
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('documented cases', () => {
    expect(likeMatch('a%', 'ABC')).toBe(true);
    expect(likeMatch('é', 'É')).toBe(false); // case folding is ASCII-only
    expect(likeMatch('a\\%', 'a%', '\\')).toBe(true);
    expect(likeMatch('a\\', 'a', '\\')).toBe(false);
    expect(globMatch('[a-c]*', 'bzz')).toBe(true);
    expect(globMatch('[^a-c]*', 'bzz')).toBe(false);
    expect(globMatch('A*', 'abc')).toBe(false);
    expect(globMatch('[abc', 'a')).toBe(false);
    expect(likeMatch('abc', 'abc\u0000zzz')).toBe(true); // U+0000 ends the text
  });
});
