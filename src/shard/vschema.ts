// The VSchema (after Vitess' VSchema, https://vitess.io/docs/reference/features/vschema/): which
// tables are sharded and by which vindex, which are replicated to every shard (reference
// tables) or live in one shard (unsharded tables), and the shards with their replicas.
// Constructors are the seeds' names (`createVSchema`, `shardedTable`, `hashVindex`, `shard`, ...);
// `createVSchema` validates everything and returns a frozen description the router and the
// executor read. Validation errors are DoSQLError INVALID_ARGUMENT naming the table or shard.
//
// Keyspace ids (the resharding contract): a hash or consistent-hash vindex maps a value to a
// 32-bit keyspace id (vindex.ts), and the vindex's keyspace map assigns contiguous keyspace-id
// ranges to shards. Moving a range to another shard is a change of that map (metadata) plus a
// copy of the rows whose keyspace id falls in it; no row's keyspace id ever changes.
import { DoSQLError } from '../errors.js';
import type { HashAlgorithm } from './hash.js';
import { checkValueRanges } from './vindex.js';
import type { SqlValue } from '../sql/types/value.js';

/** A shard's name (seed: `createShardId('shard-0')`). */
export type ShardId = string & { readonly __shardId?: never };

/** A shard's name, checked: a non-empty string without `/` (it becomes a URL segment and an object name). */
export function createShardId(id: string): ShardId {
  if (typeof id !== 'string' || id === '' || id.includes('/')) throw invalid(`shard id ${JSON.stringify(id)} must be a non-empty string without '/'`);
  return id as ShardId;
}

/** A keyspace-id range [from, to) of the 32-bit keyspace owned by one shard. */
export interface KeyspaceRange {
  readonly shard: ShardId;
  /** Inclusive lower bound, an integer in [0, 2^32). */
  readonly from: number;
  /** Exclusive upper bound, an integer in (from, 2^32]. */
  readonly to: number;
}

/** Hash vindex: keyspace id = hash of the value (fnv1a or xxhash, 32-bit); ranges of it map to shards. */
export interface HashVindex {
  readonly kind: 'hash';
  readonly algorithm: HashAlgorithm;
  /** Explicit keyspace map; absent: the keyspace split evenly over the vschema's hash shards. */
  readonly ranges?: readonly KeyspaceRange[];
  /** Shards to split the keyspace over evenly (absent: the vschema's hash shards). */
  readonly shards?: readonly ShardId[];
}

/** Consistent-hash vindex: a ring with `virtualNodes` points per shard; a value goes to the next point clockwise. */
export interface ConsistentHashVindex {
  readonly kind: 'consistentHash';
  readonly virtualNodes: number;
  readonly algorithm: HashAlgorithm;
  readonly shards?: readonly ShardId[];
}

/** One range of a range vindex: values v with min <= v < max (null: unbounded) live in `shard`. */
export interface ValueRange {
  readonly shard: ShardId;
  readonly min: SqlValue;
  readonly max: SqlValue;
}

/** Range vindex: the value itself is compared with boundaries (SQLite's ordering of values). */
export interface RangeVindex {
  readonly kind: 'range';
  readonly ranges: readonly ValueRange[];
}

/**
 * Lookup vindex (Vitess' non-unique lookup vindex): a table `table`, kept in shard `shard`,
 * maps a value of a non-key column to the keyspace ids of the rows holding it, so an
 * equality on that column routes to those rows' shards instead of scattering. Entries are
 * added before the row is written and never removed by updates or deletes (a stale entry
 * only adds a shard to the route), so the lookup never misses a row the executor wrote.
 */
export interface LookupVindex {
  readonly kind: 'lookup';
  readonly table: string;
  readonly shard: ShardId;
}

/** A vindex that places rows (lookup vindexes are secondary: they only route reads). */
export type PrimaryVindex = HashVindex | ConsistentHashVindex | RangeVindex;
export type Vindex = PrimaryVindex | LookupVindex;

/** A table sharded by `column` through `vindex`, with optional lookup vindexes on other columns. */
export interface ShardedTableSpec {
  readonly type: 'sharded';
  readonly column: string;
  readonly vindex: PrimaryVindex;
  /** Lookup vindexes by column name. */
  readonly lookups: Readonly<Record<string, LookupVindex>>;
}

