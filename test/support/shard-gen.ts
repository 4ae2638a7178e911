// Random workloads for the sharding differential test (test/shard-differential.test.ts): a
// schema with sharded tables under a random choice of vindexes, a reference table, random rows,
// and random statements (reads with a flag saying whether their ORDER BY is total, and writes).
import type { SqlValue } from '../../src/sql/types/value.js';
import { consistentHashVindex, createVSchema, hashVindex, lookupVindex, rangeVindex, referenceTable, shard, shardedTable, type PrimaryVindex, type VSchema } from '../../src/shard/index.js';

export type Rng = () => number;

/** mulberry32. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export const SHARDS = ['s0', 's1', 's2', 's3'];

export const DDL = [
  'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, email TEXT, country TEXT, score INTEGER, balance REAL)',
  'CREATE TABLE orders(id INTEGER, user_id INTEGER, amount REAL, status TEXT, qty INTEGER, PRIMARY KEY (user_id, id))',
  'CREATE TABLE events(id INTEGER PRIMARY KEY, day TEXT, kind TEXT, value INTEGER)',
  'CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT, region TEXT)',
];

/** The vschema of a seed: users and orders co-located under one random vindex, events under another. */
export function randomVSchema(r: Rng): { vschema: VSchema; describe: string } {
  const userVindexes: [string, () => PrimaryVindex][] = [
    ['hash fnv1a', () => hashVindex('fnv1a')],
    ['hash xxhash', () => hashVindex('xxhash')],
    ['consistentHash 64 fnv1a', () => consistentHashVindex(64, 'fnv1a')],
  ];
  const [uName, uMake] = pick(r, userVindexes);
  const eventVindexes: [string, () => PrimaryVindex][] = [
    ['range', () => rangeVindex([{ shard: 's0', min: null, max: 50 }, { shard: 's1', min: 50, max: 100 }, { shard: 's2', min: 100, max: 150 }, { shard: 's3', min: 150, max: null }])],
    ['consistentHash 16 xxhash', () => consistentHashVindex(16, 'xxhash')],
  ];
  const [eName, eMake] = pick(r, eventVindexes);
  const uv = uMake();
  const vschema = createVSchema(
    {
      users: shardedTable('id', uv, { lookups: { email: lookupVindex('users_email_lookup', 's2') } }),
      orders: shardedTable('user_id', uv),
      events: shardedTable('id', eMake()),
      countries: referenceTable(),
    },
    SHARDS.map((s) => shard(s)),
  );
  return { vschema, describe: `users/orders: ${uName}; events: ${eName}` };
}

export interface Stmt {
  readonly sql: string;
  readonly params: SqlValue[];
  /** The answer's row order is defined (a total ORDER BY). */
  readonly ordered: boolean;
  readonly write: boolean;
}

const COUNTRIES = ['us', 'fr', 'de', 'jp', 'br', 'xx'];
const STATUS = ['new', 'paid', 'shipped', null];
const KINDS = ['click', 'view', 'buy'];

/** Rows of the initial data set. */
export function initialData(r: Rng): Stmt[] {
  const out: Stmt[] = [];
  const w = (sql: string, params: SqlValue[]): void => void out.push({ sql, params, ordered: false, write: true });
  w("INSERT INTO countries VALUES ('us', 'United States', 'amer'), ('fr', 'France', 'emea'), ('de', 'Germany', 'emea'), ('jp', 'Japan', 'apac'), ('br', 'Brazil', 'amer')", []);
  for (let id = 1; id <= 60; id++) {
    const score = r() < 0.1 ? null : BigInt(int(r, -5, 100));
    const bal = r() < 0.1 ? null : Math.round(r() * 100000) / 100;
    w('INSERT INTO users (id, name, email, country, score, balance) VALUES (?, ?, ?, ?, ?, ?)', [BigInt(id), `user${int(r, 1, 40)}`, `u${id}@x.io`, pick(r, COUNTRIES), score, bal]);
  }
  for (let i = 1; i <= 150; i++) {
    w('INSERT INTO orders VALUES (?, ?, ?, ?, ?)', [BigInt(i), BigInt(int(r, 1, 65)), Math.round(r() * 50000) / 100, pick(r, STATUS), BigInt(int(r, 0, 9))]);
  }
  for (let id = 1; id <= 80; id++) w('INSERT INTO events VALUES (?, ?, ?, ?)', [BigInt(int(r, 0, 200) * 1000 + id), `2024-0${int(r, 1, 9)}-1${int(r, 0, 9)}`, pick(r, KINDS), BigInt(int(r, 0, 100))]);
  return out;
}

