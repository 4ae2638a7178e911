import { describe, expect, it } from 'vitest';
import type { Expr, Statement } from './ast.js';
import { parseOne } from './index.js';

const stmt = (sql: string): Statement => parseOne(sql).statement;
const lit = (value: unknown): Expr => ({ kind: 'literal', value }) as Expr;
const col = (column: string, table?: string): Expr => (table ? { kind: 'column', table, column } : { kind: 'column', column });

describe('INSERT', () => {
  it('parses multi-row VALUES with a column list', () => {
    expect(stmt('INSERT INTO t(a, b) VALUES (1, 2), (3, 4)')).toEqual({
      kind: 'insert',
      table: { name: 't' },
      columns: ['a', 'b'],
      source: { kind: 'values', rows: [[lit(1n), lit(2n)], [lit(3n), lit(4n)]] },
    });
  });

  it('parses OR actions, REPLACE INTO, schema, alias and DEFAULT VALUES with RETURNING', () => {
    expect(stmt('INSERT OR IGNORE INTO main.t AS x DEFAULT VALUES RETURNING x.a, * ')).toEqual({
      kind: 'insert',
      orAction: 'IGNORE',
      table: { schema: 'main', name: 't' },
      alias: 'x',
      source: { kind: 'defaultValues' },
      returning: [{ kind: 'expr', expr: col('a', 'x'), text: 'x.a' }, { kind: 'star' }],
    });
    expect(stmt('REPLACE INTO t VALUES (1)')).toMatchObject({ orAction: 'REPLACE' });
    for (const action of ['ROLLBACK', 'ABORT', 'FAIL', 'REPLACE']) expect(stmt(`INSERT OR ${action} INTO t VALUES (1)`)).toMatchObject({ orAction: action });
  });

  it('keeps INSERT ... SELECT and compound VALUES as a select source, and WITH on the statement', () => {
    expect(stmt('INSERT INTO t SELECT * FROM u')).toMatchObject({ source: { kind: 'select', select: { kind: 'select' } } });
    expect(stmt('INSERT INTO t VALUES (1) UNION SELECT 2')).toMatchObject({ source: { kind: 'select', select: { body: { kind: 'compound' } } } });
    expect(stmt('WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c')).toMatchObject({ with: { ctes: [{ name: 'c' }] }, source: { kind: 'select' } });
    expect(stmt('INSERT INTO t WITH c AS (SELECT 1) SELECT * FROM c')).toMatchObject({ source: { kind: 'select', select: { with: { ctes: [{ name: 'c' }] } } } });
  });

  it('parses repeated upsert clauses in order', () => {
    expect(stmt('INSERT INTO t VALUES (1) ON CONFLICT (a COLLATE nocase, b) WHERE b > 0 DO UPDATE SET c = excluded.c, (d, e) = (1, 2) WHERE c IS NULL ON CONFLICT (x) DO NOTHING ON CONFLICT DO NOTHING RETURNING a')).toMatchObject({
      upsert: [
        {
          target: { columns: [{ expr: col('a'), collation: 'NOCASE' }, { expr: col('b') }], where: { kind: 'binary', op: '>' } },
          action: {
            kind: 'update',
            sets: [
              { columns: ['c'], value: col('c', 'excluded') },
              { columns: ['d', 'e'], value: { kind: 'vector', items: [lit(1n), lit(2n)] } },
            ],
            where: { kind: 'binary', op: 'IS' },
          },
        },
        { target: { columns: [{ expr: col('x') }] }, action: { kind: 'nothing' } },
        { action: { kind: 'nothing' } },
      ],
      returning: [{ kind: 'expr', expr: col('a') }],
    });
  });

  it('requires a target-less upsert to be the last', () => {
    expect(() => parseOne('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING ON CONFLICT (a) DO NOTHING')).toThrow(/near "ON"/);
  });

  it('reads ON CONFLICT after INSERT ... SELECT ... JOIN as an upsert', () => {
    expect(stmt('INSERT INTO t SELECT * FROM a JOIN b ON CONFLICT DO NOTHING')).toMatchObject({
      source: { select: { body: { from: { kind: 'join' } } } },
      upsert: [{ action: { kind: 'nothing' } }],
    });
    expect(stmt('INSERT INTO t SELECT * FROM a JOIN b ON conflict = 1')).toMatchObject({ source: { select: { body: { from: { on: { kind: 'binary' } } } } } });
  });
});

describe('UPDATE', () => {
  it('parses every clause', () => {
    expect(stmt('WITH w AS (SELECT 1) UPDATE OR FAIL main.t AS x INDEXED BY i SET a = 1, (b, c) = (SELECT 1, 2) FROM u WHERE x.id = u.id RETURNING a ORDER BY a LIMIT 2 OFFSET 1')).toEqual({
      kind: 'update',
      with: expect.objectContaining({ recursive: false }),
      orAction: 'FAIL',
      table: { schema: 'main', name: 't' },
      alias: 'x',
      indexedBy: 'i',
      sets: [
        { columns: ['a'], value: lit(1n) },
        { columns: ['b', 'c'], value: { kind: 'subquery', select: expect.objectContaining({ kind: 'select' }) } },
      ],
      from: { kind: 'table', name: 'u' },
      where: { kind: 'binary', op: '=', left: col('id', 'x'), right: col('id', 'u') },
      returning: [{ kind: 'expr', expr: col('a'), text: 'a' }],
      orderBy: [{ expr: col('a') }],
      limit: lit(2n),
      offset: lit(1n),
    });
  });

  it('accepts non-reserved keywords as assigned column names', () => {
    expect(stmt('UPDATE t SET key = 1, replace = 2, action = 3')).toMatchObject({ sets: [{ columns: ['key'] }, { columns: ['replace'] }, { columns: ['action'] }] });
  });
});

describe('DELETE', () => {
  it('parses every clause', () => {
    expect(stmt('DELETE FROM t AS x NOT INDEXED WHERE a = ? RETURNING * ORDER BY a DESC LIMIT 3')).toEqual({
      kind: 'delete',
      table: { name: 't' },
      alias: 'x',
      indexedBy: null,
      where: { kind: 'binary', op: '=', left: col('a'), right: { kind: 'param', index: 1 } },
      returning: [{ kind: 'star' }],
      orderBy: [{ expr: col('a'), direction: 'DESC' }],
      limit: lit(3n),
    });
    expect(stmt('DELETE FROM t')).toEqual({ kind: 'delete', table: { name: 't' } });
  });
});
