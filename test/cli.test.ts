// The dosql command line, run in-process through main(argv, io) with captured output on
// temporary folders: import (CSV, NDJSON, JSON, Parquet written by DuckDB and compared with
// DuckDB's own read of the file), sql in every format and --as-of, the shell, compact,
// stats, snapshots, branches, iceberg, and the exit codes of bad arguments, missing files
// and a corrupt database.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Writable } from 'node:stream';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';
import { parseCsv } from '../src/cli/csv-reader.js';
import { DB } from '../src/node/db.js';
import { icebergRead } from 'icebird';

const root = mkdtempSync(join(tmpdir(), 'dosql-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
  bytes: Buffer;
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
}

/** Runs `dosql ...args` in `root` with stdin holding `input`. */
async function dosql(args: string[], options: { input?: string; tty?: boolean } = {}): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdin = new PassThrough();
  if (options.tty) (stdin as PassThrough & { isTTY?: boolean }).isTTY = true;
  stdin.end(options.input ?? '');
  const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: join(root, 'home') };
  const code = await main(args, io);
  const bytes = Buffer.concat(out);
  return { code, out: bytes.toString('utf8'), err: Buffer.concat(err).toString('utf8'), bytes };
}

async function json(db: string, sql: string, extra: string[] = []): Promise<Record<string, unknown>[]> {
  const r = await dosql(['sql', db, sql, '--format', 'json', ...extra]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>[];
}

type Duck = { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>; run(sql: string): Promise<unknown> };
let duck: Duck;

beforeAll(async () => {
  mkdirSync(join(root, 'home'));
  const { DuckDBInstance } = await import('@duckdb/node-api');
  duck = (await (await DuckDBInstance.create(':memory:')).connect()) as unknown as Duck;
});

/**
 * Runs `fn` with a global fetch that also reads file:// URLs (with HTTP ranges), as the
 * Iceberg metadata a CLI database publishes names its files by file:// URL.
 */
async function withFileFetch<T>(fn: () => Promise<T>): Promise<T> {
  const real = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:')) return real(input, init);
    const data = readFileSync(fileURLToPath(url));
    const range = /bytes=(\d+)-(\d*)/.exec(new Headers(init?.headers).get('range') ?? '');
    if (!range) return new Response(data);
    const start = Number(range[1]);
    const end = range[2] ? Number(range[2]) : data.length - 1;
    return new Response(data.subarray(start, end + 1), { status: 206, headers: { 'content-range': `bytes ${start}-${end}/${data.length}` } });
  }) as typeof fetch;
  try {
    return await fn();
  } finally {
    globalThis.fetch = real;
  }
}

/** DuckDB values as the CLI's JSON shows them: bigint as number. */
const plain = (rows: Record<string, unknown>[]): Record<string, unknown>[] => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));

