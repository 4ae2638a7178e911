// Table-valued functions in FROM against SQLite: json_each and json_tree over generated
// documents (every column, hidden ones and the rowid, root paths that exist, are missing or
// are malformed), called with constants, with the columns of earlier FROM sources (`FROM t,
// json_each(t.tags)`), under LEFT JOIN, in correlated subqueries, in the bare form with the
// arguments in WHERE, with filters, aggregates and ORDER BY on top. generate_series is not in
// SQLite's library (only its shell), so the oracle registers a model of ext/misc/series.c's
// sequence rule as a virtual table in better-sqlite3; the bound push-down forms only dosql has
// are checked against the equivalences series.c documents. Time travel: json_each over an
// old version of a table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { OraclePair } from './support/oracle-pair.js';
import { genJsonDoc, genJsonPath, sqlText } from './support/sql-gen/json-gen.js';
import { Rng } from './support/sql-gen/random.js';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** series.c's sequence: start + n*step for n = 0, 1, ... while not past stop; step 0 is 1; NULL gives nothing. */
function* seriesModel(start: unknown, stop: unknown = 0xffffffffn, step: unknown = 1n): Generator<[bigint]> {
  if (start === null || stop === null || step === null || start === undefined) return;
  const a = BigInt(start as bigint);
  const b = BigInt(stop as bigint);
  let s = BigInt(step as bigint);
  if (s === 0n) s = 1n;
  for (let v = a, n = 0; s > 0n ? v <= b : v >= b; v += s, n++) {
    if (v < I64_MIN || v > I64_MAX || n > 100000) return;
    yield [v];
  }
}

