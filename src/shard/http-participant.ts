// A two-phase-commit participant over the DoSQL Durable Object's JSON API: one session made of
// the API's interactive transaction (`POST /transaction { action: 'begin' }` → txId, then
// `POST /query { sql, txId }`), as the coordinator (src/shard/twopc) drives it — BEGIN, the
// transaction's statements, PREPARE TRANSACTION 'gid' (sent inside the open transaction, which
// it ends), then COMMIT PREPARED / ROLLBACK PREPARED 'gid' (outside any transaction). A plain
// COMMIT or ROLLBACK (one-phase, or giving up before PREPARE) goes to the transaction action.
// Results are `{ rows, result }`: row objects (what the coordinator's recovery reads from PRAGMA
// prepared_xacts) and the statement's ShardResult (what twoPhaseCommitter answers with).
import { DoSQLError, type ErrorCode } from '../errors.js';
import type { TwoPhaseParticipant } from './twopc/participant.js';
import { decodeWire, encodeWire } from './http-wire.js';
import type { HttpShardOptions } from './http-connection.js';
import type { ShardResult } from './connection.js';

const BEGIN = /^\s*BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?\s*;?\s*$/i;
const COMMIT = /^\s*(COMMIT|END)(\s+TRANSACTION)?\s*;?\s*$/i;
const ROLLBACK = /^\s*ROLLBACK(\s+TRANSACTION)?\s*;?\s*$/i;
const PREPARE = /^\s*PREPARE\s+TRANSACTION\b/i;

/**
 * The participant `id` over the Worker HTTP API at `options.url` (the same options as
 * httpShard). One object is one session: give each concurrent distributed transaction's
 * coordinator its own, or let the coordinator queue them (it locks participants). A failed
 * request (network, a killed object) rejects without a code: the coordinator treats the
 * outcome as unknown and leaves it to recovery.
 */
export function httpParticipant(id: string, options: HttpShardOptions): TwoPhaseParticipant {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((r: Request) => fetch(r));
  let txId: string | undefined;
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    // Transport failures keep no code on purpose (outcome unknown to the coordinator).
    const res = await doFetch(new Request(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(options.headers ?? {}) }, body: JSON.stringify(body) }));
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`shard: ${id}: HTTP ${res.status}: not JSON: ${text.slice(0, 80)}`);
    }
    if (!res.ok) {
      const err = json.error as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
      if (!err?.code) throw new Error(`shard: ${id}: HTTP ${res.status}`);
      throw new DoSQLError(err.code as ErrorCode, err.message ?? `shard: ${id}: HTTP ${res.status}`, { details: { ...(err.details ?? {}), shard: id, status: res.status } });
    }
    return json;
  };
  const rowsOf = (r: Record<string, unknown>): Record<string, unknown>[] => {
    const columns = (r.columns as string[] | undefined) ?? [];
    return ((r.rows as unknown[][] | undefined) ?? []).map((row) => {
      const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      columns.forEach((c, i) => (o[c] = decodeWire(row[i])));
      return o;
    });
  };
  return {
    id,
    async exec(sql, params) {
      if (BEGIN.test(sql)) {
        if (txId !== undefined) throw new DoSQLError('SQL_ERROR', `shard: ${id}: cannot start a transaction within a transaction`);
        txId = String((await call('transaction', { action: 'begin' })).txId);
        return [];
      }
      if ((COMMIT.test(sql) || ROLLBACK.test(sql)) && txId !== undefined) {
        const t = txId;
        txId = undefined;
        await call('transaction', { action: COMMIT.test(sql) ? 'commit' : 'rollback', txId: t });
        return [];
      }
      const inTx = txId;
      if (PREPARE.test(sql)) txId = undefined;
      const r = await call('query', { sql, params: (params ?? []).map(encodeWire), rowMode: 'array', safeIntegers: true, ...(inTx !== undefined ? { txId: inTx } : {}) });
      // Row objects for the coordinator, and the statement's own result for twoPhaseCommitter.
      const result: ShardResult = {
        columns: (r.columns as string[] | undefined) ?? [],
        rows: ((r.rows as unknown[][] | undefined) ?? []).map((row) => row.map(decodeWire)),
        changes: Number(r.changes ?? 0),
        ...(typeof r.lsn === 'number' ? { lsn: r.lsn } : {}),
      };
      return { rows: rowsOf(r), result };
    },
  };
}
