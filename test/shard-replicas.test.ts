// Replicas fed by change data capture and the read preferences over them (src/shard/replica.ts,
// replica-feed.ts). The clock is injected: staleness is now - freshAsOf on that clock, so the
// bound is checked without sleeping. A replica read is told apart from a primary read by data
// the paused replica has not yet applied.
import { afterEach, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import type { Database } from '../src/sql/api/database.js';
import { cdcReplica, createShardExecutor, createVSchema, hashVindex, localShard, replica, shard, shardedTable, type CdcReplica, type ShardConnection } from '../src/shard/index.js';
import { DoSQLError } from '../src/errors.js';

let open: Database[] = [];
let feeds: CdcReplica[] = [];
afterEach(async () => {
  for (const f of feeds) await f.stop();
  for (const d of open) await d.close();
  open = [];
  feeds = [];
});

async function cluster(options: { primaryDown?: () => boolean } = {}) {
  let now = 1_000_000;
  const clock = (): number => now;
  const vschema = createVSchema({ kv: shardedTable('k', hashVindex()) }, [shard('s0', 'DOSQL', { replicas: [replica('s0-r1', 'DOSQL', 'replica', { region: 'eu' })], metadata: { region: 'us' } })]);
  const primary = DB('p', { storage: 'memory' });
  const copy = DB('r', { storage: 'memory' });
  open.push(primary, copy);
  await primary.exec('CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT)');
  await primary.run("INSERT INTO kv VALUES (1, 'one')");
  const feed = cdcReplica(primary, copy, { shard: 's0', replicaId: 's0-r1', clock });
  feeds.push(feed);
  await feed.start();
  const base = localShard('s0', primary);
  const conn: ShardConnection = {
    ...base,
    exec: (sql, params) => (options.primaryDown?.() ? Promise.reject(new DoSQLError('IO_ERROR', 'test: primary unreachable')) : base.exec(sql, params)),
  };
  const ex = createShardExecutor({ vschema, shards: { s0: conn }, replicas: { s0: [feed] }, clock, region: 'eu' });
  return { ex, primary, feed, advance: (ms: number) => (now += ms) };
}

const values = async (ex: ReturnType<typeof createShardExecutor>, pref: Parameters<typeof ex.query>[2]): Promise<unknown[]> => (await ex.query<{ v: string }>('SELECT v FROM kv ORDER BY k', [], pref)).map((r) => r.v);

describe('replicas fed by CDC', () => {
  it('copy the primary at start and apply its later commits', async () => {
    const { ex, primary, feed } = await cluster();
    await primary.run("INSERT INTO kv VALUES (2, 'two')");
    await primary.run("UPDATE kv SET v = 'uno' WHERE k = 1");
    await feed.catchUp();
    expect(await values(ex, { readPreference: 'replica' })).toEqual(['uno', 'two']);
    await primary.run('DELETE FROM kv WHERE k = 1');
    await feed.catchUp();
    expect(await values(ex, { readPreference: 'replica' })).toEqual(['two']);
  });

  it('never serve a read staler than maxStalenessMs: replica errors, replicaPreferred falls back to the primary', async () => {
    const { ex, primary, feed, advance } = await cluster();
    await feed.catchUp();
    feed.pause();
    await primary.run("INSERT INTO kv VALUES (2, 'two')");
    advance(500);
    // Within a 1000 ms bound the replica (500 ms stale, without row 2) serves.
    expect(await values(ex, { readPreference: 'replica', maxStalenessMs: 1000 })).toEqual(['one']);
    // Beyond a 100 ms bound it must not.
    await expect(ex.query('SELECT v FROM kv', [], { readPreference: 'replica', maxStalenessMs: 100 })).rejects.toMatchObject({ code: 'BUSY', details: { shard: 's0' } });
    expect(await values(ex, { readPreference: 'replicaPreferred', maxStalenessMs: 100 })).toEqual(['one', 'two']);
    feed.unpause();
    await feed.catchUp();
    expect(await values(ex, { readPreference: 'replica', maxStalenessMs: 100 })).toEqual(['one', 'two']);
  });

  it('primary reads the primary; primaryPreferred reads a fresh replica only when the primary is down', async () => {
    let down = false;
    const { ex, primary, feed } = await cluster({ primaryDown: () => down });
    await feed.catchUp();
    feed.pause();
    await primary.run("INSERT INTO kv VALUES (2, 'two')");
    expect(await values(ex, { readPreference: 'primary' })).toEqual(['one', 'two']);
    expect(await values(ex, { readPreference: 'primaryPreferred' })).toEqual(['one', 'two']);
    down = true;
    expect(await values(ex, { readPreference: 'primaryPreferred' })).toEqual(['one']);
    await expect(ex.query('SELECT v FROM kv', [], { readPreference: 'primary' })).rejects.toMatchObject({ code: 'IO_ERROR', details: { shard: 's0' } });
  });

  it('nearest reads the replica in the coordinator region while it is fresh', async () => {
    const { ex, primary, feed, advance } = await cluster();
    await feed.catchUp();
    feed.pause();
    await primary.run("INSERT INTO kv VALUES (2, 'two')");
    expect(await values(ex, { readPreference: 'nearest', maxStalenessMs: 50 })).toEqual(['one']);
    advance(51);
    expect(await values(ex, { readPreference: 'nearest', maxStalenessMs: 50 })).toEqual(['one', 'two']);
  });

  it('cluster health lists the replica with its staleness', async () => {
    const { ex, feed, advance } = await cluster();
    await feed.catchUp();
    advance(10);
    const h = await ex.getClusterHealth();
    expect(h.totalShards).toBe(1);
    expect(h.healthyShards).toBe(1);
    expect(h.totalReplicas).toBe(1);
    expect(h.shards[0]!.replicaHealths[0]!.id).toBe('s0-r1');
  });
});
