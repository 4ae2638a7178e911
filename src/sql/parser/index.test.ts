import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../../errors.js';
import { parse, parseExpression, parseOne } from './index.js';

function syntaxErrorOf(fn: () => unknown): DoSQLError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code).toBe('SQL_SYNTAX');
    return e as DoSQLError;
  }
  throw new Error('expected a syntax error');
}

describe('parse', () => {
  it('splits statements, skips empty ones and reports spans without the ;', () => {
    const sql = ' ; SELECT 1 ;; -- note\n INSERT INTO t VALUES (2);\nDELETE FROM t ';
    const out = parse(sql);
    expect(out.map((s) => s.statement.kind)).toEqual(['select', 'insert', 'delete']);
    expect(out.map((s) => sql.slice(s.start, s.end))).toEqual(['SELECT 1', 'INSERT INTO t VALUES (2)', 'DELETE FROM t']);
  });

  it('returns nothing for empty input or only comments and semicolons', () => {
    expect(parse('')).toEqual([]);
    expect(parse(' ;; /* c */ -- d')).toEqual([]);
  });

  it('uses UTF-16 offsets for spans', () => {
    const sql = "SELECT '😀'; SELECT 2";
    const [a, b] = parse(sql);
    expect(sql.slice(a!.start, a!.end)).toBe("SELECT '😀'");
    expect(b!.start).toBe(13);
  });

  it('keeps the ; inside a trigger body in the statement', () => {
    const sql = 'CREATE TRIGGER r AFTER INSERT ON t BEGIN DELETE FROM u; SELECT 1; END; SELECT 2';
    const out = parse(sql);
    expect(out).toHaveLength(2);
    expect(sql.slice(out[0]!.start, out[0]!.end)).toBe('CREATE TRIGGER r AFTER INSERT ON t BEGIN DELETE FROM u; SELECT 1; END');
  });

  it('requires ; between statements', () => {
    expect(syntaxErrorOf(() => parse('SELECT 1 SELECT 2')).details).toMatchObject({ near: 'SELECT', column: 10 });
  });
});

describe('parseOne', () => {
  it('accepts one statement with an optional trailing ;', () => {
    expect(parseOne('SELECT 1;').statement.kind).toBe('select');
    expect(parseOne('  VACUUM  ').statement.kind).toBe('vacuum');
  });

  it('rejects zero or several statements', () => {
    expect(syntaxErrorOf(() => parseOne('')).message).toBe('sql: near end of input: syntax error at line 1, column 1');
    expect(syntaxErrorOf(() => parseOne('SELECT 1; SELECT 2')).message).toBe('sql: near "SELECT": only one statement is allowed at line 1, column 11');
  });
});

describe('parameters', () => {
  it('numbers ? after the largest index so far, as SQLite does', () => {
    const s = parseOne('SELECT ?, ?5, ?, ?2, ?');
    expect(s.paramCount).toBe(7);
    expect(JSON.stringify(s.statement)).toContain('"index":7');
    const indexes = (s.statement.kind === 'select' && s.statement.body.kind === 'selectCore' ? s.statement.body.columns : []).map((c) =>
      c.kind === 'expr' && c.expr.kind === 'param' ? c.expr.index : -1,
    );
    expect(indexes).toEqual([1, 5, 6, 2, 7]);
  });

  it('gives a name its index at first use and reuses it', () => {
    const s = parseOne('SELECT :a, ?, @b, :a, $c, ?3, :d');
    expect(s.paramNames).toEqual([[':a', 1], ['@b', 3], ['$c', 4], [':d', 5]]);
    expect(s.paramCount).toBe(5);
  });

  it('numbers parameters per statement', () => {
    const [a, b] = parse('SELECT ?, :x; SELECT :y');
    expect([a!.paramCount, a!.paramNames]).toEqual([2, [[':x', 2]]]);
    expect([b!.paramCount, b!.paramNames]).toEqual([1, [[':y', 1]]]);
  });

  it('rejects out-of-range ?NNN and too many parameters', () => {
    expect(syntaxErrorOf(() => parseOne('SELECT ?0')).message).toContain('variable number must be between ?1 and ?32766');
    expect(syntaxErrorOf(() => parseOne('SELECT ?32767')).message).toContain('variable number must be between ?1 and ?32766');
    expect(syntaxErrorOf(() => parseOne('SELECT ?32766, ?')).message).toContain('too many SQL variables');
  });
});

