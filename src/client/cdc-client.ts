// subscribeCDC: a database's change stream from a dosql Worker (GET /db/<name>/cdc, docs/cdc.md,
// "Over the Worker") as an async iterator of event JSON (the shapes of dosql/cdc's
// `eventToJSON`, or `entryToJSON` with format 'raw'). An event counts as processed when the
// application pulls the next one (or closes the iterator); processed positions are
// acknowledged every `ackEvery` events, which advances the slot and frees the server's window.
// A lost connection is retried with exponential backoff and resumes after the last event
// delivered; anything the server sends again is dropped by position, so within one client
// nothing is lost or delivered twice. Across client restarts delivery is at least once from
// the slot's acknowledged position. Errors the server reports for the request itself
// (CDC_LSN_NOT_FOUND, CDC_SLOT_NOT_FOUND, UNAUTHORIZED, INVALID_ARGUMENT) end the iterator
// with that DoSQLError; running out of retries ends it with CDC_SUBSCRIPTION_FAILED.
import { DoSQLError, type ErrorCode } from '../errors.js';
import type { ClientOptions } from './types.js';
import type { WebSocketConstructor, WebSocketLike } from './ws-client.js';

/** An event as the server sends it (see dosql/cdc `eventToJSON` / `entryToJSON`). */
export interface CDCWireEvent {
  id: string;
  lsn: number;
  seq: number;
  /** Typed events: 'begin' | 'insert' | 'update' | 'delete' | 'schema_change' | 'commit'. */
  type?: string;
  /** Raw entries: 'BEGIN' | 'INSERT' | ... */
  op?: string;
  [field: string]: unknown;
}

export interface SubscribeCDCOptions extends ClientOptions {
  WebSocket?: WebSocketConstructor;
  /** Follow this replication slot (created with dosql/cdc or `dosql cdc --create-slot`, or here with `createSlot`). */
  slot?: string;
  /** Create `slot` at `fromLSN` (default 0) if it does not exist. */
  createSlot?: boolean;
  /** Start after this commit (default 0). */
  fromLSN?: bigint | number;
  /** Start after this event id. */
  after?: string;
  tables?: readonly string[];
  branch?: string;
  format?: 'changes' | 'raw';
  /** Most events in flight (the server's window). Default 1000. */
  window?: number;
  /** Acknowledge after this many processed events. Default window / 2. */
  ackEvery?: number;
  /** Reconnection backoff (the seed guide's defaults); maxAttempts counts failures in a row. */
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number; backoffMultiplier?: number };
}

export interface CDCClientSubscription extends AsyncIterable<CDCWireEvent> {
  /** Id of the last event delivered. */
  readonly position: string | undefined;
  /** Reconnections so far. */
  readonly reconnects: number;
  /** Ends the stream after acknowledging what was processed. */
  close(): Promise<void>;
}

const FATAL: ReadonlySet<string> = new Set(['CDC_LSN_NOT_FOUND', 'CDC_SLOT_NOT_FOUND', 'UNAUTHORIZED', 'INVALID_ARGUMENT', 'NOT_FOUND', 'CDC_DECODE_ERROR']);

function after(a: string, b: string): boolean {
  const [al, as = Infinity] = a.split(':').map(Number);
  const [bl, bs = Infinity] = b.split(':').map(Number);
  return al! !== bl! ? al! > bl! : as > bs;
}

