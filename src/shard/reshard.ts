// Online resharding (after Vitess' VReplication Reshard workflow): split a shard in two while
// the executor keeps serving. Steps:
//  1. copy: the target gets the source's schema, then the rows that move (sharded tables whose
//     row's keyspace id lands on the target under the new map) and every reference table, all
//     read from the source at one LSN (FOR SYSTEM_TIME AS OF LSN);
//  2. catch up: the source's change stream after that LSN is applied to the target, one source
//     transaction per target transaction, keeping only changes of moving rows and reference
//     tables (a change that takes a row out of the moving set deletes it on the target);
//  3. cut over: the executor's fence queues every new statement and waits for the ones running;
//     the stream is drained up to the source's head LSN and stopped;
//  4. the moved rows are deleted from the source in one transaction, the executor switches to
//     the new vschema in one step, and the fence opens: queued statements run under it.
// The copy and the catch-up run while the executor serves reads and writes under the old
// vschema; only step 3-4 holds statements back.
import { createCDC } from '../cdc/cdc.js';
import { DoSQLError } from '../errors.js';
import type { CDCEvent, ChangeEvent } from '../cdc/types.js';
import type { Database } from '../sql/api/database.js';
import type { SqlValue } from '../sql/types/value.js';
import type { ShardConnection, ShardStatement } from './connection.js';
import { splitVSchema } from './reshard-plan.js';
import { tableSchemaOf, type TableSchema } from './scratch.js';
import { bindSlots, quoteIdent } from './sql-print.js';
import { resolverOf } from './vindex.js';
import { tableSpec, type ShardId, type VSchema } from './vschema.js';

/** The phases a split goes through, reported to `onPhase` as each one ends. */
export type ReshardPhase = 'copied' | 'caught-up' | 'fenced' | 'drained' | 'switched' | 'done';

export interface SplitShardOptions {
  /** The new shard: its connection (its `id` becomes the shard id). Its database must be empty. */
  readonly newShard: ShardConnection;
  /** The source shard's database (its change stream is read; a local Database, Node or a Durable Object's own). */
  readonly sourceDatabase: Database;
  /** Keyspace ids owned by the source at or above `at` move (default: the point halving what the source owns, per vindex). */
  readonly at?: number;
  /** Called as each phase ends and awaited (observability; tests use it to interleave writes). */
  readonly onPhase?: (phase: ReshardPhase) => void | Promise<void>;
  /**
   * Longest wait, ms, for the change stream to reach the source's head (each of the two drains;
   * default 30000). Past it the split fails with INTERRUPTED before the switch and the fence
   * opens, so a stalled stream cannot hold the executor's statements forever.
   */
  readonly drainTimeoutMs?: number;
}

/** What a split did. */
export interface SplitShardResult {
  readonly vschema: VSchema;
  /** The sharded tables whose rows moved. */
  readonly movedTables: readonly string[];
  /** Rows copied at the snapshot, changes applied by the catch-up, rows deleted from the source. */
  readonly copiedRows: number;
  readonly appliedChanges: number;
  readonly deletedRows: number;
  /** The snapshot LSN of the copy and the source LSN at the cut-over. */
  readonly copyLsn: number;
  readonly cutoverLsn: number;
}

/** What the executor lends a split: its topology, a write/read fence and the switch. */
export interface ReshardHost {
  readonly vschema: VSchema;
  /** Queues new statements and resolves once running ones finish; the returned function opens the fence. */
  fence(): Promise<() => void>;
  /** Switches to `vschema`, adding `connection` for shard `id` (call only under the fence). */
  install(vschema: VSchema, id: ShardId, connection: ShardConnection): void;
}

