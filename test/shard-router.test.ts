// The VSchema's validation, the router's plans, and the executor's failure handling: errors
// name the shard, a slow shard is cut off by shardTimeoutMs, scatters respect maxParallelShards.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { createShardExecutor, createShardRouter, createVSchema, hashVindex, localShard, rangeVindex, referenceTable, shard, shardedTable, unshardedTable, type ShardConnection } from '../src/shard/index.js';
import { DoSQLError } from '../src/errors.js';

const shards = ['s0', 's1', 's2', 's3'].map((s) => shard(s));
const vschema = createVSchema(
  {
    users: shardedTable('id', hashVindex('xxhash')),
    orders: shardedTable('user_id', hashVindex('xxhash')),
    events: shardedTable('ts', rangeVindex([{ shard: 's0', min: null, max: 100 }, { shard: 's1', min: 100, max: 200 }, { shard: 's2', min: 200, max: 300 }, { shard: 's3', min: 300, max: null }])),
    countries: referenceTable(),
    config: unshardedTable('s3'),
  },
  shards,
);
const router = createShardRouter(vschema);

describe('VSchema validation', () => {
  it('names the table or shard at fault', () => {
    const bad = (f: () => unknown, pattern: RegExp): void => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DoSQLError);
        expect((e as DoSQLError).code).toBe('INVALID_ARGUMENT');
        expect((e as DoSQLError).message).toMatch(pattern);
        return;
      }
      throw new Error('expected INVALID_ARGUMENT');
    };
    bad(() => createVSchema({ cfg: unshardedTable('nowhere') }, shards), /table cfg names shard nowhere/);
    bad(() => createVSchema({}, [shard('a'), shard('a')]), /shard a is defined twice/);
    bad(() => createVSchema({ e: shardedTable('t', rangeVindex([{ shard: 's0', min: 0, max: 10 }, { shard: 's1', min: 5, max: 20 }])) }, shards), /table e: ranges of shards s0 and s1 overlap/);
    bad(() => createVSchema({ u: shardedTable('id', hashVindex('fnv1a', { ranges: [{ shard: 's0', from: 0, to: 100 }] })) }, shards), /table u: hash vindex keyspace ranges end at 100/);
    bad(() => createVSchema({ u: shardedTable('id', hashVindex('md5' as 'fnv1a')) }, shards), /algorithm must be 'fnv1a' or 'xxhash'/);
  });
});

describe('router plans', () => {
  const plan = (sql: string, params: unknown[] = []) => router.analyze(sql, params as never).routing;
  it('a point query on the vindex column goes to one shard; an IN list to the shards its values map to', () => {
    const one = plan('SELECT * FROM users WHERE id = ?', [42]);
    expect(one.queryType).toBe('single');
    expect(one.targetShards).toHaveLength(1);
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    const inList = plan(`SELECT * FROM users WHERE id IN (${ids.join(', ')})`);
    const expected = new Set(ids.map((i) => plan('SELECT * FROM users WHERE id = ?', [i]).targetShards[0]));
    expect(new Set(inList.targetShards)).toEqual(expected);
    // '42' and 42.0 are the same key as 42 (an INTEGER column stores them alike).
    expect(plan('SELECT * FROM users WHERE id = ?', ['42']).targetShards).toEqual(one.targetShards);
    expect(plan('SELECT * FROM users WHERE id = 42.0').targetShards).toEqual(one.targetShards);
  });

  it('scatters without a vindex restriction, prunes range vindexes by ranges, and gathers what it cannot push down', () => {
    expect(plan('SELECT * FROM users WHERE name = ?', ['x'])).toMatchObject({ queryType: 'scatter', targetShards: ['s0', 's1', 's2', 's3'] });
    expect(plan('SELECT * FROM events WHERE ts >= 120 AND ts < 250').targetShards).toEqual(['s1', 's2']);
    expect(plan('SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 7').queryType).toBe('single');
    expect(plan('SELECT * FROM users u JOIN countries c ON c.code = u.cc WHERE u.id = 7').queryType).toBe('single');
    expect(plan('SELECT * FROM users u JOIN orders o ON o.id = u.id').queryType).toBe('gather');
    expect(plan('SELECT * FROM users WHERE id IN (SELECT user_id FROM orders)').queryType).toBe('gather');
    expect(plan('SELECT * FROM countries')).toMatchObject({ queryType: 'single' });
    expect(plan('SELECT * FROM config JOIN countries ON 1')).toMatchObject({ queryType: 'single', targetShards: ['s3'] });
    expect(() => plan('SELECT * FROM nope')).toThrow(/table nope is not in the vschema/);
  });

  it('describes the merge: sort, limit pushed down, aggregates', () => {
    const p = router.analyze('SELECT name, count(*) FROM users GROUP BY name ORDER BY name LIMIT 5 OFFSET 2');
    expect(p.postProcessing.map((s) => s.type)).toEqual(['merge', 'aggregate', 'sort', 'limit']);
    expect(p.postProcessing.at(-1)).toEqual({ type: 'limit', count: 5, offset: 2 });
  });
});

