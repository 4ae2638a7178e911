// Ingest (docs/lake.md, "Exactly once"): a batch is accepted only if it follows what the lake
// holds for its source — `afterPosition` at or before `received(S)` — and only its events after
// `received(S)` are kept (a retried or duplicated batch is trimmed, not applied twice: dedup by
// position, not by batch id). The events and the new `received(S)` go into the state engine in
// one write; only then is the batch acknowledged. Batches of one source are taken one at a time.
import { comparePositions, parsePosition, type Pos } from '../cdc/position.js';
import type { CDCBatch, LakeAck, LakeEvent, LakeNack } from '../cdc/lake-protocol.js';
import { DoSQLError } from '../errors.js';
import { encodeJson, T_BUFFER, type LakeState } from './state.js';

const SOURCE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** What ingest needs from the lake. */
export interface IngestHost {
  readonly state: LakeState;
  now(): number;
  /** Buffer capacity (bytes) and the limit of one open source transaction. */
  readonly maxBufferBytes: number;
  readonly maxTransactionBytes: number;
  bufferedBytes: number;
  bufferedEvents: number;
  /** Per source: bytes of its open (incomplete) transaction in the buffer. */
  readonly openTxnBytes: Map<string, number>;
  /** Receipt time of the oldest event not yet in a snapshot (0: none). */
  oldestAt: number;
  backpressure(): LakeAck['backpressure'];
}

function nack(b: CDCBatch, reason: LakeNack['reason'], message: string, extra: Partial<LakeNack> = {}): LakeNack {
  const retryable = reason === 'buffer_full' || reason === 'out_of_order' || reason === 'internal';
  return { type: 'nack', batchId: String(b?.batchId), sequenceNumber: Number(b?.sequenceNumber), reason, retryable, message, ...extra };
}

function validate(b: CDCBatch): string | null {
  if (typeof b !== 'object' || b === null) return 'a batch must be an object';
  if (typeof b.sourceDoId !== 'string' || !SOURCE_ID.test(b.sourceDoId)) return `sourceDoId must be 1-128 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(b.sourceDoId)}`;
  if (!Array.isArray(b.events)) return 'events must be an array';
  try {
    parsePosition(b.afterPosition);
    parsePosition(b.lastPosition);
  } catch (e) {
    return (e as Error).message;
  }
  let prev: Pos = parsePosition(b.afterPosition);
  for (const e of b.events) {
    if (typeof e !== 'object' || e === null || !Number.isSafeInteger(e.lsn) || !Number.isSafeInteger(e.seq) || typeof e.op !== 'string') return 'an event lacks lsn, seq or op';
    const p = { lsn: e.lsn, seq: e.seq };
    if (comparePositions(p, prev) <= 0) return `event ${e.lsn}:${e.seq} does not follow ${prev.lsn}:${String(prev.seq)}`;
    prev = p;
  }
  if (b.events.length && comparePositions(prev, parsePosition(b.lastPosition)) !== 0) return 'lastPosition is not the position of the last event';
  return null;
}

/** Ingests one batch (see the header). Never throws for a bad batch: it is NACKed. */
export async function ingestBatch(h: IngestHost, b: CDCBatch): Promise<LakeAck | LakeNack> {
  const bad = validate(b);
  if (bad) return nack(b, 'invalid', `lake: batch ${String(b?.batchId)}: ${bad}`);
  const src = h.state.source(b.sourceDoId);
  const received = parsePosition(src.received);
  const after = parsePosition(b.afterPosition);
  const last = parsePosition(b.lastPosition);
  const ack = (): LakeAck => {
    const bp = h.backpressure();
    return { type: 'ack', batchId: b.batchId, sequenceNumber: b.sequenceNumber, lsn: src.lastComplete, position: src.received, ...(bp ? { backpressure: bp } : {}) };
  };
  if (comparePositions(after, received) > 0) {
    return nack(b, 'out_of_order', `lake: batch ${b.batchId} of ${b.sourceDoId} starts after ${b.afterPosition}, but the lake holds up to ${src.received}; resend from there`, { expected: src.received });
  }
  if (comparePositions(last, received) <= 0) return ack();
  const events: LakeEvent[] = b.events.filter((e) => comparePositions({ lsn: e.lsn, seq: e.seq }, received) > 0);
  const wb = h.state.batch();
  let bytes = 0;
  let lastComplete = src.lastComplete;
  let open = h.openTxnBytes.get(b.sourceDoId) ?? 0;
  for (const e of events) {
    const v = encodeJson(e);
    bytes += v.length;
    open += v.length;
    if (e.op === 'commit') {
      lastComplete = e.lsn;
      open = 0;
    }
    wb.put(T_BUFFER, [src.no, e.lsn, e.seq], v);
  }
  // A source's open transaction cannot be flushed until its COMMIT arrives, so it is taken even
  // past the buffer's capacity — up to the transaction limit.
  const openBefore = h.openTxnBytes.get(b.sourceDoId) ?? 0;
  if (open > h.maxTransactionBytes) {
    return nack(b, 'transaction_too_large', `lake: a transaction of ${b.sourceDoId} at LSN ${last.lsn} exceeds maxTransactionBytes (${h.maxTransactionBytes} bytes)`);
  }
  // An empty buffer takes any batch: one larger than the whole buffer could never be taken otherwise.
  if (h.bufferedBytes > 0 && h.bufferedBytes + bytes > h.maxBufferBytes && openBefore === 0) {
    return nack(b, 'buffer_full', `lake: buffer full (${h.bufferedBytes} of ${h.maxBufferBytes} bytes); retry after a flush`, { retryAfterMs: 1000 });
  }
  // After a COMMIT the whole commit is held: "<lsn>", as a slot records it.
  const next = { received: events.at(-1)?.op === 'commit' ? String(last.lsn) : b.lastPosition, lastComplete, lastBatchAt: h.now() };
  h.state.putReceived(wb, src, next);
  try {
    await h.state.write(wb);
  } catch (e) {
    const msg = e instanceof DoSQLError ? e.message : String(e);
    return nack(b, 'internal', `lake: batch ${b.batchId} was not stored: ${msg}`, { retryAfterMs: 1000 });
  }
  // Only now may a flush take these events: its cutoff never runs ahead of the buffer.
  Object.assign(src, next);
  if (h.bufferedEvents === 0 && events.length) h.oldestAt = h.now();
  h.bufferedBytes += bytes;
  h.bufferedEvents += events.length;
  h.openTxnBytes.set(b.sourceDoId, open);
  return ack();
}
