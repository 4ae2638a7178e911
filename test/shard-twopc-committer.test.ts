// The sharding executor's cross-shard writes through two-phase commit: all shards or none. The
// same failure that leaves the best-effort committer's earlier shards committed (a shard
// refusing its part) leaves no shard changed here, and successful cross-shard writes (a
// multi-shard INSERT, a row moved by an update of its vindex column, a reference-table write)
// answer as one database would.
import { describe, expect, it } from 'vitest';
import { DB, MemoryObjectStore } from '../src/index.js';
import { createShardExecutor, createVSchema, hashVindex, localShard, referenceTable, shard, shardedTable, TwoPhaseCoordinator, twoPhaseCommitter, bestEffortCommitter, type CrossShardCommitter } from '../src/shard/index.js';

const names = ['a', 'b', 'c'];
const vschema = createVSchema({ kv: shardedTable('k', hashVindex()), ref: referenceTable() }, names.map((s) => shard(s)));

async function cluster(tag: string, committer: CrossShardCommitter) {
  const dbs = names.map((s) => DB(`tpc-${tag}-${s}`, { storage: 'memory' }));
  const conns = Object.fromEntries(names.map((s, i) => [s, localShard(s, dbs[i]!)]));
  const ex = createShardExecutor({ vschema, shards: conns, committer });
  await ex.exec('CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID; CREATE TABLE ref(x INTEGER PRIMARY KEY) WITHOUT ROWID');
  return { ex, dbs, conns, close: () => Promise.all(dbs.map((d) => d.close())) };
}

async function refCounts(dbs: ReturnType<typeof DB>[]): Promise<number[]> {
  const out: number[] = [];
  for (const d of dbs) {
    const has = (await d.query("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'ref'")) as { n: number }[];
    out.push(has[0]!.n ? ((await d.query('SELECT count(*) AS n FROM ref')) as { n: number }[])[0]!.n : -1);
  }
  return out;
}

describe('twoPhaseCommitter', () => {
  it('a shard refusing its part leaves every shard unchanged (best effort leaves the earlier ones committed)', async () => {
    const best = await cluster('best', bestEffortCommitter);
    await best.dbs[2]!.exec('DROP TABLE ref');
    await expect(best.ex.run('INSERT INTO ref VALUES (2)')).rejects.toMatchObject({ details: { committed: ['a', 'b'] } });
    expect(await refCounts(best.dbs)).toEqual([1, 1, -1]);
    await best.close();

    const coordinator = new TwoPhaseCoordinator({ store: new MemoryObjectStore(), id: 'c1' });
    const tpc = await cluster('tpc', twoPhaseCommitter({ coordinator }));
    await tpc.dbs[2]!.exec('DROP TABLE ref');
    await expect(tpc.ex.run('INSERT INTO ref VALUES (2)')).rejects.toThrow(/ref/);
    expect(await refCounts(tpc.dbs)).toEqual([0, 0, -1]);
    // Nothing is left prepared on any shard.
    for (const d of tpc.dbs) expect(await d.query('PRAGMA prepared_xacts')).toEqual([]);
    await tpc.close();
  });

  it('multi-shard inserts, row moves and reference writes commit on every shard', async () => {
    const coordinator = new TwoPhaseCoordinator({ store: new MemoryObjectStore(), id: 'c2' });
    const { ex, dbs, conns, close } = await cluster('ok', twoPhaseCommitter({ coordinator }));
    const keys = Array.from({ length: 30 }, (_, i) => i + 1);
    expect((await ex.run(`INSERT INTO kv VALUES ${keys.map((k) => `(${k}, 'v${k}')`).join(', ')}`)).changes).toBe(30);
    expect((await ex.run('INSERT INTO ref VALUES (7)')).changes).toBeGreaterThan(0);
    expect(await refCounts(dbs)).toEqual([1, 1, 1]);
    // Move every row to a new key (most land on another shard).
    await ex.run('UPDATE kv SET k = k + 1000');
    const all = await ex.query<{ k: number; v: string }>('SELECT k, v FROM kv ORDER BY k');
    expect(all.map((r) => Number(r.k))).toEqual(keys.map((k) => k + 1000));
    expect(all.map((r) => r.v)).toEqual(keys.map((k) => `v${k}`));
    // Each row is on exactly one shard, and no shard holds an in-doubt transaction.
    let total = 0;
    for (const d of dbs) {
      total += ((await d.query('SELECT count(*) AS n FROM kv')) as { n: number }[])[0]!.n;
      expect(await d.query('PRAGMA prepared_xacts')).toEqual([]);
    }
    expect(total).toBe(30);
    const report = await coordinator.recover(Object.values(conns).map((c) => ({ id: c.id, exec: (sql: string, p?: unknown[]) => c.exec(sql, p).then((r) => r.rows.map((row) => Object.fromEntries(r.columns.map((col, i) => [col, row[i]])))) })));
    expect(report.unresolved).toEqual([]);
    await close();
  });
});
