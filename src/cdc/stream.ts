// The push form (seed 002 `createCDCStream`): the same pull pipeline, driven by a loop that
// awaits one handler at a time (onChange, onTransaction, onSchemaChange) while the pipeline
// reads ahead into its buffer. `pause()` stops dispatching; the buffer then fills to
// maxBufferSize and reading from the log stops (`onBufferFull: 'pause'`, the default), or the
// stream fails with CDC_BUFFER_OVERFLOW and the position to resume from (`'error'`). Nothing is
// ever dropped. With `autoAck` (default true) the position advances after each handler
// resolves, and with `slot` the slot follows it (updates coalesce: one in flight at a time).
import { DoSQLError } from '../errors.js';
import type { JsValue } from '../sql/api/values.js';
import { deferred, type Deferred } from '../util/async.js';
import { createCDC, type CDCSource } from './cdc.js';
import { CDCError, asCDCError } from './errors.js';
import type { CDCSubscription } from './subscription.js';
import type { CDCEvent, ChangeEvent, RowDecoder, SchemaChangeEvent, SubscribeOptions, SubscriptionStatus, TransactionEvent } from './types.js';

export interface CDCStreamHandler<T> {
  onChange?: (event: ChangeEvent<T>) => void | Promise<void>;
  onTransaction?: (event: TransactionEvent) => void | Promise<void>;
  onSchemaChange?: (event: SchemaChangeEvent) => void | Promise<void>;
  /** The stream stopped with this error (state 'error'). */
  onError?: (error: CDCError) => void;
  /** The stream ended (after stop(), or after an error). */
  onEnd?: () => void;
}

export interface CDCStreamOptions<T> extends SubscribeOptions {
  handler: CDCStreamHandler<T>;
  decoder?: RowDecoder<T>;
  /** Advance the position (and the slot) after each handler resolves. Default true. */
  autoAck?: boolean;
  /** Start from this slot's position and acknowledge into it. */
  slot?: string;
  /** While paused with a full buffer: stop reading ('pause', default) or fail with CDC_BUFFER_OVERFLOW ('error'). */
  onBufferFull?: 'pause' | 'error';
}

export interface CDCStreamStatus extends SubscriptionStatus {
  state: 'idle' | 'running' | 'paused' | 'stopped' | 'error';
}

export interface CDCStream {
  start(): void;
  pause(): void;
  resume(): void;
  /** Stops dispatching and ends the stream; resolves once the last acknowledgement is durable. */
  stop(): Promise<void>;
  getStatus(): CDCStreamStatus;
  /** Resolves when the stream has ended (stopped or failed). */
  readonly done: Promise<void>;
}

/** A push stream over `source` (a Database or a CDC handle). Call `start()`. */
export function createCDCStream<T = Record<string, JsValue>>(source: CDCSource, options: CDCStreamOptions<T>): CDCStream {
  if (typeof options?.handler !== 'object' || options.handler === null) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: createCDCStream() needs options.handler { onChange, onTransaction, onError, onEnd }');
  return new Stream(source, options);
}

class Stream<T> implements CDCStream {
  private state: CDCStreamStatus['state'] = 'idle';
  private sub: CDCSubscription | undefined;
  private resumed: Deferred<void> | null = null;
  /** Paused with a full buffer while onBufferFull is 'error'. */
  private overflowed = false;
  private position: string | undefined;
  private acking: Promise<void> | null = null;
  private ackWanted: CDCEvent<T> | null = null;
  private readonly ended = deferred<void>();
  readonly done = this.ended.promise;