/** A random read. */
export function randomRead(r: Rng, timeTravel: string | undefined): Stmt {
  const q = (sql: string, params: SqlValue[], ordered = false): Stmt => ({ sql, params, ordered, write: false });
  const uid = (): bigint => BigInt(int(r, 0, 70));
  const n = (): bigint => BigInt(int(r, -5, 100));
  const templates: (() => Stmt)[] = [
    () => q('SELECT * FROM users WHERE id = ?', [uid()]),
    () => q('SELECT id, name, score FROM users WHERE id IN (?, ?, ?, ?)', [uid(), uid(), uid(), uid()]),
    () => q('SELECT * FROM users WHERE id = ? OR score > ?', [uid(), n()]),
    () => q('SELECT id, day FROM events WHERE id BETWEEN ? AND ? ORDER BY id', [BigInt(int(r, 0, 100) * 1000), BigInt(int(r, 100, 200) * 1000)], true),
    () => q('SELECT id, kind FROM events WHERE id >= ? AND id < ?', [BigInt(int(r, 0, 200) * 1000), BigInt(int(r, 0, 200) * 1000)]),
    () => q('SELECT id, name, score FROM users ORDER BY score DESC, id LIMIT ? OFFSET ?', [BigInt(int(r, 0, 12)), BigInt(int(r, 0, 8))], true),
    () => q('SELECT name, id FROM users WHERE balance > ? ORDER BY name, id DESC LIMIT ?', [r() * 500, BigInt(int(r, 1, 20))], true),
    () => q('SELECT id, amount * qty AS v FROM orders ORDER BY v, id, user_id LIMIT 7', [], true),
    () => q('SELECT country, count(*), sum(score), avg(balance), min(name), max(score), total(score) FROM users GROUP BY country HAVING count(*) > ? ORDER BY country', [BigInt(int(r, 0, 12))], true),
    () => q('SELECT count(*), sum(amount), total(qty), avg(amount), min(status), max(amount) FROM orders WHERE status = ?', [pick(r, STATUS)]),
    () => q('SELECT count(*), count(score), avg(score) FROM users WHERE score > ?', [n()]),
    () => q('SELECT status, count(DISTINCT user_id) FROM orders GROUP BY status ORDER BY status', [], true),
    () => q('SELECT user_id, sum(amount) AS s FROM orders GROUP BY user_id ORDER BY s DESC, user_id LIMIT 5', [], true),
    () => q('SELECT qty % 3 AS b, count(*) AS c, avg(amount) FROM orders GROUP BY qty % 3 HAVING c > 1 ORDER BY 2 DESC, 1', [], true),
    () => q('SELECT DISTINCT country FROM users', []),
    () => q('SELECT DISTINCT status, qty FROM orders ORDER BY 1, 2 LIMIT 8', [], true),
    () => q('SELECT u.id, c.name FROM users u JOIN countries c ON c.code = u.country WHERE u.score > ?', [n()]),
    () => q('SELECT u.id, c.region FROM users u LEFT JOIN countries c ON c.code = u.country WHERE u.id IN (?, ?)', [uid(), uid()]),
    () => q('SELECT c.code, count(u.id) FROM countries c LEFT JOIN users u ON u.country = c.code GROUP BY c.code', []),
    () => q('SELECT c.region, sum(u.balance) FROM users u JOIN countries c ON c.code = u.country GROUP BY c.region ORDER BY 1', [], true),
    () => q('SELECT u.name, o.amount FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = ?', [uid()]),
    () => q('SELECT u.country, sum(o.amount), count(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.country', []),
    () => q('SELECT u.id, count(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id', []),
    () => q('SELECT o.id, u.email FROM orders o, users u WHERE u.id = o.user_id AND o.qty > ?', [BigInt(int(r, 0, 9))]),
    () => q('SELECT e.kind, count(*) FROM events e JOIN users u ON u.score = e.value GROUP BY e.kind', []),
    () => q('SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE amount > ?)', [r() * 500]),
    () => q('SELECT (SELECT count(*) FROM orders) AS n, (SELECT max(id) FROM users) AS m', []),
    () => q('SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) FROM users u WHERE u.score < ?', [n()]),
    () => q('SELECT id FROM users WHERE email = ?', [`u${int(r, 0, 70)}@x.io`]),
    () => q('SELECT id FROM users WHERE email IN (?, ?) OR email IS NULL', [`u${int(r, 0, 70)}@x.io`, `u${int(r, 0, 70)}@x.io`]),
    () => q('SELECT id FROM users WHERE score < ? UNION SELECT user_id FROM orders WHERE qty > ?', [n(), BigInt(int(r, 0, 9))]),
    () => q('SELECT id, rank() OVER (ORDER BY score DESC) FROM users', []),
    () => q('WITH big AS (SELECT user_id, sum(amount) AS s FROM orders GROUP BY user_id) SELECT u.name, big.s FROM big JOIN users u ON u.id = big.user_id WHERE big.s > ?', [r() * 1000]),
    () => q('SELECT kind, day, count(*) FROM events GROUP BY kind, day', []),
    () => q('SELECT * FROM countries ORDER BY code', [], true),
    () => q('SELECT count(*) FROM users WHERE id IN ()', []),
  ];
  if (timeTravel !== undefined) {
    templates.push(() => q(`SELECT count(*), sum(score) FROM users FOR SYSTEM_TIME AS OF TIMESTAMP '${timeTravel}'`, []));
    templates.push(() => q(`SELECT id, name FROM users FOR SYSTEM_TIME AS OF TIMESTAMP '${timeTravel}' WHERE id = ?`, [uid()]));
  }
  return pick(r, templates)();
}

