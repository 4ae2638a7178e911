// Robustness of the SQL parser on hostile input: random token soup and random mutations (token
// and character level) of real statements, from a seeded PRNG so failures replay. For every input
// the parser must either return statements or throw DoSQLError('SQL_SYNTAX') whose position
// points inside the input and names the text found there. Each parse is linear in the input
// (every step consumes a token or throws), so a hang would surface as a test timeout.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../src/errors.js';
import { parse, parseExpression, parseOne } from '../src/sql/parser/index.js';
import { tokenize } from '../src/sql/parser/lexer.js';
import { readSltRecords } from './support/slt-sql-reader.js';
import { Prng } from '../src/util/prng.js';

const EXTRA_BASES = [
  "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT 'x' COLLATE nocase, ref INT REFERENCES u(id) ON DELETE CASCADE, g AS (id * 2) STORED, UNIQUE (name) ON CONFLICT REPLACE, CHECK (id > 0)) WITHOUT ROWID, STRICT",
  'CREATE UNIQUE INDEX IF NOT EXISTS i ON t(a COLLATE nocase DESC, b) WHERE a > 0',
  "CREATE INDEX v ON t USING VECTOR (embedding) WITH (metric = 'cosine', dims = 384)",
  "CREATE TRIGGER r AFTER UPDATE OF a ON t FOR EACH ROW WHEN new.a > 1 BEGIN INSERT INTO log VALUES (new.a); SELECT RAISE(ABORT, 'x'); END",
  'CREATE VIEW v(x) AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 10) SELECT n FROM c',
  'INSERT INTO t(a, b) VALUES (1, ?), (:x, @y) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE b IS NOT NULL RETURNING *',
  'UPDATE OR IGNORE t AS x SET (a, b) = (1, 2) FROM u WHERE x.id = u.id RETURNING a',
  'DELETE FROM t WHERE a IN (SELECT b FROM u) ORDER BY a LIMIT 3 OFFSET 1',
  'SELECT sum(a) FILTER (WHERE a > 0) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), row_number() OVER w FROM t WINDOW w AS (ORDER BY a)',
  "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01' AS x LEFT JOIN u FOR SYSTEM_TIME BETWEEN LSN 1 AND LSN 5 USING (id)",
  "SELECT CASE WHEN a BETWEEN 1 AND 2 THEN CAST(b AS VARCHAR(10)) ELSE x'00' END, -9223372036854775808, 0xFF, 1e5, 'it''s', \"q\" FROM t",
  'BEGIN IMMEDIATE; SAVEPOINT s; RELEASE s; ROLLBACK TO s; COMMIT',
  'PRAGMA main.cache_size = -2000; EXPLAIN QUERY PLAN SELECT 1; ALTER TABLE t RENAME COLUMN a TO b; DROP TABLE IF EXISTS t',
];

const SOUP = [
  'SELECT', 'FROM', 'WHERE', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'INDEX', 'TRIGGER',
  'VIEW', 'DROP', 'ALTER', 'WITH', 'RECURSIVE', 'AS', 'ON', 'USING', 'JOIN', 'LEFT', 'NATURAL', 'GROUP', 'BY', 'ORDER',
  'HAVING', 'LIMIT', 'OFFSET', 'UNION', 'ALL', 'EXCEPT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'BEGIN', 'NOT', 'NULL',
  'IS', 'IN', 'BETWEEN', 'AND', 'OR', 'LIKE', 'ESCAPE', 'CAST', 'COLLATE', 'EXISTS', 'OVER', 'FILTER', 'WINDOW',
  'PARTITION', 'ROWS', 'RANGE', 'UNBOUNDED', 'PRECEDING', 'CURRENT', 'ROW', 'FOR', 'SYSTEM_TIME', 'OF', 'LSN', 'RAISE',
  'PRIMARY', 'KEY', 'DEFAULT', 'CONFLICT', 'DO', 'NOTHING', 'RETURNING', 'PRAGMA', 'EXPLAIN', 'ROLLBACK', 'TO',
  '(', ')', ',', ';', '.', '*', '+', '-', '/', '%', '||', '->', '->>', '=', '==', '<>', '!=', '<', '<=', '>>', '&', '~',
  '1', '0x7F', '1.5e3', '.5', "'s'", "'it''s'", "x'00'", 'NULL', '?', '?3', ':p', '@q', '$r', 'a', 't', '"Q"', '[b]', '`c`',
  '-- c\n', '/* c */', '\n', "'open", '"open', '/* open', '#', '!', '0x', '1e', 'é', '😀',
];

const CHARS = ['(', ')', "'", '"', '`', '[', ']', ';', ',', '.', '-', '*', '/', '\n', ' ', 'x', '0', '?', ':', 'é', '\u0000', '😀'];

