// The shard executor: runs statements over a VSchema's shards. It parses and routes each
// statement (router.ts), runs the parts on the shards (at most `maxParallelShards` at once,
// each call bounded by `shardTimeoutMs`), and merges the answers (executor-select.ts); writes
// go through executor-dml.ts and, when they span shards, the CrossShardCommitter.
//
// Async safety: statements may run concurrently; each coordinator merge uses its own scratch
// database. The schema cache is filled on first use and dropped after DDL through the executor.
import { DoSQLError } from '../errors.js';
import { rowsToObjects, type BindParams, type JsValue } from '../sql/api/values.js';
import { parse } from '../sql/parser/index.js';
import type { SqlValue } from '../sql/types/value.js';
import { bestEffortCommitter, type CrossShardCommitter } from './committer.js';
import type { ShardConnection, ShardResult } from './connection.js';
import { lookupTableDdl, runDelete, runInsert, runUpdate, type WriteContext } from './executor-dml.js';
import { runSelect, type SelectContext } from './executor-select.js';
import { ShardMetrics, type ShardingMetrics } from './metrics.js';
import { ReplicaSet, type ReadOptions, type ReplicaConnection } from './replica.js';
import { analyzeSql, createShardRouter, type ExecutionPlan, type LookupNeed, type ShardRouter } from './router.js';
import { canonicalValue } from './routing-value.js';
import { tableSchemaOf, type TableSchema } from './scratch.js';
import { resolverOf } from './vindex.js';
import { lookupTables, tableSpec, type ShardId, type VSchema } from './vschema.js';
import { clusterHealth, type ClusterHealth } from './health.js';
import { splitShard, type SplitShardOptions, type SplitShardResult } from './reshard.js';

export interface ShardExecutorOptions {
  /** The topology (or pass a router as the first argument of createShardExecutor). */
  readonly vschema?: VSchema;
  /** A connection per shard id (localShard, httpShard, or your own). */
  readonly shards: ReadonlyMap<string, ShardConnection> | Readonly<Record<string, ShardConnection>>;
  /** Replica connections per shard id, fed by change data capture (replica.ts). */
  readonly replicas?: ReadonlyMap<string, readonly ReplicaConnection[]> | Readonly<Record<string, readonly ReplicaConnection[]>>;
  /** Shards called at once by a scatter (default: the vschema's setting, else 8). */
  readonly maxParallelShards?: number;
  /** Each shard call's limit, ms (default: the vschema's setting, else 5000; 0: none). INTERRUPTED naming the shard past it. */
  readonly shardTimeoutMs?: number;
  /** How cross-shard writes commit (default bestEffortCommitter: per shard atomic, not across shards). */
  readonly committer?: CrossShardCommitter;
  /** The region of this coordinator, for readPreference 'nearest' (matched against shard and replica metadata.region). */
  readonly region?: string;
  /** Wall clock, ms, replica staleness is measured with (default Date.now). */
  readonly clock?: () => number;
}

/** A statement's answer: columns, rows (arrays, INTEGER as bigint) and its effect. */
export interface ShardQueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
  readonly changes: number;
  readonly lastInsertRowId?: bigint;
}

export interface ShardExecutor {
  readonly vschema: VSchema;
  readonly router: ShardRouter;
  /** Rows of a statement as objects keyed by column name (as Database.query; `safeIntegers` for bigint). */
  query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: ReadOptions & { safeIntegers?: boolean }): Promise<T[]>;
  /** Runs one statement: columns, rows as arrays and its effect. */
  execute(sql: string, params?: BindParams, options?: ReadOptions): Promise<ShardQueryResult>;
  /** Runs one write statement: rows changed and the last rowid inserted. */
  run(sql: string, params?: BindParams): Promise<{ changes: number; lastInsertRowId: bigint | undefined }>;
  /** Runs a script of statements without parameters, one after another (DDL set-up). */
  exec(sql: string): Promise<void>;
  /** The plan of a statement (router.analyze). */
  analyze(sql: string, params?: BindParams): ExecutionPlan;
  /** Health of every shard and replica (a ping each), seed 000's shape. */
  getClusterHealth(): Promise<ClusterHealth>;
  /** The sharding metrics of seed 003: scatter ratio, imbalance ratio, p99 latency. */
  metrics(): Promise<ShardingMetrics>;
  /**
   * Splits shard `source` online: keyspace ids it owns at or above `options.at` (default: half
   * of them) move to `options.newShard` (copy at a snapshot, catch-up from the source's change
   * stream, cut-over under a fence that queues statements). reshard.ts and docs/sharding.md.
   */
  splitShard(source: ShardId, options: SplitShardOptions): Promise<SplitShardResult>;
}