/** A random write; `nextId` hands out ids not used before. */
export function randomWrite(r: Rng, nextId: () => number): Stmt {
  const w = (sql: string, params: SqlValue[]): Stmt => ({ sql, params, ordered: false, write: true });
  const uid = (): bigint => BigInt(int(r, 0, 70));
  const templates: (() => Stmt)[] = [
    () => {
      const id = nextId();
      return w('INSERT INTO users (id, name, email, country, score, balance) VALUES (?, ?, ?, ?, ?, ?)', [BigInt(id), `user${int(r, 1, 40)}`, `u${id}@x.io`, pick(r, COUNTRIES), BigInt(int(r, 0, 100)), r() * 1000]);
    },
    () => w('INSERT INTO orders VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)', [BigInt(nextId()), uid(), r() * 500, pick(r, STATUS), BigInt(int(r, 0, 9)), BigInt(nextId()), uid(), r() * 500, pick(r, STATUS), BigInt(int(r, 0, 9))]),
    () => w('UPDATE users SET score = score + ? WHERE id = ?', [BigInt(int(r, 1, 5)), uid()]),
    () => w('UPDATE users SET balance = balance * 2 WHERE country = ?', [pick(r, COUNTRIES)]),
    () => w('UPDATE users SET id = ? WHERE id = ?', [BigInt(nextId()), uid()]),
    () => w('UPDATE orders SET user_id = ? WHERE id = ?', [uid(), BigInt(int(r, 1, 150))]),
    () => w('UPDATE users SET email = ? WHERE id = ?', [`v${int(r, 0, 70)}@x.io`, uid()]),
    () => w('DELETE FROM orders WHERE amount < ?', [r() * 60]),
    () => w('DELETE FROM users WHERE id = ?', [uid()]),
    () => w('UPDATE countries SET name = ? WHERE code = ?', [`Country ${int(r, 0, 9)}`, pick(r, COUNTRIES)]),
    () => w('INSERT OR IGNORE INTO countries VALUES (?, ?, ?)', [pick(r, COUNTRIES), 'New', 'other']),
    () => w('INSERT INTO events VALUES (?, ?, ?, ?)', [BigInt(nextId() * 7), '2024-05-05', pick(r, KINDS), BigInt(int(r, 0, 100))]),
  ];
  return pick(r, templates)();
}