function loadBases(): string[] {
  const root = '/work/shared/slt';
  const files = [`${root}/select1.test`, `${root}/select5.test`, `${root}/random/expr/slt_good_0.test`, ...readdirSync(`${root}/evidence`).map((f) => `${root}/evidence/${f}`)];
  return [...files.flatMap((f) => readSltRecords(f, 200).map((r) => r.sql)), ...EXTRA_BASES];
}

/** Line and column (1-based, UTF-16) of `offset` in `sql`. */
function position(sql: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = sql.indexOf('\n'); i >= 0 && i < offset; i = sql.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Runs one entry point on `sql` and checks the outcome; returns whether it parsed. */
function check(sql: string, run: (s: string) => unknown): boolean {
  let result: unknown;
  try {
    result = run(sql);
  } catch (e) {
    expect(e, sql).toBeInstanceOf(DoSQLError);
    const err = e as DoSQLError;
    expect(err.code, sql).toBe('SQL_SYNTAX');
    expect(err.message.startsWith('sql: '), sql).toBe(true);
    const { line, column, offset, near } = err.details as { line: number; column: number; offset: number; near: string };
    expect(offset >= 0 && offset <= sql.length, `offset ${offset} outside ${JSON.stringify(sql)}`).toBe(true);
    expect({ line, column }, sql).toEqual(position(sql, offset));
    expect(sql.slice(offset, offset + near.length), sql).toBe(near);
    return false;
  }
  if (Array.isArray(result)) {
    let last = 0;
    for (const s of result as { start: number; end: number; paramCount: number }[]) {
      expect(s.start >= last && s.start < s.end && s.end <= sql.length, sql).toBe(true);
      expect(s.paramCount >= 0, sql).toBe(true);
      last = s.end;
    }
  }
  return true;
}

function mutateTokens(rng: Prng, sql: string): string {
  const toks = tokenize(sql).filter((t) => t.type !== 'eof').map((t) => t.text);
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(toks.length + 1);
    switch (rng.int(4)) {
      case 0:
        toks.splice(at, 1);
        break;
      case 1:
        toks.splice(at, 0, rng.pick(SOUP));
        break;
      case 2: {
        const other = rng.int(toks.length);
        if (at < toks.length) [toks[at], toks[other]] = [toks[other]!, toks[at]!];
        break;
      }
      default:
        if (at < toks.length) toks[at] = rng.pick(SOUP);
    }
  }
  return toks.join(rng.chance(0.8) ? ' ' : '\n');
}

function mutateChars(rng: Prng, sql: string): string {
  const chars = [...sql];
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(chars.length + 1);
    switch (rng.int(3)) {
      case 0:
        chars.splice(at, 1);
        break;
      case 1:
        chars.splice(at, 0, rng.pick(CHARS));
        break;
      default: {
        const other = rng.int(chars.length);
        if (at < chars.length) [chars[at], chars[other]] = [chars[other]!, chars[at]!];
      }
    }
  }
  return chars.join('');
}

describe('parser fuzz', () => {
  const bases = loadBases();

  it('survives 3000 inputs of random token soup', () => {
    const rng = new Prng(1);
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const n = rng.int(30);
      const parts: string[] = [];
      for (let j = 0; j < n; j++) parts.push(rng.pick(SOUP));
      const sql = parts.join(rng.chance(0.5) ? ' ' : '');
      if (check(sql, parse)) parsed++;
      check(sql, parseExpression);
    }
    expect(parsed).toBeGreaterThan(0); // empty and `;`-only soups parse
  });

  it('survives 3000 token-level mutations of real statements', () => {
    const rng = new Prng(2);
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const sql = mutateTokens(rng, rng.pick(bases));
      if (check(sql, parse)) parsed++;
      check(sql, parseOne);
    }
    // Many mutations stay valid SQL (a dropped alias, a swapped operand), so both outcomes occur.
    expect(parsed).toBeGreaterThan(300);
    expect(parsed).toBeLessThan(2700);
  });

  it('survives 3000 character-level mutations of real statements', () => {
    const rng = new Prng(3);
    let failed = 0;
    for (let i = 0; i < 3000; i++) {
      const sql = mutateChars(rng, rng.pick(bases));
      if (!check(sql, parse)) failed++;
    }
    expect(failed).toBeGreaterThan(300);
  });

  it('survives pathological shapes', () => {
    const shapes = [
      '('.repeat(5000),
      ')'.repeat(5000),
      'SELECT ' + '('.repeat(5000) + '1' + ')'.repeat(5000),
      'SELECT ' + 'CASE WHEN 1 THEN '.repeat(2000) + '1' + ' END'.repeat(2000),
      'SELECT ' + 'f('.repeat(3000) + ')'.repeat(3000),
      'SELECT ' + Array(5000).fill('1').join(' || '),
      'SELECT 1 FROM ' + Array(2000).fill('t').join(', '),
      ';'.repeat(10000),
      "'".repeat(9999),
      '/*'.repeat(1000),
      '\n'.repeat(1000) + 'SELECT FROM',
      'SELECT ' + '?'.repeat(40000),
    ];
    for (const sql of shapes) check(sql, parse);
  });
});
