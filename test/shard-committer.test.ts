// Cross-shard writes go through the CrossShardCommitter the executor is given (the seam where
// two-phase commit plugs in), and the default best-effort committer reports which shards had
// committed when a later one fails. A shard connection is also a 2PC participant by shape.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { bestEffortCommitter, createShardExecutor, createVSchema, hashVindex, localShard, referenceTable, shard, shardedTable, type CrossShardCommitter, type ShardWrite } from '../src/shard/index.js';
import { literal } from '../src/shard/sql-print.js';

const vschema = createVSchema({ kv: shardedTable('k', hashVindex()), ref: referenceTable() }, ['a', 'b', 'c'].map((s) => shard(s)));

async function cluster(committer?: CrossShardCommitter) {
  const dbs = ['a', 'b', 'c'].map((s) => DB(`committer-${s}`, { storage: 'memory' }));
  const conns = Object.fromEntries(['a', 'b', 'c'].map((s, i) => [s, localShard(s, dbs[i]!)]));
  const ex = createShardExecutor({ vschema, shards: conns, ...(committer ? { committer } : {}) });
  await ex.exec('CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT); CREATE TABLE ref(x INTEGER PRIMARY KEY)');
  return { ex, dbs, close: () => Promise.all(dbs.map((d) => d.close())) };
}

describe('CrossShardCommitter', () => {
  it('receives every write that spans shards, one entry per shard, and its results make the answer', async () => {
    const seen: ShardWrite[][] = [];
    const recording: CrossShardCommitter = {
      commit: async (writes, connection) => {
        seen.push([...writes]);
        return bestEffortCommitter.commit(writes, connection);
      },
    };
    const { ex, close } = await cluster(recording);
    const keys = Array.from({ length: 12 }, (_, i) => i + 1);
    const r = await ex.run(`INSERT INTO kv VALUES ${keys.map((k) => `(${k}, 'v${k}')`).join(', ')}`);
    expect(r.changes).toBe(12);
    expect(seen).toHaveLength(1);
    expect(new Set(seen[0]!.map((w) => w.shard)).size).toBe(seen[0]!.length);
    expect(seen[0]!.length).toBeGreaterThan(1);
    // A point write stays on one shard: no committer.
    await ex.run("UPDATE kv SET v = 'x' WHERE k = 3");
    expect(seen).toHaveLength(1);
    // A reference-table write and a scatter delete span every shard.
    await ex.run('INSERT INTO ref VALUES (1)');
    expect(seen[1]!.map((w) => w.shard).sort()).toEqual(['a', 'b', 'c']);
    expect((await ex.run('DELETE FROM kv WHERE v LIKE ?', ['v%'])).changes).toBe(11);
    expect(seen).toHaveLength(3);
    await close();
  });

  it('best effort: a failure on a later shard names the shards that had committed', async () => {
    const { ex, dbs, close } = await cluster();
    // Shard c refuses every write (its table is gone); a and b come first in the write order.
    await dbs[2]!.exec('DROP TABLE ref');
    const err = await ex.run('INSERT INTO ref VALUES (2)').catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringMatching(/^shard: c: cross-shard write failed: .*already committed on a, b/), details: { shard: 'c', committed: ['a', 'b'] } });
    await close();
  });

  it('a shard connection has the shape of a two-phase-commit participant', async () => {
    const db = DB('committer-participant', { storage: 'memory' });
    const participant: { readonly id: string; exec(sql: string, params?: unknown[]): Promise<unknown> } = localShard('a', db);
    expect(participant.id).toBe('a');
    await participant.exec('CREATE TABLE t(x)');
    await participant.exec('INSERT INTO t VALUES (?)', [5]);
    expect(await db.query('SELECT x FROM t')).toEqual([{ x: 5 }]);
    await db.close();
  });
});

describe('SQL literals the router prints', () => {
  it('read back as the same value and storage class', async () => {
    const db = DB('literals', { storage: 'memory' });
    const values = [0n, -1n, -9223372036854775808n, 9223372036854775807n, 1.5, -0.25, 3.0, -2.0, 1e300, "it's", new Uint8Array([0, 255]), null];
    const r = (await db.prepare(`SELECT ${values.map((v) => literal(v)).join(', ')}`).raw().safeIntegers().all()) as unknown[][];
    expect(r[0]).toEqual(values);
    const types = (await db.prepare(`SELECT ${values.map((v) => `typeof(${literal(v)})`).join(', ')}`).raw().all()) as string[][];
    expect(types[0]).toEqual(['integer', 'integer', 'integer', 'integer', 'real', 'real', 'real', 'real', 'real', 'text', 'blob', 'null']);
    await db.close();
  });
});
