// The server side of the change-stream socket protocol (docs/cdc.md, "Over the Worker"),
// independent of the transport: the Worker's `/db/:name/cdc` WebSocket drives it, tests can
// drive it directly. Messages are JSON text:
//   <- { type: 'hello', v: 1, headLSN, oldestLSN }
//   <- { type: 'events', events: [event JSON (wire.ts)] }   never more than `window` unacknowledged
//   <- { type: 'acked', position }                           after the slot update is durable
//   <- { type: 'error', error: { code, message, details } }  then the socket closes
//   -> { type: 'ack', position }                             "<lsn>:<seq>" or "<lsn>"
// An acknowledgement frees the window up to that position and, with a slot, advances the slot.
// Flow control is the window: the session stops pulling events (and so its subscription stops
// reading the log) while `window` events wait for an acknowledgement.
//
// Async safety: `run` is one loop; `onMessage` may interleave with it at any await.
import { DoSQLError } from '../errors.js';
import { deferred, type Deferred } from '../util/async.js';
import type { CDC } from './cdc.js';
import { comparePositions, parsePosition } from './position.js';
import type { CDCSubscription } from './subscription.js';
import type { CDCEvent, SubscribeOptions, WALEntry } from './types.js';
import { entryToJSON, eventToJSON } from './wire.js';

export interface CdcSessionOptions {
  /** Follow this slot (start at its position, acknowledge into it). */
  slot?: string;
  /** Create the slot (at fromLSN, default 0) when it does not exist. */
  createSlot?: boolean;
  /** Start after this commit, or after this event id (`after` wins). */
  fromLSN?: number;
  after?: string;
  tables?: string[];
  branch?: string;
  /** Raw entries instead of typed events. */
  raw?: boolean;
  /** Most events sent and not acknowledged. */
  window: number;
  /** Most events per message. */
  batch: number;
}

export interface CdcTransport {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export class CdcSession {
  /** Ids sent and not yet acknowledged, oldest first. */
  private sent: string[] = [];
  private waiter: Deferred<void> | null = null;
  private sub: CDCSubscription | undefined;
  private closed = false;
  private acking: Promise<void> = Promise.resolve();

  constructor(
    private readonly cdc: CDC,
    private readonly o: CdcSessionOptions,
    private readonly t: CdcTransport,
    /** Called with each acknowledged position once it is durable (the Worker keeps it in the socket's attachment). */
    private readonly onAcked?: (position: string) => void,
  ) {}

  /** Streams until closed or failed; a failure is sent as an `error` message and closes the transport. */
  async run(): Promise<void> {
    try {
      const o = this.o;
      const opts: SubscribeOptions = {
        ...(o.after !== undefined ? { after: o.after } : { fromLSN: o.fromLSN ?? 0 }),
        ...(o.tables?.length ? { filter: { tables: o.tables } } : {}),
        ...(o.branch !== undefined ? { branch: o.branch } : {}),
        safeIntegers: true,
        maxBufferSize: Math.max(o.batch, 100),
      };
      if (o.slot !== undefined && o.createSlot && !(await this.cdc.slots.getSlot(o.slot))) {
        await this.cdc.slots.createSlot(o.slot, o.fromLSN ?? 0).catch((e: unknown) => {
          if (!(e instanceof DoSQLError && e.code === 'CDC_SLOT_EXISTS')) throw e;
        });
      }
      this.sub = o.slot !== undefined ? await this.cdc.slots.subscribeFromSlot(o.slot, opts) : this.cdc.subscribe(opts);
      if (this.closed) return void (await this.sub.close());
      const stats = await this.cdc.stats();
      this.t.send(JSON.stringify({ type: 'hello', v: 1, headLSN: Number(stats.headLSN), oldestLSN: Number(stats.oldestLSN) }));
      const events: AsyncIterable<CDCEvent | WALEntry> = o.raw ? this.sub.subscribe() : this.sub.subscribeChanges();
      let batch: unknown[] = [];
      for await (const e of events) {
        if (this.closed) break;
        batch.push(o.raw ? entryToJSON(e as WALEntry) : eventToJSON(e as CDCEvent));
        this.sent.push(e.id);
        if (batch.length >= o.batch || this.sent.length >= o.window || this.sub.getStatus().bufferedEntries === 0) {
          this.t.send(JSON.stringify({ type: 'events', events: batch }));
          batch = [];
        }
        while (!this.closed && this.sent.length >= o.window) await (this.waiter ??= deferred<void>()).promise;
      }
    } catch (e) {
      if (this.closed) return;
      const err = e instanceof DoSQLError ? e : new DoSQLError('CDC_SUBSCRIPTION_FAILED', `cdc: ${e instanceof Error ? e.message : String(e)}`);
      const details = JSON.parse(JSON.stringify(err.details, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? undefined : v))) as unknown;
      try {
        this.t.send(JSON.stringify({ type: 'error', error: { code: err.code, message: err.message, details } }));
      } finally {
        this.close(err.code === 'CDC_SUBSCRIPTION_FAILED' ? 1011 : 4000, err.code);
      }
    }
  }

  /** A message from the client. Bad messages answer with an `error` message (the stream goes on). */
  async onMessage(text: string): Promise<void> {
    let m: { type?: unknown; position?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return this.reject('cdc: a message is JSON text');
    }
    if (m.type !== 'ack' || typeof m.position !== 'string') return this.reject('cdc: expected { type: "ack", position: "<lsn>:<seq>" }');
    let pos;
    try {
      pos = parsePosition(m.position);
    } catch (e) {
      return this.reject((e as Error).message);
    }
    while (this.sent.length > 0 && comparePositions(parsePosition(this.sent[0]!), pos) <= 0) this.sent.shift();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
    const position = m.position;
    const slot = this.o.slot;
    // Acknowledgements are applied in order.
    // A final acknowledgement may arrive just before the socket closes: it still counts.
    this.acking = this.acking.then(async () => {
      if (slot !== undefined) await this.cdc.slots.updateSlot(slot, pos.seq === null ? BigInt(pos.lsn) : position);
      this.onAcked?.(position);
      if (!this.closed) this.t.send(JSON.stringify({ type: 'acked', position }));
    });
    await this.acking.catch((e: unknown) => {
      const err = e instanceof DoSQLError ? e : new DoSQLError('CDC_SUBSCRIPTION_FAILED', String(e));
      if (!this.closed) this.t.send(JSON.stringify({ type: 'error', error: { code: err.code, message: err.message } }));
    });
  }

  private reject(message: string): void {
    this.t.send(JSON.stringify({ type: 'error', error: { code: 'INVALID_ARGUMENT', message } }));
  }

  /** Ends the stream (the client went away, or the object is closing). */
  close(code = 1000, reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
    void this.sub?.close();
    try {
      this.t.close(code, reason);
    } catch {
      // Already closed.
    }
  }
}
