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

/** The raw form (seed 002 `WALEntry`). */
export function toWALEntry(e: DecodedEvent): WALEntry {
  const entry: WALEntry = { lsn: BigInt(e.lsn), timestamp: e.timestamp, txnId: String(e.lsn), op: e.op, table: e.table, id: eventId(e.lsn, e.seq), seq: e.seq };
  const img = e.after ?? e.before;
  if (img) entry.key = img.key();
  if (e.before) lazy(entry, 'before', () => e.before!.json());
  if (e.after) lazy(entry, 'after', () => e.after!.json());
  if (e.schema) entry.schemaChange = schemaEvent(e);
  return entry;
}

/** An own enumerable property computed once, on first read. */
function lazy<K extends 'before' | 'after'>(o: WALEntry, k: K, get: () => Uint8Array): void {
  Object.defineProperty(o, k, {
    enumerable: true,
    configurable: true,
    get() {
      const v = get();
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return v;
    },
  });
}

/** The typed form. A decoder that throws makes CDC_DECODE_ERROR naming the event. */
export function toCDCEvent<T>(e: DecodedEvent, decoder: RowDecoder<T> | undefined, safeIntegers: boolean): CDCEvent<T> {
  const id = eventId(e.lsn, e.seq);
  if (e.op === 'BEGIN' || e.op === 'COMMIT') {
    const t: TransactionEvent = { id, type: e.op === 'BEGIN' ? 'begin' : 'commit', txnId: String(e.lsn), timestamp: new Date(e.timestamp), lsn: BigInt(e.lsn), seq: e.seq, branch: e.branch };
    return t;
  }
  if (e.op === 'DDL') return schemaEvent(e);
  const type = e.op === 'INSERT' ? 'insert' : e.op === 'UPDATE' ? 'update' : 'delete';
  const img = (e.after ?? e.before)!;
  const conv = (side: 'after' | 'before'): T => {
    const i = e[side]!;
    if (!decoder) return i.object(safeIntegers) as T;
    try {
      return decoder(i.json());
    } catch (cause) {
      throw new CDCError('CDC_DECODE_ERROR', `cdc: the decoder failed on the ${side} image of event ${id} (table ${e.table}): ${cause instanceof Error ? cause.message : String(cause)}`, { lsn: BigInt(e.lsn), position: id, cause });
    }
  };
  const c = { id, type, table: e.table, txnId: String(e.lsn), timestamp: new Date(e.timestamp), lsn: BigInt(e.lsn), seq: e.seq } as ChangeEvent<T>;
  if (e.after) c.data = conv('after');
  if (e.before) c.oldData = conv('before');
  c.key = img.key();
  c.keyValues = img.keyValues(safeIntegers);
  Object.defineProperty(c, 'after', { get: () => c.data, enumerable: false });
  Object.defineProperty(c, 'before', { get: () => c.oldData, enumerable: false });
  return c;
}
