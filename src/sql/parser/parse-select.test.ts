import { describe, expect, it } from 'vitest';
import type { Expr, FromItem, SelectCore, SelectStmt } from './ast.js';
import { parseOne } from './index.js';

const select = (sql: string): SelectStmt => {
  const s = parseOne(sql).statement;
  if (s.kind !== 'select') throw new Error(`not a select: ${s.kind}`);
  return s;
};
const core = (sql: string): SelectCore => {
  const b = select(sql).body;
  if (b.kind !== 'selectCore') throw new Error(`not a core: ${b.kind}`);
  return b;
};
const from = (sql: string): FromItem => core(sql).from!;
const lit = (value: unknown): Expr => ({ kind: 'literal', value }) as Expr;
const col = (column: string, table?: string): Expr => (table ? { kind: 'column', table, column } : { kind: 'column', column });

describe('select cores', () => {
  it('parses all clauses in order', () => {
    expect(core('SELECT DISTINCT a, b AS x FROM t WHERE a > 1 GROUP BY a, b HAVING count(*) > 1 WINDOW w AS (ORDER BY a)')).toEqual({
      kind: 'selectCore',
      distinct: true,
      columns: [
        { kind: 'expr', expr: col('a'), text: 'a' },
        { kind: 'expr', expr: col('b'), alias: 'x', text: 'b' },
      ],
      from: { kind: 'table', name: 't' },
      where: { kind: 'binary', op: '>', left: col('a'), right: lit(1n) },
      groupBy: [col('a'), col('b')],
      having: { kind: 'binary', op: '>', left: { kind: 'function', name: 'count', args: [], star: true, distinct: false }, right: lit(1n) },
      windows: [{ name: 'w', spec: { partitionBy: [], orderBy: [{ expr: col('a') }] } }],
    });
  });

  it('parses *, t.*, implicit and string aliases, and keeps the expression text', () => {
    expect(core("SELECT *, t.*, a+1  b, 2 'two', c AS \"C\" FROM t").columns).toEqual([
      { kind: 'star' },
      { kind: 'tableStar', table: 't' },
      { kind: 'expr', expr: { kind: 'binary', op: '+', left: col('a'), right: lit(1n) }, alias: 'b', text: 'a+1' },
      { kind: 'expr', expr: lit(2n), alias: 'two', text: '2' },
      { kind: 'expr', expr: col('c'), alias: 'C', text: 'c' },
    ]);
  });

  it('treats WINDOW, OVER and FILTER as keywords only where SQLite\'s tokenizer does', () => {
    expect(from('SELECT * FROM t window')).toEqual({ kind: 'table', name: 't', alias: 'window' });
    expect(core('SELECT a FROM t WINDOW w AS (ORDER BY a)').windows).toHaveLength(1);
    expect(core('SELECT (a) over FROM t').columns[0]).toMatchObject({ alias: 'over' });
    expect(() => parseOne('SELECT (a) OVER (w) FROM t')).toThrow(/near "OVER"/);
    expect(() => parseOne('SELECT (a) FILTER (WHERE 1) FROM t')).toThrow(/near "FILTER"/);
  });

  it('takes a non-reserved keyword after an expression as an alias', () => {
    expect(core('SELECT a key, b first, c filter, d over, e window FROM t').columns.map((c) => (c.kind === 'expr' ? c.alias : undefined))).toEqual([
      'key',
      'first',
      'filter',
      'over',
      'window',
    ]);
  });

  it('parses ORDER BY with COLLATE, direction and NULLS, and both LIMIT forms', () => {
    const s = select('SELECT a FROM t ORDER BY a COLLATE nocase DESC NULLS FIRST, 2 LIMIT 10 OFFSET 5');
    expect(s.orderBy).toEqual([{ expr: col('a'), collation: 'NOCASE', direction: 'DESC', nulls: 'FIRST' }, { expr: lit(2n) }]);
    expect([s.limit, s.offset]).toEqual([lit(10n), lit(5n)]);
    const c = select('SELECT a FROM t LIMIT 5, 10');
    expect([c.limit, c.offset]).toEqual([lit(10n), lit(5n)]);
  });
});

