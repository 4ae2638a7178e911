// The sqllogictest runner (scripts/slt): parser, value printing, hashing, records run on the
// better-sqlite3 adapter, and the supervisor's timeout handling.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type SqlEngineAdapter } from '../scripts/slt/adapter.js';
import { loadDosql } from '../scripts/slt/dosql-adapter.js';
import { runSltFile, runSltText, type FileResult } from '../scripts/slt/file-run.js';
import { conditionsAllow, parseSlt } from '../scripts/slt/parser.js';
import { formatRows, hashLine, matchesExpected } from '../scripts/slt/result.js';
import { IsolatedRunner } from '../scripts/slt/supervisor.js';
import { formatFixed3, formatValue, realToText, toInt64 } from '../scripts/slt/value-format.js';

const md5 = (values: string[]): string => createHash('md5').update(values.map((v) => `${v}\n`).join('')).digest('hex');

describe('parseSlt', () => {
  it('reads statements, queries, conditions, thresholds and halt, with LF or CRLF', () => {
    const text = [
      '# a comment',
      'hash-threshold 8',
      '',
      'statement ok',
      'CREATE TABLE t(a,',
      '  b)',
      '',
      'skipif mysql # not compatible',
      'onlyif sqlite',
      'query IT rowsort label-7',
      'SELECT a, b',
      'FROM t',
      '----',
      '1',
      'x',
      '',
      'statement error',
      'SELECT nope',
      '',
      'query R valuesort',
      'SELECT 1',
      '',
      'onlyif mssql',
      'halt',
      '',
    ].join('\r\n');
    const recs = parseSlt(text, 'x.test');
    expect(recs.map((r) => r.kind)).toEqual(['hashThreshold', 'statement', 'query', 'statement', 'query', 'halt']);
    expect(recs[0]).toMatchObject({ threshold: 8, line: 2 });
    expect(recs[1]).toMatchObject({ sql: 'CREATE TABLE t(a,\n  b)', expectError: false, line: 4 });
    expect(recs[2]).toMatchObject({
      types: 'IT',
      sort: 'rowsort',
      label: 'label-7',
      sql: 'SELECT a, b\nFROM t',
      expected: ['1', 'x'],
      line: 10,
      conditions: [
        { kind: 'skipif', engine: 'mysql' },
        { kind: 'onlyif', engine: 'sqlite' },
      ],
    });
    expect(recs[3]).toMatchObject({ expectError: true, sql: 'SELECT nope' });
    expect(recs[4]).toMatchObject({ sort: 'valuesort', sql: 'SELECT 1' });
    expect(recs[4]!.kind === 'query' && recs[4]!.expected).toBe(undefined);
    expect(conditionsAllow(recs[5]!.conditions, 'sqlite')).toBe(false);
    expect(conditionsAllow(recs[2]!.conditions, 'sqlite')).toBe(true);
    expect(conditionsAllow(recs[2]!.conditions, 'mysql')).toBe(false);
  });

  it('rejects a malformed header with file and line', () => {
    expect(() => parseSlt('statement maybe\nSELECT 1\n', 'bad.test')).toThrow(/bad\.test:1/);
  });
});

