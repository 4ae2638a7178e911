import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../util/prng.js';
import type { Expr } from './ast.js';
import { parseExpression } from './index.js';

/** Renders an expression fully parenthesised, so SQLite evaluates exactly the tree we built. */
function render(e: Expr): string {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      if (v === null) return 'NULL';
      if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
      if (v instanceof Uint8Array) return `X'${Buffer.from(v).toString('hex')}'`;
      if (typeof v === 'number') return Number.isInteger(v) ? `(${v.toFixed(1)})` : `(${String(v)})`;
      return `(${v})`;
    }
    case 'unary':
      return `(${e.op} ${render(e.operand)})`;
    case 'binary':
      return `(${render(e.left)} ${e.op} ${render(e.right)})`;
    case 'between':
      return `(${render(e.operand)} ${e.not ? 'NOT ' : ''}BETWEEN ${render(e.low)} AND ${render(e.high)})`;
    case 'in':
      return `(${render(e.operand)} ${e.not ? 'NOT ' : ''}IN (${(e.list ?? []).map(render).join(', ')}))`;
    case 'like':
      return `(${render(e.operand)} ${e.not ? 'NOT ' : ''}${e.op} ${render(e.pattern)}${e.escape ? ` ESCAPE ${render(e.escape)}` : ''})`;
    case 'collate':
      return `(${render(e.operand)} COLLATE ${e.collation})`;
    case 'case':
      return `(CASE ${e.operand ? render(e.operand) : ''} ${e.whens.map((w) => `WHEN ${render(w.when)} THEN ${render(w.then)}`).join(' ')} ${e.else ? `ELSE ${render(e.else)}` : ''} END)`;
    case 'cast':
      return `CAST(${render(e.operand)} AS ${e.type.name})`;
    case 'function':
      return `${e.name}(${e.args.map(render).join(', ')})`;
    default:
      throw new Error(`render: unexpected ${e.kind}`);
  }
}

const lit = (value: unknown) => ({ kind: 'literal', value });
const col = (column: string) => ({ kind: 'column', column });
const bin = (op: string, left: unknown, right: unknown) => ({ kind: 'binary', op, left, right });

