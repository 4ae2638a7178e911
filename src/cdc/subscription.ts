// `CDCSubscription` (seed 002): options fixed at `cdc.subscribe(options)`, then iterated as raw
// entries (`subscribe(lsn)`, or the subscription itself) or typed events
// (`subscribeChanges(lsn, filter, decoder)`, `iterate()`). Each iteration runs its own pipeline
// (pipeline.ts), opened at its first `next()`; breaking out of the loop or `close()` releases
// it. A subscription bound to a slot starts at the later of the argument and the slot's
// acknowledged position (docs/cdc.md, "Slots").
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import type { DecodedEvent, DecodeContext } from './commit-decoder.js';
import { toCDCEvent, toWALEntry } from './event-forms.js';
import { compileFilter } from './filter.js';
import { Pipeline } from './pipeline.js';
import { formatPosition, maxPosition, parsePosition, toLsn, type Pos } from './position.js';
import type { CDCEvent, CDCFilter, LSNInput, RowDecoder, SubscribeOptions, SubscriptionStatus, WALEntry } from './types.js';

/** What a subscription needs from its CDC instance. */
export interface SubscriptionHost {
  engine(): Promise<LsmEngine>;
  readonly counters: DecodeContext['counters'];
  /** A pipeline opened / closed (stats, slot acknowledgements). */
  opened(p: Pipeline, slot: string | undefined): void;
  closed(p: Pipeline): void;
}

/** A slot binding: where the slot stands now, and its stored filter. */
export interface SlotBinding {
  readonly name: string;
  position(): Pos;
  readonly filter?: CDCFilter;
  readonly branch: string;
}

const DEFAULT_BUFFER = 1000;
const DEFAULT_BATCH = 100;

export class CDCSubscription implements AsyncIterable<WALEntry> {
  private readonly live = new Set<Pipeline>();
  private latest: Pipeline | undefined;
  private closedFlag = false;
  private readonly fullListeners = new Set<() => void>();

  constructor(
    private readonly host: SubscriptionHost,
    private readonly options: SubscribeOptions = {},
    private readonly slot?: SlotBinding,
  ) {
    checkOptions(options);
  }

  /** Raw entries after `from` (default: the options' fromLSN / after). */
  subscribe(from?: LSNInput): AsyncIterableIterator<WALEntry> {
    return this.run(from, undefined, (e) => toWALEntry(e));
  }

  /** Typed events after `from`; `filter` applies on top of the options' filter; `decoder` turns row JSON into T. */
  subscribeChanges<T = Record<string, import('../sql/api/values.js').JsValue>>(from?: LSNInput, filter?: CDCFilter, decoder?: RowDecoder<T>): AsyncIterableIterator<CDCEvent<T>> {
    if (decoder !== undefined && typeof decoder !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'cdc: a decoder must be a function (bytes) => value');
    const safe = this.options.safeIntegers ?? false;
    return this.run(from, filter, (e) => toCDCEvent<T>(e, decoder, safe));
  }

  /** Typed events from the options' position (seed 001 `createCDCSubscription(...).iterate()`). */
  iterate<T = Record<string, import('../sql/api/values.js').JsValue>>(decoder?: RowDecoder<T>): AsyncIterableIterator<CDCEvent<T>> {
    return this.subscribeChanges<T>(undefined, undefined, decoder);
  }

  [Symbol.asyncIterator](): AsyncIterator<WALEntry> {
    return this.subscribe();
  }

  /**
   * Calls `listener` each time an iteration's buffer is full (maxBufferSize events not yet
   * taken): reading from the log has stopped until the consumer takes more. Returns the
   * function that removes it.
   */
  onBufferFull(listener: () => void): () => void {
    this.fullListeners.add(listener);
    return () => this.fullListeners.delete(listener);
  }

  /** Reads ahead until the buffer is full (maxBufferSize events), even while nobody takes events. */
  fillBuffer(): void {
    this.latest?.kick(true);
  }

  /** Progress of the most recent iteration. */
  getStatus(): SubscriptionStatus {
    const p = this.latest;
    const pos = p?.position ?? this.startOf(undefined);
    return {
      active: p !== undefined && !p.closed,
      currentLSN: BigInt(pos.lsn),
      position: formatPosition(pos),
      entriesProcessed: p?.status.entriesProcessed ?? 0,
      bufferedEntries: p?.buffered ?? 0,
      ...(p?.status.lastEntryAt !== undefined ? { lastEntryAt: new Date(p.status.lastEntryAt) } : {}),
      recordsRead: p?.recordsRead ?? 0,
    };
  }

  /** Ends every iteration of this subscription (their loops finish) and releases their pins. */
  async close(): Promise<void> {
    this.closedFlag = true;
    for (const p of this.live) this.release(p);
  }

  private release(p: Pipeline): void {
    p.close();
    if (this.live.delete(p)) this.host.closed(p);
  }

  private startOf(from: LSNInput | undefined): Pos {
    let pos: Pos;
    if (from !== undefined) pos = { lsn: toLsn(from, 'fromLSN'), seq: null };
    else if (this.options.after !== undefined) pos = parsePosition(this.options.after);
    else pos = { lsn: toLsn(this.options.fromLSN, 'fromLSN'), seq: null };
    return this.slot ? maxPosition(pos, this.slot.position()) : pos;
  }

  private run<R>(from: LSNInput | undefined, extra: CDCFilter | undefined, map: (e: DecodedEvent) => R): AsyncIterableIterator<R> {
    const start = this.startOf(from);
    const o = this.options;
    const filter = compileFilter([this.slot?.filter, o.filter, extra], o.includeTransactionControl ?? true);
    const self = this;
    async function* gen(): AsyncGenerator<R> {
      if (self.closedFlag) return;
      const engine = await self.host.engine();
      const branchName = o.branch ?? self.slot?.branch ?? 'main';
      const branch = branchName === 'main' ? 0 : engine.manifest.branches.find((b) => b.name === branchName)?.id;
      if (branch === undefined) throw new DoSQLError('NOT_FOUND', `cdc: no branch named ${branchName}`, { details: { branch: branchName } });
      const p = await Pipeline.open(engine, {
        branch,
        start,
        filter,
        maxBufferSize: o.maxBufferSize ?? DEFAULT_BUFFER,
        batchSize: o.batchSize ?? DEFAULT_BATCH,
        ...(o.untilLSN !== undefined ? { until: toLsn(o.untilLSN, 'untilLSN') } : {}),
        onFull: () => {
          for (const l of self.fullListeners) l();
        },
        counters: self.host.counters,
        branchName: (id) => (id === 0 ? 'main' : (engine.manifest.branches.find((b) => b.id === id)?.name ?? `#${id}`)),
      });
      self.live.add(p);
      self.latest = p;
      self.host.opened(p, self.slot?.name);
      if (self.closedFlag) self.release(p);
      try {
        for (;;) {
          const e = p.takeNow() ?? (await p.take());
          if (e === null) return;
          yield map(e);
        }
      } finally {
        self.release(p);
      }
    }
    return gen();
  }
}

function checkOptions(o: SubscribeOptions): void {
  if (typeof o !== 'object' || o === null) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: subscribe options must be an object');
  for (const k of ['maxBufferSize', 'batchSize'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new DoSQLError('INVALID_ARGUMENT', `cdc: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (o.fromLSN !== undefined) toLsn(o.fromLSN, 'fromLSN');
  if (o.untilLSN !== undefined) toLsn(o.untilLSN, 'untilLSN');
  if (o.after !== undefined) parsePosition(o.after);
}
