// The WebSocket API of one database (docs/workers.md, "WebSocket"): JSON messages, each request
// with an `id` the replies echo. The socket is accepted with the hibernation API, so an idle
// connection costs the object nothing; open transactions live in memory and are rolled back
// when their socket closes (or the object restarts: commit then fails with NOT_FOUND).
//
//   -> { id, type: 'query', sql, params?, asOf?, branch?, txId?, safeIntegers? }
//   <- { id, type: 'columns', columns }  { id, type: 'rows', rows: [[...], ...] }*
//      { id, type: 'done', changes, lastInsertRowId, lsn? }
//   -> { id, type: 'exec', sql, branch?, txId? }            <- { id, type: 'done', result }
//   -> { id, type: 'begin', branch? }                       <- { id, type: 'done', result: { txId } }
//   -> { id, type: 'commit' | 'rollback', txId }            <- { id, type: 'done', result }
//   -> { id, type: 'batch' | 'transaction', statements, branch? }  <- { id, type: 'done', result }
//   <- { id, type: 'error', error: { code, message, details? } }   for any request that fails
import { DoSQLError } from '../errors.js';
import { encodeValue } from '../client/wire.js';
import { toTimePoint, type DatabaseHost } from './database-host.js';
import { decodeParams, encodeResult, MAX_BODY_BYTES, optBool, optString, parseJsonObject, reqString, tooLarge, utf8Text, wireError } from './http-wire.js';
import type { WorkerWebSocket } from './cf-types.js';

/** Rows per `rows` message. */
const ROWS_PER_MESSAGE = 256;

/** Handles one message from `ws`; `owner` identifies the socket (its transactions). */
export async function handleSocketMessage(host: DatabaseHost, ws: WorkerWebSocket, owner: string, data: string | ArrayBuffer): Promise<void> {
  let id: unknown = null;
  try {
    const msg = parseMessage(data);
    id = msg.id ?? null;
    const type = reqString(msg, 'type');
    const send = (m: Record<string, unknown>): void => ws.send(JSON.stringify({ id, ...m }));
    const statements = (): { sql: string; params?: ReturnType<typeof decodeParams> }[] => {
      if (!Array.isArray(msg.statements) || msg.statements.length === 0) throw new DoSQLError('INVALID_ARGUMENT', 'worker: statements must be a non-empty array');
      return msg.statements.map((s: unknown) => {
        const o = (s ?? {}) as Record<string, unknown>;
        const params = decodeParams(o.params);
        return { sql: reqString(o, 'sql'), ...(params ? { params } : {}) };
      });
    };
    const bigints = optBool(msg, 'safeIntegers');
    const branch = optString(msg, 'branch');
    const txId = optString(msg, 'txId');
    switch (type) {
      case 'query': {
        const params = decodeParams(msg.params);
        const asOf = msg.asOf === undefined || msg.asOf === null ? undefined : toTimePoint(msg.asOf);
        const r = await host.stream(
          { sql: reqString(msg, 'sql'), ...(params ? { params } : {}), ...(asOf ? { asOf } : {}), ...(branch !== undefined ? { branch } : {}), ...(txId !== undefined ? { txId } : {}) },
          {
            columns: (columns) => send({ type: 'columns', columns }),
            rows: (rows) => send({ type: 'rows', rows: rows.map((row) => row.map((v) => encodeValue(v, bigints))) }),
          },
          ROWS_PER_MESSAGE,
        );
        const { columns: _c, rows: _r, ...effect } = encodeResult(r, { bigints, objects: false });
        send({ type: 'done', ...effect });
        return;
      }
      case 'exec':
        if (msg.params !== undefined && msg.params !== null) throw new DoSQLError('INVALID_ARGUMENT', 'worker: exec runs a script and binds no parameters; send each statement with its params as a query');
        send({ type: 'done', result: await host.exec(reqString(msg, 'sql'), { ...(branch !== undefined ? { branch } : {}), ...(txId !== undefined ? { txId } : {}) }) });
        return;
      case 'begin':
        send({ type: 'done', result: { txId: await host.begin(branch, owner) } });
        return;
      case 'commit':
        send({ type: 'done', result: await host.commit(reqString(msg, 'txId')) });
        return;
      case 'rollback':
        await host.rollback(reqString(msg, 'txId'));
        send({ type: 'done', result: { ok: true } });
        return;
      case 'batch': {
        const rs = await host.batch(statements(), branch);
        send({ type: 'done', result: { results: rs.map((r) => encodeResult(r, { bigints, objects: false })) } });
        return;
      }
      case 'transaction': {
        const { results, lsn } = await host.transaction(statements(), branch);
        send({ type: 'done', result: { results: results.map((r) => encodeResult(r, { bigints, objects: false })), lsn } });
        return;
      }
      default:
        throw new DoSQLError('INVALID_ARGUMENT', `worker: unknown message type ${JSON.stringify(type)}`);
    }
  } catch (e) {
    try {
      ws.send(JSON.stringify({ id, type: 'error', error: wireError(e) }));
    } catch {
      // The socket is gone; nothing to tell.
    }
  }
}

/**
 * A message as a JSON object: text, or UTF-8 bytes (invalid UTF-8 is INVALID_ARGUMENT). Over
 * MAX_BODY_BYTES (UTF-8 bytes) it is refused with 413 before parsing, as an HTTP body is.
 */
function parseMessage(data: string | ArrayBuffer): Record<string, unknown> {
  // A string short enough that even 3 bytes per code unit fit needs no counting.
  const bytes = typeof data !== 'string' ? data.byteLength : data.length * 3 <= MAX_BODY_BYTES ? 0 : utf8Length(data);
  if (bytes > MAX_BODY_BYTES) throw tooLarge('message', MAX_BODY_BYTES);
  const text = typeof data === 'string' ? data : utf8Text(new Uint8Array(data), 'message');
  return parseJsonObject(text, 'message');
}

/** UTF-8 length of `s`, without encoding it (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