describe('operator precedence (lang_expr.html)', () => {
  it('multiplication binds tighter than addition, || tighter than both', () => {
    expect(parseExpression('1 + 2 * 3')).toEqual(bin('+', lit(1n), bin('*', lit(2n), lit(3n))));
    expect(parseExpression('a * b || c')).toEqual(bin('*', col('a'), bin('||', col('b'), col('c'))));
  });

  it('is left-associative within a level', () => {
    expect(parseExpression('a - b - c')).toEqual(bin('-', bin('-', col('a'), col('b')), col('c')));
    expect(parseExpression('a = b = c')).toEqual(bin('=', bin('=', col('a'), col('b')), col('c')));
  });

  it('NOT binds looser than comparison and tighter than AND', () => {
    expect(parseExpression('NOT a = b AND c')).toEqual(bin('AND', { kind: 'unary', op: 'NOT', operand: bin('=', col('a'), col('b')) }, col('c')));
  });

  it('AND binds tighter than OR', () => {
    expect(parseExpression('a OR b AND c')).toEqual(bin('OR', col('a'), bin('AND', col('b'), col('c'))));
  });

  it('comparison < binds tighter than = and IS', () => {
    expect(parseExpression('a = b < c')).toEqual(bin('=', col('a'), bin('<', col('b'), col('c'))));
    expect(parseExpression('a IS b > c')).toEqual(bin('IS', col('a'), bin('>', col('b'), col('c'))));
  });

  it('COLLATE binds tighter than || but looser than unary minus', () => {
    expect(parseExpression('a || b COLLATE nocase')).toEqual(bin('||', col('a'), { kind: 'collate', operand: col('b'), collation: 'NOCASE' }));
    expect(parseExpression('-a COLLATE rtrim')).toEqual({ kind: 'collate', operand: { kind: 'unary', op: '-', operand: col('a') }, collation: 'RTRIM' });
  });

  it('-> and ->> share the level of || (SQLite parse.y: %left CONCAT PTR)', () => {
    expect(parseExpression("a -> '$.x' || b")).toEqual(bin('||', bin('->', col('a'), lit('$.x')), col('b')));
    expect(parseExpression("a ->> '$.x' * 2")).toEqual(bin('*', bin('->>', col('a'), lit('$.x')), lit(2n)));
  });

  it('normalises == to = and <> to !=', () => {
    expect(parseExpression('a == b')).toEqual(bin('=', col('a'), col('b')));
    expect(parseExpression('a <> b')).toEqual(bin('!=', col('a'), col('b')));
  });

  it('parses the IS family, ISNULL, NOTNULL and NOT NULL into IS / IS NOT', () => {
    const isNull = bin('IS', col('a'), lit(null));
    const notNull = bin('IS NOT', col('a'), lit(null));
    expect(parseExpression('a IS NULL')).toEqual(isNull);
    expect(parseExpression('a ISNULL')).toEqual(isNull);
    expect(parseExpression('a NOTNULL')).toEqual(notNull);
    expect(parseExpression('a NOT NULL')).toEqual(notNull);
    expect(parseExpression('a IS NOT NULL')).toEqual(notNull);
    expect(parseExpression('a IS DISTINCT FROM b')).toEqual(bin('IS NOT', col('a'), col('b')));
    expect(parseExpression('a IS NOT DISTINCT FROM b')).toEqual(bin('IS', col('a'), col('b')));
  });

  it('parses BETWEEN with its AND, and a comparison in the low bound', () => {
    expect(parseExpression('a NOT BETWEEN 1 AND 2 AND b')).toEqual(
      bin('AND', { kind: 'between', operand: col('a'), low: lit(1n), high: lit(2n), not: true }, col('b')),
    );
    expect(parseExpression('a BETWEEN b = c AND d')).toEqual({ kind: 'between', operand: col('a'), low: bin('=', col('b'), col('c')), high: col('d'), not: false });
  });

  it('parses LIKE / GLOB / REGEXP / MATCH with NOT and ESCAPE', () => {
    expect(parseExpression("a NOT LIKE 'x%' ESCAPE '!'")).toEqual({ kind: 'like', op: 'LIKE', operand: col('a'), pattern: lit('x%'), escape: lit('!'), not: true });
    expect(parseExpression("a GLOB 'x*'")).toEqual({ kind: 'like', op: 'GLOB', operand: col('a'), pattern: lit('x*'), not: false });
    expect(parseExpression("a REGEXP 'x' AND b MATCH 'y'")).toEqual(
      bin('AND', { kind: 'like', op: 'REGEXP', operand: col('a'), pattern: lit('x'), not: false }, { kind: 'like', op: 'MATCH', operand: col('b'), pattern: lit('y'), not: false }),
    );
  });

  it('parses IN lists, subqueries, tables and table functions', () => {
    expect(parseExpression('a IN (1, 2)')).toEqual({ kind: 'in', operand: col('a'), not: false, list: [lit(1n), lit(2n)] });
    expect(parseExpression('a NOT IN ()')).toEqual({ kind: 'in', operand: col('a'), not: true, list: [] });
    expect(parseExpression('a IN main.t')).toEqual({ kind: 'in', operand: col('a'), not: false, table: { schema: 'main', name: 't' } });
    const sub = parseExpression('a IN (SELECT b FROM t)');
    expect(sub).toMatchObject({ kind: 'in', select: { kind: 'select' } });
    expect(parseExpression('a IN ((SELECT b FROM t))')).toMatchObject({ kind: 'in', select: { kind: 'select' } });
    expect(parseExpression('a IN json_each(?)')).toMatchObject({
      kind: 'in',
      select: { body: { columns: [{ kind: 'star' }], from: { kind: 'tableFunction', name: 'json_each', args: [{ kind: 'param', index: 1 }] } } },
    });
  });

  it('folds NOT into EXISTS and keeps the other prefix operators', () => {
    expect(parseExpression('NOT EXISTS (SELECT 1)')).toMatchObject({ kind: 'exists', not: true });
    expect(parseExpression('~ + - a')).toEqual({ kind: 'unary', op: '~', operand: { kind: 'unary', op: '+', operand: { kind: 'unary', op: '-', operand: col('a') } } });
    // SQLite drops a unary + directly under a unary -.
    expect(parseExpression('- + a')).toEqual({ kind: 'unary', op: '-', operand: col('a') });
  });

  it('parses row values', () => {
    expect(parseExpression('(a, b) = (1, 2)')).toEqual(bin('=', { kind: 'vector', items: [col('a'), col('b')] }, { kind: 'vector', items: [lit(1n), lit(2n)] }));
  });
});