describe('dosql import', () => {
  it('imports a CSV with an inferred schema and a primary key; rows match DuckDB read_csv', async () => {
    const csv = 'id,name,score,note\r\n1,"Smith, J.",1.5,"said ""hi"""\r\n2,plain,,\r\n3,"two\nlines",3,x\r\n4,"",-2.25,y\r\n';
    writeFileSync(join(root, 'people.csv'), csv);
    const r = await dosql(['import', 'csvdb', 'people.csv', '--table', 'people', '--pk', 'id']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^imported 4 rows into people \(created\)/);
    const mine = await json('csvdb', 'SELECT * FROM people ORDER BY id');
    const theirs = (await duck.runAndReadAll(`SELECT * FROM read_csv('${join(root, 'people.csv')}', header = true, allow_quoted_nulls = false) ORDER BY id`)).getRowObjectsJS();
    expect(mine).toEqual(plain(theirs));
    // The inferred types, and id as the rowid alias.
    expect(await json('csvdb', 'SELECT typeof(id) AS i, typeof(score) AS s, typeof(note) AS n, rowid = id AS alias FROM people WHERE id = 1')).toEqual([{ i: 'integer', s: 'real', n: 'text', alias: 1 }]);
    // Appending to the existing table (its columns), in batches of 2.
    writeFileSync(join(root, 'more.csv'), 'name,id\nlate,10\nlater,11\nlatest,12\n');
    const again = await dosql(['import', 'csvdb', 'more.csv', '--table', 'people', '--batch', '2']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^imported 3 rows into people in/);
    expect(await json('csvdb', 'SELECT id, name FROM people WHERE id >= 10 ORDER BY id')).toEqual([
      { id: 10, name: 'late' },
      { id: 11, name: 'later' },
      { id: 12, name: 'latest' },
    ]);
  });

  it('imports TSV without a header into a table given by --schema', async () => {
    writeFileSync(join(root, 'pairs.tsv'), 'a\t1\nb\t2\n');
    const r = await dosql(['import', 'tsvdb', 'pairs.tsv', '--table', 'pairs', '--no-header', '--schema', 'k TEXT, v INTEGER']);
    expect(r.code).toBe(0);
    expect(await json('tsvdb', 'SELECT k, v, typeof(v) AS t FROM pairs ORDER BY k')).toEqual([
      { k: 'a', v: 1, t: 'integer' },
      { k: 'b', v: 2, t: 'integer' },
    ]);
  });

  it('imports NDJSON and a JSON array: numbers, booleans, nulls, nested values as JSON text', async () => {
    const rows = [
      { id: 1, name: 'a', ok: true, price: 2.5, tags: ['x', 'y'] },
      { id: 2, name: 'b', ok: false, price: 3, tags: null },
      { id: 3, name: null, ok: true, price: null, meta: { deep: { n: 1 } } },
    ];
    writeFileSync(join(root, 'items.ndjson'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    writeFileSync(join(root, 'items.json'), JSON.stringify(rows, null, 2));
    for (const [file, db] of [
      ['items.ndjson', 'ndjsondb'],
      ['items.json', 'jsondb'],
    ]) {
      const r = await dosql(['import', db!, file!, '--table', 'items', '--pk', 'id', '--create-sql', 'CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, ok INTEGER, price REAL, tags TEXT, meta TEXT)']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(await json(db!, 'SELECT * FROM items ORDER BY id')).toEqual(
        rows.map((o) => ({
          id: o.id,
          name: o.name,
          ok: o.ok ? 1 : 0,
          price: o.price,
          tags: 'tags' in o && o.tags ? JSON.stringify(o.tags) : null,
          meta: 'meta' in o ? JSON.stringify(o.meta) : null,
        })),
      );
    }
    // Inferred: keys of the sampled rows in order of first appearance. A .json file holding
    // one object per line is read as NDJSON.
    writeFileSync(join(root, 'lines.json'), readFileSync(join(root, 'items.ndjson')));
    const r = await dosql(['import', 'ndjson2', 'lines.json', '--table', 'items']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const cols = (await dosql(['sql', 'ndjson2', 'SELECT * FROM items LIMIT 0', '--format', 'csv'])).out.trim();
    expect(cols).toBe('id,name,ok,price,tags,meta');
    expect(await json('ndjson2', 'SELECT typeof(id) AS a, typeof(price) AS b, typeof(tags) AS c FROM items WHERE id = 1')).toEqual([{ a: 'integer', b: 'real', c: 'text' }]);
  });

  it('imports a ZSTD Parquet file with several row groups; rows match DuckDB read_parquet', async () => {
    const file = join(root, 'events.parquet');
    await duck.run(
      `COPY (SELECT i AS id, 'name ' || i AS name, i * 1.25 AS score, (i % 7)::INTEGER AS small, DATE '2024-01-01' + (i % 300)::INTEGER AS day,
        TIMESTAMP '2024-01-01 10:00:00' + INTERVAL (i) SECOND AS ts, i % 2 = 0 AS flag, CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS maybe
        FROM range(5000) t(i)) TO '${file}' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1000)`,
    );
    const r = await dosql(['import', 'pqdb', 'events.parquet', '--table', 'events', '--pk', 'id', '--batch', '1500']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^imported 5,000 rows into events \(created\)/);
    const mine = await json('pqdb', 'SELECT * FROM events ORDER BY id');
    const theirs = (
      await duck.runAndReadAll(
        `SELECT id, name, score::DOUBLE AS score, small, strftime(day, '%Y-%m-%d') AS day, strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, flag::INTEGER AS flag, maybe
         FROM read_parquet('${file}') ORDER BY id`,
      )
    ).getRowObjectsJS();
    expect(mine).toHaveLength(5000);
    expect(mine).toEqual(plain(theirs));
    expect(await json('pqdb', 'SELECT typeof(id) AS a, typeof(score) AS b, typeof(day) AS c FROM events LIMIT 1')).toEqual([{ a: 'integer', b: 'real', c: 'text' }]);
  });

  it('reports file problems: missing file (exit 1, the path), unknown format and missing --table (exit 2), ragged CSV (exit 1)', async () => {
    let r = await dosql(['import', 'x', 'nope.csv', '--table', 't']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`NOT_FOUND: import: no such file: ${join(root, 'nope.csv')}`);
    writeFileSync(join(root, 'data.txt'), 'a\n');
    r = await dosql(['import', 'x', 'data.txt', '--table', 't']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--format');
    r = await dosql(['import', 'x', 'people.csv']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--table is required');
    expect(r.err).toContain('usage: dosql import');
    writeFileSync(join(root, 'ragged.csv'), 'a,b\n1,2\n3\n');
    r = await dosql(['import', 'raggeddb', 'ragged.csv', '--table', 't']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('INVALID_ARGUMENT: csv:');
    expect(r.err).toContain('record 3 has 1 field');
    writeFileSync(join(root, 'extra.csv'), 'id,nosuch\n1,2\n');
    r = await dosql(['import', 'csvdb', 'extra.csv', '--table', 'people']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('table people has no column "nosuch"');
  });
});

describe('dosql sql', () => {
  beforeAll(async () => {
    const r = await dosql(['sql', 'shop', 'CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, price REAL); INSERT INTO item VALUES (1, \'pen\', 1.5), (2, \'ink, "blue"\', 3)', '--create']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('prints a table, JSON, CSV and Arrow', async () => {
    const t = await dosql(['sql', 'shop', 'SELECT id, name, price FROM item ORDER BY id']);
    expect(t.out).toBe([' id | name        | price', '----+-------------+-------', '  1 | pen         |   1.5', '  2 | ink, "blue" |   3.0', '(2 rows)', ''].join('\n'));
    expect(await json('shop', 'SELECT id, name, price FROM item ORDER BY id')).toEqual([
      { id: 1, name: 'pen', price: 1.5 },
      { id: 2, name: 'ink, "blue"', price: 3 },
    ]);
    const c = await dosql(['sql', 'shop', 'SELECT id, name, price FROM item ORDER BY id', '--format', 'csv']);
    expect(parseCsv(c.out)).toEqual([
      ['id', 'name', 'price'],
      ['1', 'pen', '1.5'],
      ['2', 'ink, "blue"', '3.0'],
    ]);
    const a = await dosql(['sql', 'shop', 'SELECT id, name, price FROM item ORDER BY id', '--format', 'arrow']);
    expect(a.code).toBe(0);
    const table = tableFromIPC(a.bytes);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Utf8', 'Float64']);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([
      { id: 1n, name: 'pen', price: 1.5 },
      { id: 2n, name: 'ink, "blue"', price: 3 },
    ]);
  });

  it('runs several statements; writes report changes and LSNs', async () => {
    const r = await dosql(['sql', 'shop', "UPDATE item SET price = price * 2 WHERE id = 1; SELECT price FROM item WHERE id = 1"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^changes: 1, lsn: \d+\n price\n-------\n   3\.0\n\(1 row\)\n$/);
    // In machine formats the change line goes to stderr.
    const j = await dosql(['sql', 'shop', 'UPDATE item SET price = price / 2 WHERE id = 1', '--format', 'json']);
    expect(j.out).toBe('');
    expect(j.err).toMatch(/^changes: 1, lsn: \d+\n$/);
  });

  it('reads the past with --as-of lsn:N, snapshot:NAME and ts:ISO', async () => {
    await dosql(['sql', 'tt', 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)', '--create']);
    const first = await dosql(['sql', 'tt', "INSERT INTO t VALUES (1, 'old')"]);
    const lsn = Number(/lsn: (\d+)/.exec(first.out)![1]);
    const snap = await dosql(['snapshots', 'tt', '--create', 'before-update']);
    expect(snap.out).toBe(`created snapshot before-update at LSN ${lsn} on main\n`);
    await new Promise((r) => setTimeout(r, 20));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await dosql(['sql', 'tt', "UPDATE t SET v = 'new'; INSERT INTO t VALUES (2, 'two')"]);
    expect(await json('tt', 'SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'new' },
      { id: 2, v: 'two' },
    ]);
    for (const p of [`lsn:${lsn}`, 'snapshot:before-update', `ts:${mid}`]) expect(await json('tt', 'SELECT * FROM t ORDER BY id', ['--as-of', p])).toEqual([{ id: 1, v: 'old' }]);
    // Before the first commit: no rows, columns still known.
    const empty = await dosql(['sql', 'tt', 'SELECT id, v FROM t', '--as-of', `lsn:${lsn - 1}`, '--format', 'csv']);
    expect(empty.out).toBe('id,v\r\n');
    // Read-only.
    const w = await dosql(['sql', 'tt', 'DELETE FROM t', '--as-of', `lsn:${lsn}`]);
    expect(w.code).toBe(1);
    expect(w.err).toContain('SQL_ERROR');
    const bad = await dosql(['sql', 'tt', 'SELECT 1', '--as-of', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--as-of must be');
  });

  it('runs on a branch with --branch', async () => {
    expect((await dosql(['branches', 'tt', '--create', 'exp'])).code).toBe(0);
    await dosql(['sql', 'tt', "UPDATE t SET v = 'branch' WHERE id = 1", '--branch', 'exp']);
    expect(await json('tt', 'SELECT v FROM t WHERE id = 1', ['--branch', 'exp'])).toEqual([{ v: 'branch' }]);
    expect(await json('tt', 'SELECT v FROM t WHERE id = 1')).toEqual([{ v: 'new' }]);
    const list = await dosql(['branches', 'tt', '--format', 'json']);
    expect((JSON.parse(list.out) as { name: string }[]).map((b) => b.name)).toEqual(['main', 'exp']);
    const del = await dosql(['branches', 'tt', '--delete', 'exp']);
    expect(del.code).toBe(1);
    expect(del.err).toContain('unmerged');
    expect((await dosql(['branches', 'tt', '--delete', 'exp', '--force'])).code).toBe(0);
  });

  it('exit codes: bad arguments 2 with usage, SQL errors 1 with the code, a missing database 1 with its path', async () => {
    let r = await dosql(['sql', 'shop']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: dosql sql');
    r = await dosql(['sql', 'shop', 'SELECT 1', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--format must be one of table, box, markdown, line, json, csv, arrow');
    r = await dosql(['sql', 'shop', 'SELECT 1', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown option '--bogus'");
    r = await dosql(['frobnicate']);
    expect(r.code).toBe(2);
    r = await dosql(['sql', 'shop', 'SELEC 1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^dosql: SQL_SYNTAX: /);
    r = await dosql(['sql', 'shop', 'SELECT * FROM nosuch']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('SQL_ERROR: sql: no such table: nosuch');
    r = await dosql(['sql', 'missing-db', 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`dosql: NOT_FOUND: cli: no database at ${join(root, 'missing-db')}; create one with \`dosql sql missing-db --create "CREATE TABLE ..."\` or \`dosql shell missing-db\`\n`);
    r = await dosql(['sql', 'shop', 'SELECT 1; SELECT 2', '--format', 'arrow']);
    expect(r.code).toBe(1);
    expect((await dosql(['help'])).code).toBe(0);
    expect((await dosql(['sql', '--help'])).out).toContain('--as-of');
  });

  it('reports a corrupt database with its DoSQLError code (exit 1)', async () => {
    await dosql(['sql', 'broken', 'CREATE TABLE t(a)', '--create']);
    const dir = join(root, 'broken', 'manifest');
    for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'garbage, not a manifest');
    const r = await dosql(['sql', 'broken', 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^dosql: CORRUPTION: manifest: corruption in manifest\/\d+\.manifest at offset \d+/);
  });
});

describe('dosql shell', () => {
  it('runs multi-line statements and dot commands from piped input', async () => {
    const input = ['CREATE TABLE t(a INTEGER, b TEXT);', 'INSERT INTO t VALUES', "  (1, 'x;y'),", "  (2, 'z');", '.tables', '.schema t', '.timing on', 'SELECT count(*) AS n', 'FROM t;', '.timing off', '.format json', 'SELECT a FROM t ORDER BY a;', '.quit', 'SELECT 99;'].join('\n');
    const r = await dosql(['shell', 'shelldb'], { input });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('changes: 2, lsn:');
    expect(r.out).toContain('\nt\n');
    expect(r.out).toContain('CREATE TABLE t(a INTEGER, b TEXT);');
    expect(r.out).toMatch(/ n\n---\n 2\n\(1 row\)\nRun Time: /);
    expect(r.out).toContain('[\n{"a":1},\n{"a":2}\n]');
    expect(r.out).not.toContain('99');
  });

  it('keeps going after an error and exits 1 for piped input; keeps history for a terminal', async () => {
    const r = await dosql(['shell', 'shelldb'], { input: 'SELECT * FROM nosuch;\n.bogus\nSELECT 7 AS x;\nSELECT 1' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: SQL_ERROR: sql: no such table: nosuch');
    expect(r.err).toContain('unknown command .bogus');
    expect(r.err).toContain('incomplete statement');
    expect(r.out).toContain(' x\n---\n 7\n');
    const t = await dosql(['shell', 'shelldb'], { input: 'SELECT 1;\n.tables\n', tty: true });
    expect(t.code).toBe(0);
    expect(readFileSync(join(root, 'home', '.dosql_history'), 'utf8')).toBe('SELECT 1;\n.tables\n');
  });
});

describe('dosql compact, stats, snapshots, iceberg', () => {
  it('compacts (full), then shows levels; the stats before any cold compaction show no cold runs', async () => {
    const r = await dosql(['compact', 'shop', '--full']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^compacted \(full\) in /);
    expect(r.out).not.toContain('published');
    const s = await dosql(['stats', 'shop', '--format', 'json']);
    const stats = JSON.parse(s.out) as { files: number; levels: { files: number }[]; cold: { runs: { files: number } } };
    expect(stats.files).toBeGreaterThan(0);
    expect(stats.levels.reduce((a, l) => a + l.files, 0)).toBe(stats.files);
    expect(stats.cold.runs.files).toBe(0);
  });

  it('compact --cold builds the cold tier (columnar runs, as db.compact({ tier: "cold" })) and publishes Iceberg snapshots', async () => {
    const before = await json('shop', 'SELECT id, name, price FROM item ORDER BY id');
    const r = await dosql(['compact', 'shop', '--cold']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^compacted \(cold\) in /);
    const pub = /published item: Iceberg snapshot (\d+) at LSN (\d+)/.exec(r.out);
    expect(pub).not.toBeNull();
    expect(r.out).toContain(`warehouse: file://${join(root, 'shop', 'cold', 'warehouse')}`);

    // The engine itself, opened through the API, holds the rows in columnar runs now.
    const db = DB('shop', { path: join(root, 'shop') });
    try {
      const cold = (await db.engine()).stats().cold;
      expect(cold.files).toBeGreaterThan(0);
      expect(cold.rows).toBeGreaterThanOrEqual(before.length);
    } finally {
      await db.close();
    }
    expect(await json('shop', 'SELECT id, name, price FROM item ORDER BY id')).toEqual(before);

    const s = await dosql(['stats', 'shop', '--format', 'json']);
    expect(s.code).toBe(0);
    const stats = JSON.parse(s.out) as { cold: { runs: { files: number; bytes: number; rows: number }; tables: { table: string; snapshots: number; latestLsn: number }[]; bytes: number } };
    expect(stats.cold.runs.files).toBeGreaterThan(0);
    expect(stats.cold.runs.bytes).toBeGreaterThan(0);
    expect(stats.cold.runs.rows).toBeGreaterThanOrEqual(before.length);
    expect(stats.cold.tables).toEqual([expect.objectContaining({ table: 'item', snapshots: 1, latestLsn: Number(pub![2]) })]);
    expect(stats.cold.bytes).toBeGreaterThan(0);
    const text = await dosql(['stats', 'shop']);
    expect(text.out).toContain('amplification space');
    expect(text.out).toMatch(/ level \| runs \| files \| bytes/);
    expect(text.out).toMatch(/cold tier +[1-9]\d* columnar runs?, /);

    const ice = await dosql(['iceberg', 'shop', '--format', 'json']);
    const snaps = JSON.parse(ice.out) as { table: string; snapshot: string; lsn: number; metadata: string }[];
    expect(snaps).toEqual([expect.objectContaining({ table: 'item', snapshot: pub![1], lsn: Number(pub![2]) })]);
    expect(snaps[0]!.metadata).toMatch(/^file:\/\/.*\/cold\/warehouse\/default\/item\/metadata\/v\d+\.metadata\.json$/);
    const iceText = await dosql(['iceberg', 'shop', '--table', 'item']);
    expect(iceText.out).toContain('latest metadata per table');
    expect((await dosql(['iceberg', 'shop', '--table', 'nosuch'])).code).toBe(1);

    // An Iceberg reader (icebird) of the published snapshot sees the same rows: the columnar
    // runs referenced in place, less their position deletes.
    const metadataFileName = snaps[0]!.metadata.split('/').pop()!;
    const tableUrl = `file://${join(root, 'shop', 'cold', 'warehouse', 'default', 'item')}`;
    const rows = await withFileFetch(() => icebergRead({ tableUrl, metadataFileName }));
    expect(plain(rows as Record<string, unknown>[]).map(({ id, name, price }) => ({ id, name, price })).sort((a, b) => Number(a.id) - Number(b.id))).toEqual(before);
  });

  it('lists, creates and deletes snapshots; refuses commands on a missing database', async () => {
    expect((await dosql(['snapshots', 'shop', '--create'])).out).toMatch(/^created snapshot main@1 at LSN \d+ on main\n$/);
    const list = parseCsv((await dosql(['snapshots', 'shop', '--format', 'csv'])).out);
    expect(list[0]).toEqual(['name', 'branch', 'lsn', 'created']);
    expect(list[1]!.slice(0, 2)).toEqual(['main@1', 'main']);
    expect((await dosql(['snapshots', 'shop', '--delete', 'main@1'])).code).toBe(0);
    expect((await dosql(['snapshots', 'shop', '--delete', 'main@1'])).err).toContain('NOT_FOUND');
    for (const cmd of ['stats', 'compact', 'snapshots', 'branches', 'iceberg']) {
      const r = await dosql([cmd, 'nowhere']);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`no database at ${join(root, 'nowhere')}`);
    }
  });
});

describe('dosql bench', () => {
  it('rejects unknown benchmarks and bad --scale (exit 2)', async () => {
    let r = await dosql(['bench', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown benchmark "nope"');
    r = await dosql(['bench', 'all', '--scale', '-1']);
    expect(r.code).toBe(2);
    r = await dosql(['bench']);
    expect(r.code).toBe(2);
  });
});