describe('compound selects and VALUES', () => {
  it('builds left-deep compounds and puts ORDER BY / LIMIT on the statement', () => {
    // ORDER BY belongs to SQLite's SELECT production, so it cannot follow VALUES.
    expect(() => parseOne('SELECT 1 UNION VALUES (5) ORDER BY 1')).toThrow(/near "ORDER": syntax error/);
    const t = select('SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5 ORDER BY 1 LIMIT 2');
    const ops: string[] = [];
    let b = t.body;
    while (b.kind === 'compound') {
      ops.unshift(b.op);
      b = b.left;
    }
    expect(ops).toEqual(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT']);
    expect(t.orderBy).toHaveLength(1);
    expect(t.limit).toEqual(lit(2n));
  });

  it('rejects ORDER BY or LIMIT before a compound operator, as SQLite words it', () => {
    expect(() => parseOne('SELECT 1 ORDER BY 1 UNION SELECT 2')).toThrow('sql: near "UNION": ORDER BY clause should come after UNION not before at line 1, column 21');
    expect(() => parseOne('SELECT 1 LIMIT 1 EXCEPT SELECT 2')).toThrow(/LIMIT clause should come after EXCEPT not before/);
  });

  it('parses multi-row VALUES and checks row widths', () => {
    expect(select('VALUES (1, 2), (3, 4)').body).toEqual({ kind: 'values', rows: [[lit(1n), lit(2n)], [lit(3n), lit(4n)]] });
    expect(() => parseOne('VALUES (1, 2), (3)')).toThrow(/all VALUES must have the same number of terms/);
  });
});

describe('WITH', () => {
  it('parses recursive CTEs with columns and materialization hints', () => {
    expect(select('WITH RECURSIVE a(x, y) AS MATERIALIZED (SELECT 1, 2), b AS NOT MATERIALIZED (SELECT 3), c AS (SELECT 4) SELECT * FROM a').with).toMatchObject({
      recursive: true,
      ctes: [
        { name: 'a', columns: ['x', 'y'], materialized: true },
        { name: 'b', materialized: false },
        { name: 'c', select: { kind: 'select' } },
      ],
    });
    expect(select('WITH c AS (SELECT 4) SELECT * FROM c').with!.ctes[0]).not.toHaveProperty('materialized');
  });
});

describe('FROM', () => {
  it('parses every join kind', () => {
    const f = from('SELECT * FROM a, b JOIN c ON 1 LEFT JOIN d USING (x, y) LEFT OUTER JOIN e ON 1 RIGHT JOIN f ON 1 FULL OUTER JOIN g ON 1 CROSS JOIN h NATURAL INNER JOIN i INNER JOIN j ON 1 NATURAL JOIN k');
    const joins: [string, boolean][] = [];
    let x = f;
    while (x.kind === 'join') {
      joins.unshift([x.joinType, x.natural]);
      x = x.left;
    }
    expect(x).toEqual({ kind: 'table', name: 'a' });
    expect(joins).toEqual([
      ['INNER', false],
      ['INNER', false],
      ['LEFT', false],
      ['LEFT', false],
      ['RIGHT', false],
      ['FULL', false],
      ['CROSS', false],
      ['INNER', true],
      ['INNER', false],
      ['INNER', true],
    ]);
    expect(from('SELECT * FROM a LEFT JOIN d USING (x, y)')).toMatchObject({ using: ['x', 'y'] });
  });

  it('rejects unknown join keyword combinations', () => {
    expect(() => parseOne('SELECT * FROM a OUTER JOIN b')).toThrow(/unknown join type/);
    expect(() => parseOne('SELECT * FROM a INNER OUTER JOIN b')).toThrow(/unknown join type/);
    expect(() => parseOne('SELECT * FROM a LEFT foo JOIN b')).toThrow(/unknown join type/);
  });

  it('parses subqueries, table functions, aliases and INDEXED BY', () => {
    expect(from('SELECT * FROM (SELECT 1) AS s')).toMatchObject({ kind: 'subquery', alias: 's', select: { kind: 'select' } });
    expect(from("SELECT * FROM json_each('[1]') j")).toEqual({ kind: 'tableFunction', name: 'json_each', args: [lit('[1]')], alias: 'j' });
    expect(from('SELECT * FROM main.t AS x INDEXED BY i')).toEqual({ kind: 'table', schema: 'main', name: 't', alias: 'x', indexedBy: 'i' });
    expect(from('SELECT * FROM t NOT INDEXED')).toEqual({ kind: 'table', name: 't', indexedBy: null });
  });

  it('unwraps parenthesised FROM items and aliases a parenthesised join as a subquery', () => {
    expect(from('SELECT * FROM (t)')).toEqual({ kind: 'table', name: 't' });
    expect(from('SELECT * FROM (t AS a) AS b')).toEqual({ kind: 'table', name: 't', alias: 'b' });
    expect(from('SELECT * FROM a JOIN (b JOIN c ON 1) ON 2')).toMatchObject({ right: { kind: 'join', left: { name: 'b' }, right: { name: 'c' } } });
    expect(from('SELECT * FROM (a, b) AS j')).toMatchObject({ kind: 'subquery', alias: 'j', select: { body: { columns: [{ kind: 'star' }], from: { kind: 'join' } } } });
  });

  it('rejects ON or USING without a join', () => {
    expect(() => parseOne('SELECT * FROM a ON 1')).toThrow(/a JOIN clause is required/);
  });
});

describe('temporal clause', () => {
  const temporal = (sql: string) => {
    const f = from(sql);
    return f.kind === 'table' ? f.temporal : undefined;
  };

  it('parses every point kind after AS OF', () => {
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME AS OF LSN 5')).toEqual({ kind: 'asOf', point: { kind: 'lsn', value: lit(5n) } });
    expect(temporal("SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01'")).toEqual({ kind: 'asOf', point: { kind: 'timestamp', value: lit('2024-01-01') } });
    expect(temporal("SELECT * FROM t FOR SYSTEM_TIME AS OF SNAPSHOT 'nightly'")).toEqual({ kind: 'asOf', point: { kind: 'snapshot', name: lit('nightly') } });
    expect(temporal("SELECT * FROM t FOR SYSTEM_TIME AS OF BRANCH 'dev'")).toEqual({ kind: 'asOf', point: { kind: 'branch', name: lit('dev') } });
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME AS OF VERSION CURRENT - 3')).toEqual({ kind: 'asOf', point: { kind: 'versionOffset', offset: 3 } });
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME AS OF VERSION CURRENT')).toEqual({ kind: 'asOf', point: { kind: 'versionOffset', offset: 0 } });
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME AS OF ?')).toEqual({ kind: 'asOf', point: { kind: 'expr', value: { kind: 'param', index: 1 } } });
    expect(temporal("SELECT * FROM t FOR SYSTEM_TIME AS OF datetime('now', '-1 day')")).toMatchObject({ point: { kind: 'expr', value: { kind: 'function', name: 'datetime' } } });
  });

  it('parses ranges and ALL', () => {
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME BETWEEN LSN 1 AND LSN 9')).toEqual({ kind: 'between', from: { kind: 'lsn', value: lit(1n) }, to: { kind: 'lsn', value: lit(9n) } });
    expect(temporal("SELECT * FROM t FOR SYSTEM_TIME FROM '2024-01-01' TO 5")).toEqual({ kind: 'fromTo', from: { kind: 'expr', value: lit('2024-01-01') }, to: { kind: 'expr', value: lit(5n) } });
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME ALL')).toEqual({ kind: 'all' });
  });

  it('comes before or after the alias', () => {
    expect(from('SELECT * FROM t FOR SYSTEM_TIME AS OF LSN 5 AS x JOIN u ON 1')).toMatchObject({ left: { name: 't', alias: 'x', temporal: { kind: 'asOf' } } });
    expect(from('SELECT * FROM t x FOR SYSTEM_TIME ALL WHERE 1')).toMatchObject({ name: 't', alias: 'x', temporal: { kind: 'all' } });
    expect(() => parseOne('SELECT * FROM t FOR SYSTEM_TIME ALL AS x FOR SYSTEM_TIME ALL')).toThrow(/near "FOR"/);
  });

  it('leaves names like lsn and timestamp usable as columns', () => {
    expect(temporal('SELECT * FROM t FOR SYSTEM_TIME AS OF lsn + 1')).toEqual({
      kind: 'asOf',
      point: { kind: 'expr', value: { kind: 'binary', op: '+', left: col('lsn'), right: lit(1n) } },
    });
  });
});