describe('literals', () => {
  it('reads integers as bigint and beyond int64 as REAL', () => {
    expect(parseExpression('9223372036854775807')).toEqual(lit(9223372036854775807n));
    expect(parseExpression('9223372036854775808')).toEqual(lit(9223372036854775808));
    expect(parseExpression('1_000_000')).toEqual(lit(1000000n));
  });

  it('folds unary minus so -9223372036854775808 is INTEGER -2^63', () => {
    expect(parseExpression('-9223372036854775808')).toEqual(lit(-9223372036854775808n));
    expect(parseExpression('-(9223372036854775808)')).toEqual(lit(-9223372036854775808n));
    expect(parseExpression('-+9223372036854775808')).toEqual(lit(-9223372036854775808n));
    expect(parseExpression('- -9223372036854775808')).toEqual(lit(9223372036854775808));
    expect(parseExpression('-9223372036854775809')).toEqual(lit(-9223372036854775809));
    expect(parseExpression('-5')).toEqual(lit(-5n));
    expect(parseExpression('-2.5')).toEqual(lit(-2.5));
    expect(parseExpression("-'5'")).toEqual({ kind: 'unary', op: '-', operand: lit('5') });
  });

  it('reads hex as 64-bit two\'s complement and rejects more than 64 bits', () => {
    expect(parseExpression('0x7FFFFFFFFFFFFFFF')).toEqual(lit(9223372036854775807n));
    expect(parseExpression('0xFFFFFFFFFFFFFFFF')).toEqual(lit(-1n));
    expect(parseExpression('0x8000000000000000')).toEqual(lit(-9223372036854775808n));
    expect(parseExpression('0x00000000000000000001')).toEqual(lit(1n));
    expect(() => parseExpression('0x10000000000000000')).toThrow(/hex literal too big/);
    expect(() => parseExpression('-0x8000000000000000')).toThrow(/hex literal too big/);
  });

  it('reads reals in every form', () => {
    expect(parseExpression('1e5')).toEqual(lit(100000));
    expect(parseExpression('.5')).toEqual(lit(0.5));
    expect(parseExpression('1.')).toEqual(lit(1));
    expect(parseExpression('1.5E-3')).toEqual(lit(0.0015));
  });

  it('reads strings, blobs, NULL, TRUE/FALSE and time keywords', () => {
    expect(parseExpression("'it''s'")).toEqual(lit("it's"));
    expect(parseExpression("x'CAFE'")).toEqual(lit(new Uint8Array([0xca, 0xfe])));
    expect(parseExpression("X''")).toEqual(lit(new Uint8Array(0)));
    expect(parseExpression('NULL')).toEqual(lit(null));
    expect(parseExpression('true')).toEqual(lit(1n));
    expect(parseExpression('FALSE')).toEqual(lit(0n));
    expect(parseExpression('"true"')).toEqual({ kind: 'column', column: 'true', dquoted: true });
    expect(parseExpression('current_timestamp')).toEqual({ kind: 'function', name: 'current_timestamp', args: [], star: false, distinct: false });
  });
});

describe('names', () => {
  it('keeps case, unquotes, and marks double-quoted columns', () => {
    expect(parseExpression('MyCol')).toEqual(col('MyCol'));
    expect(parseExpression('"My ""Col"""')).toEqual({ kind: 'column', column: 'My "Col"', dquoted: true });
    expect(parseExpression('[a b]')).toEqual(col('a b'));
    expect(parseExpression('`a``b`')).toEqual(col('a`b'));
    expect(parseExpression('s.t.c')).toEqual({ kind: 'column', schema: 's', table: 't', column: 'c' });
    expect(parseExpression('"T".c')).toEqual({ kind: 'column', table: 'T', column: 'c' });
    expect(parseExpression("'t'.c")).toEqual({ kind: 'column', table: 't', column: 'c' });
  });

  it('accepts non-reserved keywords as column names', () => {
    for (const name of ['key', 'action', 'replace', 'first', 'last', 'filter', 'over', 'rowid', 'window', 'do', 'end', 'left', 'indexed', 'glob']) {
      expect(parseExpression(name)).toEqual(col(name));
    }
  });

  it('lower-cases function names and upper-cases collations', () => {
    expect(parseExpression('UPPER(x) COLLATE NoCase')).toEqual({ kind: 'collate', operand: { kind: 'function', name: 'upper', args: [col('x')], star: false, distinct: false }, collation: 'NOCASE' });
    expect(parseExpression('"Count"(*)')).toEqual({ kind: 'function', name: 'count', args: [], star: true, distinct: false });
  });
});

