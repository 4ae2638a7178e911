// TEXT and names survive every path unchanged (issue 13, item 4): a leading U+FEFF is data
// (SQLite stores and compares it like any character), not a byte-order mark to drop, on the
// row, key, SSTable, columnar and Iceberg paths; and a result column may have any name,
// `__proto__` and the names of Object.prototype included, in every place rows become objects
// (DB(), statements, transactions, time travel, the client, the Worker's JSON, the CLI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { createTimeTravelSession, DB, lsn } from '../src/index.js';
import { rowObjects } from '../src/client/rows.js';
import { encodeParams } from '../src/client/wire.js';
import { decodeParams, encodeResult } from '../src/worker/http-wire.js';
import { decodeBound, encodeBound } from '../src/iceberg/bounds.js';
import { encodeAvroContainer } from '../src/iceberg/avro-container.js';
import { decodeAvroContainer } from '../src/iceberg/avro-reader.js';
import type { AvroSchema } from '../src/iceberg/avro.js';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';
import { executeStatement } from '../src/cli/run-sql.js';
import { formatArrow } from '../src/cli/format-arrow.js';

const BOM = '\uFEFF';
const root = mkdtempSync(join(tmpdir(), 'dosql-text-names-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Values whose leading (or only) character is U+FEFF, and one with it inside. */
const TEXTS = [`${BOM}hello`, BOM, `${BOM}${BOM}x`, `a${BOM}b`, `${BOM}😀`];

/** Names that assignment on a plain object does not store as an own property (or might not). */
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

describe('a leading U+FEFF is kept in TEXT', () => {
  it('reads back, compares and indexes like SQLite, from the memtable, SSTables and columnar runs', async () => {
    const db = DB('bom', { storage: 'memory' });
    const lite = new Database(':memory:');
    const setup = 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v); CREATE TABLE k(v TEXT PRIMARY KEY) WITHOUT ROWID';
    await db.exec(setup);
    lite.exec(setup);
    for (const [i, v] of TEXTS.entries()) {
      await db.run('INSERT INTO t VALUES (?, ?)', [i, v]);
      await db.run('INSERT INTO k VALUES (?)', [v]);
      lite.prepare('INSERT INTO t VALUES (?, ?)').run(i, v);
      lite.prepare('INSERT INTO k VALUES (?)').run(v);
    }
    const queries: [string, string[]][] = [
      ['SELECT id, v, length(v) AS n, hex(v) AS h FROM t ORDER BY id', []],
      ['SELECT v FROM k ORDER BY v', []],
      // the index (key codec) and the primary key of a WITHOUT ROWID table
      ['SELECT id FROM t INDEXED BY t_v WHERE v = ?', [`${BOM}hello`]],
      ['SELECT v FROM t WHERE v > ? ORDER BY v', ['hello']],
      ['SELECT count(*) AS c FROM k WHERE v = ?', [BOM]],
      ["SELECT CAST(x'efbbbf6869' AS TEXT) AS c, length(CAST(x'efbbbf' AS TEXT)) AS n", []],
      ["SELECT date(char(65279) || '2024-01-02') AS d, date(x'efbbbf323032342d30312d3032') AS b, date(x'323032342d30312d3032') AS e", []],
    ];
    const check = async (when: string): Promise<void> => {
      for (const [q, p] of queries) expect(await db.query(q, p), `${when}: ${q}`).toEqual(lite.prepare(q).all(...p));
    };
    await check('memtable');
    const engine = await db.engine();
    await engine.flush();
    await check('sstable');
    await db.compact({ tier: 'cold' });
    expect(engine.stats().cold.tables.length).toBe(2);
    await check('columnar run');
    await db.close();
  });

  it('keeps it in Iceberg string bounds and Avro strings (manifest paths, metadata)', () => {
    for (const v of TEXTS) expect(decodeBound('string', encodeBound('string', v))).toBe(v);
    const schema: AvroSchema = { type: 'record', name: 'r', fields: [{ name: 's', type: 'string' }] };
    const c = decodeAvroContainer(encodeAvroContainer(schema, TEXTS.map((s) => ({ s })), { metadata: { note: `${BOM}m` } }));
    expect(c.records).toEqual(TEXTS.map((s) => ({ s })));
    expect(c.metadata.get('note')).toBe(`${BOM}m`);
  });
});

describe('any column name keeps its value', () => {
  const select = `SELECT ${NAMES.map((n, i) => `${i + 1} AS "${n}"`).join(', ')}`;
  const want = (): Record<string, number> => {
    const o: Record<string, number> = {};
    NAMES.forEach((n, i) => Object.defineProperty(o, n, { value: i + 1, enumerable: true, writable: true, configurable: true }));
    return o;
  };
  const checkRow = (row: unknown, what: string): void => {
    const r = row as Record<string, unknown>;
    expect(Object.getPrototypeOf(r), what).toBe(Object.prototype);
    expect(Object.keys(r), what).toEqual(NAMES);
    for (const [i, n] of NAMES.entries()) expect(Object.getOwnPropertyDescriptor(r, n)?.value, `${what}: ${n}`).toBe(i + 1);
    expect(JSON.parse(JSON.stringify(r)), what).toEqual(JSON.parse(JSON.stringify(want())));
  };

  it('in DB(): query, queryOne, statements, iterate, transactions, time travel and diff', async () => {
    const db = DB('names', { storage: 'memory' });
    checkRow((await db.query(select))[0], 'query');
    checkRow(await db.queryOne(select), 'queryOne');
    checkRow(await db.prepare(select).get(), 'get');
    checkRow((await db.prepare(select).all())[0], 'all');
    for await (const r of db.prepare(select).iterate()) checkRow(r, 'iterate');
    await db.transaction(async (tx) => checkRow(await tx.queryOne(select), 'transaction'));
    await db.exec(`CREATE TABLE w(id INTEGER PRIMARY KEY, "__proto__" TEXT, "constructor" TEXT)`);
    const before = await db.run('INSERT INTO w VALUES (1, ?, ?)', [`${BOM}p`, 'c']);
    const s = await createTimeTravelSession(db, { asOf: lsn(before.lsn) });
    checkRow(await s.queryOne(select), 'time travel');
    const old = await s.queryOne<Record<string, unknown>>('SELECT * FROM w');
    expect(Object.getOwnPropertyDescriptor(old, '__proto__')?.value).toBe(`${BOM}p`);
    await s.close();
    await db.run(`UPDATE w SET "__proto__" = 'q'`);
    const d = await db.diff(lsn(before.lsn), 'main', { table: 'w' });
    expect(JSON.stringify(d.changed)).toBe(`[{"before":{"id":1,"__proto__":"${BOM}p","constructor":"c"},"after":{"id":1,"__proto__":"q","constructor":"c"}}]`);
    // named parameters called like Object.prototype members bind their own value, never an inherited one
    const bound = await db.queryOne<Record<string, unknown>>('SELECT :constructor AS a, :toString AS b, :__proto__ AS c', JSON.parse('{"constructor": 1, "toString": 2, "__proto__": 3}') as Record<string, number>);
    expect(bound).toEqual({ a: 1, b: 2, c: 3 });
    await expect(db.query('SELECT :constructor', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(':constructor') });
    await db.close();
  });

  it('matches better-sqlite3 for every name but __proto__, which better-sqlite3 drops and dosql keeps', async () => {
    const db = DB('names2', { storage: 'memory' });
    const lite = new Database(':memory:');
    const theirs = lite.prepare(select).get() as Record<string, unknown>;
    const mine = (await db.queryOne(select))!;
    expect('__proto__' in theirs && Object.prototype.hasOwnProperty.call(theirs, '__proto__')).toBe(false);
    for (const n of NAMES.filter((x) => x !== '__proto__')) expect(mine[n], n).toEqual(theirs[n]);
    await db.close();
  });

  it('in the client, the Worker JSON (results and parameters) and the CLI formats', async () => {
    const columns = [...NAMES];
    const wireRow = NAMES.map((_, i) => i + 1);
    checkRow(rowObjects(columns, [wireRow], false)[0], 'client');
    const body = JSON.stringify(encodeResult({ columns, rows: [wireRow.map((v) => BigInt(v))], changes: 0, lastInsertRowId: 0n }, { bigints: false, objects: true }));
    checkRow((JSON.parse(body) as { rows: unknown[] }).rows[0], 'worker json');
    // named parameters through the wire both ways
    const params = decodeParams(JSON.parse(JSON.stringify(encodeParams(JSON.parse('{"__proto__": 5, "constructor": 6}') as Record<string, number>))));
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe(5);
    expect(Object.getOwnPropertyDescriptor(params, 'constructor')?.value).toBe(6);
    const db = DB('names3', { storage: 'memory' });
    expect(await db.queryOne('SELECT :__proto__ AS a, :constructor AS b', params)).toEqual({ a: 5, b: 6 });
    // CLI: the time-travel path builds objects; Arrow builds a table from named columns
    await db.exec('CREATE TABLE x(a)');
    const w = await db.run('INSERT INTO x VALUES (1)');
    const session = await createTimeTravelSession(db, { asOf: lsn(w.lsn) });
    const o = await executeStatement(db, select, session);
    expect(o.kind === 'rows' && o.result).toEqual({ columns, rows: [NAMES.map((_, i) => BigInt(i + 1))] });
    await session.close();
    const t = tableFromIPC(formatArrow({ columns, rows: [NAMES.map((_, i) => BigInt(i + 1))] }));
    expect(t.schema.fields.map((f) => f.name)).toEqual(columns);
    await db.close();
  });

  it('through `dosql import` of Parquet and `dosql sql --format json`', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const file = join(root, 'names.parquet');
    await duck.run(`COPY (SELECT 1 AS "__proto__", chr(65279) || 'x' AS "constructor", 'plain' AS "toString") TO '${file}' (FORMAT PARQUET)`);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sink = (to: Buffer[]): Writable => new Writable({ write: (c: Buffer, _e, cb) => (to.push(Buffer.from(c)), cb()) });
    const run = async (args: string[]): Promise<string> => {
      out.length = 0;
      const stdin = new PassThrough();
      stdin.end('');
      const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: root };
      expect(await main(args, io), Buffer.concat(err).toString()).toBe(0);
      return Buffer.concat(out).toString('utf8');
    };
    await run(['import', 'pq', 'names.parquet', '--table', 'n']);
    const rows = JSON.parse(await run(['sql', 'pq', 'SELECT * FROM n', '--format', 'json'])) as Record<string, unknown>[];
    expect(Object.getOwnPropertyDescriptor(rows[0], '__proto__')?.value).toBe(1);
    expect(rows[0]!.constructor).toBe(`${BOM}x`);
    expect(rows[0]!.toString).toBe('plain');
  });
});