/** Splits `source` (see the file comment). Throws INVALID_ARGUMENT before any change when nothing can move. */
export async function splitShard(host: ReshardHost, source: ShardId, options: SplitShardOptions): Promise<SplitShardResult> {
  const target = options.newShard;
  const { vschema: next, moving } = splitVSchema(host.vschema, source, target.id, options.at);
  const db = options.sourceDatabase;
  const rowFilter = (table: string): ((row: Record<string, unknown>) => boolean) | undefined => {
    const spec = tableSpec(next, table);
    if (spec?.type === 'reference') return () => true;
    if (spec?.type !== 'sharded' || !moving.some((m) => m.toLowerCase() === table.toLowerCase())) return undefined;
    const r = resolverOf(next, spec.vindex);
    const col = spec.column.toLowerCase();
    return (row) => {
      const k = Object.keys(row).find((c) => c.toLowerCase() === col);
      return r.shardOf((k === undefined ? null : row[k]) as SqlValue) === target.id;
    };
  };
  const phase = async (p: ReshardPhase): Promise<void> => void (await options.onPhase?.(p));

  // 1. copy at one LSN.
  const engine = await db.engine();
  const at = engine.lastVisibleLsn;
  const schemaRows = await db.query<{ type: string; name: string; sql: string }>("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC");
  const schemas = new Map<string, TableSchema>();
  let copiedRows = 0;
  for (const s of schemaRows.filter((x) => !x.name.startsWith('sqlite_'))) {
    await target.exec(s.sql.replace(/^CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\s+/i, (m) => `${m}IF NOT EXISTS `));
    if (s.type !== 'table') continue;
    const schema = tableSchemaOf(s.sql);
    const keep = rowFilter(s.name);
    if (!keep) continue;
    schemas.set(s.name.toLowerCase(), schema);
    const cols = columnsOf(schema);
    const rows = (await db.prepare(`SELECT ${schema.withoutRowidKey ? '' : 'rowid AS __rowid, '}* FROM ${quoteIdent(s.name)} FOR SYSTEM_TIME AS OF LSN ${at}`).raw().safeIntegers().all()) as SqlValue[][];
    const statements: ShardStatement[] = [];
    for (const r of rows) {
      const obj: Record<string, unknown> = {};
      cols.forEach((c, i) => (obj[c] = r[i]));
      if (keep(obj)) statements.push(upsert(s.name, cols, r));
    }
    for (let i = 0; i < statements.length; i += 500) await target.batch(statements.slice(i, i + 500));
    copiedRows += statements.length;
  }
  await phase('copied');

  // 2. catch up from the change stream after `at`.
  const sub = createCDC(db).subscribe({ fromLSN: BigInt(at), includeTransactionControl: true, safeIntegers: true });
  let applied = BigInt(at);
  let appliedChanges = 0;
  let failure: unknown;
  const waiters: { lsn: bigint; resolve: () => void }[] = [];
  const wake = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) if (failure !== undefined || waiters[i]!.lsn <= applied) waiters.splice(i, 1)[0]!.resolve();
  };
  const follow = async (events: AsyncIterableIterator<CDCEvent>): Promise<void> => {
    let pending: ShardStatement[] = [];
    for await (const e of events) {
      if (e.type === 'begin') pending = [];
      else if (e.type === 'commit') {
        if (pending.length) await target.batch(pending);
        appliedChanges += pending.length;
        pending = [];
        applied = e.lsn;
        wake();
      } else if (e.type === 'insert' || e.type === 'update' || e.type === 'delete') {
        const schema = schemas.get(e.table.toLowerCase());
        const keep = schema ? rowFilter(e.table) : undefined;
        if (schema && keep) pending.push(...changeStatements(e as ChangeEvent, schema, keep));
      }
    }
  };
  const loop = follow(sub.subscribeChanges(BigInt(at))).catch((e: unknown) => {
    failure = e;
    wake();
  });
  const limitMs = options.drainTimeoutMs ?? 30_000;
  const drainTo = async (lsn: number): Promise<void> => {
    if (applied < BigInt(lsn) && failure === undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter = { lsn: BigInt(lsn), resolve: (): void => undefined };
      try {
        await new Promise<void>((resolve, reject) => {
          waiter.resolve = resolve;
          waiters.push(waiter);
          timer = setTimeout(() => reject(new DoSQLError('INTERRUPTED', `shard: reshard: ${source}: the change stream did not reach LSN ${lsn} within ${limitMs} ms (applied up to ${applied})`, { details: { shard: source, lsn } })), limitMs);
        });
      } finally {
        clearTimeout(timer);
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
      }
    }
    if (failure !== undefined) throw failure;
  };
  let release: (() => void) | undefined;
  try {
    await drainTo((await db.engine()).lastVisibleLsn);
    await phase('caught-up');
    // 3. cut over under the fence.
    release = await host.fence();
    await phase('fenced');
    const cutoverLsn = (await db.engine()).lastVisibleLsn;
    await drainTo(cutoverLsn);
    await sub.close();
    await loop;
    await phase('drained');
    // 4. the moved rows leave the source (one transaction), then the executor switches. Under
    // the fence no statement sees the order; if the delete fails, nothing has switched.
    let deletedRows = 0;
    const deletes: ShardStatement[] = [];
    for (const name of moving) {
      const schema = schemas.get(name.toLowerCase());
      const keep = rowFilter(name);
      if (!schema || !keep) continue;
      const cols = columnsOf(schema);
      const rows = (await db.prepare(`SELECT ${schema.withoutRowidKey ? '' : 'rowid AS __rowid, '}* FROM ${quoteIdent(name)}`).raw().safeIntegers().all()) as SqlValue[][];
      for (const r of rows) {
        const obj: Record<string, unknown> = {};
        cols.forEach((c, i) => (obj[c] = r[i]));
        if (keep(obj)) deletes.push(deleteByKey(name, schema, keyOf(schema, obj)));
      }
    }
    if (deletes.length) {
      const rs = await db.batch(deletes.map((d) => ({ sql: d.sql, params: d.params ?? [] })));
      deletedRows = rs.reduce((n, r) => n + r.changes, 0);
    }
    host.install(next, target.id, target);
    await phase('switched');
    release();
    release = undefined;
    await phase('done');
    return { vschema: next, movedTables: moving, copiedRows, appliedChanges, deletedRows, copyLsn: at, cutoverLsn };
  } finally {
    release?.();
    await sub.close().catch(() => undefined);
    await loop;
  }
}

