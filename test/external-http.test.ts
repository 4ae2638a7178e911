// External CSV, TSV, JSON and NDJSON tables over loopback HTTP (docs/external-tables.md),
// differential against better-sqlite3 loaded with the same rows under the types dosql should
// infer; bearer tokens and headers; the bounds on size and time; parse errors naming the line;
// and seed 000's registry of URL-backed virtual tables.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDoSQLError } from '../src/errors.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { createURLVirtualTable, createVirtualTableRegistry } from '../src/virtual/index.js';

interface Order {
  id: number;
  customer: string;
  status: string;
  amount: number;
  qty: number | null;
  note: string | null;
}

/** Deterministic rows with the awkward cases: quotes, commas and newlines in text, NULLs, negative and fractional numbers. */
const ORDERS: Order[] = Array.from({ length: 500 }, (_, i) => ({
  id: i + 1,
  customer: ['Ada', 'Bob "the builder"', 'Chloé, Ltd', 'Dmitri'][i % 4]!,
  status: ['active', 'closed', 'active', 'pending', 'active'][i % 5]!,
  amount: Math.round(((i * 7919) % 100000) - 20000) / 100,
  qty: i % 9 === 0 ? null : (i * 13) % 50,
  note: i % 11 === 0 ? `line one\nline "two", ${i}` : i % 3 === 0 ? null : `n${i}`,
}));

const csvField = (v: string | number | null, d: string): string => {
  if (v === null) return '';
  const s = String(v);
  return s.includes(d) || s.includes('"') || s.includes('\n') ? `"${s.replace(/"/g, '""')}"` : s;
};
const toCsv = (d: string): string => ['id,customer,status,amount,qty,note'.replace(/,/g, d), ...ORDERS.map((o) => [o.id, o.customer, o.status, o.amount, o.qty, o.note].map((v) => csvField(v, d)).join(d))].join('\n') + '\n';
const ndjson = ORDERS.map((o) => JSON.stringify(o)).join('\n') + '\n';

let server: Server;
let base: string;
const hits = new Map<string, number>();
let db: Database;
const oracle = new Sqlite(':memory:');

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
  const send = (body: string, type = 'text/plain'): void => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
  switch (url.pathname) {
    case '/export.csv':
      return send(toCsv(','), 'text/csv');
    case '/export.tsv':
      return send(toCsv('\t'));
    case '/semicolon.txt':
      return send(toCsv(';'));
    case '/orders.ndjson':
      return send(ndjson);
    case '/orders.json':
      return send(JSON.stringify(ORDERS), 'application/json');
    case '/private.json':
      if (req.headers.authorization !== 'Bearer s3cret' || req.headers['x-tenant'] !== 'acme') {
        res.writeHead(401);
        res.end();
        return;
      }
      return send(JSON.stringify([{ role: 'admin', name: 'root' }, { role: 'user', name: 'u1' }]));
    case '/endless.csv': {
      // A hostile server: a body that never ends.
      res.writeHead(200, { 'content-type': 'text/csv' });
      const chunk = 'a,b,c\n'.repeat(10_000);
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    case '/stall.csv':
      // Headers, one line, then nothing: the read must time out.
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n1,2\n');
      return;
    case '/bad.csv':
      return send('a,b\n1,2\n3,"unterminated\n4,5\n');
    case '/bad.ndjson':
      return send('{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n');
    case '/users/octocat/repos':
      return send(
        JSON.stringify([
          { id: 1, name: 'hello-world', full_name: 'octocat/hello-world', stargazers_count: 2500, language: 'Ruby', updated_at: '2026-01-01' },
          { id: 2, name: 'spoon-knife', full_name: 'octocat/spoon-knife', stargazers_count: 12000, language: 'HTML', updated_at: '2026-02-01' },
          { id: 3, name: 'tiny', full_name: 'octocat/tiny', stargazers_count: 3, language: null, updated_at: '2026-03-01' },
        ]),
        'application/json',
      );
    default:
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  db = DB('external-http', { storage: 'memory', external: { timeoutMs: 5_000, maxBytes: 8 * 1024 * 1024 } });
  // The oracle holds the rows with the types dosql infers: id, qty INTEGER; amount REAL; the rest TEXT.
  oracle.exec('CREATE TABLE orders (id INTEGER, customer TEXT, status TEXT, amount REAL, qty INTEGER, note TEXT)');
  const ins = oracle.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)');
  for (const o of ORDERS) ins.run(o.id, o.customer, o.status, o.amount, o.qty, o.note);
});
afterAll(async () => {
  await db?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** The same questions over each source; `src` is dosql's FROM item, the oracle reads `orders`. */
const QUESTIONS = [
  'SELECT count(*) AS n, sum(amount) AS s, count(qty) AS q, count(note) AS k FROM {src}',
  "SELECT id, customer, amount FROM {src} WHERE status = 'active' AND amount > 100 ORDER BY amount DESC, id LIMIT 20",
  'SELECT status, count(*) AS n, round(avg(amount), 6) AS a, max(qty) AS m FROM {src} GROUP BY status ORDER BY status',
  'SELECT customer, sum(qty) AS q FROM {src} WHERE note IS NOT NULL GROUP BY customer ORDER BY q DESC, customer',
  'SELECT id, typeof(id) AS ti, typeof(amount) AS ta, typeof(qty) AS tq, typeof(note) AS tn, note FROM {src} WHERE id IN (1, 2, 12, 100) ORDER BY id',
];
const plain = (rows: Record<string, unknown>[]): unknown[][] => rows.map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : v)));

