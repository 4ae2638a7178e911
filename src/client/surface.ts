// The DB()-shaped methods both clients share (query/queryOne/run/exec/transaction with
// retries), built on a transport that sends one statement, one script, or a transaction
// action. The HTTP client sends each as a request; the WebSocket client as a message.
import { DoSQLError } from '../errors.js';
import { encodeParams, type WireResult } from './wire.js';
import { lastRowId, rowObjects, toClientValue } from './rows.js';
import type { Table as ArrowTable } from 'apache-arrow';
import { resultToArrowTable } from '../util/arrow-result.js';
import type { ClientBatchStatement, ClientExecuteResult, ClientParams, ClientQueryOptions, ClientRunResult, ClientTransaction, DoSQLClient } from './types.js';

/** What a client must be able to send. `extra` carries txId, branch, asOf, safeIntegers. */
export interface ClientTransport {
  /** One statement; the result's columns and rows (rowMode 'array') and its run figures. */
  statement(sql: string, params: unknown, extra: Record<string, unknown>): Promise<WireResult>;
  script(sql: string, extra: Record<string, unknown>): Promise<void>;
  begin(extra: Record<string, unknown>): Promise<string>;
  commit(txId: string): Promise<void>;
  /** Statements in one transaction in one exchange (the HTTP API's POST /transaction); others begin, send and commit. */
  atomic?(statements: { sql: string; params: unknown }[], extra: Record<string, unknown>): Promise<{ results: WireResult[]; lsn: number }>;
  rollback(txId: string): Promise<void>;
  close(): Promise<void>;
}

/** exec() binds no parameters: an array (or anything but an options object) is refused, not dropped. */
function scriptOptions<T extends object>(o: T): T {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new DoSQLError('INVALID_ARGUMENT', 'client: exec() runs a script and binds no parameters; bind values with run() or query()');
  return o;
}

const branchOf = (o: { branch?: string }): Record<string, unknown> => (o.branch !== undefined ? { branch: o.branch } : {});

/** The client surface over `t`. Errors are the transport's DoSQLErrors (the server's codes). */
export function clientSurface(t: ClientTransport): DoSQLClient {
  const send = (sql: string, params: ClientParams | undefined, extra: Record<string, unknown>): Promise<WireResult> => t.statement(sql, encodeParams(params), extra);

  async function query<T>(sql: string, params?: ClientParams, o: ClientQueryOptions = {}): Promise<T[]> {
    const safe = o.safeIntegers ?? false;
    const r = await send(sql, params, { safeIntegers: safe, ...(o.asOf !== undefined ? { asOf: o.asOf } : {}), ...branchOf(o) });
    return rowObjects(r.columns, r.rows, safe) as T[];
  }

  function txHandle(txId: string): ClientTransaction {
    const q = async <T>(sql: string, params?: ClientParams, o: { safeIntegers?: boolean } = {}): Promise<T[]> => {
      const safe = o.safeIntegers ?? false;
      const r = await send(sql, params, { txId, safeIntegers: safe });
      return rowObjects(r.columns, r.rows, safe) as T[];
    };
    return {
      query: q,
      queryOne: async (sql, params, o) => (await q(sql, params, o))[0] as never,
      run: async (sql, params) => {
        const r = await send(sql, params, { txId });
        return { changes: r.changes, lastInsertRowId: lastRowId(r.lastInsertRowId) };
      },
      exec: (sql, o?: unknown) => (scriptOptions(o ?? {}), t.script(sql, { txId })),
    };
  }

  async function batch<T>(statements: readonly ClientBatchStatement[], o: { safeIntegers?: boolean; branch?: string } = {}): Promise<ClientExecuteResult<T>[]> {
    if (!Array.isArray(statements)) throw new DoSQLError('INVALID_ARGUMENT', `client: batch() takes an array of { sql, params? }, got ${typeof statements}`);
    const list = statements.map((s, i) => {
      if (s === null || typeof s !== 'object' || typeof s.sql !== 'string') throw new DoSQLError('INVALID_ARGUMENT', `client: batch(): statement ${i} must be { sql: string, params? }`, { details: { index: i } });
      return { sql: s.sql, params: encodeParams(s.params) };
    });
    if (list.length === 0) return [];
    const safe = o.safeIntegers ?? false;
    let results: WireResult[];
    let lsn: number;
    if (t.atomic) ({ results, lsn } = await t.atomic(list, { safeIntegers: safe, ...branchOf(o) }));
    else {
      const txId = await t.begin(branchOf(o));
      results = [];
      try {
        for (const s of list) results.push(await t.statement(s.sql, s.params, { txId, safeIntegers: safe }));
      } catch (e) {
        await t.rollback(txId).catch(() => undefined);
        throw e;
      }
      lsn = await t.commit(txId).then(() => results.at(-1)?.lsn ?? 0);
    }
    return results.map((r) => ({ columns: r.columns, rows: rowObjects(r.columns, r.rows, safe) as T[], changes: r.changes, lastInsertRowid: lastRowId(r.lastInsertRowId), lsn }));
  }

  async function queryArrow(sql: string, params?: ClientParams, o: Omit<ClientQueryOptions, 'safeIntegers'> = {}): Promise<ArrowTable> {
    // Every INTEGER as bigint on the wire, so INTEGER and REAL stay apart for the encoder.
    const r = await send(sql, params, { safeIntegers: true, ...(o.asOf !== undefined ? { asOf: o.asOf } : {}), ...branchOf(o) });
    return resultToArrowTable(r.columns, r.rows.map((row) => row.map((v) => toClientValue(v, true))));
  }

  return {
    query,
    queryArrow,
    batch,
    queryOne: async (sql, params, o) => (await query(sql, params, o))[0] as never,
    async run(sql, params, o = {}): Promise<ClientRunResult> {
      const r = await send(sql, params, branchOf(o));
      return { changes: r.changes, lastInsertRowId: lastRowId(r.lastInsertRowId), lsn: r.lsn ?? 0 };
    },
    exec: (sql, o = {}) => t.script(sql, branchOf(scriptOptions(o))),
    async transaction(fn, o = {}) {
      for (let attempt = 0; ; attempt++) {
        const txId = await t.begin(branchOf(o));
        let result;
        try {
          result = await fn(txHandle(txId));
        } catch (e) {
          await t.rollback(txId).catch(() => undefined);
          throw e;
        }
        try {
          await t.commit(txId);
          return result;
        } catch (e) {
          if (e instanceof DoSQLError && e.code === 'WRITE_CONFLICT' && attempt < (o.retries ?? 0)) continue;
          throw e;
        }
      }
    },
    close: () => t.close(),
  };
}
