// The metadata half of a shard split: the VSchema after moving part of a source shard's
// keyspace to a new shard. Only vindexes that place rows by keyspace id take part: a hash
// vindex's keyspace map gets the moved ids reassigned; a consistent-hash vindex is first
// rewritten as the hash vindex with the explicit keyspace map its ring defines (same algorithm,
// so every row keeps its keyspace id and its shard), then split the same way. Range vindexes
// place by value, not keyspace id: their tables stay where they are. Vindexes with equal
// placements get equal new maps, so co-located tables stay co-located.
import { DoSQLError } from '../errors.js';
import { hash32 } from './hash.js';
import { utf8Encoder } from '../util/bytes.js';
import { evenKeyspace } from './vindex.js';
import { createVSchema, hashVindex, shard as shardSpec, type HashVindex, type KeyspaceRange, type PrimaryVindex, type ShardId, type ShardedTableSpec, type TableSpec, type VSchema } from './vschema.js';

const SPACE = 2 ** 32;

/** The keyspace map of a hash or consistent-hash vindex in `vs` (sorted by `from`). */
export function keyspaceMap(vs: VSchema, v: Exclude<PrimaryVindex, { kind: 'range' }>): KeyspaceRange[] {
  if (v.kind === 'hash') return [...(v.ranges ?? evenKeyspace(v.shards ?? vs.hashShards))].sort((a, b) => a.from - b.from);
  // The ring: id k goes to the first point >= k (wrapping), so point p owns (prev, p], i.e. [prev + 1, p + 1).
  const shards = [...(v.shards ?? vs.hashShards)];
  const ring: { at: number; shard: ShardId }[] = [];
  for (const s of shards) for (let j = 0; j < v.virtualNodes; j++) ring.push({ at: hash32(v.algorithm, utf8Encoder.encode(`${s}#${j}`)), shard: s });
  ring.sort((a, b) => a.at - b.at || (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
  const out: KeyspaceRange[] = [];
  let from = 0;
  for (const p of ring) {
    if (p.at + 1 > from) out.push({ shard: p.shard, from, to: p.at + 1 });
    from = Math.max(from, p.at + 1);
  }
  if (from < SPACE) out.push({ shard: ring[0]!.shard, from, to: SPACE });
  return merge(out);
}

/**
 * Splits `map`: ids owned by `source` at or above `at` go to `target`. `at` absent: the point
 * that halves the source's owned ids. Throws INVALID_ARGUMENT when nothing would move.
 */
export function splitMap(map: readonly KeyspaceRange[], source: ShardId, target: ShardId, at: number | undefined): KeyspaceRange[] {
  const owned = map.filter((r) => r.shard === source);
  const size = owned.reduce((n, r) => n + (r.to - r.from), 0);
  let cut = at;
  if (cut === undefined) {
    let half = Math.floor(size / 2);
    for (const r of owned) {
      if (half < r.to - r.from) {
        cut = r.from + half;
        break;
      }
      half -= r.to - r.from;
    }
  }
  if (cut === undefined || !Number.isInteger(cut) || cut < 0 || cut >= SPACE) throw new DoSQLError('INVALID_ARGUMENT', `shard: reshard: split point ${String(at)} must be an integer keyspace id in [0, 2^32)`);
  const out: KeyspaceRange[] = [];
  let moved = 0;
  for (const r of map) {
    if (r.shard !== source || r.to <= cut) out.push({ ...r });
    else if (r.from >= cut) {
      out.push({ shard: target, from: r.from, to: r.to });
      moved += r.to - r.from;
    } else {
      out.push({ shard: source, from: r.from, to: cut }, { shard: target, from: cut, to: r.to });
      moved += r.to - cut;
    }
  }
  if (moved === 0) throw new DoSQLError('INVALID_ARGUMENT', `shard: reshard: shard ${source} owns no keyspace id at or above ${cut}: nothing to move`);
  return merge(out);
}

/** The vschema after splitting `source` into itself and `target` at keyspace id `at`, and the tables whose rows move. */
export function splitVSchema(vs: VSchema, source: ShardId, target: ShardId, at: number | undefined): { vschema: VSchema; moving: string[] } {
  if (!vs.shards.some((s) => s.id === source)) throw new DoSQLError('INVALID_ARGUMENT', `shard: reshard: no shard ${source} in the vschema`, { details: { shard: source } });
  if (vs.shards.some((s) => s.id === target)) throw new DoSQLError('INVALID_ARGUMENT', `shard: reshard: shard ${target} is already in the vschema`, { details: { shard: target } });
  // One new vindex per distinct placement, so tables that were co-located stay so.
  const byPlacement = new Map<string, HashVindex>();
  const tables: Record<string, TableSpec> = {};
  const moving: string[] = [];
  for (const [name, spec] of Object.entries(vs.tables)) {
    if (spec.type !== 'sharded' || spec.vindex.kind === 'range') {
      tables[name] = spec;
      continue;
    }
    const map = keyspaceMap(vs, spec.vindex);
    if (!map.some((r) => r.shard === source)) {
      tables[name] = spec;
      continue;
    }
    const key = `${spec.vindex.algorithm}:${JSON.stringify(map)}`;
    let v = byPlacement.get(key);
    if (!v) byPlacement.set(key, (v = hashVindex(spec.vindex.algorithm, { ranges: splitMap(map, source, target, at) })));
    tables[name] = { ...spec, vindex: v } satisfies ShardedTableSpec;
    moving.push(name);
  }
  if (moving.length === 0) throw new DoSQLError('INVALID_ARGUMENT', `shard: reshard: no table is placed on shard ${source} by keyspace id (hash or consistent-hash vindex)`, { details: { shard: source } });
  const vschema = createVSchema(tables, [...vs.shards, shardSpec(target)], { defaultShard: vs.defaultShard, settings: vs.settings });
  // Hash vindexes without a map spread over hashShards, which now includes the target: pin them.
  return { vschema: pinHashShards(vschema, vs), moving };
}

/** Tables whose hash or consistent-hash vindex had no explicit shards keep the old shard list. */
function pinHashShards(next: VSchema, prev: VSchema): VSchema {
  const tables: Record<string, TableSpec> = {};
  for (const [name, spec] of Object.entries(next.tables)) {
    if (spec.type === 'sharded' && spec.vindex.kind === 'hash' && !spec.vindex.ranges && !spec.vindex.shards) tables[name] = { ...spec, vindex: hashVindex(spec.vindex.algorithm, { shards: prev.hashShards }) };
    else if (spec.type === 'sharded' && spec.vindex.kind === 'consistentHash' && !spec.vindex.shards) tables[name] = { ...spec, vindex: { ...spec.vindex, shards: [...prev.hashShards] } };
    else tables[name] = spec;
  }
  return createVSchema(tables, next.shards, { defaultShard: next.defaultShard, settings: next.settings });
}

function merge(ranges: readonly KeyspaceRange[]): KeyspaceRange[] {
  const out: KeyspaceRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.shard === r.shard && last.to === r.from) out[out.length - 1] = { ...last, to: r.to };
    else out.push({ ...r });
  }
  return out;
}