describe.each([
  ['CSV with the seed options', () => `'${base}/export.csv' WITH (headers = true, delimiter = ',', quote = '"', encoding = 'utf-8')`],
  ['TSV', () => `'${base}/export.tsv'`],
  ['CSV with a ; delimiter and an explicit format', () => `'${base}/semicolon.txt' WITH (format = 'csv', delimiter = ';')`],
  ['NDJSON', () => `'${base}/orders.ndjson'`],
  ['JSON array', () => `'${base}/orders.json'`],
])('%s over loopback HTTP equals better-sqlite3 on the same rows', (_name, src) => {
  it.each(QUESTIONS.map((q, i) => [i, q] as const))('question %i', async (_i, q) => {
    const expected = oracle.prepare(q.replace('{src}', 'orders')).raw().all();
    expect(expected.length).toBeGreaterThan(0);
    expect(plain(await db.query(q.replace('{src}', src())))).toEqual(expected);
  });
});

const failure = async (p: Promise<unknown>): Promise<Error> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
};

describe('HTTP options and bounds', () => {
  it('sends the bearer token and headers (bearer_token / http_headers, and the seed spelling auth/token)', async () => {
    const e = await failure(db.query(`SELECT * FROM '${base}/private.json'`));
    expect(isDoSQLError(e, 'IO_ERROR') && e.message).toMatch(/HTTP 401/);
    const q = `SELECT name FROM '${base}/private.json' WITH (bearer_token = ?, http_headers = '{"x-tenant":"acme"}') WHERE role = 'admin'`;
    expect(await db.query(q, ['s3cret'])).toEqual([{ name: 'root' }]);
    expect(await db.query(`SELECT count(*) AS n FROM '${base}/private.json' WITH (auth = 'bearer', token = 's3cret', http_headers = '{"x-tenant":"acme"}')`)).toEqual([{ n: 2 }]);
  });

  it('an endless body stops at max_bytes with LIMIT_EXCEEDED naming the URL', async () => {
    const e = await failure(db.query(`SELECT count(*) FROM '${base}/endless.csv' WITH (max_bytes = 1000000)`));
    expect(isDoSQLError(e, 'LIMIT_EXCEEDED')).toBe(true);
    expect(e.message).toContain(`${base}/endless.csv`);
    expect(e.message).toContain('max_bytes');
    // The database's own bound applies without the option (8 MiB here).
    expect(isDoSQLError(await failure(db.query(`SELECT count(*) FROM '${base}/endless.csv'`)), 'LIMIT_EXCEEDED')).toBe(true);
  });

  it('a stalled response stops at timeout_ms with LIMIT_EXCEEDED naming the URL', async () => {
    const e = await failure(db.query(`SELECT * FROM '${base}/stall.csv' WITH (timeout_ms = 300)`));
    expect(isDoSQLError(e, 'LIMIT_EXCEEDED')).toBe(true);
    expect(e.message).toContain(`${base}/stall.csv`);
    expect(e.message).toContain('timeout_ms 300');
  });

  it('parse errors name the URL and the line', async () => {
    const csv = await failure(db.query(`SELECT * FROM '${base}/bad.csv'`));
    expect(isDoSQLError(csv, 'INVALID_ARGUMENT')).toBe(true);
    expect(csv.message).toContain(`${base}/bad.csv`);
    expect((csv as { details?: { line?: number } }).details?.line).toBeGreaterThanOrEqual(3);
    const nd = await failure(db.query(`SELECT * FROM '${base}/bad.ndjson'`));
    expect(isDoSQLError(nd, 'INVALID_ARGUMENT')).toBe(true);
    expect(nd.message).toContain(`${base}/bad.ndjson as NDJSON at line 3`);
    expect((nd as { details?: { line?: number } }).details?.line).toBe(3);
  });

  it('a 404 is IO_ERROR; a glob over HTTP is INVALID_ARGUMENT', async () => {
    expect(isDoSQLError(await failure(db.query(`SELECT * FROM '${base}/missing.csv'`)), 'IO_ERROR')).toBe(true);
    expect(isDoSQLError(await failure(db.query(`SELECT * FROM '${base}/*.csv'`)), 'INVALID_ARGUMENT')).toBe(true);
  });

  it('INSERT ... SELECT and CREATE TABLE ... AS SELECT import an external table', async () => {
    await db.exec('CREATE TABLE imported (id INTEGER PRIMARY KEY, amount REAL)');
    await db.run(`INSERT INTO imported SELECT id, amount FROM '${base}/orders.ndjson' WHERE status = 'closed'`);
    await db.run(`CREATE TABLE copied AS SELECT * FROM '${base}/export.csv'`);
    expect(plain(await db.query('SELECT count(*), sum(amount) FROM imported'))).toEqual(oracle.prepare("SELECT count(*), sum(amount) FROM orders WHERE status = 'closed'").raw().all());
    expect(plain(await db.query('SELECT count(*), sum(qty), count(note) FROM copied'))).toEqual(oracle.prepare('SELECT count(*), sum(qty), count(note) FROM orders').raw().all());
  });
});