describe('value printing', () => {
  it('prints I as sqlite3_column_int: CAST AS INTEGER, then the low 32 bits', () => {
    expect(formatValue(3.9, 'I')).toBe('3');
    expect(formatValue(-3.9, 'I')).toBe('-3');
    expect(formatValue('12abc', 'I')).toBe('12');
    expect(formatValue('  -7.5e3', 'I')).toBe('-7');
    expect(formatValue('abc', 'I')).toBe('0');
    expect(formatValue(2n ** 32n + 5n, 'I')).toBe('5');
    expect(formatValue(2n ** 31n, 'I')).toBe('-2147483648');
    expect(formatValue(1e30, 'I')).toBe('-1');
    expect(formatValue(new Uint8Array([0x34, 0x32]), 'I')).toBe('42');
  });

  it('matches SQLite CAST(x AS INTEGER) for reals and text', () => {
    const db = new Database(':memory:');
    const cast = db.prepare('SELECT CAST(? AS INTEGER)').pluck().safeIntegers(true);
    const samples: (number | string)[] = [0.5, -0.5, 1e18, -1e19, 9.3e18, 2 ** 63, -(2 ** 63), 123.999, '  42xyz', '-0012', '+7', '99999999999999999999', '-99999999999999999999', 'x1', '', '1e5', '.5', ' \t9'];
    for (const s of samples) expect(toInt64(s), String(s)).toBe(cast.get(s));
    db.close();
  });

  it('prints R as %.3f and T as text, NULL and empty specially', () => {
    expect(formatValue(1n, 'R')).toBe('1.000');
    expect(formatValue('2.5x', 'R')).toBe('2.500');
    expect(formatValue(-0.0625, 'R')).toBe('-0.063');
    expect(formatValue(null, 'R')).toBe('NULL');
    expect(formatValue(null, 'T')).toBe('NULL');
    expect(formatValue('', 'T')).toBe('(empty)');
    expect(formatValue('a\tb', 'T')).toBe('a@b');
    expect(formatValue('é€😀', 'T')).toBe('@'.repeat(2 + 3 + 4));
    expect(formatValue(new Uint8Array([0x41, 0x00, 0xff]), 'T')).toBe('A@@');
    expect(formatValue(7n, 'T')).toBe('7');
    expect(formatValue(100, 'T')).toBe('100.0');
  });

  it('agrees with SQLite printf for %.3f and %!.15g', () => {
    const db = new Database(':memory:');
    const printf = db.prepare("SELECT printf('%.3f', ?), printf('%!.15g', ?)").raw(true);
    const samples = [0, 1, -1, 0.1, 1 / 3, -2 / 3, 2.0005, 1.0005, 0.0625, 100, 1e15, 1e16, 1e20, 1.5e-5, 1.2345678901234567e25, 123456.789, -98765.4321, 5e-324, 1.7976931348623157e308];
    for (const x of samples) {
      const [f, g] = printf.get(x, x) as [string, string];
      expect(formatFixed3(x), `%.3f of ${x}`).toBe(f);
      expect(realToText(x), `%!.15g of ${x}`).toBe(g);
    }
    db.close();
  });
});

describe('result formatting and hashing', () => {
  const rows = [
    [9n, 'b'],
    [10n, 'a'],
    [null, ''],
  ];

  it('sorts rows by printed strings (strcmp) for rowsort, each value for valuesort', () => {
    expect(formatRows(rows, 'IT', 'nosort')).toEqual(['9', 'b', '10', 'a', 'NULL', '(empty)']);
    expect(formatRows(rows, 'IT', 'rowsort')).toEqual(['10', 'a', '9', 'b', 'NULL', '(empty)']);
    expect(formatRows(rows, 'IT', 'valuesort')).toEqual(['(empty)', '10', '9', 'NULL', 'a', 'b']);
  });

  it('hashes the printed values, each followed by a newline', () => {
    const values = formatRows(rows, 'IT', 'rowsort');
    expect(hashLine(values)).toBe(`6 values hashing to ${md5(['10', 'a', '9', 'b', 'NULL', '(empty)'])}`);
    expect(matchesExpected(values, [hashLine(values)])).toBe(true);
    expect(matchesExpected(values, [`6 values hashing to ${md5(['x'])}`])).toBe(false);
    expect(matchesExpected(values, ['10', 'a', '9', 'b', 'NULL', '(empty)'])).toBe(true);
    expect(matchesExpected(values, ['10', 'a', '9', 'b', 'NULL'])).toBe(false);
  });
});

describe('running records on the sqlite adapter', () => {
  let db: SqlEngineAdapter;
  beforeAll(async () => {
    db = await openEngine('sqlite');
  });
  afterAll(async () => {
    await db.close();
  });

  const run = async (text: string): Promise<FileResult> => runSltText(text, 'inline.test', db);

  it('checks results by value and by hash, and labels against each other', async () => {
    const hashed = md5(['1', 'x', '2', 'y', '3', 'z']);
    const text = `hash-threshold 4

statement ok
CREATE TABLE h(a INTEGER, b TEXT)

statement ok
INSERT INTO h VALUES(2,'y'),(1,'x'),(3,'z')

query IT rowsort label-a
SELECT a, b FROM h
----
6 values hashing to ${hashed}

query IT rowsort label-a
SELECT a, b FROM h WHERE a > 0
----
6 values hashing to ${hashed}

query IT rowsort label-a
SELECT a, b FROM h WHERE a > 1

query I nosort
SELECT a FROM h ORDER BY a
----
1
2
3

query I nosort
SELECT a FROM h ORDER BY a DESC
----
1
2
3

query R nosort
SELECT avg(a) FROM h
----
2.000
`;
    const r = await run(text);
    expect(r.failures.map((f) => [f.line, f.reason])).toEqual([
      [19, 'result differs from the first query labelled label-a'],
      [29, 'wrong result'],
    ]);
    expect(r.failures[1]!.actual).toEqual(['3', '2', '1']);
    expect([r.passed, r.failed, r.skipped]).toEqual([6, 2, 0]);
  });

  it('honours statement ok/error, skipif/onlyif sqlite and halt', async () => {
    const text = `statement ok
CREATE TABLE s(x)

statement error
INSERT INTO nope VALUES(1)

statement error
INSERT INTO s VALUES(1)

skipif sqlite
statement ok
THIS IS NOT SQL

onlyif mysql
query I nosort
SELECT 1
----
2

onlyif sqlite
query I nosort
SELECT count(*) FROM s
----
1

onlyif sqlite
halt

query I nosort
SELECT 'never run'
----
0
`;
    const r = await run(text);
    expect(r.failures.map((f) => [f.line, f.reason])).toEqual([[7, 'statement succeeded but an error was expected']]);
    expect([r.passed, r.failed, r.skipped]).toEqual([3, 1, 2]);
  });

  it('reports a failing query with its error and a column-count mismatch', async () => {
    const r = await run(`query I nosort
SELECT nope
----
1

query I nosort
SELECT 1, 2
----
1
2
`);
    expect(r.failures[0]).toMatchObject({ line: 1, reason: 'query failed', error: expect.stringMatching(/no such column/) });
    expect(r.failures[1]).toMatchObject({ line: 6, reason: 'wrong number of columns: expected 1 (I), got 2' });
  });
});

