// The lake protocol (docs/format/lake.md, "Wire protocol"): what a lakehouse streamer sends a
// lake and what the lake answers, as plain JSON-safe objects — the same shapes go over a
// WebSocket or TCP (one JSON text per message / NDJSON line) or are handed over in process
// (`LakeEndpoint`). Declared here, below the lake, so the streamer never imports `src/lake`.
//
// Values keep SQLite's storage classes (the lake types its columns from them): INTEGER is a JSON
// integer (outside ±2^53 `{"$bigint": "<decimal>"}`), REAL a JSON number with a fraction or an
// exponent, and an integral or non-finite REAL `{"$real": "<text>"}` (so 5.0 never reads back
// as the INTEGER 5), TEXT a string, BLOB `{"$blob": "<base64>"}`, NULL null.
import { DoSQLError } from '../errors.js';
import type { JsValue } from '../sql/api/values.js';
import { fromBase64, toBase64 } from '../util/base64.js';
import type { CDCEvent, ChangeEvent, ColumnInfo, SchemaChangeEvent } from './types.js';

/** Protocol version of `hello` / `welcome`. */
export const LAKE_PROTOCOL_VERSION = 1;

export type LakeValue = null | number | string | { $bigint: string } | { $blob: string } | { $real: string };

/** A column as a schema event describes it, values in lake form. */
export interface LakeColumn {
  name: string;
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  defaultValue: LakeValue;
}

/** One change as the lake receives it. Transaction boundaries: only COMMIT is sent. */
export interface LakeEvent {
  op: 'insert' | 'update' | 'delete' | 'schema' | 'commit';
  /** Commit LSN and ordinal in the commit: the event's position `"<lsn>:<seq>"`. */
  lsn: number;
  seq: number;
  /** Commit time, ms since the Unix epoch. */
  ts: number;
  /** Table name at the commit (rows, schema events). */
  table?: string;
  /** Key tuple bytes (docs/format/keys.md), base64 (rows). */
  key?: string;
  /** The row after the change (insert, update): column name → value. */
  data?: Record<string, LakeValue>;
  /** For op 'schema'. */
  schema?: {
    changeType: SchemaChangeEvent['changeType'];
    tableId: number;
    column?: string;
    oldName?: string;
    columns: LakeColumn[];
  };
  /** For a snapshot transaction (replace every row of the source in its tables). */
  snapshot?: true;
}

/** A batch of consecutive events of one source (seed 002 `CDCBatch`, with dosql's positions). */
export interface CDCBatch {
  /** `"<sourceDoId>/<first position>-<last position>"`, stable across retries. */
  batchId: string;
  sourceDoId: string;
  sequenceNumber: number;
  firstLSN: number;
  lastLSN: number;
  /** The position just before the first event (`"0"` at the start of history). */
  afterPosition: string;
  /** The position of the last event (the next batch's `afterPosition`). */
  lastPosition: string;
  /** The batch ends at a COMMIT. */
  complete: boolean;
  createdAt: number;
  /** Wire bytes of the events (JSON text). */
  sizeBytes: number;
  isRetry: boolean;
  retryCount: number;
  events: LakeEvent[];
}

/** Seed 002 `BackpressureSignal`, with the reason and time of the transition. */
export interface BackpressureSignal {
  type: 'pause' | 'slow_down' | 'resume';
  /** Buffered bytes / the lake's buffer capacity, 0..1+. */
  bufferUtilization: number;
  suggestedDelayMs: number;
  reason: 'buffer' | 'flush_slow' | 'flush_error';
  at: number;
}

export interface LakeHello {
  type: 'hello';
  v: number;
  sourceId: string;
  shard?: string;
  exactlyOnce: boolean;
}

export interface LakeWelcome {
  type: 'welcome';
  v: number;
  sourceId: string;
  /** Everything up to this position is durable in the lake: resume after it. */
  resumeAfter: string;
  /** Every event up to this LSN is in Iceberg snapshots. */
  committed: number;
  backpressure: BackpressureSignal;
}

export interface LakeAck {
  type: 'ack';
  batchId: string;
  sequenceNumber: number;
  /** Every whole source transaction up to this LSN is durable in the lake. */
  lsn: number;
  /** Everything up to this position is durable in the lake. */
  position: string;
  backpressure?: BackpressureSignal;
}