describe("seed 000's URL virtual tables (dosql/virtual)", () => {
  it('registers a JSON API as a table called with arguments, transformed and cached', async () => {
    const registry = createVirtualTableRegistry();
    registry.register(
      'github_repos',
      createURLVirtualTable({
        url: `${base}/users/{owner}/repos`,
        format: 'json',
        urlParams: ['owner'],
        transform: (data) =>
          (data as Record<string, unknown>[]).map((repo) => ({
            id: repo.id,
            name: repo.name,
            full_name: repo.full_name,
            stars: repo.stargazers_count,
            language: repo.language,
            updated_at: repo.updated_at,
          })),
        cache: { ttl: 300000 },
      }),
    );
    const before = hits.get('/users/octocat/repos') ?? 0;
    const q = `SELECT name, stars, language FROM github_repos('octocat') WHERE stars > 100 ORDER BY stars DESC`;
    expect(await db.query(q)).toEqual([
      { name: 'spoon-knife', stars: 12000, language: 'HTML' },
      { name: 'hello-world', stars: 2500, language: 'Ruby' },
    ]);
    expect(await db.query('SELECT count(*) AS n FROM github_repos(?)', ['octocat'])).toEqual([{ n: 3 }]);
    // Cached for the ttl: one request for both statements.
    expect((hits.get('/users/octocat/repos') ?? 0) - before).toBe(1);
    expect(registry.names()).toEqual(['github_repos']);
  });

  it('refuses bad definitions and calls', async () => {
    expect(() => createURLVirtualTable({ url: 'https://x/{a}.json', urlParams: ['b'] })).toThrow(/urlParams names \{b\}/);
    expect(() => createURLVirtualTable({ url: 'https://x/data', format: 'xml' as never })).toThrow(/unknown format/);
    const registry = createVirtualTableRegistry();
    registry.register('orders_csv', createURLVirtualTable({ url: `${base}/export.csv` }));
    expect(await db.query("SELECT count(*) AS n FROM orders_csv() WHERE status = 'active'")).toEqual([{ n: ORDERS.filter((o) => o.status === 'active').length }]);
    expect(isDoSQLError(await failure(db.run('INSERT INTO orders_csv VALUES (1)')), 'SQL_ERROR')).toBe(true);
  });
});