describe('the dosql adapter', () => {
  it('says clearly when the SQL API is missing', async () => {
    await expect(loadDosql(new URL('../src/errors.js', import.meta.url).href)).rejects.toThrow(/dosql adapter: the dosql SQL API is not available yet: .*errors\.js does not export DB/);
    await expect(loadDosql(new URL('./no-such-module.js', import.meta.url).href)).rejects.toThrow(/dosql adapter: cannot import dosql from/);
  });
});

describe('files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slt-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a file end to end on a fresh sqlite database', async () => {
    const path = join(dir, 'small.test');
    await writeFile(path, 'statement ok\nCREATE TABLE t(a INTEGER, b REAL, c TEXT)\n\nstatement ok\nINSERT INTO t VALUES(1, 2.5, \'one\'), (2, NULL, \'\')\n\nquery IRT rowsort\nSELECT a, b, c FROM t\n----\n1\n2.500\none\n2\nNULL\n(empty)\n');
    const r = await runSltFile(path, 'sqlite');
    expect(r.error).toBe(undefined);
    expect([r.passed, r.failed, r.skipped]).toEqual([3, 0, 0]);
  });

  it('fails a stuck record after the timeout and resumes the file after it', async () => {
    const path = join(dir, 'hang.test');
    const forever = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
    await writeFile(path, `statement ok\nCREATE TABLE t(x)\n\nstatement ok\nINSERT INTO t VALUES(1),(2)\n\nquery I nosort\n${forever}\n----\n1\n\nquery I rowsort\nSELECT x FROM t\n----\n1\n2\n`);
    const runner = new IsolatedRunner({ engine: 'sqlite', timeoutMs: 500 });
    try {
      const r = await runner.runFile(path);
      expect(r.error).toBe(undefined);
      expect([r.passed, r.failed, r.skipped]).toEqual([3, 1, 0]);
      expect(r.failures).toEqual([expect.objectContaining({ line: 7, sql: forever, reason: expect.stringMatching(/^timed out after 0\.5 s/) })]);
    } finally {
      runner.close();
    }
  });

  it('npm run slt runs dosql unless --engine sqlite asks for the reference, and names the engine in the last line', async () => {
    // A failing statement shows which engine ran it: dosql's errors carry dosql's codes.
    const path = join(dir, 'which.test');
    await writeFile(path, 'statement ok\nCREATE TABLE t(a INTEGER)\n\nstatement ok\nSELECT * FROM nosuch\n');
    const slt = async (...args: string[]): Promise<string[]> => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/slt.ts', ...args, path], { cwd: join(import.meta.dirname, '..') });
      return stdout.trimEnd().split('\n');
    };
    const byDefault = await slt();
    expect(byDefault.find((l) => l.includes('error:'))).toMatch(/error: +SQL_ERROR: sql: no such table: nosuch/);
    expect(byDefault.at(-2)).toMatch(/^engine dosql, 1 files, /);
    expect(byDefault.at(-1)).toBe('1 passed, 1 failed, 0 skipped (engine dosql)');
    const reference = await slt('--engine', 'sqlite');
    expect(reference.find((l) => l.includes('error:'))).toMatch(/error: +SQLITE_ERROR: no such table: nosuch/);
    expect(reference.at(-1)).toBe('1 passed, 1 failed, 0 skipped (engine sqlite)');
  });
});
