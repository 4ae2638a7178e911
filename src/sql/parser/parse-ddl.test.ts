import { describe, expect, it } from 'vitest';
import type { CreateTableStmt, Expr, Statement } from './ast.js';
import { parseOne } from './index.js';

const stmt = (sql: string): Statement => parseOne(sql).statement;
const table = (sql: string): CreateTableStmt => {
  const s = stmt(sql);
  if (s.kind !== 'createTable') throw new Error(s.kind);
  return s;
};
const lit = (value: unknown): Expr => ({ kind: 'literal', value }) as Expr;
const col = (column: string): Expr => ({ kind: 'column', column });

describe('CREATE TABLE', () => {
  it('parses column types and every column constraint', () => {
    const t = table(
      "CREATE TEMP TABLE IF NOT EXISTS main.t (id INTEGER CONSTRAINT pk PRIMARY KEY DESC ON CONFLICT ROLLBACK AUTOINCREMENT, name VARCHAR(10) NOT NULL ON CONFLICT IGNORE NULL UNIQUE ON CONFLICT FAIL CHECK (length(name) > 0) COLLATE nocase, price DECIMAL(10, -2), ref INT REFERENCES u(id) ON DELETE SET NULL ON UPDATE CASCADE MATCH SIMPLE DEFERRABLE INITIALLY DEFERRED, g AS (id * 2) STORED, h INT GENERATED ALWAYS AS (1), big UNSIGNED BIG INT)",
    );
    expect(t).toMatchObject({ kind: 'createTable', temp: true, ifNotExists: true, schema: 'main', name: 't', withoutRowid: false, strict: false, constraints: [] });
    expect(t.columns).toEqual([
      { name: 'id', type: { name: 'INTEGER', args: [], text: 'INTEGER' }, constraints: [{ kind: 'primaryKey', name: 'pk', direction: 'DESC', onConflict: 'ROLLBACK', autoincrement: true }] },
      {
        name: 'name',
        type: { name: 'VARCHAR', args: [10], text: 'VARCHAR(10)' },
        constraints: [
          { kind: 'notNull', onConflict: 'IGNORE' },
          { kind: 'null' },
          { kind: 'unique', onConflict: 'FAIL' },
          { kind: 'check', expr: { kind: 'binary', op: '>', left: { kind: 'function', name: 'length', args: [col('name')], star: false, distinct: false }, right: lit(0n) } },
          { kind: 'collate', collation: 'NOCASE' },
        ],
      },
      { name: 'price', type: { name: 'DECIMAL', args: [10, -2], text: 'DECIMAL(10, -2)' }, constraints: [] },
      { name: 'ref', type: { name: 'INT', args: [], text: 'INT' }, constraints: [{ kind: 'references', fk: { table: 'u', columns: ['id'], onDelete: 'SET NULL', onUpdate: 'CASCADE', deferrable: true } }] },
      { name: 'g', constraints: [{ kind: 'generated', expr: { kind: 'binary', op: '*', left: col('id'), right: lit(2n) }, stored: true }] },
      // SQLite reads GENERATED ALWAYS after a type as type words and strips them from the type.
      { name: 'h', type: { name: 'INT', args: [], text: 'INT' }, constraints: [{ kind: 'generated', expr: lit(1n), stored: false }] },
      { name: 'big', type: { name: 'UNSIGNED BIG INT', args: [], text: 'UNSIGNED BIG INT' }, constraints: [] },
    ]);
  });

  it('parses DEFAULT values the way SQLite stores them', () => {
    const defaults = table("CREATE TABLE t(a DEFAULT 1, b DEFAULT -1, c DEFAULT +2.5, d DEFAULT 'x', e DEFAULT NULL, f DEFAULT CURRENT_TIMESTAMP, g DEFAULT (1 + 2), h DEFAULT x'00', i DEFAULT abc, j DEFAULT true, k DEFAULT \"q\", l DEFAULT -9223372036854775808)").columns.map(
      (c) => (c.constraints[0]?.kind === 'default' ? c.constraints[0].expr : undefined),
    );
    expect(defaults).toEqual([
      lit(1n),
      lit(-1n),
      lit(2.5),
      lit('x'),
      lit(null),
      { kind: 'function', name: 'current_timestamp', args: [], star: false, distinct: false },
      { kind: 'binary', op: '+', left: lit(1n), right: lit(2n) },
      lit(new Uint8Array([0])),
      lit('abc'),
      lit(1n),
      lit('q'),
      lit(-9223372036854775808n),
    ]);
  });

  it('does not let DEFAULT swallow a following NOT NULL', () => {
    expect(table('CREATE TABLE t(a INT DEFAULT 0 NOT NULL)').columns[0]!.constraints).toEqual([{ kind: 'default', expr: lit(0n), text: '0' }, { kind: 'notNull' }]);
  });

  it('parses table constraints with optional commas between them', () => {
    const t = table('CREATE TABLE t(a, b, c, PRIMARY KEY (a DESC, b AUTOINCREMENT) ON CONFLICT ABORT, CONSTRAINT u UNIQUE (b COLLATE nocase) CHECK (a > b) FOREIGN KEY (c) REFERENCES p (x) ON DELETE RESTRICT NOT DEFERRABLE)');
    expect(t.constraints).toEqual([
      { kind: 'primaryKey', columns: [{ expr: col('a'), direction: 'DESC' }, { expr: col('b') }], autoincrement: true, onConflict: 'ABORT' },
      { kind: 'unique', name: 'u', columns: [{ expr: col('b'), collation: 'NOCASE' }] },
      { kind: 'check', expr: { kind: 'binary', op: '>', left: col('a'), right: col('b') } },
      { kind: 'foreignKey', columns: ['c'], fk: { table: 'p', columns: ['x'], onDelete: 'RESTRICT', deferrable: false } },
    ]);
  });

  it('parses table options and CREATE TABLE AS', () => {
    expect(table('CREATE TABLE t(a PRIMARY KEY) WITHOUT ROWID, STRICT')).toMatchObject({ withoutRowid: true, strict: true });
    // SQLite's option list may start with a comma.
    expect(table('CREATE TABLE t(a INT), STRICT')).toMatchObject({ withoutRowid: false, strict: true });
    expect(() => parseOne('CREATE TABLE t(a) WITHOUT foo')).toThrow(/unknown table option/);
    expect(() => parseOne('CREATE TABLE t(a) loose')).toThrow(/unknown table option/);
    expect(table('CREATE TABLE t AS SELECT 1')).toMatchObject({ columns: [], constraints: [], asSelect: { kind: 'select' } });
  });

  it('accepts keywords SQLite allows as names', () => {
    expect(table('CREATE TABLE "order"(key, action, replace, first, last, [group], rowid, "select" TEXT)').columns.map((c) => c.name)).toEqual([
      'key',
      'action',
      'replace',
      'first',
      'last',
      'group',
      'rowid',
      'select',
    ]);
  });
});

