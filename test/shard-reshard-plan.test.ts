// The metadata half of a split (src/shard/reshard-plan.ts): a consistent-hash ring rewritten as
// an explicit keyspace map places every value where the ring does; a split moves exactly the
// source's ids at or above the split point and nothing else; co-located tables stay co-located;
// bad requests are INVALID_ARGUMENT before anything changes.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { consistentHashVindex, createShardExecutor, createVSchema, hashVindex, localShard, rangeVindex, shard, shardedTable, unshardedTable } from '../src/shard/index.js';
import { keyspaceMap, splitVSchema } from '../src/shard/reshard-plan.js';
import { resolverOf } from '../src/shard/vindex.js';

const SH = ['a', 'b', 'c'].map((s) => shard(s));
const values = Array.from({ length: 3000 }, (_, i) => BigInt(i * 7919 - 500));

describe('reshard plan', () => {
  it('a consistent-hash ring as a keyspace map places every value as the ring does', () => {
    const v = consistentHashVindex(40, 'xxhash');
    const vs = createVSchema({ t: shardedTable('k', v) }, SH);
    const map = keyspaceMap(vs, v);
    const asMap = createVSchema({ t: shardedTable('k', hashVindex('xxhash', { ranges: map })) }, SH);
    const ring = resolverOf(vs, v);
    const explicit = resolverOf(asMap, asMap.tables.t!.type === 'sharded' ? asMap.tables.t.vindex : v);
    for (const x of values) expect(explicit.shardOf(x)).toBe(ring.shardOf(x));
  });

  it.each([
    ['hash', hashVindex('fnv1a')],
    ['consistentHash', consistentHashVindex(16, 'fnv1a')],
  ] as const)('a split of %s moves only the source ids at or above the point, keeps co-location', (_name, v) => {
    const vs = createVSchema({ t: shardedTable('k', v), u: shardedTable('k2', v), r: shardedTable('n', rangeVindex([{ shard: 'c', min: null, max: null }])), x: unshardedTable('a') }, SH);
    const at = 2 ** 31 + 12345;
    const { vschema: next, moving } = splitVSchema(vs, 'b', 'd', at);
    expect(moving.sort()).toEqual(['t', 'u']);
    const before = resolverOf(vs, (vs.tables.t as { vindex: typeof v }).vindex);
    const after = resolverOf(next, (next.tables.t as { vindex: typeof v }).vindex);
    const afterU = resolverOf(next, (next.tables.u as { vindex: typeof v }).vindex);
    expect(afterU.key).toBe(after.key);
    let moved = 0;
    for (const x of values) {
      const [b, a] = [before.shardOf(x), after.shardOf(x)];
      const shouldMove = b === 'b' && (before.keyspaceId(x) ?? 0) >= at;
      expect(a).toBe(shouldMove ? 'd' : b);
      if (shouldMove) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    expect(next.tables.r).toBe(vs.tables.r);
    expect(next.tables.x).toBe(vs.tables.x);
  });

  it('tables that do not move keep their placement though the new shard joins the hash shards', () => {
    // c is dedicated to the range vindex, so t spreads over a and b; u lives on c by keyspace id.
    const vs = createVSchema({ t: shardedTable('k', hashVindex()), u: shardedTable('k', hashVindex('fnv1a', { shards: ['c'] })), r: shardedTable('n', rangeVindex([{ shard: 'c', min: null, max: null }])) }, SH);
    const { vschema: next, moving } = splitVSchema(vs, 'c', 'd', undefined);
    expect(moving).toEqual(['u']);
    const before = resolverOf(vs, (vs.tables.t as { vindex: ReturnType<typeof hashVindex> }).vindex);
    const after = resolverOf(next, (next.tables.t as { vindex: ReturnType<typeof hashVindex> }).vindex);
    for (const x of values) expect(after.shardOf(x)).toBe(before.shardOf(x));
    const u = resolverOf(next, (next.tables.u as { vindex: ReturnType<typeof hashVindex> }).vindex);
    expect(new Set(values.map((x) => u.shardOf(x)))).toEqual(new Set(['c', 'd']));
  });

  it('refuses an unknown source, a target already present, and a split that moves nothing', async () => {
    const vs = createVSchema({ t: shardedTable('k', hashVindex()) }, SH);
    expect(() => splitVSchema(vs, 'z', 'd', undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => splitVSchema(vs, 'a', 'b', undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => splitVSchema(vs, 'a', 'd', 2 ** 32 - 1)).toThrow(/nothing to move/);
    const dbs = ['a', 'b', 'c', 'd'].map((s) => DB(`plan-${s}`, { storage: 'memory' }));
    try {
      const ex = createShardExecutor({ vschema: vs, shards: { a: localShard('a', dbs[0]!), b: localShard('b', dbs[1]!), c: localShard('c', dbs[2]!) } });
      await expect(ex.splitShard('a', { newShard: localShard('b', dbs[3]!), sourceDatabase: dbs[0]! })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(ex.vschema).toBe(vs);
    } finally {
      for (const d of dbs) await d.close();
    }
  });
});