export type LakeNackReason = 'buffer_full' | 'out_of_order' | 'invalid' | 'transaction_too_large' | 'internal';

export interface LakeNack {
  type: 'nack';
  batchId: string;
  sequenceNumber: number;
  reason: LakeNackReason;
  retryable: boolean;
  retryAfterMs?: number;
  /** For out_of_order: the position the lake expects the next batch to follow. */
  expected?: string;
  message: string;
  backpressure?: BackpressureSignal;
}

export interface LakeCommitted {
  type: 'committed';
  sourceId: string;
  /** Every event of the source up to this LSN is in Iceberg snapshots. */
  lsn: number;
  position: string;
}

/** A lake as a streamer talks to it in process (`src/lake` implements it). */
export interface LakeEndpoint {
  hello(h: LakeHello): Promise<LakeWelcome>;
  ingest(batch: CDCBatch): Promise<LakeAck | LakeNack>;
  /** Calls `listener` after each flush that moved the source's committed LSN; returns the remover. */
  onCommitted(sourceId: string, listener: (c: LakeCommitted) => void): () => void;
  /** Calls `listener` on each backpressure transition; returns the remover. */
  onBackpressure?(listener: (s: BackpressureSignal) => void): () => void;
}

/** A value in lake form (see the header). */
export function toLakeValue(v: JsValue): LakeValue {
  if (v === null) return null;
  switch (typeof v) {
    case 'bigint':
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : { $bigint: v.toString() };
    case 'number':
      return Number.isFinite(v) && !Number.isInteger(v) ? v : { $real: Object.is(v, -0) ? '-0' : String(v) };
    case 'string':
      return v;
    default:
      return { $blob: toBase64(v) };
  }
}

/** The inverse of {@link toLakeValue}: INTEGER as bigint, REAL as number. INVALID_ARGUMENT for anything else. */
export function fromLakeValue(v: LakeValue): JsValue {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return BigInt(v);
    return v;
  }
  if (typeof v === 'object') {
    if ('$bigint' in v && /^-?\d+$/.test(v.$bigint)) return BigInt(v.$bigint);
    if ('$real' in v) {
      const n = Number(v.$real);
      if (!Number.isNaN(n) || v.$real === 'NaN') return n;
    }
    if ('$blob' in v) {
      const b = fromBase64(v.$blob);
      if (b) return b;
    }
  }
  throw new DoSQLError('INVALID_ARGUMENT', `lake: bad value on the wire: ${JSON.stringify(v)}`);
}

function lakeColumns(cs: readonly ColumnInfo[]): LakeColumn[] {
  return cs.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, primaryKey: c.primaryKey, defaultValue: toLakeValue(c.defaultValue) }));
}

/**
 * A typed CDC event (subscribed with `safeIntegers: true`, rows as objects) in lake form;
 * null for events the lake does not need (BEGIN, index changes).
 */
export function toLakeEvent(e: CDCEvent): LakeEvent | null {
  const base = { lsn: Number(e.lsn), seq: e.seq };
  if (e.type === 'begin' || e.type === 'rollback') return null;
  if (e.type === 'commit') return { op: 'commit', ...base, ts: e.timestamp.getTime() };
  if (e.type === 'schema_change') {
    if (e.changeType === 'create_index' || e.changeType === 'drop_index') return null;
    return {
      op: 'schema',
      ...base,
      ts: e.timestamp,
      table: e.table,
      schema: {
        changeType: e.changeType,
        tableId: e.tableId,
        ...(e.column !== undefined ? { column: e.column } : {}),
        ...(e.oldName !== undefined ? { oldName: e.oldName } : {}),
        columns: lakeColumns(e.columns),
      },
    };
  }
  const c = e as ChangeEvent;
  const out: LakeEvent = { op: c.type, ...base, ts: c.timestamp.getTime(), table: c.table, key: toBase64(c.key) };
  if (c.type !== 'delete' && c.data) {
    const data: Record<string, LakeValue> = {};
    for (const k of Object.keys(c.data)) Object.defineProperty(data, k, { value: toLakeValue(c.data[k]!), enumerable: true, writable: true, configurable: true });
    out.data = data;
  }
  return out;
}

/** `"<lsn>:<seq>"` of an event. */
export function lakeEventPosition(e: LakeEvent): string {
  return `${e.lsn}:${e.seq}`;
}