describe('CREATE INDEX / VIEW / TRIGGER', () => {
  it('parses indexes, partial indexes and expression indexes', () => {
    expect(stmt('CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a COLLATE nocase DESC, lower(b)) WHERE a > 0')).toEqual({
      kind: 'createIndex',
      unique: true,
      ifNotExists: true,
      schema: 'main',
      name: 'i',
      table: 't',
      columns: [{ expr: col('a'), collation: 'NOCASE', direction: 'DESC' }, { expr: { kind: 'function', name: 'lower', args: [col('b')], star: false, distinct: false } }],
      where: { kind: 'binary', op: '>', left: col('a'), right: lit(0n) },
    });
  });

  it('rejects NULLS FIRST/LAST in index columns after reading them, like SQLite', () => {
    expect(() => parseOne('CREATE INDEX i ON t(a NULLS FIRST)')).toThrow(/near "NULLS": unsupported use of NULLS/);
    expect(() => parseOne('CREATE INDEX i ON t(a NULLS FIRST')).toThrow(/near end of input: syntax error/);
  });

  it('parses the vector index extension', () => {
    expect(stmt("CREATE INDEX i ON t USING VECTOR (embedding) WITH (metric = 'cosine', dims = 384)")).toEqual({
      kind: 'createIndex',
      unique: false,
      ifNotExists: false,
      name: 'i',
      table: 't',
      using: 'VECTOR',
      columns: [{ expr: col('embedding') }],
      options: [
        { key: 'metric', value: lit('cosine') },
        { key: 'dims', value: lit(384n) },
      ],
    });
  });

  it('parses views with column lists', () => {
    expect(stmt('CREATE TEMP VIEW IF NOT EXISTS v(x, y) AS SELECT 1, 2')).toMatchObject({ kind: 'createView', temp: true, ifNotExists: true, name: 'v', columns: ['x', 'y'], select: { kind: 'select' } });
  });

  it('parses triggers with every timing and event', () => {
    expect(stmt("CREATE TRIGGER IF NOT EXISTS s.r BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN UPDATE u SET x = new.a; INSERT OR IGNORE INTO log VALUES (1); DELETE FROM v WHERE y = old.a; SELECT RAISE(FAIL, 'x'); END")).toMatchObject({
      kind: 'createTrigger',
      schema: 's',
      name: 'r',
      timing: 'BEFORE',
      event: { kind: 'UPDATE', columns: ['a', 'b'] },
      table: 't',
      forEachRow: true,
      when: { kind: 'binary', op: '>' },
      body: [{ kind: 'update' }, { kind: 'insert', orAction: 'IGNORE' }, { kind: 'delete' }, { kind: 'select' }],
    });
    expect(stmt('CREATE TRIGGER r INSTEAD OF DELETE ON v BEGIN SELECT 1; END')).toMatchObject({ timing: 'INSTEAD OF', event: { kind: 'DELETE' }, forEachRow: false });
    expect(stmt('CREATE TEMP TRIGGER r INSERT ON t BEGIN SELECT 1; END')).toMatchObject({ temp: true, timing: 'BEFORE', event: { kind: 'INSERT' } });
  });

  it('rejects what SQLite does not allow inside trigger bodies', () => {
    expect(() => parseOne('CREATE TRIGGER r AFTER INSERT ON t BEGIN INSERT INTO u DEFAULT VALUES; END')).toThrow(/near "DEFAULT"/);
    expect(() => parseOne('CREATE TRIGGER r AFTER INSERT ON t BEGIN WITH c AS (SELECT 1) DELETE FROM u; END')).toThrow(/near "DELETE"/);
    expect(() => parseOne('CREATE TRIGGER r AFTER INSERT ON t BEGIN END')).toThrow(/near "END"/);
  });
});

