// External tables: which strings in FROM are locations, the WITH options around an alias,
// globs and Hive folders, local CSV/JSON files through file: URLs, and what is refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDoSQLError } from '../src/errors.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { parseOne } from '../src/sql/parser/index.js';
import { isExternalLocation } from '../src/sql/parser/parse-external.js';
import { globBase, globToRegExp, hivePartitions } from '../src/virtual/glob.js';

describe('syntax', () => {
  it('a string in FROM is a location only when it looks like one', () => {
    for (const s of ['data.parquet', 'x.CSV', 'a/b', 'https://h/x', 'r2://b/k', 'file:x', '*.json', 'logs/2024-??.ndjson']) expect(isExternalLocation(s), s).toBe(true);
    for (const s of ['users', 'my table', 'parquet', 'x.db']) expect(isExternalLocation(s), s).toBe(false);
  });

  it('WITH (options) before or after the alias; FOR SYSTEM_TIME refused', () => {
    const from = (sql: string): unknown => (parseOne(sql).statement as { body: { from: unknown } }).body.from;
    const a = from("SELECT * FROM 'x.csv' WITH (header = false, delimiter = ';') AS t") as { alias: string; external: { options: { name: string }[] } };
    const b = from("SELECT * FROM 'x.csv' t WITH (header = false, delimiter = ';')") as typeof a;
    expect(a.alias).toBe('t');
    expect(b.alias).toBe('t');
    expect(a.external.options.map((o) => o.name)).toEqual(['header', 'delimiter']);
    expect(b.external).toEqual(a.external);
    expect(() => parseOne("SELECT * FROM 'x.csv' FOR SYSTEM_TIME AS OF LSN 3")).toThrow(/has no history/);
  });

  it('globs: * within a segment, ** across any number, the folder to list', () => {
    expect(globToRegExp('/d/*.parquet').test('/d/a.parquet')).toBe(true);
    expect(globToRegExp('/d/*.parquet').test('/d/x/a.parquet')).toBe(false);
    expect(globToRegExp('/d/**/*.parquet').test('/d/a.parquet')).toBe(true);
    expect(globToRegExp('/d/**/*.parquet').test('/d/y=1/m=2/a.parquet')).toBe(true);
    expect(globToRegExp('/d/f?.csv').test('/d/f1.csv')).toBe(true);
    expect(globToRegExp('/d/[ab].csv').test('/d/c.csv')).toBe(false);
    expect(globToRegExp('/d/a+b(1).csv').test('/d/a+b(1).csv')).toBe(true);
    expect(globBase('sales/year=2024/*/x.parquet')).toBe('sales/year=2024/');
  });

  it('Hive folders: every key=value segment, URL-decoded, the Hive NULL', () => {
    expect(hivePartitions('s/year=2024/region=a%2Fb/k=__HIVE_DEFAULT_PARTITION__/f.parquet')).toEqual([
      ['year', '2024'],
      ['region', 'a/b'],
      ['k', null],
    ]);
  });
});

