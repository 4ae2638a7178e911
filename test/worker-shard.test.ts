// Sharding over the Worker as deployed: four DoSQL Durable Objects (databases shard-0..3 of the
// real Worker in workerd) are the shards of a cluster driven by createShardExecutor through
// httpShard (the JSON API's /query and /transaction). Routed and scatter queries, a row move and
// a reference-table write must answer as one local database given the same statements.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { createShardExecutor, createVSchema, hashVindex, httpParticipant, httpShard, referenceTable, shard, shardedTable, TwoPhaseCoordinator, twoPhaseCommitter, type ShardExecutor } from '../src/shard/index.js';
import { MemoryObjectStore } from '../src/index.js';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

const SHARDS = ['shard-0', 'shard-1', 'shard-2', 'shard-3'];

describe('a 4-shard cluster of DoSQL objects in workerd', () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'dosql-worker-shard-'));
  let w: RunningWorker;
  let ex: ShardExecutor;
  const local = DB('worker-shard-oracle', { storage: 'memory' });

  beforeAll(async () => {
    w = await startWorker({ persistDir });
    const vschema = createVSchema({ users: shardedTable('id', hashVindex('xxhash')), orders: shardedTable('user_id', hashVindex('xxhash')), countries: referenceTable() }, SHARDS.map((s) => shard(s, 'DOSQL')));
    const viaWorker = async (req: Request): Promise<Response> => w.api(new URL(req.url).pathname, { method: req.method, headers: { 'content-type': 'application/json' }, ...(req.method === 'POST' ? { body: await req.text() } : {}) });
    ex = createShardExecutor({ vschema, shards: Object.fromEntries(SHARDS.map((s) => [s, httpShard(s, { url: `http://worker/db/${s}`, fetch: viaWorker })])), shardTimeoutMs: 20_000 });
    const setup = [
      'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, country TEXT, score INTEGER)',
      'CREATE TABLE orders(id INTEGER, user_id INTEGER, amount REAL, PRIMARY KEY (user_id, id))',
      'CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT)',
    ];
    for (const s of setup) {
      await ex.exec(s);
      await local.exec(s);
    }
    const writes: [string, unknown[]][] = [["INSERT INTO countries VALUES ('us', 'USA'), ('fr', 'France')", []]];
    for (let i = 1; i <= 40; i++) writes.push(['INSERT INTO users VALUES (?, ?, ?, ?)', [i, `u${i % 7}`, i % 3 ? 'us' : 'fr', (i * 37) % 50]]);
    writes.push([`INSERT INTO orders VALUES ${Array.from({ length: 60 }, (_, i) => `(${i + 1}, ${(i % 40) + 1}, ${((i * 13) % 97) + 0.5})`).join(', ')}`, []]);
    for (const [sql, params] of writes) {
      await ex.run(sql, params as never);
      await local.run(sql, params as never);
    }
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
    await local.close();
    rmSync(persistDir, { recursive: true, force: true });
  });

  const same = async (sql: string, params: unknown[] = [], ordered = false): Promise<void> => {
    const a = await ex.query(sql, params as never, { safeIntegers: true });
    const b = await local.query(sql, params as never, { safeIntegers: true });
    const key = (r: unknown[]): string[] => r.map((x) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
    expect(ordered ? key(a) : key(a).sort(), sql).toEqual(ordered ? key(b) : key(b).sort());
  };

  it('routes point and IN queries to their shards and answers as one database', async () => {
    expect(ex.analyze('SELECT * FROM users WHERE id = ?', [7]).routing.queryType).toBe('single');
    await same('SELECT * FROM users WHERE id = ?', [7]);
    await same('SELECT id, name FROM users WHERE id IN (3, 9, 27, 33)');
    await same('SELECT u.name, o.amount FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = ?', [5]);
  }, 60_000);

  it('scatters aggregates, ordered limits, reference joins and gathers', async () => {
    expect(ex.analyze('SELECT count(*) FROM users').routing.queryType).toBe('scatter');
    await same('SELECT country, count(*), avg(score), max(name) FROM users GROUP BY country ORDER BY country', [], true);
    await same('SELECT id, score FROM users ORDER BY score DESC, id LIMIT 5 OFFSET 3', [], true);
    await same('SELECT c.name, sum(o.amount) FROM users u JOIN orders o ON o.user_id = u.id JOIN countries c ON c.code = u.country GROUP BY c.name');
    await same('SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE amount > 50)');
  }, 60_000);

  it('moves a row on an UPDATE of its vindex column and writes reference tables everywhere', async () => {
    for (const [sql, params] of [
      ['UPDATE users SET id = ? WHERE id = ?', [1001, 4]],
      ["UPDATE countries SET name = 'United States' WHERE code = 'us'", []],
      ['DELETE FROM orders WHERE amount < ?', [20]],
    ] as [string, unknown[]][]) {
      const a = await ex.run(sql, params as never);
      const b = await local.run(sql, params as never);
      expect(a.changes, sql).toBe(b.changes);
    }
    await same('SELECT * FROM users');
    await same('SELECT * FROM orders');
    for (const s of SHARDS) {
      const r = await w.post<{ rows: { name: string }[] }>(`/db/${s}/query`, { sql: "SELECT name FROM countries WHERE code = 'us'" });
      expect(r.body.rows, s).toEqual([{ name: 'United States' }]);
    }
    const h = await ex.getClusterHealth();
    expect(h.healthyShards).toBe(4);
  }, 60_000);

  it('runs cross-shard transactions over HTTP by two-phase commit: all shards or none', async () => {
    const viaWorker = async (req: Request): Promise<Response> => w.api(new URL(req.url).pathname, { method: req.method, headers: { 'content-type': 'application/json' }, ...(req.method === 'POST' ? { body: await req.text() } : {}) });
    const participant = (s: string) => httpParticipant(s, { url: `http://worker/db/${s}`, fetch: viaWorker });
    const coordinator = new TwoPhaseCoordinator({ store: new MemoryObjectStore(), id: 'wcoord' });
    const vschema = createVSchema({ accounts: shardedTable('id', hashVindex('xxhash')) }, SHARDS.map((s) => shard(s, 'DOSQL')));
    const shards = Object.fromEntries(SHARDS.map((s) => [s, httpShard(s, { url: `http://worker/db/${s}`, fetch: viaWorker })]));
    const tx = createShardExecutor({ vschema, shards, shardTimeoutMs: 20_000, committer: twoPhaseCommitter({ coordinator, participant: (s) => participant(s) }) });
    await tx.exec('CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0)) WITHOUT ROWID');
    // A multi-shard INSERT through the executor: one distributed transaction over every shard it touches.
    expect((await tx.run(`INSERT INTO accounts VALUES ${Array.from({ length: 16 }, (_, i) => `(${i + 1}, 100)`).join(', ')}`)).changes).toBe(16);
    const where = async (id: number): Promise<string> => tx.analyze('SELECT * FROM accounts WHERE id = ?', [id]).routing.targetShards[0]!;
    // Two accounts on different shards.
    let a = 1;
    let b = 2;
    while ((await where(a)) === (await where(b))) b++;
    const [sa, sb] = [await where(a), await where(b)];
    const balances = async (): Promise<number[]> => {
      const rows = await tx.query<{ id: bigint; balance: bigint }>('SELECT id, balance FROM accounts WHERE id IN (?, ?) ORDER BY id', [a, b], { safeIntegers: true });
      return rows.map((r) => Number(r.balance));
    };
    const transfer = (amount: number) =>
      coordinator.runDistributedTransaction([participant(sa), participant(sb)], async (t) => {
        await t.exec(sa, 'UPDATE accounts SET balance = balance - ? WHERE id = ?', [amount, a]);
        await t.exec(sb, 'UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, b]);
      });
    const done = await transfer(30);
    expect(done.protocol).toBe('two-phase');
    expect(await balances()).toEqual(a < b ? [70, 130] : [130, 70]);
    // The debit breaks the CHECK on the first shard: nothing applied anywhere.
    await expect(transfer(500)).rejects.toMatchObject({ code: expect.stringMatching(/^CONSTRAINT/) });
    expect(await balances()).toEqual(a < b ? [70, 130] : [130, 70]);
    // A failure on the second shard after the first shard's statement ran: both roll back.
    await expect(
      coordinator.runDistributedTransaction([participant(sa), participant(sb)], async (t) => {
        await t.exec(sa, 'UPDATE accounts SET balance = balance - 10 WHERE id = ?', [a]);
        await t.exec(sb, 'UPDATE accounts SET balance = balance - 1000 WHERE id = ?', [b]);
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^CONSTRAINT/) });
    expect(await balances()).toEqual(a < b ? [70, 130] : [130, 70]);
    // Nothing is left prepared on any shard, and the total is unchanged.
    for (const s of SHARDS) {
      const r = await w.post<{ rows: unknown[] }>(`/db/${s}/query`, { sql: 'PRAGMA prepared_xacts' });
      expect(r.body.rows, s).toEqual([]);
    }
    const total = await tx.query<{ t: bigint }>('SELECT sum(balance) AS t FROM accounts', [], { safeIntegers: true });
    expect(Number(total[0]!.t)).toBe(1600);
  }, 120_000);
});
