// The CLI as sqlite3 and duckdb users expect it: SQL from stdin and -c, .read, .import, .dump
// (loaded by better-sqlite3 into equal tables), .headers, .mode box|markdown|line|csv|json,
// -readonly, a hint to create a missing database, and a database folder that still works
// after it is copied elsewhere and the original removed.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { DB } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-cli-style-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dosql(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => new Writable({ write: (c: Buffer, _e, cb) => (into.push(Buffer.from(c)), cb()) });
  const stdin = new PassThrough();
  stdin.end(input ?? '');
  const code = await main(args, { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: root });
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

const SCHEMA = `CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, qty INTEGER, pic BLOB, note ANY);
CREATE INDEX item_name ON item (name);
CREATE VIEW cheap AS SELECT id, name FROM item WHERE price < 2;`;

beforeAll(async () => {
  const db = DB('shop', { path: join(root, 'shop') });
  await db.exec(SCHEMA);
  const rows: unknown[][] = [
    [1, 'pen', 1.5, 10n, null, 'x'],
    [2, "it's a \"book\"", 2.0, 9007199254740993n, new Uint8Array([0, 255, 16]), 3n],
    [3, 'line\nbreak, comma', -0.25, null, new Uint8Array([]), 2.5],
    [4, 'ünï😀', 1e300, -5n, null, new Uint8Array([1])],
  ];
  for (const r of rows) await db.run('INSERT INTO item VALUES (?, ?, ?, ?, ?, ?)', r as never);
  await db.close();
});

