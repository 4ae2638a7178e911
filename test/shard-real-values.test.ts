// REAL values keep their storage class through the sharding layer's own statements: a merged
// aggregate (the coordinator's scratch table), a gathered join (the fallback), a replica's copy
// and change stream. dosql binds an integral JS number as INTEGER, so a REAL 484.0 passed as a
// parameter would come back as 484 (found by the resharding test: max() of REAL 484.0 across
// shards answered INTEGER 484).
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { cdcReplica, createShardExecutor, createVSchema, hashVindex, localShard, referenceTable, shard, shardedTable } from '../src/shard/index.js';

const vschema = createVSchema({ m: shardedTable('k', hashVindex()), r: referenceTable() }, ['a', 'b'].map((s) => shard(s)));
const rows = Array.from({ length: 40 }, (_, i) => `(${i}, ${i % 7 === 0 ? 'NULL' : `${(i * 37) % 500}.0`}, ${i % 5})`).join(', ');

describe('REAL values through the sharding layer', () => {
  it('aggregates, gathered joins and replicas answer with the same storage classes as one database', async () => {
    const single = DB('real-single', { storage: 'memory' });
    const dbs = ['a', 'b'].map((s) => DB(`real-${s}`, { storage: 'memory' }));
    const ex = createShardExecutor({ vschema, shards: { a: localShard('a', dbs[0]!), b: localShard('b', dbs[1]!) } });
    const ddl = 'CREATE TABLE m(k INTEGER PRIMARY KEY, x, g INTEGER); CREATE TABLE r(g INTEGER PRIMARY KEY, w)';
    await single.exec(ddl);
    await ex.exec(ddl);
    for (const sql of [`INSERT INTO m VALUES ${rows}`, 'INSERT INTO r VALUES (0, 2.0), (1, 3.5), (2, 4.0), (3, NULL), (4, 10.0)']) {
      await single.exec(sql);
      await ex.run(sql);
    }
    const queries = [
      'SELECT max(x) AS a, min(x) AS b, typeof(max(x)) AS c, typeof(min(x)) AS d, sum(x) AS e, typeof(sum(x)) AS f FROM m',
      'SELECT g, max(x) AS a, typeof(max(x)) AS t FROM m GROUP BY g ORDER BY g',
      // A join on a non-key column: gathered into the coordinator's scratch database.
      'SELECT m.k, m.x, typeof(m.x) AS t, r.w, typeof(r.w) AS u FROM m JOIN r ON m.x = r.w * 100 ORDER BY m.k',
      'SELECT k, x, typeof(x) AS t FROM m WHERE x > 100.0 ORDER BY x DESC, k LIMIT 7',
    ];
    for (const q of queries) {
      const want = await single.prepare(q).safeIntegers().all();
      expect(await ex.query(q, [], { safeIntegers: true }), q).toEqual(want);
    }
    // A replica of shard a: the copy and the change stream keep REAL as REAL.
    const replicaDb = DB('real-replica', { storage: 'memory' });
    const rep = cdcReplica(dbs[0]!, replicaDb, { shard: 'a', replicaId: 'a-r1' });
    await rep.start();
    await rep.catchUp();
    await dbs[0]!.exec('INSERT INTO m VALUES (1000, 7.0, 1)');
    await dbs[0]!.exec('UPDATE m SET x = 8.0 WHERE k = 1000');
    await rep.catchUp();
    const q = 'SELECT k, x, typeof(x) AS t FROM m ORDER BY k';
    expect(await replicaDb.prepare(q).safeIntegers().all()).toEqual(await dbs[0]!.prepare(q).safeIntegers().all());
    await rep.stop();
    await Promise.all([single, ...dbs, replicaDb].map((d) => d.close()));
  });
});