/**
 * An executor over `options.shards`. Called as `createShardExecutor({ vschema, shards, ... })`
 * or, as the seeds do, `createShardExecutor(router, { shards, ... })`. Throws INVALID_ARGUMENT
 * when a shard of the vschema has no connection.
 */
export function createShardExecutor(routerOrOptions: ShardRouter | ShardExecutorOptions, maybeOptions?: Omit<ShardExecutorOptions, 'vschema'>): ShardExecutor {
  const isRouter = typeof (routerOrOptions as ShardRouter).analyze === 'function';
  const options = (isRouter ? maybeOptions : routerOrOptions) as ShardExecutorOptions | undefined;
  if (!options || typeof options !== 'object') throw new DoSQLError('INVALID_ARGUMENT', 'shard: createShardExecutor(): give { vschema, shards } (or a router and { shards })');
  const router = isRouter ? (routerOrOptions as ShardRouter) : options.vschema ? createShardRouter(options.vschema) : undefined;
  if (!router) throw new DoSQLError('INVALID_ARGUMENT', 'shard: createShardExecutor(): options.vschema is required');
  return new Executor(router, options);
}

const entriesOf = <V>(m: ReadonlyMap<string, V> | Readonly<Record<string, V>> | undefined): [string, V][] => (m === undefined ? [] : m instanceof Map ? [...m.entries()] : Object.entries(m));

class Executor implements ShardExecutor {
  vschema: VSchema;
  router: ShardRouter;
  // The resharding fence: while set, new statements wait on it; `running` counts statements under way.
  private gate: Promise<void> | undefined;
  private running = 0;
  private idle: (() => void) | undefined;
  private splitting = false;
  private readonly conns = new Map<string, ShardConnection>();
  private replicaSet: ReplicaSet;
  private readonly replicaConns: Map<string, readonly ReplicaConnection[]>;
  private readonly region: string | undefined;
  private readonly clock: () => number;
  private readonly parallel: number;
  private readonly timeoutMs: number;
  private readonly committer: CrossShardCommitter;
  private readonly schemas = new Map<string, Promise<TableSchema | undefined>>();
  private readonly stats = new ShardMetrics();

  constructor(router: ShardRouter, options: ShardExecutorOptions) {
    this.router = router;
    this.vschema = router.vschema;
    for (const [id, c] of entriesOf(options.shards)) this.conns.set(id, c);
    for (const s of this.vschema.shards) if (!this.conns.has(s.id)) throw new DoSQLError('INVALID_ARGUMENT', `shard: createShardExecutor(): no connection for shard ${s.id}`, { details: { shard: s.id } });
    this.parallel = options.maxParallelShards ?? this.vschema.settings.maxParallelShards ?? 8;
    this.timeoutMs = options.shardTimeoutMs ?? this.vschema.settings.shardTimeoutMs ?? 5000;
    if (!Number.isInteger(this.parallel) || this.parallel < 1) throw new DoSQLError('INVALID_ARGUMENT', 'shard: maxParallelShards must be a positive integer');
    this.committer = options.committer ?? bestEffortCommitter;
    this.replicaConns = new Map(entriesOf(options.replicas));
    this.region = options.region;
    this.clock = options.clock ?? Date.now;
    this.replicaSet = new ReplicaSet(this.vschema, this.replicaConns, this.region, this.clock);
  }

