// Arrow output from the embedded API and the CLI, one encoder (src/util/arrow-result.ts): every
// value of an Arrow result equals the row API's (safeIntegers) value at the same place, with
// each SQLite storage class mapped to its documented Arrow type and mixed columns as dense
// unions; `dosql sql --format arrow` writes the same table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB, type Database } from '../src/index.js';
import { main } from '../src/cli/main.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-arrow-'));
let db: Database;
beforeAll(async () => {
  db = DB('arrowdb', { path: join(root, 'arrowdb') });
  await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, m ANY, n TEXT)');
  const rows: unknown[][] = [
    [1, 9007199254740993n, 1.5, 'a', new Uint8Array([1, 2]), 7n, null],
    [2, -3n, 2.0, 'é😀', new Uint8Array([]), 2.25, null],
    [3, null, null, null, null, 'text', null],
    [4, 0n, -0.5, '', new Uint8Array([255]), new Uint8Array([9, 8]), null],
    [5, 42n, 1e300, 'z', null, null, null],
  ];
  for (const r of rows) await db.run('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)', r as never);
});
afterAll(async () => {
  await db.close();
  rmSync(root, { recursive: true, force: true });
});

/** Asserts every cell of `t` equals the row API's value (INTEGER as bigint). */
async function sameAsRows(t: Table, sql: string): Promise<void> {
  const rows = await db.query<Record<string, unknown>>(sql, undefined, { safeIntegers: true });
  expect(t.numRows).toBe(rows.length);
  const names = t.schema.fields.map((f) => f.name);
  expect(names).toEqual(Object.keys(rows[0]!));
  rows.forEach((row, r) => {
    for (const name of names) {
      const got = t.getChild(name)!.get(r);
      const want = row[name];
      if (want instanceof Uint8Array) expect(Uint8Array.from(got as Uint8Array), `${name}[${r}]`).toEqual(want);
      else expect(got, `${name}[${r}]`).toStrictEqual(want);
    }
  });
}

const SQL = 'SELECT * FROM t ORDER BY id';

describe('Arrow output', () => {
  it('db.queryArrow() maps storage classes to Arrow types and round-trips every value', async () => {
    const t = await db.queryArrow(SQL);
    expect(Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]))).toEqual({
      id: 'Int64',
      i: 'Int64',
      r: 'Float64',
      s: 'Utf8',
      b: 'Binary',
      m: 'Union<Int64 | Float64 | Utf8 | Binary>',
      n: 'Null',
    });
    await sameAsRows(t, SQL);
  });

  it('stmt.arrow() binds parameters and equals db.queryArrow()', async () => {
    const q = 'SELECT id, m, s FROM t WHERE id >= ? ORDER BY id';
    const a = await db.prepare(q).arrow(2);
    const b = await db.queryArrow(q, [2]);
    expect(a.numRows).toBe(4);
    expect(a.toArray().map((r) => r.toJSON())).toEqual(b.toArray().map((r) => r.toJSON()));
    await sameAsRows(a, 'SELECT id, m, s FROM t WHERE id >= 2 ORDER BY id');
    // A query without rows still has its columns.
    const empty = await db.queryArrow('SELECT id, s FROM t WHERE id > 100');
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual(['id', 's']);
  });

  it('dosql sql --format arrow writes the same table', async () => {
    await db.close();
    const out: Buffer[] = [];
    const stdin = new PassThrough();
    stdin.end();
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) });
    const err = new Writable({ write: (_c, _e, cb) => cb() });
    const code = await main(['sql', 'arrowdb', SQL, '--format', 'arrow'], { stdout: sink, stderr: err, stdin, cwd: root, home: root });
    expect(code).toBe(0);
    db = DB('arrowdb', { path: join(root, 'arrowdb') });
    const fromCli = tableFromIPC(Buffer.concat(out));
    const fromApi = await db.queryArrow(SQL);
    expect(fromCli.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(fromApi.schema.fields.map((f) => `${f.name}:${String(f.type)}`));
    await sameAsRows(fromCli, SQL);
  });
});