describe('DROP and ALTER TABLE', () => {
  it('parses DROP for every object type', () => {
    expect(stmt('DROP TABLE IF EXISTS main.t')).toEqual({ kind: 'drop', objectType: 'TABLE', ifExists: true, schema: 'main', name: 't' });
    for (const type of ['INDEX', 'VIEW', 'TRIGGER']) expect(stmt(`DROP ${type} x`)).toEqual({ kind: 'drop', objectType: type, ifExists: false, name: 'x' });
  });

  it('parses every ALTER TABLE action', () => {
    expect(stmt('ALTER TABLE main.t RENAME TO u')).toEqual({ kind: 'alterTable', schema: 'main', table: 't', action: { kind: 'renameTable', newName: 'u' } });
    expect(stmt('ALTER TABLE t RENAME COLUMN a TO b')).toMatchObject({ action: { kind: 'renameColumn', from: 'a', to: 'b' } });
    expect(stmt('ALTER TABLE t RENAME a TO b')).toMatchObject({ action: { kind: 'renameColumn', from: 'a', to: 'b' } });
    expect(stmt('ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0')).toMatchObject({
      action: { kind: 'addColumn', column: { name: 'c', type: { name: 'INT' }, constraints: [{ kind: 'notNull' }, { kind: 'default' }] } },
    });
    expect(stmt('ALTER TABLE t ADD c')).toMatchObject({ action: { kind: 'addColumn', column: { name: 'c', constraints: [] } } });
    expect(stmt('ALTER TABLE t DROP COLUMN c')).toMatchObject({ action: { kind: 'dropColumn', column: 'c' } });
    expect(stmt('ALTER TABLE t DROP c')).toMatchObject({ action: { kind: 'dropColumn', column: 'c' } });
  });
});
