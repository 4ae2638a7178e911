// From a vindex column's value to a shard. Hash vindexes: keyspace id = 32-bit hash of the
// value's canonical bytes (routing-value.ts, hash.ts), and the keyspace map gives the shard
// owning that id (contiguous ranges, split evenly by default: shard i of n owns
// [floor(i * 2^32 / n), floor((i + 1) * 2^32 / n))). Consistent hash: `virtualNodes` points per
// shard on the ring of 32-bit hashes (point j of shard s is hash("<s>#<j>")); a keyspace id goes
// to the first point at or after it, wrapping. Range vindexes compare the canonical value with
// the boundaries. Resolvers are built once per vindex and cached.
import { DoSQLError } from '../errors.js';
import type { SqlValue } from '../sql/types/value.js';
import { utf8Encoder } from '../util/bytes.js';
import { hash32 } from './hash.js';
import { canonicalBytes, canonicalValue, compareCanonical } from './routing-value.js';
import type { KeyspaceRange, PrimaryVindex, ShardId, VSchema } from './vschema.js';

/** A primary vindex bound to a vschema's shards. */
export interface VindexResolver {
  /** Identity of the placement: two tables whose vindexes have equal keys place equal values on the same shard (co-location). */
  readonly key: string;
  /** Every shard the vindex may place a row on. */
  readonly shards: readonly ShardId[];
  /** The shard of a row whose vindex column holds `value`. */
  shardOf(value: SqlValue | boolean | undefined): ShardId;
  /** The keyspace id of `value` (hash vindexes), or undefined (range vindexes place by value). */
  keyspaceId(value: SqlValue | boolean | undefined): number | undefined;
  /**
   * The shards that may hold values v with lo <= v <= hi (bounds optional, inclusive flags
   * ignored: a superset is returned). Hash vindexes answer every shard.
   */
  shardsInRange(lo: SqlValue | undefined, hi: SqlValue | undefined): readonly ShardId[];
}

const cache = new WeakMap<object, Map<VSchema, VindexResolver>>();

/** The resolver of `vindex` in `vschema` (cached). */
export function resolverOf(vschema: VSchema, vindex: PrimaryVindex): VindexResolver {
  let byVs = cache.get(vindex);
  if (!byVs) cache.set(vindex, (byVs = new Map()));
  let r = byVs.get(vschema);
  if (!r) byVs.set(vschema, (r = build(vschema, vindex)));
  return r;
}

/** The even split of the 32-bit keyspace over `shards`, in order. */
export function evenKeyspace(shards: readonly ShardId[]): KeyspaceRange[] {
  const n = shards.length;
  return shards.map((shard, i) => ({ shard, from: Math.floor((i * 2 ** 32) / n), to: Math.floor(((i + 1) * 2 ** 32) / n) }));
}

function build(vschema: VSchema, v: PrimaryVindex): VindexResolver {
  if (v.kind === 'hash') {
    const ranges = [...(v.ranges ?? evenKeyspace(v.shards ?? vschema.hashShards))].sort((a, b) => a.from - b.from);
    const starts = ranges.map((r) => r.from);
    const owners = ranges.map((r) => r.shard);
    const shards = unique(owners);
    const keyspaceId = (value: SqlValue | boolean | undefined): number => hash32(v.algorithm, canonicalBytes(value));
    return {
      key: `hash:${v.algorithm}:${ranges.map((r) => `${r.from}-${r.to}=${r.shard}`).join(',')}`,
      shards,
      keyspaceId,
      shardOf: (value) => owners[upperBound(starts, keyspaceId(value)) - 1]!,
      shardsInRange: () => shards,
    };
  }
  if (v.kind === 'consistentHash') {
    const shards = [...(v.shards ?? vschema.hashShards)];
    const ring: { at: number; shard: ShardId }[] = [];
    for (const s of shards) for (let j = 0; j < v.virtualNodes; j++) ring.push({ at: hash32(v.algorithm, utf8Encoder.encode(`${s}#${j}`)), shard: s });
    // Ties (two points at one hash) break by shard id, so the ring does not depend on list order.
    ring.sort((a, b) => a.at - b.at || (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
    const points = ring.map((p) => p.at);
    const keyspaceId = (value: SqlValue | boolean | undefined): number => hash32(v.algorithm, canonicalBytes(value));
    return {
      key: `consistentHash:${v.algorithm}:${v.virtualNodes}:${[...shards].sort().join(',')}`,
      shards,
      keyspaceId,
      shardOf: (value) => {
        const i = lowerBound(points, keyspaceId(value));
        return ring[i === ring.length ? 0 : i]!.shard;
      },
      shardsInRange: () => shards,
    };
  }
  const ranges = v.ranges;
  const shards = unique(ranges.map((r) => r.shard));
  const inRange = (c: SqlValue, r: { min: SqlValue; max: SqlValue }): boolean => (r.min === null || compareCanonical(c, r.min) >= 0) && (r.max === null || compareCanonical(c, r.max) < 0);
  return {
    key: `range:${JSON.stringify(ranges, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))}`,
    shards,
    keyspaceId: () => undefined,
    shardOf: (value) => {
      const c = canonicalValue(value);
      const r = ranges.find((x) => inRange(c, x));
      if (!r) throw new DoSQLError('INVALID_ARGUMENT', `shard: no range of the range vindex holds the value ${describe(c)}`, { details: { value: describe(c) } });
      return r.shard;
    },
    shardsInRange: (lo, hi) => {
      const l = lo === undefined ? undefined : canonicalValue(lo);
      const h = hi === undefined ? undefined : canonicalValue(hi);
      // A range [min, max) can hold a value in [l, h] unless it ends at or before l or starts after h.
      return unique(ranges.filter((r) => !(l !== undefined && l !== null && r.max !== null && compareCanonical(r.max, l) <= 0) && !(h !== undefined && h !== null && r.min !== null && compareCanonical(r.min, h) > 0)).map((r) => r.shard));
    },
  };
}

/** Checks a range vindex's ranges: min < max, pairwise disjoint. Throws INVALID_ARGUMENT naming `what`. */
export function checkValueRanges(ranges: readonly { shard: ShardId; min: SqlValue; max: SqlValue }[], what: string): void {
  for (const r of ranges) {
    if (r.min !== null && r.max !== null && compareCanonical(r.min, r.max) >= 0) throw new DoSQLError('INVALID_ARGUMENT', `shard: vschema: ${what}: range of shard ${r.shard} has min >= max`);
  }
  const lo = (r: { min: SqlValue }): SqlValue => r.min;
  const sorted = [...ranges].sort((a, b) => (lo(a) === null ? -1 : lo(b) === null ? 1 : compareCanonical(lo(a), lo(b))));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.max === null || cur.min === null || compareCanonical(prev.max, cur.min) > 0) throw new DoSQLError('INVALID_ARGUMENT', `shard: vschema: ${what}: ranges of shards ${prev.shard} and ${cur.shard} overlap`);
  }
}

function describe(v: SqlValue): string {
  if (v instanceof Uint8Array) return `x'${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Index of the first element > x. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (xs[m]! <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Index of the first element >= x. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (xs[m]! < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}