describe('table-valued functions agree with SQLite', () => {
  let p: OraclePair;
  const docs: string[] = [];

  beforeAll(async () => {
    p = await OraclePair.open('tvf-test', ['CREATE TABLE t(id INTEGER PRIMARY KEY, tags TEXT, n INTEGER, b BLOB)']);
    p.lite.table('generate_series', { columns: ['value'], parameters: ['start', 'stop', 'step'], safeIntegers: true, rows: seriesModel });
    const r = new Rng(2);
    for (let id = 1; id <= 40; id++) {
      const doc = genJsonDoc(r, r.chance(0.85) ? 'strict' : 'json5');
      docs.push(doc.text);
      const tags = r.chance(0.1) ? 'NULL' : sqlText(doc.text);
      await p.both(`INSERT INTO t VALUES (${id}, ${tags}, ${r.int(-2, 6)}, jsonb(${tags}))`);
    }
  });
  afterAll(async () => {
    await p.close();
  });

  it('json_each and json_tree over generated documents: every column, the rowid, root paths and their errors', async () => {
    const r = new Rng(3);
    const sqls: string[] = [];
    for (let i = 0; i < 300; i++) {
      const doc = genJsonDoc(r, r.pick(['strict', 'strict', 'json5', 'broken'] as const));
      const fn = r.pick(['json_each', 'json_tree', 'json_each', 'json_tree', 'jsonb_each', 'jsonb_tree']);
      const arg = r.chance(0.2) ? `jsonb(${sqlText(doc.text)})` : sqlText(doc.text);
      const root = r.chance(0.5) ? `, ${sqlText(genJsonPath(r, doc))}` : '';
      const cols = r.pick(['*', 'rowid, *', 'key, value, type, atom, id, parent, fullkey, path, json, root', 'typeof(key), typeof(value), typeof(atom), json_type(value)', 'json_array(value, key)', 'count(*), sum(id), max(fullkey)']);
      const where = r.pick(['', " WHERE type IN ('object', 'array')", ' WHERE atom IS NOT NULL', " WHERE key = 'a' OR key = 0", ' WHERE parent IS NULL', " WHERE path LIKE '$[%'", ' WHERE id > 3', ' WHERE rowid % 2 = 0']);
      sqls.push(`SELECT ${cols} FROM ${fn}(${arg}${root})${where}`);
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('correlated with earlier FROM sources, LEFT JOIN, subqueries, the bare form with WHERE arguments', async () => {
    const sqls = [
      'SELECT t.id, j.key, j.value, j.type FROM t, json_each(t.tags) AS j',
      'SELECT t.id, j.key, j.value FROM json_each(t.tags) AS j, t',
      'SELECT t.id, j.fullkey, j.atom FROM t JOIN json_tree(t.tags) AS j ON j.type <> \'object\'',
      'SELECT t.id, j.key, j.value FROM t LEFT JOIN json_each(t.tags) AS j',
      "SELECT t.id, j.key FROM t LEFT JOIN json_each(t.tags) AS j ON j.type = 'integer'",
      'SELECT t.id, j.value FROM json_each(t.tags) AS j LEFT JOIN t',
      'SELECT t.id, count(j.key) FROM t LEFT JOIN json_tree(t.tags) AS j GROUP BY t.id',
      'SELECT t.id, (SELECT count(*) FROM json_tree(t.tags)), (SELECT group_concat(key) FROM json_each(t.tags)) FROM t',
      'SELECT id FROM t WHERE EXISTS (SELECT 1 FROM json_each(t.tags) WHERE type = \'array\')',
      'SELECT id FROM t WHERE n IN (SELECT value FROM json_each(\'[1,2,3]\'))',
      'SELECT t.id, j.value FROM t, json_each(t.b) AS j',
      'SELECT t.id, j.fullkey FROM t, json_tree(t.tags, \'$.a\') AS j',
      'SELECT a.id, b.id FROM t AS a, json_each(a.tags) AS j, t AS b WHERE b.id = j.value',
      'SELECT j1.key, j2.key FROM json_each(\'{"a":[1,2],"b":[3]}\') AS j1, json_each(j1.value) AS j2',
      'SELECT * FROM json_each WHERE json = \'[1,[2]]\'',
      "SELECT * FROM json_tree WHERE json = '{\"a\":{\"b\":1}}' AND root = '$.a'",
      'SELECT * FROM json_each',
      "SELECT * FROM json_each('[1]') WHERE json = '[2]'",
      "SELECT * FROM json_each('[1,2]', NULL)",
      "SELECT * FROM json_each(NULL)",
      'SELECT * FROM json_each(1, 2, 3)',
      'SELECT * FROM nosuch(1)',
      'SELECT * FROM t(1)',
      "SELECT key, value FROM json_each('{\"a\":1,\"b\":2}') WHERE key > 'a' ORDER BY key DESC",
      "SELECT DISTINCT type FROM json_tree('[1,2.5,\"x\",null,true,[],{}]') ORDER BY 1",
      "SELECT value FROM json_each('[3,1,2]') ORDER BY value LIMIT 2",
      "SELECT j.value, t.id FROM json_each('[1,2,3]') AS j JOIN t ON t.id = j.value",
      "SELECT count(*) FROM t, json_each('[1,2,3]')",
      "WITH c(d) AS (SELECT '[1,[2,3]]') SELECT j.* FROM c, json_tree(c.d) AS j",
      "SELECT json_group_array(value) FROM json_each('[[1],{\"a\":2},\"s\",3]')",
      "SELECT json_array(value) FROM json_each('[[1],{\"a\":2},\"s\"]')",
      "SELECT json_object('v', j.value) FROM json_tree('{\"a\":[1,{\"b\":[2]}]}') AS j",
      "SELECT * FROM json_each('[1,2]') AS a, json_each('[3]') AS b",
      "SELECT * FROM json_each('[1,2]') AS a RIGHT JOIN json_each('[2,3]') AS b ON a.value = b.value",
      "SELECT rowid, oid, _rowid_ FROM json_each('[7,8]')",
      "SELECT j.rowid FROM json_tree('[[1]]') AS j",
    ];
    expect(await p.disagreements(sqls, false)).toEqual([]);
  });

  it('generate_series against a model of series.c: arguments, NULLs, steps, hidden arguments in WHERE, joins', async () => {
    const r = new Rng(9);
    const sqls = [
      'SELECT * FROM generate_series(1, 10)',
      'SELECT value FROM generate_series(0, 100, 5)',
      'SELECT value FROM generate_series(0, -100, -5)',
      'SELECT value FROM generate_series(10, 1, -3)',
      'SELECT value FROM generate_series(0, -1)',
      'SELECT value FROM generate_series(5, 5)',
      'SELECT value FROM generate_series(1, 3, 0)',
      'SELECT value FROM generate_series(NULL, 3)',
      'SELECT value FROM generate_series(1, NULL)',
      'SELECT value FROM generate_series(1, 3, NULL)',
      "SELECT value FROM generate_series('2', '6', '2')",
      'SELECT value FROM generate_series WHERE start = 3 AND stop = 6',
      'SELECT t.id, g.value FROM t, generate_series(1, t.n) AS g',
      'SELECT t.id, g.value FROM t LEFT JOIN generate_series(1, t.n) AS g',
      'SELECT t.id FROM t, generate_series(1, 3) AS g WHERE t.id = g.value',
      'SELECT (SELECT sum(value) FROM generate_series(1, t.id)) FROM t',
      'SELECT a.value, b.value FROM generate_series(1, 3) AS a, generate_series(a.value, 3) AS b',
      'SELECT value FROM generate_series(1, 20) WHERE value % 3 = 0',
      'SELECT count(*), sum(value), min(value), max(value) FROM generate_series(-50, 50, 7)',
      'SELECT value FROM generate_series(9223372036854775800, 9223372036854775807, 3)',
      'SELECT value FROM generate_series(-9223372036854775808, -9223372036854775800, 4)',
    ];
    for (let i = 0; i < 120; i++) {
      const a = r.int(-20, 20);
      const b = r.int(-20, 20);
      const s = r.pick([1, 2, 3, -1, -2, -5, 0, 7]);
      const where = r.pick(['', ` WHERE value > ${r.int(-20, 20)}`, ` WHERE value <= ${r.int(-20, 20)}`, ` WHERE value BETWEEN ${r.int(-20, 0)} AND ${r.int(0, 20)}`, ` WHERE value = ${r.int(-20, 20)}`, ` WHERE value >= ${r.int(-20, 20)} AND value < ${r.int(-20, 20)}`, ` WHERE value < ${r.int(-5, 5)}.5`]);
      sqls.push(`SELECT value FROM generate_series(${a}, ${b}, ${s})${where}`);
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('generate_series bounds on value stand in for start and stop, as series.c documents', async () => {
    const rows = async (sql: string): Promise<unknown[][]> => (await p.db.prepare(sql).raw(true).safeIntegers(true).all()) as unknown[][];
    // "SELECT value FROM generate_series($S,$E)" and "... WHERE value BETWEEN $S and $E" are the same.
    for (const [s, e] of [[1n, 10n], [-5n, 5n], [7n, 7n], [3n, 1n]]) {
      expect(await rows(`SELECT value FROM generate_series WHERE value BETWEEN ${s} AND ${e}`)).toEqual(await rows(`SELECT value FROM generate_series(${s}, ${e})`));
    }
    // "generate_series($SA,$EA) WHERE value BETWEEN $SB AND $EB" is generate_series(max($SA,$SB), min($EA,$EB)).
    expect(await rows('SELECT value FROM generate_series(1, 11, 2) WHERE value BETWEEN 4 AND 8')).toEqual([[5n], [7n]]);
    expect(await rows('SELECT value FROM generate_series(20) LIMIT 3')).toEqual([[20n], [21n], [22n]]);
    expect(await rows('SELECT count(*) FROM generate_series(0, 100, 5)')).toEqual([[21n]]);
    // Without start, a lower bound on value starts at the smallest integer; stop stays 4294967295 without an upper one.
    expect(await rows('SELECT value FROM generate_series WHERE value > 9223372036854775805 AND value <= 9223372036854775807')).toEqual([[9223372036854775806n], [9223372036854775807n]]);
    expect(await rows('SELECT value FROM generate_series WHERE value >= -9223372036854775808 AND value < -9223372036854775806')).toEqual([[-9223372036854775808n], [-9223372036854775807n]]);
    expect(await rows('SELECT value FROM generate_series WHERE value > 4294967293')).toEqual([[4294967294n], [4294967295n]]);
    expect(await rows('SELECT value FROM generate_series(9223372036854775807, -9223372036854775808, -9223372036854775808)')).toEqual([[9223372036854775807n], [-1n]]);
    expect(await rows('SELECT start, stop, step FROM generate_series(5) LIMIT 1')).toEqual([[5n, 4294967295n, 1n]]);
    // "The rowid is the same as the value."
    expect(await rows('SELECT value, rowid FROM generate_series(-2, 2, 2)')).toEqual([[-2n, -2n], [0n, 0n], [2n, 2n]]);
    // Bounds on value are handed to the function, which reads them with sqlite3_value_numeric_type.
    expect(await rows("SELECT value FROM generate_series(20, 8, -5) WHERE value > '3'")).toEqual([[20n], [15n], [10n]]);
    await expect(rows('SELECT value FROM generate_series')).rejects.toThrow('first argument to "generate_series()" missing or unusable');
    await expect(rows('SELECT value FROM generate_series WHERE value < -9223372036854775806')).rejects.toThrow('first argument to "generate_series()" missing or unusable');
  });

  it('json_each and generate_series over a table as of an earlier version and on a branch', async () => {
    const db = DB('tvf-time-travel', { storage: 'memory' });
    try {
      await db.exec("CREATE TABLE doc(id INTEGER PRIMARY KEY, body TEXT, n INTEGER); INSERT INTO doc VALUES (1, '{\"tags\":[\"a\",\"b\"]}', 2)");
      const { lsn } = await db.createSnapshot('before');
      await db.exec("UPDATE doc SET body = '{\"tags\":[\"c\"]}', n = 3 WHERE id = 1");
      const q = (asOf: string): string => `SELECT j.value, g.value FROM doc ${asOf} AS d, json_each(d.body, '$.tags') AS j, generate_series(1, d.n) AS g ORDER BY 1, 2`;
      expect(await db.prepare(q(`FOR SYSTEM_TIME AS OF LSN ${lsn}`)).raw(true).all()).toEqual([['a', 1], ['a', 2], ['b', 1], ['b', 2]]);
      expect(await db.prepare(q('')).raw(true).all()).toEqual([['c', 1], ['c', 2], ['c', 3]]);
      expect(await db.prepare(q("FOR SYSTEM_TIME AS OF SNAPSHOT 'before'")).raw(true).all()).toEqual([['a', 1], ['a', 2], ['b', 1], ['b', 2]]);
      await db.branch('tvf-branch');
      await db.checkout('tvf-branch');
      await db.exec("UPDATE doc SET body = '{\"tags\":[\"x\",\"y\",\"z\"]}', n = 1");
      expect(await db.prepare(q('')).raw(true).all()).toEqual([['x', 1], ['y', 1], ['z', 1]]);
      await db.checkout('main');
      expect(await db.prepare(q('')).raw(true).all()).toEqual([['c', 1], ['c', 2], ['c', 3]]);
    } finally {
      await db.close();
    }
  });
});