describe('local files', () => {
  let dir: string;
  let db: Database;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dosql-ext-'));
    for (const day of ['2024-01-01', '2024-01-02']) {
      mkdirSync(join(dir, `day=${day}`));
      writeFileSync(join(dir, `day=${day}`, 'log.csv'), `1;ok;${day === '2024-01-01' ? '1.5' : '2'}\n2;fail;3\n`);
    }
    writeFileSync(join(dir, 'events.json'), JSON.stringify([{ a: 1, b: { c: [1, 2] } }, { a: 2.5, d: true }]));
    db = DB('external-syntax', { storage: 'memory' });
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a headerless CSV glob through a file: URL, with text Hive keys', async () => {
    const rows = await db.query(`SELECT column0 AS id, column1 AS s, column2 AS v, typeof(column2) AS t, day FROM 'file://${dir}/*/log.csv' WITH (header = false, delimiter = ';') ORDER BY day, id`);
    expect(rows).toEqual([
      { id: 1, s: 'ok', v: 1.5, t: 'real', day: '2024-01-01' },
      { id: 2, s: 'fail', v: 3, t: 'real', day: '2024-01-01' },
      { id: 1, s: 'ok', v: 2, t: 'integer', day: '2024-01-02' },
      { id: 2, s: 'fail', v: 3, t: 'integer', day: '2024-01-02' },
    ]);
  });

  it('JSON: union of keys, nested values as JSON text, mixed numbers REAL', async () => {
    expect(await db.query(`SELECT a, b, d, json_extract(b, '$.c[1]') AS c1 FROM '${dir}/events.json' ORDER BY a`)).toEqual([
      { a: 1, b: '{"c":[1,2]}', d: null, c1: 2 },
      { a: 2.5, b: null, d: 1, c1: null },
    ]);
  });

  it('a view over an external table is NOT_SUPPORTED; so is mixing it with FOR SYSTEM_TIME', async () => {
    const e = await db.exec(`CREATE VIEW v AS SELECT * FROM '${dir}/events.json'`).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isDoSQLError(e, 'NOT_SUPPORTED'), String(e)).toBe(true);
    await db.exec('CREATE TABLE t (x INTEGER)');
    const f = await db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN 1, '${dir}/events.json'`).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isDoSQLError(f, 'NOT_SUPPORTED'), String(f)).toBe(true);
  });

  it('a partition key that is also a column in the files reads the path value, the one pruning used', async () => {
    for (const k of [1, 2]) {
      mkdirSync(join(dir, 'dup', `k=${k}`), { recursive: true });
      writeFileSync(join(dir, 'dup', `k=${k}`, 'f.csv'), `k,v\n9,${k * 10}\n`);
    }
    expect(await db.query(`SELECT k, v FROM '${dir}/dup/*/f.csv' WHERE k = 2`)).toEqual([{ k: 2, v: 20 }]);
    expect(await db.query(`SELECT * FROM '${dir}/dup/*/f.csv' ORDER BY v`)).toEqual([
      { v: 10, k: 1 },
      { v: 20, k: 2 },
    ]);
  });

  it('too many files for max_files is LIMIT_EXCEEDED', async () => {
    const e = await db.query(`SELECT * FROM '${dir}/day=*/*.csv' WITH (max_files = 1)`).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isDoSQLError(e, 'LIMIT_EXCEEDED') && (e as Error).message).toMatch(/matches 2 files, more than max_files 1/);
  });
});

describe('r2:// over ObjectStores in Node, and the external DB option', () => {
  it('reads a named bucket, and any other bucket name from the cold tier\'s store root', async () => {
    const { MemoryObjectStore } = await import('../src/storage/memory-store.js');
    const named = new MemoryObjectStore();
    const cold = new MemoryObjectStore();
    const enc = new TextEncoder();
    await named.put('exports/a.ndjson', enc.encode('{"k":1}\n{"k":2}\n'));
    await cold.put('logs/day=1/x.csv', enc.encode('k\n10\n'));
    await cold.put('logs/day=2/x.csv', enc.encode('k\n20\n'));
    const db = DB('external-r2', { storage: { hot: new MemoryObjectStore(), cold }, external: { buckets: { named } } });
    try {
      expect(await db.query("SELECT sum(k) AS s FROM 'r2://named/exports/*.ndjson'")).toEqual([{ s: 3 }]);
      expect(await db.query("SELECT day, k FROM 'r2://whatever/logs/**/*.csv' WHERE day >= 2")).toEqual([{ day: 2, k: 20 }]);
    } finally {
      await db.close();
    }
  });

  it('unknown or mistyped external options are INVALID_ARGUMENT naming them', () => {
    const bad = (o: unknown): string => {
      try {
        DB('external-bad', { storage: 'memory', external: o } as never);
      } catch (e) {
        expect(isDoSQLError(e, 'INVALID_ARGUMENT')).toBe(true);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ bucket: {} })).toMatch(/unknown option external\.bucket \(did you mean buckets\?\)/);
    expect(bad({ buckets: { b: {} } })).toMatch(/external\.buckets\.b must be an R2 bucket binding \(env.BUCKET\) or an ObjectStore/);
    expect(bad({ maxBytes: 0 })).toMatch(/external\.maxBytes/);
  });
});

describe('time travel does not apply to external tables', () => {
  it('a time-travel session reads the file as it is now', async () => {
    const { createTimeTravelSession } = await import('../src/sql/api/time-travel-session.js');
    const { lsn } = await import('../src/sql/api/time-points.js');
    const dir = mkdtempSync(join(tmpdir(), 'dosql-ext-tt-'));
    const db = DB('external-tt', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
      writeFileSync(join(dir, 'v.csv'), 'v\nold\n');
      const session = await createTimeTravelSession(db, { asOf: lsn(1) });
      writeFileSync(join(dir, 'v.csv'), 'v\nnew\n');
      expect(await session.query(`SELECT v FROM '${dir}/v.csv'`)).toEqual([{ v: 'new' }]);
      await session.close?.();
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