  analyze(sql: string, params?: BindParams): ExecutionPlan {
    return this.router.analyze(sql, params);
  }

  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: ReadOptions & { safeIntegers?: boolean } = {}): Promise<T[]> {
    const r = await this.execute(sql, params, options);
    return rowsToObjects(r.columns, r.rows as SqlValue[][], options.safeIntegers ?? false) as T[];
  }

  async run(sql: string, params?: BindParams): Promise<{ changes: number; lastInsertRowId: bigint | undefined }> {
    const r = await this.execute(sql, params);
    return { changes: r.changes, lastInsertRowId: r.lastInsertRowId };
  }

  async exec(sql: string): Promise<void> {
    for (const p of parse(sql)) await this.execute(sql.slice(p.start, p.end));
  }

  async execute(sql: string, params?: BindParams, options: ReadOptions = {}): Promise<ShardQueryResult> {
    while (this.gate) await this.gate;
    this.running++;
    try {
      return await this.run1(sql, params, options);
    } finally {
      if (--this.running === 0) this.idle?.();
    }
  }

  async splitShard(source: ShardId, options: SplitShardOptions): Promise<SplitShardResult> {
    if (this.splitting) throw new DoSQLError('BUSY', `shard: splitShard(${source}): another split is under way`, { details: { shard: source } });
    this.splitting = true;
    try {
      return await splitShard(
        {
          vschema: this.vschema,
          fence: async () => {
            let open!: () => void;
            this.gate = new Promise((r) => (open = r));
            if (this.running > 0) await new Promise<void>((r) => (this.idle = r));
            this.idle = undefined;
            return () => {
              this.gate = undefined;
              open();
            };
          },
          install: (vschema, id, connection) => {
            this.conns.set(id, connection);
            this.vschema = vschema;
            this.router = createShardRouter(vschema);
            this.replicaSet = new ReplicaSet(vschema, this.replicaConns, this.region, this.clock);
            this.schemas.clear();
          },
        },
        source,
        options,
      );
    } finally {
      this.splitting = false;
    }
  }

  /** One statement, inside the fence (statements a statement runs, e.g. an UPDATE's SELECT, come here directly). */
  private async run1(sql: string, params?: BindParams, options: ReadOptions = {}): Promise<ShardQueryResult> {
    const t0 = performance.now();
    const { parsed, values, analysis: a } = analyzeSql(this.vschema, sql, params);
    const st = parsed.statement;
    let kind: 'single' | 'scatter' | 'gather' | 'write' = 'write';
    const selectCtx: SelectContext = {
      vschema: this.vschema,
      readMany: (shards, fn) => this.many(shards, (s) => this.replicaSet.pick(s, this.primary(s), options), fn),
      schema: (t) => this.schema(t),
      lookupTargets: (needs) => this.lookupTargets(needs),
      note: (k) => (kind = k),
    };
    const writeCtx: WriteContext = {
      vschema: this.vschema,
      committer: this.committer,
      primary: (s) => this.guarded(this.primary(s)),
      writeMany: (shards, fn) => this.many(shards, (s) => Promise.resolve(this.primary(s)), fn),
      schema: (t) => this.schema(t),
      lookupTargets: (needs) => this.lookupTargets(needs),
      select: (q, ps) => this.run1(q, ps as BindParams, options),
    };
    let r: ShardResult;
    switch (a.kind) {
      case 'one':
        if (!a.read) {
          if (st.kind === 'begin' || st.kind === 'commit' || st.kind === 'rollback' || st.kind === 'savepoint' || st.kind === 'release') {
            throw new DoSQLError('NOT_SUPPORTED', `shard: ${st.kind.toUpperCase()} through the shard executor: each statement commits on its own (cross-shard transactions: two-phase commit)`);
          }
          r = (await writeCtx.writeMany([a.shard], (c) => c.exec(sql, values)))[0]!;
          break;
        }
        r = await runSelect(selectCtx, a, values, sql, st as Extract<typeof st, { kind: 'select' }>, parsed.paramNames.length > 0);
        break;
      case 'local':
      case 'gather':
        r = await runSelect(selectCtx, a, values, sql, a.stmt, parsed.paramNames.length > 0);
        break;
      case 'insert':
        r = await runInsert(writeCtx, st as Extract<typeof st, { kind: 'insert' }>, a, values);
        break;
      case 'update':
        r = await runUpdate(writeCtx, st as Extract<typeof st, { kind: 'update' }>, a, values);
        break;
      case 'delete':
        r = await runDelete(writeCtx, st as Extract<typeof st, { kind: 'delete' }>, a, values);
        break;
      case 'broadcast': {
        const rs = await writeCtx.writeMany(a.shards, (c) => c.exec(sql, values));
        this.schemas.clear();
        if (st.kind === 'createTable') await this.createLookupTables(st.name);
        r = rs[0] ?? { columns: [], rows: [], changes: 0 };
        break;
      }
    }
    if (kind !== 'write') this.stats.record(kind, performance.now() - t0);
    return { columns: r.columns, rows: r.rows, changes: r.changes, ...(r.lastInsertRowId !== undefined ? { lastInsertRowId: r.lastInsertRowId } : {}) };
  }

  async getClusterHealth(): Promise<ClusterHealth> {
    return clusterHealth(this.vschema, (s) => this.primary(s), this.replicaSet, this.timeoutMs);
  }

  async metrics(): Promise<ShardingMetrics> {
    return this.stats.snapshot(this.vschema, (s) => this.guarded(this.primary(s)));
  }

  // ---------------------------------------------------------------- shard calls

  private primary(shard: string): ShardConnection {
    const c = this.conns.get(shard);
    if (!c) throw new DoSQLError('INVALID_ARGUMENT', `shard: no connection for shard ${shard}`, { details: { shard } });
    return c;
  }

  /** `c` with every call bounded by the timeout and its errors naming the shard. */
  private guarded(c: ShardConnection): ShardConnection {
    return {
      id: c.id,
      exec: (sql, params) => this.bounded(c.id, () => c.exec(sql, params)),
      batch: (statements) => this.bounded(c.id, () => c.batch(statements)),
      ping: () => this.bounded(c.id, () => c.ping()),
    };
  }

  private async bounded<T>(shard: string, fn: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const work = fn();
      if (this.timeoutMs <= 0) return await work;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DoSQLError('INTERRUPTED', `shard: ${shard}: no answer within shardTimeoutMs (${this.timeoutMs} ms)`, { details: { shard, reason: 'timeout' } })), this.timeoutMs);
      });
      // The late answer of a timed-out call is dropped.
      work.catch(() => undefined);
      return await Promise.race([work, timeout]);
    } catch (e) {
      throw shardError(shard, e);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Runs `fn` on each shard's chosen connection, at most `parallel` at once; results in shard order. */
  private async many<T>(shards: readonly ShardId[], choose: (s: ShardId) => Promise<ShardConnection>, fn: (c: ShardConnection) => Promise<T>): Promise<T[]> {
    const out: T[] = new Array(shards.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < shards.length) {
        const i = next++;
        const conn = await choose(shards[i]!);
        out[i] = await this.bounded(conn.id, () => fn(conn));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallel, shards.length) }, worker));
    return out;
  }

  private schema(table: string): Promise<TableSchema | undefined> {
    const key = table.toLowerCase();
    let p = this.schemas.get(key);
    if (!p) {
      const spec = tableSpec(this.vschema, table);
      const shard = spec?.type === 'unsharded' ? spec.shard : spec?.type === 'sharded' ? resolverOf(this.vschema, spec.vindex).shards[0]! : this.vschema.defaultShard;
      p = this.bounded(shard, () => this.primary(shard).exec("SELECT sql FROM sqlite_schema WHERE type = 'table' AND lower(name) = lower(?)", [table])).then((r) => {
        const sql = r.rows[0]?.[0];
        return typeof sql === 'string' ? tableSchemaOf(sql) : undefined;
      });
      p.catch(() => this.schemas.delete(key));
      this.schemas.set(key, p);
    }
    return p;
  }

  /** Reads lookup tables: the shards holding rows with the looked-up values (intersection over the lookups). */
  private async lookupTargets(needs: readonly LookupNeed[]): Promise<ShardId[] | undefined> {
    let allowed: Set<ShardId> | undefined;
    for (const n of needs) {
      // NULL is never in a lookup (`x IS NULL` rows are found by scattering).
      if (n.values.some((v) => v === null)) continue;
      const spec = tableSpec(this.vschema, n.table);
      if (spec?.type !== 'sharded') continue;
      const vals = n.values.map((v) => canonicalValue(v));
      const r = await this.bounded(n.vindex.shard, () => this.primary(n.vindex.shard).exec(`SELECT owner FROM "${n.vindex.table}" WHERE value IN (${vals.map(() => '?').join(', ')})`, vals));
      const resolver = resolverOf(this.vschema, spec.vindex);
      const shards = new Set(r.rows.map((row) => resolver.shardOf(row[0] ?? null)));
      allowed = allowed ? new Set([...allowed].filter((s) => shards.has(s))) : shards;
    }
    return allowed ? [...allowed] : undefined;
  }

  private async createLookupTables(owner: string): Promise<void> {
    for (const l of lookupTables(this.vschema)) {
      if (l.owner.toLowerCase() !== owner.toLowerCase()) continue;
      await this.bounded(l.shard, () => this.primary(l.shard).exec(lookupTableDdl(l.table)));
    }
  }
}

/** `e` as a DoSQLError naming `shard` (same code; INTERRUPTED for a timeout). */
export function shardError(shard: string, e: unknown): DoSQLError {
  if (e instanceof DoSQLError && e.details.shard !== undefined) return e;
  if (e instanceof DoSQLError) return new DoSQLError(e.code, `shard: ${shard}: ${e.message}`, { cause: e, details: { ...e.details, shard } });
  return new DoSQLError('IO_ERROR', `shard: ${shard}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { shard } });
}
