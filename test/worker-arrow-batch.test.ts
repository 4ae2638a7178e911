// Arrow and batch() over the Worker in workerd: an `Accept: application/vnd.apache.arrow.stream`
// response carries the same table the embedded encoder makes (types and every value equal to
// the JSON rows), `dosql/client`'s queryArrow() returns it over HTTP and WebSocket, and the
// client's batch() is all or nothing.
import { tableFromIPC, type Table } from 'apache-arrow';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, createWebSocketClient, DoSQLError, type DoSQLClient, type WebSocketConstructor } from '../src/client/index.js';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

describe('Arrow and batch() through the Worker in workerd', () => {
  let w: RunningWorker;
  let clients: [string, () => DoSQLClient][];
  beforeAll(async () => {
    w = await startWorker();
    clients = [
      ['http', () => createHttpClient({ url: w.url, token: w.token!, database: 'arrows' })],
      ['ws', () => createWebSocketClient({ url: w.url, token: w.token!, database: 'arrows', WebSocket: WebSocket as unknown as WebSocketConstructor })],
    ];
  }, 180_000);
  afterAll(async () => {
    await w?.destroy();
  });

  const SQL = 'SELECT * FROM t ORDER BY id';
  const types = (t: Table): string[] => t.schema.fields.map((f) => `${f.name}:${String(f.type)}`);

  /** Every cell of `t` equals the client's row (safeIntegers) at the same place. */
  async function sameAsRows(db: DoSQLClient, t: Table): Promise<void> {
    const rows = await db.query<Record<string, unknown>>(SQL, undefined, { safeIntegers: true });
    expect(t.numRows).toBe(rows.length);
    rows.forEach((row, r) => {
      for (const f of t.schema.fields) {
        const got = t.getChild(f.name)!.get(r);
        const want = row[f.name];
        if (want instanceof Uint8Array) expect(Uint8Array.from(got as Uint8Array)).toEqual(want);
        else expect(got, `${f.name}[${r}]`).toStrictEqual(want);
      }
    });
  }

  it('answers Accept: arrow with the typed table, and queryArrow() returns it over both transports', async () => {
    const http = clients[0]![1]();
    await http.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, m ANY)');
    await http.batch([
      { sql: 'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', params: [1, 9007199254740993n, 1.5, 'a', new Uint8Array([1, 2]), 7] },
      { sql: 'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', params: [2, -3, 2.25, 'é😀', new Uint8Array([]), 'x'] },
      { sql: 'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', params: [3, null, null, null, null, new Uint8Array([9])] },
    ]);
    const res = await w.api('/db/arrows/query', { method: 'POST', headers: { accept: 'application/vnd.apache.arrow.stream', 'content-type': 'application/json' }, body: JSON.stringify({ sql: SQL }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const served = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(types(served)).toEqual(['id:Int64', 'i:Int64', 'r:Float64', 's:Utf8', 'b:Binary', 'm:Union<Int64 | Utf8 | Binary>']);
    await sameAsRows(http, served);
    for (const [name, make] of clients) {
      const db = make();
      const t = await db.queryArrow(SQL);
      expect(types(t), name).toEqual(types(served));
      await sameAsRows(db, t);
      await db.close();
    }
    await http.close();
  });

  it('batch() commits every statement together, or none of them', async () => {
    for (const [name, make] of clients) {
      const db = make();
      await db.exec(`DROP TABLE IF EXISTS b_${name}; CREATE TABLE b_${name} (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`);
      const ok = await db.batch([
        { sql: `INSERT INTO b_${name} (v) VALUES (?)`, params: ['one'] },
        { sql: `INSERT INTO b_${name} (v) VALUES (?)`, params: ['two'] },
        { sql: `SELECT count(*) AS n FROM b_${name}` },
      ]);
      expect(ok.map((r) => r.changes), name).toEqual([1, 1, 0]);
      expect(ok[1]!.lastInsertRowid).toBe(2);
      expect(ok[2]!.rows).toEqual([{ n: 2 }]);
      expect(ok[0]!.lsn).toBe(ok[2]!.lsn);
      const err = await db
        .batch([
          { sql: `INSERT INTO b_${name} (v) VALUES (?)`, params: ['three'] },
          { sql: `INSERT INTO b_${name} (v) VALUES (?)`, params: ['one'] },
        ])
        .catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DoSQLError);
      expect((err as DoSQLError).code).toBe('CONSTRAINT_UNIQUE');
      // 'three' went with the failing statement.
      expect(await db.query(`SELECT v FROM b_${name} ORDER BY id`)).toEqual([{ v: 'one' }, { v: 'two' }]);
      await db.close();
    }
  });
});
