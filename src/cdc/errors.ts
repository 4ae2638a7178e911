// Errors of change data capture: `CDCError` is a DoSQLError whose `code` is one of the six CDC
// codes of src/errors.ts (the seeds' `CDCErrorCode` names), with the LSN facts as fields.
import { DoSQLError, type ErrorCode } from '../errors.js';

/** The seeds' enum, as a frozen object: `CDCErrorCode.LSN_NOT_FOUND === 'CDC_LSN_NOT_FOUND'`. */
export const CDCErrorCode = Object.freeze({
  SUBSCRIPTION_FAILED: 'CDC_SUBSCRIPTION_FAILED',
  LSN_NOT_FOUND: 'CDC_LSN_NOT_FOUND',
  SLOT_NOT_FOUND: 'CDC_SLOT_NOT_FOUND',
  SLOT_EXISTS: 'CDC_SLOT_EXISTS',
  BUFFER_OVERFLOW: 'CDC_BUFFER_OVERFLOW',
  DECODE_ERROR: 'CDC_DECODE_ERROR',
} as const);

export type CDCErrorCodeValue = (typeof CDCErrorCode)[keyof typeof CDCErrorCode];

export class CDCError extends DoSQLError {
  /** The LSN the failure concerns. */
  readonly lsn?: bigint;
  /** CDC_LSN_NOT_FOUND: the oldest position a subscription may start from. */
  readonly oldestLSN?: bigint;
  /** Where to resume (CDC_BUFFER_OVERFLOW, CDC_SUBSCRIPTION_FAILED): an event id or "<lsn>". */
  readonly position?: string;

  constructor(code: CDCErrorCodeValue, message: string, o: { lsn?: bigint; oldestLSN?: bigint; position?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    const details: Record<string, unknown> = { ...o.details };
    if (o.lsn !== undefined) details.lsn = o.lsn;
    if (o.oldestLSN !== undefined) details.oldestLSN = o.oldestLSN;
    if (o.position !== undefined) details.position = o.position;
    super(code as ErrorCode, message, { cause: o.cause, details });
    if (o.lsn !== undefined) this.lsn = o.lsn;
    if (o.oldestLSN !== undefined) this.oldestLSN = o.oldestLSN;
    if (o.position !== undefined) this.position = o.position;
  }

  /** True for a subscription that failed for a reason that may pass (I/O, a lost connection). */
  isRetryable(): boolean {
    if (this.code !== 'CDC_SUBSCRIPTION_FAILED') return false;
    const c = this.cause;
    return !(c instanceof DoSQLError) || c.retryable || c.code === 'CLOSED';
  }
}

/** What the client throws when its connection is lost for good (code CDC_SUBSCRIPTION_FAILED). */
export class CDCConnectionError extends CDCError {
  constructor(message: string, o: { position?: string; cause?: unknown } = {}) {
    super('CDC_SUBSCRIPTION_FAILED', message, o);
  }

  override isRetryable(): boolean {
    return true;
  }
}

/** CDC_LSN_NOT_FOUND for a start position older than the retained log (or past the head). */
export function lsnNotFound(lsn: number, oldest: number, head: number): CDCError {
  const past = lsn > head;
  const msg = past
    ? `cdc: LSN ${lsn} is past the newest commit (LSN ${head})`
    : `cdc: LSN ${lsn} is older than the oldest retained change (a subscription may start after LSN ${oldest}); its history is gone — use a replication slot to keep it`;
  return new CDCError('CDC_LSN_NOT_FOUND', msg, { lsn: BigInt(lsn), oldestLSN: BigInt(oldest), details: { headLSN: BigInt(head) } });
}

/** Maps a failure of the layers below to a CDCError (LSN_NOT_FOUND from the log reader keeps its facts). */
export function asCDCError(e: unknown, position: string): CDCError {
  if (e instanceof CDCError) return e;
  if (e instanceof DoSQLError && e.code === 'NOT_FOUND' && e.details.log === true) {
    const lsn = Number(e.details.lsn);
    const oldest = Number(e.details.oldestLsn);
    return new CDCError('CDC_LSN_NOT_FOUND', `cdc: ${e.message}`, { lsn: BigInt(lsn), oldestLSN: BigInt(oldest), cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new CDCError('CDC_SUBSCRIPTION_FAILED', `cdc: subscription failed at ${position}: ${msg}`, { position, cause: e });
}