export function subscribeCDC(options: SubscribeCDCOptions): CDCClientSubscription {
  const found = options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!found) throw new DoSQLError('NOT_SUPPORTED', 'client: no WebSocket implementation; pass options.WebSocket');
  const Ctor: WebSocketConstructor = found;
  const window = options.window ?? 1000;
  const ackEvery = Math.max(1, options.ackEvery ?? Math.floor(window / 2));
  const r = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 30_000, backoffMultiplier: 2, ...options.retry };
  const base = `${options.url.replace(/\/+$/, '').replace(/^http/, 'ws')}/db/${encodeURIComponent(options.database ?? 'default')}/cdc`;
  let delivered: string | undefined;
  let processed: string | undefined;
  let acked: string | undefined;
  let sinceAck = 0;
  let reconnects = 0;
  let closed = false;
  let ws: WebSocketLike | null = null;

  function urlFor(): string {
    const q = new URLSearchParams();
    if (options.slot !== undefined) q.set('slot', options.slot);
    if (options.createSlot) q.set('create', '1');
    if (options.fromLSN !== undefined) q.set('fromLSN', String(options.fromLSN));
    if (delivered !== undefined) q.set('after', delivered);
    else if (options.after !== undefined) q.set('after', options.after);
    for (const t of options.tables ?? []) q.append('table', t);
    if (options.branch !== undefined) q.set('branch', options.branch);
    if (options.format) q.set('format', options.format);
    q.set('window', String(window));
    return `${base}?${q.toString()}`;
  }

  function ack(): void {
    if (processed === undefined || processed === acked || !ws || ws.readyState !== 1) return;
    ws.send(JSON.stringify({ type: 'ack', position: processed }));
    acked = processed;
    sinceAck = 0;
  }

  async function* stream(): AsyncGenerator<CDCWireEvent> {
    let failures = 0;
    while (!closed) {
      const queue: CDCWireEvent[] = [];
      let wake: (() => void) | null = null;
      let ended = false;
      let error: DoSQLError | null = null;
      let hello = false;
      const notify = (): void => {
        const w = wake;
        wake = null;
        w?.();
      };
      const sock = new Ctor(urlFor(), ['dosql', `bearer.${options.token}`]);
      ws = sock;
      sock.addEventListener('message', (ev) => {
        let m: { type?: string; events?: CDCWireEvent[]; error?: { code: string; message: string; details?: Record<string, unknown> } };
        try {
          m = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as typeof m;
        } catch {
          return;
        }
        if (m.type === 'hello') hello = true;
        else if (m.type === 'events') for (const e of m.events ?? []) queue.push(e);
        else if (m.type === 'error' && m.error) error = new DoSQLError(m.error.code as ErrorCode, m.error.message, { details: m.error.details ?? {} });
        notify();
      });
      sock.addEventListener('close', () => {
        ended = true;
        notify();
      });
      sock.addEventListener('error', () => {
        ended = true;
        notify();
      });
      for (;;) {
        while (queue.length > 0) {
          const e = queue.shift()!;
          // Sent again after a reconnection: already delivered.
          if (delivered !== undefined && !after(e.id, delivered)) continue;
          failures = 0;
          if (delivered !== undefined) {
            processed = delivered;
            if (++sinceAck >= ackEvery) ack();
          }
          delivered = e.id;
          yield e;
          if (closed) return;
        }
        if (ended || error) break;
        await new Promise<void>((res) => (wake = res));
      }
      ws = null;
      try {
        sock.close(1000, 'reconnecting');
      } catch {
        // Already closed.
      }
      const err = error as DoSQLError | null;
      if (err && FATAL.has(err.code)) throw err;
      if (closed) return;
      if (!hello || err) failures++;
      if (failures > r.maxAttempts) throw new DoSQLError('CDC_SUBSCRIPTION_FAILED', `client: the change stream connection failed ${failures} times in a row${err ? `: ${err.message}` : ''}`, { details: { position: delivered } });
      reconnects++;
      const delay = Math.min(r.maxDelayMs, r.initialDelayMs * r.backoffMultiplier ** Math.max(0, failures - 1));
      await new Promise((res) => setTimeout(res, failures > 0 ? delay : 0));
    }
  }

  const it = stream();
  return {
    get position() {
      return delivered;
    },
    get reconnects() {
      return reconnects;
    },
    [Symbol.asyncIterator]: () => it,
    close: async () => {
      if (closed) return;
      // The last event delivered counts as processed once the application closes.
      processed = delivered;
      ack();
      closed = true;
      const s = ws;
      ws = null;
      try {
        s?.close(1000, 'client closed');
      } catch {
        // Already closed.
      }
      await it.return(undefined);
    },
  };
}
