// The CapnWeb server side of dosql/rpc (seed 001 "CapnWeb RPC Integration"; docs/rpc.md):
// DoSQLTarget, an RpcTarget over a database (a Database from DB(), or anything with the same
// query/run/exec/batch/transaction methods), and handleDoSQLRequest, which serves it on a
// WebSocket (one CapnWeb session per socket) or as an HTTP batch (one session per request).
// The project's DoSQL Durable Object serves it at /db/<name>/rpc beside the JSON API; a user's
// own Durable Object serves its DB() the same way.
//
// Transactions are capabilities: begin() returns a TransactionTarget whose methods run in one
// snapshot-isolated transaction; commit() or rollback() ends it. Thanks to promise pipelining a
// client may call begin().run(...) without waiting for begin(). A transaction still open when
// its connection ends (socket closed, batch answered) or after `transactionTimeoutMs` is rolled
// back, so a vanished client never holds one.
import { newHttpBatchRpcResponse, RpcSession, RpcTarget, WebSocketTransport } from 'capnweb';
import { DoSQLError } from '../errors.js';
import { plainRows } from './rows.js';

export type RpcParams = readonly (RpcValue | boolean | undefined)[] | Readonly<Record<string, RpcValue | boolean | undefined>>;
export type { RpcRow, RpcValue } from './rows.js';
import type { RpcRow, RpcValue } from './rows.js';

export interface RpcRunResult {
  changes: number;
  lastInsertRowId: number | bigint;
  /** Commit LSN (absent inside a transaction). */
  lsn?: number;
}

/** The statement methods of one transaction (db.transaction's handle). */
export interface RpcTransactionHandle {
  query(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<RpcRow[]>;
  run(sql: string, params?: RpcParams): Promise<{ changes: number; lastInsertRowId: number | bigint }>;
  exec(sql: string): Promise<void>;
}

/** What DoSQLTarget serves: the statement methods of a Database from DB(). */
export interface RpcDatabase {
  query(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<RpcRow[]>;
  run(sql: string, params?: RpcParams): Promise<RpcRunResult>;
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: RpcTransactionHandle) => Promise<T>): Promise<T>;
}

export interface DoSQLTargetOptions {
  /** An open transaction nobody ended is rolled back after this long, ms (default 30000). */
  transactionTimeoutMs?: number;
}

const ROLLBACK = Symbol('rollback');



/** One transaction, held open between calls (see the header). */
export class TransactionTarget extends RpcTarget {
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** @internal */
  constructor(
    private readonly tx: RpcTransactionHandle,
    private readonly decide: (commit: boolean) => void,
    private readonly outcome: Promise<unknown>,
    timeoutMs: number,
    private readonly onEnd: (t: TransactionTarget) => void,
  ) {
    super();
    this.timer = setTimeout(() => void this.rollback(), timeoutMs);
  }

  private live(): RpcTransactionHandle {
    if (this.settled) throw new DoSQLError('SQL_ERROR', 'rpc: the transaction has already ended');
    return this.tx;
  }

