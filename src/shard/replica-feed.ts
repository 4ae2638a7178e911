// A read replica of a shard fed by change data capture (src/cdc): at start it copies every
// table of the primary as of one LSN (FOR SYSTEM_TIME AS OF LSN), then applies the primary's
// change stream after that LSN, one primary transaction per replica transaction (a reader of
// the replica never sees half a transaction). Inserts and updates are written as
// INSERT OR REPLACE by the row's key (rowid, or the primary key of a WITHOUT ROWID table),
// deletes delete by key, so re-applying an event is harmless.
//
// Freshness (what readPreference's maxStalenessMs bounds, replica.ts): the feed samples the
// primary's head LSN with the time of the sample; once the replica has applied every commit up
// to that LSN, it holds every commit made before that time, and `freshAsOf()` is that time.
// The replica is as stale as now - freshAsOf(). Tables created after the start are copied when
// their create_table event arrives. Node and Workers alike (no Node APIs).
import { createCDC } from '../cdc/cdc.js';
import type { CDCEvent, ChangeEvent } from '../cdc/types.js';
import type { Database } from '../sql/api/database.js';
import type { SqlValue } from '../sql/types/value.js';
import { localShard, type ShardStatement } from './connection.js';
import type { ReplicaConnection } from './replica.js';
import { tableSchemaOf, type TableSchema } from './scratch.js';
import { bindSlots, quoteIdent } from './sql-print.js';

export interface CdcReplicaOptions {
  /** The shard id the replica serves. */
  readonly shard: string;
  /** The replica's id (the vschema's replica() id). */
  readonly replicaId: string;
  /** Wall clock, ms (default Date.now); tests inject one. */
  readonly clock?: () => number;
  /** Re-check freshness (catchUp) this often, ms, while running (default 0: only when catchUp() is called). */
  readonly refreshMs?: number;
}