async function fourShards(wrap: (id: string, c: ShardConnection) => ShardConnection, options: { shardTimeoutMs?: number; maxParallelShards?: number } = {}) {
  const dbs = ['s0', 's1', 's2', 's3'].map((s) => DB(`router-${s}`, { storage: 'memory' }));
  const conns = Object.fromEntries(dbs.map((d, i) => [`s${i}`, wrap(`s${i}`, localShard(`s${i}`, d))]));
  const ex = createShardExecutor({ vschema, shards: conns, ...options });
  await ex.exec('CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)');
  for (let i = 1; i <= 20; i++) await ex.run('INSERT INTO users VALUES (?, ?)', [i, `n${i}`]);
  return { ex, close: () => Promise.all(dbs.map((d) => d.close())) };
}

describe('parameters', () => {
  it('named, numbered and positional parameters bind alike on pass-through, scatter and gather paths', async () => {
    const { ex, close } = await fourShards((_id, c) => c);
    expect(await ex.query('SELECT name FROM users WHERE id = :id', { id: 7 })).toEqual([{ name: 'n7' }]);
    expect(await ex.query('SELECT name FROM users WHERE id = ?2 AND name = ?1', ['n8', 8])).toEqual([{ name: 'n8' }]);
    expect(await ex.query('SELECT count(*) AS n FROM users WHERE id > :lo AND id <= :hi', { lo: 5, hi: 15 })).toEqual([{ n: 10 }]);
    expect(await ex.query('SELECT u.name FROM users u WHERE u.id IN (SELECT id FROM users WHERE id < $max) ORDER BY u.id LIMIT :n', { max: 4, n: 2 })).toEqual([{ name: 'n1' }, { name: 'n2' }]);
    await close();
  });
});

describe('executor failures', () => {
  it('a failing shard fails the scatter with its code, naming the shard', async () => {
    let broken = false;
    const { ex, close } = await fourShards((id, c) => ({ ...c, exec: (sql, p) => (broken && id === 's2' ? Promise.reject(new DoSQLError('IO_ERROR', 'test: disk gone')) : c.exec(sql, p)) }));
    broken = true;
    await expect(ex.query('SELECT count(*) FROM users')).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/^shard: s2: test: disk gone/), details: { shard: 's2' } });
    await close();
  });

  it('a shard slower than shardTimeoutMs fails with INTERRUPTED naming it', async () => {
    let slow = false;
    const { ex, close } = await fourShards((id, c) => ({ ...c, exec: (sql, p) => (slow && id === 's1' ? new Promise<never>(() => undefined) : c.exec(sql, p)) }), { shardTimeoutMs: 50 });
    slow = true;
    await expect(ex.query('SELECT * FROM users')).rejects.toMatchObject({ code: 'INTERRUPTED', details: { shard: 's1', reason: 'timeout' } });
    await close();
  });

  it('a scatter calls at most maxParallelShards shards at once', async () => {
    let active = 0;
    let peak = 0;
    const { ex, close } = await fourShards(
      (_id, c) => ({
        ...c,
        exec: async (sql, p) => {
          peak = Math.max(peak, ++active);
          try {
            await new Promise((r) => setTimeout(r, 5));
            return await c.exec(sql, p);
          } finally {
            active--;
          }
        },
      }),
      { maxParallelShards: 2 },
    );
    peak = 0;
    expect((await ex.query('SELECT count(*) AS n FROM users'))[0]).toEqual({ n: 20 });
    expect(peak).toBe(2);
    await close();
  });
});