/** A table with a full copy on every shard: writes go to all of them, reads to any one. */
export interface ReferenceTableSpec {
  readonly type: 'reference';
  /** Writes through the executor are refused (INVALID_ARGUMENT). */
  readonly readOnly: boolean;
}

/** A table that lives in one shard. */
export interface UnshardedTableSpec {
  readonly type: 'unsharded';
  readonly shard: ShardId;
}

export type TableSpec = ShardedTableSpec | ReferenceTableSpec | UnshardedTableSpec;

/** A read replica of a shard, fed by change data capture (replica.ts). `role` 'analytics' serves only readPreference 'analytics'. */
export interface ReplicaSpec {
  readonly id: string;
  readonly binding?: string;
  readonly role: 'replica' | 'analytics';
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ShardSpec {
  readonly id: ShardId;
  /** The Durable Object namespace binding that holds the shard (Workers), informational in Node. */
  readonly binding?: string;
  readonly replicas: readonly ReplicaSpec[];
  /** Free-form labels, e.g. { region: 'us-east' } (readPreference 'nearest' compares `region`). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface VSchemaSettings {
  /** Shards queried at once by a scatter (default 8). */
  readonly maxParallelShards?: number;
  /** Each shard call's time limit, ms (default 5000; 0: none). */
  readonly shardTimeoutMs?: number;
}

/** The validated sharding topology. Frozen. */
export interface VSchema {
  readonly tables: Readonly<Record<string, TableSpec>>;
  readonly shards: readonly ShardSpec[];
  readonly defaultShard: ShardId;
  readonly settings: VSchemaSettings;
  /** The shards a hash or consistent-hash vindex without its own shard list spreads over. */
  readonly hashShards: readonly ShardId[];
}

/** `shardedTable('user_id', hashVindex('fnv1a'), { lookups: { email: lookupVindex(...) } })`. */
export function shardedTable(column: string, vindex: PrimaryVindex = hashVindex(), options: { lookups?: Record<string, LookupVindex> } = {}): ShardedTableSpec {
  if (typeof column !== 'string' || column === '') throw invalid('shardedTable(): the vindex column must be a non-empty column name');
  if (vindex === null || typeof vindex !== 'object' || !['hash', 'consistentHash', 'range'].includes((vindex as { kind?: string }).kind ?? '')) {
    throw invalid(`shardedTable(${JSON.stringify(column)}): the vindex must be hashVindex(), consistentHashVindex() or rangeVindex() (a lookupVindex routes reads only: pass it in options.lookups)`);
  }
  return { type: 'sharded', column, vindex, lookups: { ...(options.lookups ?? {}) } };
}

/** A table replicated to every shard (`readOnly`: the executor refuses writes to it). */
export function referenceTable(readOnly = false): ReferenceTableSpec {
  return { type: 'reference', readOnly: readOnly === true };
}

/** A table kept whole in `shard`. */
export function unshardedTable(shard: ShardId): UnshardedTableSpec {
  return { type: 'unsharded', shard: createShardId(shard) };
}

/**
 * Hash vindex over `algorithm` ('fnv1a', the default, or 'xxhash'). `options.shards` limits
 * the shards it spreads over; `options.ranges` gives the keyspace map explicitly (what a
 * resharding step edits).
 */
export function hashVindex(algorithm: HashAlgorithm = 'fnv1a', options: { shards?: readonly ShardId[]; ranges?: readonly KeyspaceRange[] } = {}): HashVindex {
  checkAlgorithm(algorithm, 'hashVindex()');
  return { kind: 'hash', algorithm, ...(options.shards ? { shards: [...options.shards] } : {}), ...(options.ranges ? { ranges: options.ranges.map((r) => ({ ...r })) } : {}) };
}

/** Consistent-hash vindex with `virtualNodes` points per shard (default 150) on a ring of 32-bit hashes. */
export function consistentHashVindex(virtualNodes = 150, algorithm: HashAlgorithm = 'fnv1a', options: { shards?: readonly ShardId[] } = {}): ConsistentHashVindex {
  if (!Number.isInteger(virtualNodes) || virtualNodes < 1 || virtualNodes > 10_000) throw invalid(`consistentHashVindex(): virtualNodes must be an integer in [1, 10000], got ${String(virtualNodes)}`);
  checkAlgorithm(algorithm, 'consistentHashVindex()');
  return { kind: 'consistentHash', virtualNodes, algorithm, ...(options.shards ? { shards: [...options.shards] } : {}) };
}

/** Range vindex: each `{ shard, min, max }` holds values min <= v < max (null bound: unbounded). Ranges must not overlap. */
export function rangeVindex(ranges: readonly { shard: ShardId; min: SqlValue | undefined; max: SqlValue | undefined }[]): RangeVindex {
  if (!Array.isArray(ranges) || ranges.length === 0) throw invalid('rangeVindex(): give at least one { shard, min, max } range');
  return { kind: 'range', ranges: ranges.map((r) => ({ shard: createShardId(r.shard), min: r.min ?? null, max: r.max ?? null })) };
}

/** Lookup vindex kept in table `table` of shard `shard` (created by the executor's DDL with the owning table). */
export function lookupVindex(table: string, shard: ShardId): LookupVindex {
  if (typeof table !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw invalid(`lookupVindex(): the lookup table name must be a plain identifier, got ${JSON.stringify(table)}`);
  return { kind: 'lookup', table, shard: createShardId(shard) };
}

/** A shard: its id, the Durable Object binding that serves it (Workers), its replicas and labels. */
export function shard(id: ShardId, binding?: string, options: { replicas?: readonly ReplicaSpec[]; metadata?: Record<string, string> } = {}): ShardSpec {
  return { id: createShardId(id), ...(binding !== undefined ? { binding } : {}), replicas: [...(options.replicas ?? [])], metadata: { ...(options.metadata ?? {}) } };
}

/** A replica of a shard (`role` 'replica' or 'analytics'), with labels such as { region }. */
export function replica(id: string, binding?: string, role: 'replica' | 'analytics' = 'replica', metadata: Record<string, string> = {}): ReplicaSpec {
  if (typeof id !== 'string' || id === '' || id.includes('/')) throw invalid(`replica id ${JSON.stringify(id)} must be a non-empty string without '/'`);
  if (role !== 'replica' && role !== 'analytics') throw invalid(`replica ${id}: role must be 'replica' or 'analytics'`);
  return { id, ...(binding !== undefined ? { binding } : {}), role, metadata: { ...metadata } };
}

/**
 * The VSchema of `tables` over `shards`, validated: every shard a table, vindex or replica names
 * exists; shard and replica ids are unique; range vindex ranges are well-formed and disjoint;
 * keyspace maps cover [0, 2^32) without gaps or overlaps; lookup tables do not shadow tables.
 * `defaultShard` (default: the first shard) is where statements that touch no vschema table go.
 * Throws DoSQLError INVALID_ARGUMENT naming the table or shard.
 */
export function createVSchema(tables: Record<string, TableSpec>, shards: readonly ShardSpec[], options: { defaultShard?: ShardId; settings?: VSchemaSettings } = {}): VSchema {
  if (!Array.isArray(shards) || shards.length === 0) throw invalid('createVSchema(): give at least one shard');
  const ids = new Set<string>();
  const replicaIds = new Set<string>();
  for (const s of shards) {
    if (ids.has(s.id)) throw invalid(`shard ${s.id} is defined twice`);
    ids.add(s.id);
    for (const r of s.replicas) {
      if (replicaIds.has(r.id)) throw invalid(`replica ${r.id} (of shard ${s.id}) is defined twice`);
      replicaIds.add(r.id);
    }
  }
  const known = (id: ShardId, what: string): void => {
    if (!ids.has(id)) throw invalid(`${what} names shard ${id}, which is not among the shards (${[...ids].join(', ')})`);
  };
  const defaultShard = options.defaultShard ?? shards[0]!.id;
  known(defaultShard, 'defaultShard');
  // Shards named by a range vindex or an unsharded table are dedicated to them; hash vindexes
  // spread over the others (or over every shard when none is left), as the seeds' topology has it.
  const dedicated = new Set<string>();
  const names = new Map<string, string>();
  for (const [name, spec] of Object.entries(tables)) {
    const lower = name.toLowerCase();
    if (names.has(lower)) throw invalid(`table ${name} is defined twice (names are case-insensitive)`);
    names.set(lower, name);
    if (spec.type === 'unsharded') dedicated.add(spec.shard);
    if (spec.type === 'sharded' && spec.vindex.kind === 'range') for (const r of spec.vindex.ranges) dedicated.add(r.shard);
  }
  let hashShards = shards.map((s) => s.id).filter((id) => !dedicated.has(id));
  if (hashShards.length === 0) hashShards = shards.map((s) => s.id);
  for (const [name, spec] of Object.entries(tables)) {
    const what = `table ${name}`;
    if (spec === null || typeof spec !== 'object' || !['sharded', 'reference', 'unsharded'].includes((spec as { type?: string }).type ?? '')) throw invalid(`${what}: not a shardedTable(), referenceTable() or unshardedTable()`);
    if (spec.type === 'unsharded') known(spec.shard, what);
    if (spec.type !== 'sharded') continue;
    const v = spec.vindex;
    if (v.kind === 'hash' || v.kind === 'consistentHash') for (const s of v.shards ?? []) known(s, what);
    if (v.kind === 'hash' && v.ranges) checkKeyspace(v.ranges, what, known);
    if (v.kind === 'range') checkRanges(v, what, known);
    for (const [col, l] of Object.entries(spec.lookups)) {
      if (l?.kind !== 'lookup') throw invalid(`${what}: lookups.${col} must be a lookupVindex()`);
      if (col.toLowerCase() === spec.column.toLowerCase()) throw invalid(`${what}: column ${col} is the vindex column; a lookup vindex is for another column`);
      known(l.shard, `${what} (lookup vindex on ${col})`);
      if (names.has(l.table.toLowerCase())) throw invalid(`${what}: lookup table ${l.table} has the name of a vschema table`);
    }
  }
  const s = options.settings ?? {};
  if (s.maxParallelShards !== undefined && (!Number.isInteger(s.maxParallelShards) || s.maxParallelShards < 1)) throw invalid('settings.maxParallelShards must be a positive integer');
  if (s.shardTimeoutMs !== undefined && (!Number.isFinite(s.shardTimeoutMs) || s.shardTimeoutMs < 0)) throw invalid('settings.shardTimeoutMs must be a non-negative number of ms');
  return Object.freeze({ tables: Object.freeze({ ...tables }), shards: Object.freeze([...shards]), defaultShard, settings: Object.freeze({ ...s }), hashShards: Object.freeze(hashShards) });
}

/** The spec of table `name` (case-insensitive), or undefined when the vschema does not list it. */
export function tableSpec(vschema: VSchema, name: string): TableSpec | undefined {
  const direct = vschema.tables[name];
  if (direct) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(vschema.tables)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Every lookup table of the vschema: its name, shard, and the table and column it serves. */
export function lookupTables(vschema: VSchema): { table: string; shard: ShardId; owner: string; column: string }[] {
  const out: { table: string; shard: ShardId; owner: string; column: string }[] = [];
  for (const [owner, spec] of Object.entries(vschema.tables)) {
    if (spec.type !== 'sharded') continue;
    for (const [column, l] of Object.entries(spec.lookups)) out.push({ table: l.table, shard: l.shard, owner, column });
  }
  return out;
}

function checkAlgorithm(a: string, what: string): void {
  if (a !== 'fnv1a' && a !== 'xxhash') throw invalid(`${what}: algorithm must be 'fnv1a' or 'xxhash', got ${JSON.stringify(a)}`);
}

function checkKeyspace(ranges: readonly KeyspaceRange[], what: string, known: (id: ShardId, what: string) => void): void {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  let at = 0;
  for (const r of sorted) {
    known(r.shard, what);
    if (!Number.isInteger(r.from) || !Number.isInteger(r.to) || r.from !== at || r.to <= r.from || r.to > 2 ** 32) {
      throw invalid(`${what}: hash vindex keyspace ranges must cover [0, 2^32) in order without gaps or overlaps (at ${at}: [${r.from}, ${r.to}) of shard ${r.shard})`);
    }
    at = r.to;
  }
  if (at !== 2 ** 32) throw invalid(`${what}: hash vindex keyspace ranges end at ${at}, not 2^32`);
}

function checkRanges(v: RangeVindex, what: string, known: (id: ShardId, what: string) => void): void {
  for (const r of v.ranges) {
    known(r.shard, what);
    for (const b of [r.min, r.max]) if (b !== null && typeof b !== 'string' && typeof b !== 'number' && typeof b !== 'bigint') throw invalid(`${what}: range bounds must be numbers, strings or null (shard ${r.shard})`);
  }
  checkValueRanges(v.ranges, what);
}

function invalid(message: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `shard: vschema: ${message}`);
}

export { invalid as vschemaError };