/** A replica fed from `primary` into `replica` (an empty database); `start()` it, `stop()` it. */
export class CdcReplica implements ReplicaConnection {
  readonly id: string;
  readonly replicaId: string;
  private readonly conn;
  private readonly clock: () => number;
  private readonly schemas = new Map<string, TableSchema>();
  private applied = 0n;
  private fresh: number | undefined;
  private paused: Promise<void> | undefined;
  private resume: (() => void) | undefined;
  private sub: { close(): Promise<void> } | undefined;
  private loop: Promise<void> | undefined;
  private readonly waiters: { lsn: bigint; resolve: () => void }[] = [];
  private readonly refreshMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly primary: Database,
    private readonly replica: Database,
    options: CdcReplicaOptions,
  ) {
    this.id = `${options.shard}/${options.replicaId}`;
    this.replicaId = options.replicaId;
    this.clock = options.clock ?? Date.now;
    this.refreshMs = options.refreshMs ?? 0;
    this.conn = localShard(this.id, replica);
  }

  exec(sql: string, params?: readonly unknown[]): ReturnType<ReplicaConnection['exec']> {
    return this.conn.exec(sql, params);
  }

  batch(statements: readonly ShardStatement[]): ReturnType<ReplicaConnection['batch']> {
    return this.conn.batch(statements);
  }

  async ping(): Promise<{ lsn: number }> {
    return { lsn: Number(this.applied) };
  }

  freshAsOf(): number | undefined {
    return this.fresh;
  }

  /** The primary LSN the replica has applied up to. */
  get appliedLsn(): bigint {
    return this.applied;
  }

  /** Copies the primary at its head LSN and starts following its change stream. */
  async start(): Promise<void> {
    const engine = await this.primary.engine();
    // The time first, then the head: every commit before `t` is at or below `at`.
    const t = this.clock();
    const at = engine.lastVisibleLsn;
    const tables = (await this.primary.query<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL")).filter((x) => !x.name.startsWith('sqlite_'));
    for (const tb of tables) await this.copyTable(tb.name, tb.sql, at);
    this.applied = BigInt(at);
    this.fresh = t;
    const sub = createCDC(this.primary).subscribe({ fromLSN: BigInt(at), includeTransactionControl: true, safeIntegers: true });
    this.sub = sub;
    this.loop = this.follow(sub.subscribeChanges(BigInt(at)));
    if (this.refreshMs > 0) {
      const tick = (): void => {
        this.timer = setTimeout(() => {
          if (this.stopped) return;
          if (!this.paused) void this.catchUp().catch(() => undefined);
          tick();
        }, this.refreshMs);
      };
      tick();
    }
  }

  /** Stops applying changes (reads keep answering; freshness stops advancing). */
  pause(): void {
    this.paused ??= new Promise((r) => (this.resume = r));
  }

  unpause(): void {
    this.resume?.();
    this.paused = undefined;
    this.resume = undefined;
  }

  /** Resolves once the replica has applied the primary's commits up to `lsn` (default: the primary's head now), and marks it fresh as of the call. */
  async catchUp(lsn?: number): Promise<void> {
    const t = this.clock();
    const target = BigInt(lsn ?? (await this.primary.engine()).lastVisibleLsn);
    if (this.applied < target) await new Promise<void>((resolve) => this.waiters.push({ lsn: target, resolve }));
    if (this.fresh === undefined || this.fresh < t) this.fresh = t;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.unpause();
    await this.sub?.close();
    await this.loop?.catch(() => undefined);
  }

  private async copyTable(name: string, createSql: string, at: number): Promise<void> {
    await this.replica.exec(createSql.replace(/^CREATE TABLE\s+/i, 'CREATE TABLE IF NOT EXISTS '));
    const schema = tableSchemaOf(createSql);
    this.schemas.set(name.toLowerCase(), schema);
    const key = schema.withoutRowidKey ? '' : 'rowid AS __rowid, ';
    const rows = (await this.primary.prepare(`SELECT ${key}* FROM ${quoteIdent(name)} FOR SYSTEM_TIME AS OF LSN ${at}`).raw().safeIntegers().all()) as SqlValue[][];
    const cols = [...(schema.withoutRowidKey ? [] : ['rowid']), ...schema.columns.map((c) => c.name)];
    const statements: ShardStatement[] = rows.map((r) => {
      const b = bindSlots(r);
      return { sql: `INSERT OR REPLACE INTO ${quoteIdent(name)} (${cols.map(quoteIdent).join(', ')}) VALUES (${b.marks.join(', ')})`, params: b.params };
    });
    for (let i = 0; i < statements.length; i += 500) await this.conn.batch(statements.slice(i, i + 500));
  }

  private async follow(events: AsyncIterableIterator<CDCEvent>): Promise<void> {
    let pending: ShardStatement[] = [];
    for await (const e of events) {
      if (this.paused) await this.paused;
      if (e.type === 'begin') pending = [];
      else if (e.type === 'commit') {
        if (pending.length) await this.conn.batch(pending);
        pending = [];
        this.applied = e.lsn;
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          if (this.waiters[i]!.lsn <= this.applied) this.waiters.splice(i, 1)[0]!.resolve();
        }
      } else if (e.type === 'schema_change') {
        if (e.changeType === 'create_table') {
          const r = await this.primary.query<{ sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", [e.table]);
          if (r[0]) await this.copyTable(e.table, r[0].sql, Number(e.lsn));
        }
      } else if (e.type === 'insert' || e.type === 'update' || e.type === 'delete') pending.push(...this.statementsOf(e as ChangeEvent));
    }
  }

  private statementsOf(e: ChangeEvent): ShardStatement[] {
    const schema = this.schemas.get(e.table.toLowerCase());
    if (!schema) return [];
    const t = quoteIdent(e.table);
    const keyCols = schema.withoutRowidKey ?? ['rowid'];
    const keyOf = (row: Record<string, unknown> | undefined): SqlValue[] => (schema.withoutRowidKey && row ? schema.withoutRowidKey.map((k) => (row[k] ?? null) as SqlValue) : (e.keyValues as SqlValue[]));
    const del = (key: SqlValue[]): ShardStatement => {
      const b = bindSlots(key);
      return { sql: `DELETE FROM ${t} WHERE ${keyCols.map((k, i) => `${quoteIdent(k)} IS ${b.marks[i]}`).join(' AND ')}`, params: b.params };
    };
    if (e.type === 'delete') return [del(keyOf(e.oldData as Record<string, unknown> | undefined))];
    const data = (e.data ?? {}) as Record<string, unknown>;
    const cols = schema.columns.map((c) => c.name);
    const names = [...(schema.withoutRowidKey ? [] : ['rowid']), ...cols];
    const values = [...(schema.withoutRowidKey ? [] : [e.keyValues[0] as SqlValue]), ...cols.map((c) => (data[c] ?? null) as SqlValue)];
    const out: ShardStatement[] = [];
    // An update that changed a WITHOUT ROWID key: the old key's row goes.
    if (e.type === 'update' && schema.withoutRowidKey && e.oldData) {
      const oldKey = keyOf(e.oldData as Record<string, unknown>);
      if (JSON.stringify(oldKey, big) !== JSON.stringify(keyOf(data), big)) out.push(del(oldKey));
    }
    const b = bindSlots(values);
    out.push({ sql: `INSERT OR REPLACE INTO ${t} (${names.map(quoteIdent).join(', ')}) VALUES (${b.marks.join(', ')})`, params: b.params });
    return out;
  }
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/** A CDC-fed replica of `primary` in `replica` (see CdcReplica); call `start()`. */
export function cdcReplica(primary: Database, replica: Database, options: CdcReplicaOptions): CdcReplica {
  return new CdcReplica(primary, replica, options);
}
