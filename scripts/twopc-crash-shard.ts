// One shard of `npm run crash:2pc` (scripts/twopc-crash-harness.ts): a Node process hosting a
// dosql database in its own folder and serving the two-phase-commit participant shape
// (src/shard/twopc/participant.ts) over HTTP JSON on a fixed port:
//
//   POST /exec  {"conn": string, "sql": string, "params"?: [...]}
//     200 {"rows": [...]}  |  409/4xx/5xx {"error": {"code", "message", "details"}}
//
// The database handle is one session, owned by one connection id at a time: a request from a
// new connection id first rolls back what the previous owner left open (its process died, as a
// dropped connection's session rolls back in a network database). Prints "READY <port>" once
// it serves. Usage: node --import tsx scripts/twopc-crash-shard.ts <dir> <port> <accounts>
import { createServer } from 'node:http';
import { DB } from '../src/node/db.js';
import { DoSQLError } from '../src/errors.js';
import { Mutex } from '../src/util/async.js';

const [dir, portArg, accountsArg] = process.argv.slice(2);
const port = Number(portArg);
const accounts = Number(accountsArg);
export const INITIAL_BALANCE = 1000;

const db = DB('shard', { path: dir!, workerThreads: false });
// Created in one transaction, so a shard killed during setup either has both tables with every
// account or nothing.
if ((await db.query("SELECT name FROM sqlite_schema WHERE name = 'account'")).length === 0) {
  await db.exec('BEGIN');
  await db.exec('CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  await db.exec('CREATE TABLE transfers(gid TEXT NOT NULL, account INTEGER NOT NULL, delta INTEGER NOT NULL, PRIMARY KEY (gid, account)) WITHOUT ROWID');
  for (let i = 0; i < accounts; i++) await db.run('INSERT INTO account VALUES (?, ?)', [i, INITIAL_BALANCE]);
  await db.exec('COMMIT');
}

const lock = new Mutex();
let owner = '';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      let status = 200;
      let body: unknown;
      const unlock = await lock.lock();
      try {
        const { conn, sql, params } = JSON.parse(Buffer.concat(chunks).toString()) as { conn: string; sql: string; params?: unknown[] };
        if (conn !== owner) {
          if (db.inTransaction) await db.exec('ROLLBACK');
          owner = conn;
        }
        body = { rows: await db.query(sql, params as never) };
      } catch (e) {
        const d = e instanceof DoSQLError ? e : new DoSQLError('SQL_ERROR', String(e));
        status = d.code === 'WRITE_CONFLICT' || d.code.startsWith('PREPARED_XACT') ? 409 : d.code === 'NOT_FOUND' ? 404 : 400;
        body = { error: { code: d.code, message: d.message, details: d.details } };
      } finally {
        unlock();
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
    })();
  });
});
server.listen(port, '127.0.0.1', () => console.log(`READY ${port}`));