  async query(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<RpcRow[]> {
    return plainRows(await this.live().query(sql, params, options));
  }

  async queryOne(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<RpcRow | undefined> {
    return (await this.query(sql, params, options))[0];
  }

  run(sql: string, params?: RpcParams): Promise<{ changes: number; lastInsertRowId: number | bigint }> {
    return this.live().run(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.live().exec(sql);
  }

  /** Commits (first committer wins: WRITE_CONFLICT, retryable). */
  async commit(): Promise<void> {
    this.live();
    this.end(true);
    await this.outcome;
  }

  async rollback(): Promise<void> {
    if (this.settled) return;
    this.end(false);
    await this.outcome.catch((e: unknown) => {
      if (e !== ROLLBACK) throw e;
    });
  }

  private end(commit: boolean): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.onEnd(this);
    this.decide(commit);
  }

  /** The client dropped its last reference: an unfinished transaction rolls back. */
  [Symbol.dispose](): void {
    void this.rollback().catch(() => undefined);
  }
}

/** The RpcTarget of a database (see the header). One per connection: it owns that connection's transactions. */
export class DoSQLTarget extends RpcTarget {
  private readonly open = new Set<TransactionTarget>();
  private readonly timeoutMs: number;

  constructor(
    private readonly db: RpcDatabase,
    options: DoSQLTargetOptions = {},
  ) {
    super();
    if (db === null || typeof db !== 'object' || typeof db.query !== 'function' || typeof db.transaction !== 'function') {
      throw new DoSQLError('INVALID_ARGUMENT', 'rpc: DoSQLTarget serves a database from DB() (an object with query, run, exec and transaction)');
    }
    this.timeoutMs = options.transactionTimeoutMs ?? 30_000;
  }

  /** Rows as objects keyed by column name. */
  async query(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<RpcRow[]> {
    return plainRows(await this.db.query(sql, params, options));
  }

  async queryOne(sql: string, params?: RpcParams, options?: { safeIntegers?: boolean }): Promise<RpcRow | undefined> {
    return (await this.query(sql, params, options))[0];
  }

  async run(sql: string, params?: RpcParams): Promise<RpcRunResult> {
    const r = await this.db.run(sql, params);
    return { changes: r.changes, lastInsertRowId: r.lastInsertRowId, ...(r.lsn !== undefined ? { lsn: r.lsn } : {}) };
  }

  exec(sql: string): Promise<void> {
    return this.db.exec(sql);
  }

  /** Runs `statements` in one transaction, all or nothing; each one's rows (reads) or run result (writes). */
  async batch(statements: readonly { sql: string; params?: RpcParams }[]): Promise<{ rows: RpcRow[]; changes: number; lastInsertRowId: number | bigint }[]> {
    if (!Array.isArray(statements)) throw new DoSQLError('INVALID_ARGUMENT', 'rpc: batch() takes an array of { sql, params? }');
    return this.db.transaction(async (tx) => {
      const out: { rows: RpcRow[]; changes: number; lastInsertRowId: number | bigint }[] = [];
      for (const s of statements) {
        if (/^\s*(SELECT|WITH|VALUES|PRAGMA|CALL)\b/i.test(s.sql)) out.push({ rows: plainRows(await tx.query(s.sql, s.params)), changes: 0, lastInsertRowId: 0 });
        else out.push({ rows: [], ...(await tx.run(s.sql, s.params)) });
      }
      return out;
    });
  }

  /** Starts a transaction; its methods run in it until commit() or rollback(). */
  async begin(): Promise<TransactionTarget> {
    let decide!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (decide = r));
    let started!: (tx: RpcTransactionHandle) => void;
    const handle = new Promise<RpcTransactionHandle>((r) => (started = r));
    const outcome = this.db.transaction(async (tx) => {
      started(tx);
      if (!(await decided)) throw ROLLBACK;
    });
    // The transaction may fail before the callback runs (a closed database): that is begin's error.
    const tx = await Promise.race([handle, outcome.then(() => Promise.reject(new DoSQLError('SQL_ERROR', 'rpc: transaction ended before it began')))]);
    outcome.catch(() => undefined);
    const t = new TransactionTarget(tx, decide, outcome, this.timeoutMs, (x) => this.open.delete(x));
    this.open.add(t);
    return t;
  }

  /** @internal Rolls back every transaction this connection left open (its socket closed, its batch was answered). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((t) => t.rollback().catch(() => undefined)));
  }
}

/** True for a request to a dosql RPC endpoint: a path ending in /rpc. */
export function isDoSQLRequest(request: Request): boolean {
  return new URL(request.url).pathname.replace(/\/+$/, '').endsWith('/rpc');
}

type ServerSocket = WebSocket & { accept(): void };

/**
 * Serves `target` for one request: a WebSocket upgrade starts a CapnWeb session on the socket
 * (workerd's WebSocketPair), a POST is one HTTP batch. `makeTarget` is called once per
 * connection so each connection's transactions are its own.
 */
export async function handleDoSQLRequest(request: Request, makeTarget: DoSQLTarget | (() => DoSQLTarget)): Promise<Response> {
  const target = typeof makeTarget === 'function' ? makeTarget() : makeTarget;
  if ((request.headers.get('upgrade') ?? '').toLowerCase() === 'websocket') {
    const Pair = (globalThis as unknown as { WebSocketPair?: new () => Record<0 | 1, ServerSocket> }).WebSocketPair;
    if (!Pair) throw new DoSQLError('NOT_SUPPORTED', 'rpc: WebSocket sessions are served in workerd (WebSocketPair); use an HTTP batch here');
    const pair = new Pair();
    const client = pair[0];
    const server = pair[1];
    server.accept();
    new RpcSession(new WebSocketTransport(server), target);
    const end = (): void => void target.closeAll();
    server.addEventListener('close', end);
    server.addEventListener('error', end);
    // Browsers send the token as a subprotocol (`bearer.<token>`) and need one chosen in the reply.
    const offered = (request.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
    const headers: Record<string, string> = offered.includes('dosql') ? { 'sec-websocket-protocol': 'dosql' } : {};
    return new Response(null, { status: 101, webSocket: client, headers } as ResponseInit);
  }
  if (request.method !== 'POST') throw new DoSQLError('INVALID_ARGUMENT', 'rpc: the endpoint takes a WebSocket upgrade or a POST (HTTP batch)', { details: { status: 405 } });
  try {
    return await newHttpBatchRpcResponse(request, target);
  } finally {
    await target.closeAll();
  }
}
