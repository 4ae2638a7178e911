// The forms a decoded event takes for a consumer: the raw `WALEntry` (row images as JSON
// bytes, encoded on first access) and the typed `ChangeEvent` / `TransactionEvent` /
// `SchemaChangeEvent` (rows as objects, or through the consumer's decoder).
import type { DecodedEvent } from './commit-decoder.js';
import { CDCError } from './errors.js';
import { eventId } from './position.js';
import type { CDCEvent, ChangeEvent, RowDecoder, SchemaChangeEvent, TransactionEvent, WALEntry } from './types.js';

/** The schema event of a DDL entry, with its position. */
export function schemaEvent(e: DecodedEvent): SchemaChangeEvent {
  return { id: eventId(e.lsn, e.seq), ...e.schema!, txnId: String(e.lsn), schemaVersion: e.lsn, timestamp: e.timestamp, lsn: BigInt(e.lsn), seq: e.seq };
}

/**
 * A raw entry. `before` / `after` are accessors on the prototype that encode the row JSON on
 * first read (most consumers read one side, many neither): they are not own properties, so
 * `JSON.stringify(entry)` and `{ ...entry }` leave them out — use `entryToJSON` (wire.ts).
 */
class RawEntry implements WALEntry {
  readonly lsn: bigint;
  readonly timestamp: number;
  readonly txnId: string;
  readonly op: WALEntry['op'];
  readonly table: string;
  readonly id: string;
  readonly seq: number;
  key?: Uint8Array;
  schemaChange?: WALEntry['schemaChange'];
  #e: DecodedEvent;
  #before: Uint8Array | undefined;
  #after: Uint8Array | undefined;
  constructor(e: DecodedEvent) {
    this.lsn = BigInt(e.lsn);
    this.timestamp = e.timestamp;
    this.txnId = String(e.lsn);
    this.op = e.op;
    this.table = e.table;
    this.id = eventId(e.lsn, e.seq);
    this.seq = e.seq;
    this.#e = e;
  }
  get before(): Uint8Array | undefined {
    return this.#e.before ? (this.#before ??= this.#e.before.json()) : undefined;
  }
  get after(): Uint8Array | undefined {
    return this.#e.after ? (this.#after ??= this.#e.after.json()) : undefined;
  }
}

/** The raw form (seed 002 `WALEntry`). */
export function toWALEntry(e: DecodedEvent): WALEntry {
  const entry = new RawEntry(e);
  const img = e.after ?? e.before;
  if (img) entry.key = img.key();
  if (e.schema) entry.schemaChange = schemaEvent(e);
  return entry;
}

/** A typed row change; `after` / `before` are the seed 001 names of `data` / `oldData` (on the prototype: not enumerated). */
class RowChange<T> {
  data?: T;
  oldData?: T;
  key!: Uint8Array;
  keyValues!: ChangeEvent<T>['keyValues'];
  constructor(
    readonly id: string,
    readonly type: 'insert' | 'update' | 'delete',
    readonly table: string,
    readonly txnId: string,
    readonly timestamp: Date,
    readonly lsn: bigint,
    readonly seq: number,
  ) {}

  get after(): T | undefined {
    return this.data;
  }

  get before(): T | undefined {
    return this.oldData;
  }
}

function decodeImage<T>(e: DecodedEvent, side: 'after' | 'before', decoder: RowDecoder<T> | undefined, safeIntegers: boolean): T {
  const i = e[side]!;
  if (!decoder) return i.object(safeIntegers) as T;
  try {
    return decoder(i.json());
  } catch (cause) {
    const id = eventId(e.lsn, e.seq);
    throw new CDCError('CDC_DECODE_ERROR', `cdc: the decoder failed on the ${side} image of event ${id} (table ${e.table}): ${cause instanceof Error ? cause.message : String(cause)}`, { lsn: BigInt(e.lsn), position: id, cause });
  }
}

/** The typed form. A decoder that throws makes CDC_DECODE_ERROR naming the event. */
export function toCDCEvent<T>(e: DecodedEvent, decoder: RowDecoder<T> | undefined, safeIntegers: boolean): CDCEvent<T> {
  const id = eventId(e.lsn, e.seq);
  if (e.op === 'BEGIN' || e.op === 'COMMIT') {
    const t: TransactionEvent = { id, type: e.op === 'BEGIN' ? 'begin' : 'commit', txnId: String(e.lsn), timestamp: new Date(e.timestamp), lsn: BigInt(e.lsn), seq: e.seq, branch: e.branch };
    return t;
  }
  if (e.op === 'DDL') return schemaEvent(e);
  const c = new RowChange<T>(id, e.op === 'INSERT' ? 'insert' : e.op === 'UPDATE' ? 'update' : 'delete', e.table, String(e.lsn), new Date(e.timestamp), BigInt(e.lsn), e.seq);
  if (e.after) c.data = decodeImage(e, 'after', decoder, safeIntegers);
  if (e.before) c.oldData = decodeImage(e, 'before', decoder, safeIntegers);
  const img = (e.after ?? e.before)!;
  c.key = img.key();
  c.keyValues = img.keyValues(safeIntegers);
  return c as unknown as ChangeEvent<T>;
}