describe('syntax errors', () => {
  it('name the token, line and column', () => {
    const e = syntaxErrorOf(() => parse('SELECT a,\n  b FROM\n  WHERE x'));
    expect(e.message).toBe('sql: near "WHERE": syntax error at line 3, column 3');
    expect(e.details).toEqual({ line: 3, column: 3, offset: 21, near: 'WHERE' });
  });

  it('say "near end of input" at the end', () => {
    const e = syntaxErrorOf(() => parse('SELECT a FROM'));
    expect(e.message).toBe('sql: near end of input: syntax error at line 1, column 14');
    expect(e.details).toEqual({ line: 1, column: 14, offset: 13, near: '' });
  });

  it('report malformed tokens where they start', () => {
    expect(syntaxErrorOf(() => parse("SELECT 1,\n 'abc")).message).toBe('sql: near "\'abc": unterminated string at line 2, column 2');
    expect(syntaxErrorOf(() => parse('SELECT 1 /* x')).details).toMatchObject({ near: '/* x', column: 10 });
    expect(syntaxErrorOf(() => parse("SELECT x'1'")).message).toContain('malformed blob literal');
    expect(syntaxErrorOf(() => parse('SELECT 12ab')).message).toBe('sql: near "12ab": unrecognized token at line 1, column 8');
  });

  it('report an earlier syntax error before a later malformed token', () => {
    expect(syntaxErrorOf(() => parse("SELECT FROM 'abc")).details).toMatchObject({ near: 'FROM' });
  });

  it('shorten long token texts in the message but not in details', () => {
    const long = `'${'x'.repeat(100)}`;
    const e = syntaxErrorOf(() => parse(`SELECT ${long}`));
    expect(e.message).toContain(`near "${long.slice(0, 60)}..."`);
    expect(e.details.near).toBe(long);
  });

  it('stop deep nesting with a syntax error instead of a stack overflow', () => {
    for (const sql of ['SELECT ' + '('.repeat(100_000) + '1', 'SELECT ' + '- '.repeat(100_000) + '1', 'SELECT ' + 'NOT '.repeat(50_000) + '1', 'SELECT * FROM ' + '('.repeat(50_000) + 't', 'SELECT ' + '(SELECT '.repeat(50_000), 'SELECT 1 FROM t WHERE x IN ' + '(SELECT 1 FROM t WHERE x IN '.repeat(50_000)]) {
      expect(syntaxErrorOf(() => parse(sql)).message).toMatch(/too deeply nested/);
    }
  });

  it('cap expression tree height like SQLITE_MAX_EXPR_DEPTH', () => {
    expect(() => parseExpression(Array(900).fill('1').join(' + '))).not.toThrow();
    expect(syntaxErrorOf(() => parseExpression(Array(1100).fill('1').join(' + '))).message).toMatch(/too deeply nested/);
    expect(syntaxErrorOf(() => parseExpression(Array(1100).fill('a').join(' OR '))).message).toMatch(/too deeply nested/);
  });

  it('cap compound selects at 500 terms', () => {
    expect(() => parse(Array(500).fill('SELECT 1').join(' UNION '))).not.toThrow();
    expect(syntaxErrorOf(() => parse(Array(501).fill('SELECT 1').join(' UNION '))).message).toMatch(/too many terms in compound SELECT/);
  });
});

describe('parseExpression', () => {
  it('parses a whole expression and nothing more', () => {
    expect(parseExpression('1')).toEqual({ kind: 'literal', value: 1n });
    expect(syntaxErrorOf(() => parseExpression('1 2')).details).toMatchObject({ near: '2' });
  });
});