describe('sqlite3-style CLI', () => {
  it('.dump writes SQL that better-sqlite3 loads into equal tables', async () => {
    const r = await dosql(['shell', 'shop', '-c', '.dump']);
    expect(r.code, r.err).toBe(0);
    const lite = new Database(':memory:');
    lite.defaultSafeIntegers(true);
    lite.exec(r.out);
    const db = DB('shop', { path: join(root, 'shop'), readonly: true });
    const want = await db.query('SELECT * FROM item ORDER BY id', undefined, { safeIntegers: true });
    const got = lite.prepare('SELECT * FROM item ORDER BY id').all() as Record<string, unknown>[];
    expect(got.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? new Uint8Array(v) : v])))).toEqual(want);
    // Storage classes survive: REAL 2.0 stays REAL, INTEGER stays INTEGER.
    expect(lite.prepare('SELECT typeof(price) AS p, typeof(qty) AS q, typeof(note) AS n FROM item ORDER BY id').all()).toEqual(
      (await db.query<{ p: string; q: string; n: string }>('SELECT typeof(price) AS p, typeof(qty) AS q, typeof(note) AS n FROM item ORDER BY id')),
    );
    expect(lite.prepare("SELECT name FROM sqlite_schema WHERE type IN ('index', 'view') ORDER BY name").pluck().all()).toEqual(['cheap', 'item_name']);
    expect(lite.prepare('SELECT * FROM cheap ORDER BY id').all()).toEqual(await db.query('SELECT * FROM cheap ORDER BY id', undefined, { safeIntegers: true }));
    await db.close();
    lite.close();
  });

  it('takes SQL from stdin and from -c', async () => {
    let r = await dosql(['sql', 'shop', '--format', 'json'], 'SELECT id FROM item WHERE id < 3 ORDER BY id;\nSELECT count(*) AS n FROM item');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('[\n{"id":1},\n{"id":2}\n]\n[\n{"n":4}\n]\n');
    r = await dosql(['sql', 'shop', '-c', 'SELECT name FROM item WHERE id = 1', '-csv']);
    expect(r.out).toBe('name\r\npen\r\n');
    r = await dosql(['sql', 'shop', '-'], 'SELECT 1 AS one');
    expect(r.out).toContain('one');
    // sqlite3 reads a script (dot commands included) from stdin into the shell.
    r = await dosql(['shell', 'shop'], '.mode csv\n.headers off\nSELECT id, price FROM item ORDER BY id LIMIT 2;\n');
    expect(r.out).toBe('1,1.5\r\n2,2.0\r\n');
  });

  it('prints the box, markdown, line and csv modes, with and without headers', async () => {
    const q = 'SELECT id, name, price FROM item WHERE id IN (1, 4) ORDER BY id;';
    const run = async (lines: string): Promise<string> => {
      const r = await dosql(['shell', 'shop'], `${lines}\n${q}\n`);
      expect(r.code, r.err).toBe(0);
      return r.out;
    };
    expect(await run('.mode box')).toBe(['┌────┬──────┬────────┐', '│ id │ name │ price  │', '├────┼──────┼────────┤', '│  1 │ pen  │    1.5 │', '│  4 │ ünï😀 │ 1e+300 │', '└────┴──────┴────────┘', ''].join('\n'));
    expect(await run('.mode markdown')).toBe(['| id  | name | price  |', '|----:|:-----|-------:|', '|   1 | pen  |    1.5 |', '|   4 | ünï😀 | 1e+300 |', ''].join('\n'));
    expect(await run('.mode markdown\n.headers off')).toBe(['|   1 | pen  |    1.5 |', '|   4 | ünï😀 | 1e+300 |', ''].join('\n'));
    expect(await run('.mode line')).toBe(['   id = 1', ' name = pen', 'price = 1.5', '', '   id = 4', ' name = ünï😀', 'price = 1e+300', ''].join('\n'));
    expect(await run('.mode csv')).toBe('id,name,price\r\n1,pen,1.5\r\n4,ünï😀,1e+300\r\n');
    expect(await run('.mode json')).toBe('[\n{"id":1,"name":"pen","price":1.5},\n{"id":4,"name":"ünï😀","price":1e+300}\n]\n');
  });

  it('runs .read and .import', async () => {
    writeFileSync(join(root, 'people.csv'), 'name,age\nann,31\n"bo, jr",7\n');
    writeFileSync(join(root, 'script.sql'), ".mode csv\n.import people.csv people\nINSERT INTO people VALUES ('cy', '40');\nSELECT name, age FROM people ORDER BY name;\n");
    const r = await dosql(['shell', 'imp'], '.read script.sql\n.import people.csv people\nSELECT count(*) AS n FROM people;\n');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('name,age\r\nann,31\r\n"bo, jr",7\r\ncy,40\r\nn\r\n6\r\n');
    // A record of the wrong width fails the whole import.
    writeFileSync(join(root, 'bad.csv'), 'dee,1\neve\n');
    const bad = await dosql(['shell', 'imp'], '.import bad.csv people\nSELECT count(*) FROM people;\n');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('record 2');
    expect(bad.out).toContain('6');
  });

  it('opens -readonly without writing, and hints how to create a missing database', async () => {
    let r = await dosql(['sql', 'shop', '-readonly', '-c', 'DELETE FROM item']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('READ_ONLY');
    r = await dosql(['shell', 'shop', '-readonly'], 'SELECT count(*) AS n FROM item;\nDELETE FROM item;\n');
    expect(r.out).toContain('4');
    expect(r.err).toContain('READ_ONLY');
    r = await dosql(['sql', 'shop', '-c', 'SELECT count(*) AS n FROM item', '-json']);
    expect(r.out).toBe('[\n{"n":4}\n]\n');
    r = await dosql(['sql', 'nothere', '-c', 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--create');
    expect(readdirSync(root)).not.toContain('nothere');
    r = await dosql(['shell', 'nothere2', '-readonly'], 'SELECT 1;');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no database at');
  });

  it('works from a copy of the folder once the original is gone', async () => {
    const db = DB('orig', { path: join(root, 'orig') });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 40; i++) await db.run('INSERT INTO t (v) VALUES (?)', [`cold ${i}`]);
    await db.compact({ full: true, tier: 'cold' });
    for (let i = 0; i < 10; i++) await db.run('INSERT INTO t (v) VALUES (?)', [`hot ${i}`]);
    const want = await db.query('SELECT * FROM t ORDER BY id');
    await db.close();
    cpSync(join(root, 'orig'), join(root, 'moved'), { recursive: true });
    rmSync(join(root, 'orig'), { recursive: true, force: true });
    // Nothing the engine opens names the old folder (Iceberg metadata, written for other
    // engines, records absolute file URLs by the Iceberg spec, and is rewritten on publish).
    const files = readdirSync(join(root, 'moved'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && !d.parentPath.includes(join('cold', 'warehouse')));
    for (const f of files) expect(readFileSync(join(f.parentPath, f.name)).includes(join(root, 'orig')), f.name).toBe(false);
    const r = await dosql(['sql', 'moved', '-c', 'SELECT * FROM t ORDER BY id', '-json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual(want);
    // The copy publishes Iceberg snapshots at its own location.
    const moved = DB('moved', { path: join(root, 'moved') });
    await moved.run("INSERT INTO t (v) VALUES ('after move')");
    await moved.compact({ full: true, tier: 'cold' });
    const meta = readdirSync(join(root, 'moved', 'cold', 'warehouse', 'default', 't', 'metadata')).filter((n) => n.endsWith('.metadata.json')).sort((a, b) => parseInt(a.slice(1)) - parseInt(b.slice(1))).at(-1)!;
    const text = readFileSync(join(root, 'moved', 'cold', 'warehouse', 'default', 't', 'metadata', meta), 'utf8');
    expect(JSON.parse(text).location).toContain(join(root, 'moved'));
    expect(await moved.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 51 }]);
    await moved.close();
  });
});