function columnsOf(schema: TableSchema): string[] {
  return [...(schema.withoutRowidKey ? [] : ['rowid']), ...schema.columns.map((c) => c.name)];
}

function keyOf(schema: TableSchema, row: Record<string, unknown>): SqlValue[] {
  return (schema.withoutRowidKey ?? ['rowid']).map((k) => (row[k] ?? null) as SqlValue);
}

function upsert(table: string, cols: readonly string[], values: readonly SqlValue[]): ShardStatement {
  const b = bindSlots(values);
  return { sql: `INSERT OR REPLACE INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${b.marks.join(', ')})`, params: b.params };
}

function deleteByKey(table: string, schema: TableSchema, key: readonly SqlValue[]): ShardStatement {
  const b = bindSlots(key);
  return { sql: `DELETE FROM ${quoteIdent(table)} WHERE ${(schema.withoutRowidKey ?? ['rowid']).map((k, i) => `${quoteIdent(k)} IS ${b.marks[i]}`).join(' AND ')}`, params: b.params };
}

/**
 * A source change as target statements. Keys are unique in the source table, so deleting the
 * old (and new) key on the target is always right when the row is not (or no longer) moving;
 * a moving row is written whole with INSERT OR REPLACE, so re-applying a change is harmless.
 */
function changeStatements(e: ChangeEvent, schema: TableSchema, keep: (row: Record<string, unknown>) => boolean): ShardStatement[] {
  const rowOf = (data: Record<string, unknown> | undefined, rowid: unknown): Record<string, unknown> => ({ ...(data ?? {}), ...(schema.withoutRowidKey ? {} : { rowid }) });
  const rowid = e.keyValues[0];
  const out: ShardStatement[] = [];
  const old = e.oldData ? rowOf(e.oldData as Record<string, unknown>, rowid) : undefined;
  if (e.type === 'delete') return [deleteByKey(e.table, schema, old ? keyOf(schema, old) : (e.keyValues as SqlValue[]))];
  const row = rowOf(e.data as Record<string, unknown>, rowid);
  if (old && JSON.stringify(keyOf(schema, old), big) !== JSON.stringify(keyOf(schema, row), big)) out.push(deleteByKey(e.table, schema, keyOf(schema, old)));
  if (keep(row)) {
    const cols = columnsOf(schema);
    out.push(upsert(e.table, cols, cols.map((c) => (row[c] ?? null) as SqlValue)));
  } else out.push(deleteByKey(e.table, schema, keyOf(schema, row)));
  return out;
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