  constructor(
    private readonly source: CDCSource,
    private readonly o: CDCStreamOptions<T>,
  ) {}

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    void this.run();
  }

  pause(): void {
    if (this.state === 'running') {
      this.state = 'paused';
      this.resumed = deferred<void>();
    }
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.overflowed = false;
    const r = this.resumed;
    this.resumed = null;
    r?.resolve();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'error') return this.done;
    const wasIdle = this.state === 'idle';
    this.state = 'stopped';
    this.resumed?.resolve();
    await this.sub?.close();
    if (wasIdle) this.finish();
    return this.done;
  }

  getStatus(): CDCStreamStatus {
    const s = this.sub?.getStatus() ?? { active: false, currentLSN: 0n, position: '0', entriesProcessed: 0, bufferedEntries: 0, recordsRead: 0 };
    return { ...s, ...(this.position !== undefined ? { position: this.position } : {}), state: this.state };
  }

  private async run(): Promise<void> {
    const cdc = createCDC(this.source);
    const o = this.o;
    const h = o.handler;
    let last: CDCEvent<T> | undefined;
    try {
      this.sub = o.slot !== undefined ? await cdc.slots.subscribeFromSlot(o.slot, o) : cdc.subscribe(o);
      if (this.state === 'stopped') return;
      if (o.onBufferFull === 'error') {
        this.sub.onBufferFull(() => {
          if (this.state !== 'paused') return;
          this.overflowed = true;
          this.resumed?.resolve();
        });
      }
      const it = this.sub.subscribeChanges<T>(undefined, undefined, o.decoder)[Symbol.asyncIterator]();
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const e = r.value;
        while (this.state === 'paused') {
          if (o.onBufferFull === 'error') {
            if (this.sub.getStatus().bufferedEntries >= (o.maxBufferSize ?? 1000)) this.overflowed = true;
            else this.sub.fillBuffer();
          }
          if (!this.overflowed) await this.resumed!.promise;
          if (this.overflowed && this.state === 'paused') {
            throw new CDCError('CDC_BUFFER_OVERFLOW', `cdc: the stream is paused and its buffer is full (${o.maxBufferSize ?? 1000} events); nothing was dropped — resume from ${this.position ?? 'its start'}`, { position: this.position ?? '0' });
          }
        }
        if ((this.state as CDCStreamStatus['state']) === 'stopped') return;
        try {
          if (e.type === 'begin' || e.type === 'commit' || e.type === 'rollback') await h.onTransaction?.(e);
          else if (e.type === 'schema_change') await h.onSchemaChange?.(e);
          else await h.onChange?.(e as ChangeEvent<T>);
        } catch (cause) {
          throw new CDCError('CDC_SUBSCRIPTION_FAILED', `cdc: a handler failed on event ${e.id}: ${cause instanceof Error ? cause.message : String(cause)}`, { position: this.position ?? '0', cause });
        }
        last = e;
        if (o.autoAck ?? true) {
          this.position = e.type === 'commit' ? String(e.lsn) : e.id;
          if (o.slot !== undefined) this.ack(e);
        }
      }
    } catch (e) {
      if (this.state === 'stopped') return;
      this.state = 'error';
      const err = asCDCError(e, this.position ?? (last ? last.id : '0'));
      try {
        h.onError?.(err);
      } catch {
        // The application's error handler must not break the stream's end.
      }
    } finally {
      await this.sub?.close();
      if (this.acking) await this.acking.catch(() => undefined);
      this.finish();
    }
  }

  /** Coalesced slot acknowledgement: at most one update in flight, the newest wins. */
  private ack(e: CDCEvent<T>): void {
    this.ackWanted = e;
    if (this.acking) return;
    const slots = createCDC(this.source).slots;
    const loop = async (): Promise<void> => {
      while (this.ackWanted) {
        const next = this.ackWanted;
        this.ackWanted = null;
        await slots.updateSlot(this.o.slot!, next);
      }
    };
    this.acking = loop().finally(() => {
      this.acking = null;
    });
    this.acking.catch(() => undefined);
  }

  private finish(): void {
    if (this.state === 'running' || this.state === 'paused') this.state = 'stopped';
    try {
      this.o.handler.onEnd?.();
    } catch {
      // As onError.
    }
    this.ended.resolve();
  }
}
