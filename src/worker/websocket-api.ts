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
import { decodeParams, encodeResult, optBool, optString, reqString, wireError } from './http-wire.js';
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

function parseMessage(data: string | ArrayBuffer): Record<string, unknown> {
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: malformed JSON message: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new DoSQLError('INVALID_ARGUMENT', 'worker: a message must be a JSON object');
  return m as Record<string, unknown>;
}
