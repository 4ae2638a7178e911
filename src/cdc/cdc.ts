// `createCDC(db)`: change data capture over one database (docs/cdc.md). Everything is read from
// the WAL (and its archive) in LSN order — the engine's log service (src/lsm/log-service.ts)
// keeps what subscriptions and slots still need — and decoded with the SQL catalog as of each
// commit. This module knows the SQL layer's catalog and row format, not its planner.
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import type { Database } from '../sql/api/database.js';
import type { JsValue } from '../sql/api/values.js';
import type { Pipeline } from './pipeline.js';
import { toLsn } from './position.js';
import { ReplicationSlotManager, slotRestartLsn, type SlotHost } from './slots.js';
import { CDCSubscription } from './subscription.js';
import type { CDCOptions, CDCStats, ChangeEvent, LSNInput, RowDecoder, SubscribeOptions } from './types.js';

/** A change-data-capture handle on one database. */
export interface CDC {
  /**
   * A subscription: `subscribe(0n)` (an LSN) or `subscribe({ fromLSN, filter, branch, ... })`.
   * Iterate it (raw entries from its start), or call `.subscribe(lsn)` /
   * `.subscribeChanges(lsn, filter, decoder)` on it.
   */
  subscribe(from?: LSNInput | SubscribeOptions): CDCSubscription;
  /** Replication slots (durable positions). */
  readonly slots: ReplicationSlotManager;
  /** Head, oldest retained position, log bytes, subscriptions and each slot's lag. */
  stats(): Promise<CDCStats>;
  /** Ends every subscription of this handle (the database stays open). */
  close(): Promise<void>;
}

/** What CDC reads: a Database (from DB()), or another CDC handle on one. */
export type CDCSource = Database | CDC;

class CDCImpl implements CDC {
  readonly slots: ReplicationSlotManager;
  private readonly pipelines = new Map<Pipeline, string | undefined>();
  private readonly subscriptions = new Set<CDCSubscription>();
  private readonly counters = { unclassifiedOps: 0, beforeReads: 0 };
  private readonly host: SlotHost;
  private engineP: Promise<LsmEngine> | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: CDCOptions,
  ) {
    this.host = {
      engine: () => this.engine(),
      counters: this.counters,
      opened: (p, slot) => this.pipelines.set(p, slot),
      closed: (p) => this.pipelines.delete(p),
      track: (s) => {
        this.subscriptions.add(s);
        return s;
      },
      pipelineOf: (slot) => {
        let last: Pipeline | undefined;
        for (const [p, s] of this.pipelines) if (s === slot && !p.closed) last = p;
        return last;
      },
    };
    this.slots = new ReplicationSlotManager(this.host);
  }

  /** The engine, once the database is open (and the archive switched on when asked). */
  engine(): Promise<LsmEngine> {
    return (this.engineP ??= this.db.engine().then(async (e) => {
      if (this.options.autoArchive === true && !e.log.archiving) await e.log.setArchive(true);
      return e;
    }));
  }

  subscribe(from?: LSNInput | SubscribeOptions): CDCSubscription {
    const options: SubscribeOptions = from === undefined ? {} : typeof from === 'object' ? from : { fromLSN: from };
    return this.host.track(new CDCSubscription(this.host, options));
  }

  async stats(): Promise<CDCStats> {
    const engine = await this.engine();
    const log = engine.log.stats();
    const head = engine.lastVisibleLsn;
    return {
      headLSN: BigInt(head),
      oldestLSN: BigInt(log.oldestLsn),
      walBytes: log.walBytes,
      subscriptions: [...this.pipelines.keys()].filter((p) => !p.closed).length,
      slots: engine.log.slots().map((s) => ({ name: s.name, acknowledgedLSN: BigInt(s.lsn), lagLSNs: Math.max(0, head - s.lsn), lagBytes: engine.log.bytesFrom(slotRestartLsn(s)) })),
      unclassifiedOps: this.counters.unclassifiedOps,
      beforeImageReads: engine.log.beforeImageReads + this.counters.beforeReads,
    };
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) await s.close();
    this.subscriptions.clear();
  }
}

const handles = new WeakMap<object, CDC>();

function isCDC(x: unknown): x is CDC {
  return x instanceof CDCImpl;
}

/**
 * Change data capture over `source` (a Database from DB(); seed 002 `createCDC(backend,
 * walConfig)`). `options.autoArchive` turns on the WAL archive to the cold store; the other
 * WALConfig fields are accepted and have no effect (segments follow memtables; checksums are
 * always verified). INVALID_ARGUMENT for anything else.
 */
export function createCDC(source: CDCSource, options: CDCOptions = {}): CDC {
  if (isCDC(source)) return source;
  if (typeof (source as Partial<Database> | null)?.engine !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'cdc: createCDC() needs a Database from DB()');
  if (typeof options !== 'object' || options === null) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: createCDC() options must be an object');
  return new CDCImpl(source as Database, options);
}

/** The shared CDC handle of a source (the helpers below reuse it). */
function handleOf(source: CDCSource): CDC {
  if (isCDC(source)) return source;
  let h = handles.get(source);
  if (!h) handles.set(source, (h = createCDC(source)));
  return h;
}

/** Seed 001 `createCDCSubscription(backend, options)`: `createCDC(source).subscribe(options)`. */
export function createCDCSubscription(source: CDCSource, options: SubscribeOptions = {}): CDCSubscription {
  return handleOf(source).subscribe(options);
}

/** Seed 000 `createReplicationSlotManager(backend)`: `createCDC(source).slots`. */
export function createReplicationSlotManager(source: CDCSource): ReplicationSlotManager {
  return handleOf(source).slots;
}

/** Typed row changes of one table after `fromLSN` (seed 002 `subscribeTable`); no BEGIN/COMMIT. */
export async function* subscribeTable<T = Record<string, JsValue>>(source: CDCSource, table: string, fromLSN: LSNInput = 0n, decoder?: RowDecoder<T>): AsyncGenerator<ChangeEvent<T>> {
  toLsn(fromLSN, 'fromLSN');
  const sub = handleOf(source).subscribe({ includeTransactionControl: false });
  try {
    for await (const e of sub.subscribeChanges<T>(fromLSN, { tables: [table], operations: ['INSERT', 'UPDATE', 'DELETE'] }, decoder)) yield e as ChangeEvent<T>;
  } finally {
    await sub.close();
  }
}