describe('calls and special forms', () => {
  it('parses DISTINCT, ORDER BY, FILTER and OVER on function calls', () => {
    expect(parseExpression("group_concat(DISTINCT a, ',' ORDER BY b DESC) FILTER (WHERE c > 0) OVER w")).toEqual({
      kind: 'function',
      name: 'group_concat',
      args: [col('a'), lit(',')],
      star: false,
      distinct: true,
      orderBy: [{ expr: col('b'), direction: 'DESC' }],
      filter: bin('>', col('c'), lit(0n)),
      over: 'w',
    });
  });

  it('parses window specs with frames', () => {
    expect(parseExpression('sum(a) OVER (base PARTITION BY b ORDER BY c ROWS BETWEEN 2 PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE NO OTHERS)')).toMatchObject({
      over: {
        base: 'base',
        partitionBy: [col('b')],
        orderBy: [{ expr: col('c') }],
        frame: { units: 'ROWS', start: { kind: 'preceding', offset: lit(2n) }, end: { kind: 'unboundedFollowing' }, exclude: 'NO OTHERS' },
      },
    });
    expect(parseExpression('rank() OVER (RANGE CURRENT ROW)')).toMatchObject({ over: { partitionBy: [], orderBy: [], frame: { units: 'RANGE', start: { kind: 'currentRow' } } } });
  });

  it('parses CASE, CAST and RAISE', () => {
    expect(parseExpression('CASE a WHEN 1 THEN 2 ELSE 3 END')).toEqual({ kind: 'case', operand: col('a'), whens: [{ when: lit(1n), then: lit(2n) }], else: lit(3n) });
    expect(parseExpression('CAST(a AS DECIMAL(10, 2))')).toEqual({ kind: 'cast', operand: col('a'), type: { name: 'DECIMAL', args: [10, 2] } });
    expect(parseExpression('CAST(a AS unsigned big int)')).toEqual({ kind: 'cast', operand: col('a'), type: { name: 'unsigned big int', args: [] } });
    expect(parseExpression("RAISE(ABORT, 'no')")).toEqual({ kind: 'raise', action: 'ABORT', message: lit('no') });
    expect(parseExpression('RAISE(IGNORE)')).toEqual({ kind: 'raise', action: 'IGNORE' });
  });
});

describe('precedence differential against SQLite', () => {
  const db = new Database(':memory:');
  const evaluate = (sql: string): string => {
    try {
      const row = db.prepare(`SELECT typeof(${sql}), ${sql}`).raw().get() as unknown[];
      return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  };
  const operands = ['0', '1', '2', '3', '-1', '7', '2.5', "'1'", "'abc'", "'a%'", 'NULL', "x'01'", '(1, 2)'];
  const binaryOps = ['OR', 'AND', '=', '==', '!=', '<>', 'IS', 'IS NOT', 'IS DISTINCT FROM', 'IS NOT DISTINCT FROM', '<', '<=', '>', '>=', '&', '|', '<<', '>>', '+', '-', '*', '/', '%', '||', 'LIKE', 'NOT LIKE', 'GLOB', 'NOT GLOB'];
  const gen = (rng: Prng, depth: number): string => {
    const parts: string[] = [];
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) {
      if (i > 0) parts.push(rng.pick(binaryOps));
      let term = depth > 0 && rng.chance(0.15) ? `(${gen(rng, depth - 1)})` : rng.pick(operands.slice(0, -1));
      if (rng.chance(0.15)) term = `${rng.pick(['-', '+', '~', 'NOT '])}${term}`;
      const r = rng.int(12);
      if (r === 0) term += ' COLLATE NOCASE';
      else if (r === 1) term += rng.pick([' ISNULL', ' NOTNULL', ' NOT NULL']);
      else if (r === 2) term += ` ${rng.pick(['BETWEEN', 'NOT BETWEEN'])} ${rng.pick(operands)} AND ${rng.pick(operands)}`;
      else if (r === 3) term += ` ${rng.pick(['IN', 'NOT IN'])} (${rng.pick(operands)}, ${rng.pick(operands)})`;
      else if (r === 4 && depth > 0) term += ` LIKE ${rng.pick(operands)} ESCAPE '!'`;
      else if (r === 5) term = `CASE WHEN ${term} THEN ${rng.pick(operands)} ELSE ${rng.pick(operands)} END`;
      parts.push(term);
    }
    return parts.join(' ');
  };

  it('agrees with SQLite on 2000 random operator mixes', () => {
    const rng = new Prng(20240611);
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const sql = gen(rng, 2);
      let ours: Expr | undefined;
      try {
        ours = parseExpression(sql);
      } catch {
        // A string we reject must be one SQLite rejects as well.
        expect(evaluate(sql), sql).toMatch(/^error: (near|incomplete|unrecognized)/);
        continue;
      }
      if (JSON.stringify(ours, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).includes('"vector"')) continue;
      expect(evaluate(render(ours)), sql).toBe(evaluate(sql));
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
