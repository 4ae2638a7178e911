import { describe, expect, it } from 'vitest';
import type { Statement } from './ast.js';
import { parseOne } from './index.js';

const stmt = (sql: string): Statement => parseOne(sql).statement;

describe('transactions and savepoints', () => {
  it('parses BEGIN with every mode and the optional TRANSACTION name', () => {
    expect(stmt('BEGIN')).toEqual({ kind: 'begin' });
    expect(stmt('BEGIN DEFERRED')).toEqual({ kind: 'begin', mode: 'DEFERRED' });
    expect(stmt('BEGIN IMMEDIATE TRANSACTION')).toEqual({ kind: 'begin', mode: 'IMMEDIATE' });
    expect(stmt('begin exclusive transaction tx')).toEqual({ kind: 'begin', mode: 'EXCLUSIVE' });
  });

  it('parses COMMIT, END and ROLLBACK [TO [SAVEPOINT]]', () => {
    expect(stmt('COMMIT')).toEqual({ kind: 'commit' });
    expect(stmt('END TRANSACTION')).toEqual({ kind: 'commit' });
    expect(stmt('ROLLBACK')).toEqual({ kind: 'rollback' });
    expect(stmt('ROLLBACK TRANSACTION TO SAVEPOINT sp1')).toEqual({ kind: 'rollback', savepoint: 'sp1' });
    expect(stmt('ROLLBACK TO "Sp 2"')).toEqual({ kind: 'rollback', savepoint: 'Sp 2' });
  });

  it('parses SAVEPOINT and RELEASE', () => {
    expect(stmt('SAVEPOINT a')).toEqual({ kind: 'savepoint', name: 'a' });
    expect(stmt('RELEASE SAVEPOINT a')).toEqual({ kind: 'release', name: 'a' });
    expect(stmt('RELEASE a')).toEqual({ kind: 'release', name: 'a' });
  });
});

describe('utility statements', () => {
  it('parses EXPLAIN and EXPLAIN QUERY PLAN around any statement', () => {
    expect(stmt('EXPLAIN SELECT 1')).toMatchObject({ kind: 'explain', queryPlan: false, statement: { kind: 'select' } });
    expect(stmt('EXPLAIN QUERY PLAN DELETE FROM t')).toMatchObject({ kind: 'explain', queryPlan: true, statement: { kind: 'delete' } });
    expect(() => parseOne('EXPLAIN EXPLAIN SELECT 1')).toThrow(/near "EXPLAIN"/);
  });

  it('parses PRAGMA forms and value kinds', () => {
    expect(stmt('PRAGMA foreign_keys')).toEqual({ kind: 'pragma', name: 'foreign_keys' });
    expect(stmt('PRAGMA main.cache_size = -2000')).toEqual({ kind: 'pragma', schema: 'main', name: 'cache_size', value: { kind: 'literal', value: -2000n } });
    expect(stmt('PRAGMA table_info(t1)')).toEqual({ kind: 'pragma', name: 'table_info', value: { kind: 'literal', value: 't1' } });
    expect(stmt('PRAGMA foreign_keys = ON')).toMatchObject({ value: { kind: 'literal', value: 'ON' } });
    expect(stmt("PRAGMA journal_mode = 'wal'")).toMatchObject({ value: { kind: 'literal', value: 'wal' } });
    expect(stmt('PRAGMA user_version = +5')).toMatchObject({ value: { kind: 'literal', value: 5n } });
    expect(stmt('PRAGMA x = 1.5')).toMatchObject({ value: { kind: 'literal', value: 1.5 } });
    expect(stmt('PRAGMA secure_delete = DEFAULT')).toMatchObject({ value: { kind: 'literal', value: 'DEFAULT' } });
    expect(() => parseOne('PRAGMA x = 1 + 2')).toThrow(/near "\+"/);
  });

  it('parses REINDEX, ANALYZE and VACUUM', () => {
    expect(stmt('REINDEX')).toEqual({ kind: 'reindex' });
    expect(stmt('REINDEX main.i1')).toEqual({ kind: 'reindex', name: 'i1' });
    expect(stmt('ANALYZE')).toEqual({ kind: 'analyze' });
    expect(stmt('ANALYZE t')).toEqual({ kind: 'analyze', name: 't' });
    expect(stmt('VACUUM')).toEqual({ kind: 'vacuum' });
    expect(stmt('VACUUM main')).toEqual({ kind: 'vacuum' });
    expect(() => parseOne("VACUUM INTO 'file.db'")).toThrow(/near "INTO": VACUUM INTO is not supported/);
  });

  it('rejects statements it does not represent with a syntax error', () => {
    expect(() => parseOne("ATTACH 'x.db' AS x")).toThrow(/near "ATTACH"/);
  });

  it('keeps CREATE VIRTUAL TABLE arguments as written, split at top-level commas', () => {
    expect(parseOne("CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(a, b UNINDEXED, tokenize = 'porter unicode61', x=f(1, 2))").statement).toEqual({
      kind: 'createVirtualTable',
      ifNotExists: true,
      name: 'f',
      module: 'fts5',
      args: ['a', 'b UNINDEXED', "tokenize = 'porter unicode61'", 'x=f(1, 2)'],
    });
    expect(parseOne('CREATE VIRTUAL TABLE f USING m').statement).toMatchObject({ module: 'm', args: [] });
    expect(() => parseOne('CREATE VIRTUAL TABLE f USING fts5(a')).toThrow();
    expect(() => parseOne('CREATE TEMP VIRTUAL TABLE f USING fts5(a)')).toThrow(/near "VIRTUAL"/);
  });
});
