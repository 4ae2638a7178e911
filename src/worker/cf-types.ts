// The Workers runtime APIs this folder uses, declared structurally (the project compiles
// against Node's type libraries; @cloudflare/workers-types would clash with them). Each
// interface is the subset of the platform type of the same name that the code calls.
import type { DoSqlStorage } from '../storage/do-store.js';
import type { R2BucketLike } from '../storage/r2-store.js';

export interface DurableObjectId {
  toString(): string;
}

export interface DurableObjectStub {
  fetch(request: Request): Promise<Response>;
}

export interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}

/** SQLite-backed Durable Object storage: SQL, transactions and the alarm. */
export interface DurableObjectStorage extends DoSqlStorage {
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

/** A server-side WebSocket (accepted with the hibernation API). */
export interface WorkerWebSocket {
  send(message: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

export interface DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  waitUntil(promise: Promise<unknown>): void;
  acceptWebSocket(ws: WorkerWebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): WorkerWebSocket[];
  /** Messages the runtime answers itself, without waking a hibernated object (a WebSocketRequestResponsePair). */
  setWebSocketAutoResponse?(pair: unknown): void;
  /** Resets the object: the next event constructs a new instance on the same storage. */
  abort?(reason?: string): void;
}

/** The Worker's bindings (wrangler.toml). Vars arrive as strings. */
export interface Env {
  /** Durable Object namespace of DoSQL: one object per database name. */
  DOSQL: DurableObjectNamespace;
  /** The cold tier: Iceberg tables and columnar runs, under `db/<name>/`. */
  COLD: R2BucketLike;
  /** Bearer token every request must carry (a Worker secret; `.dev.vars` for `wrangler dev`). */
  DOSQL_TOKEN?: string;
  /** The lake (docs/lake.md, "On Workers"): DoLake objects, their warehouse bucket, the token of /lake/*. */
  DOLAKE?: DurableObjectNamespace;
  LAKEHOUSE_BUCKET?: R2BucketLike;
  DOLAKE_AUTH_TOKEN?: string;
  /** Tuning, as strings (see config.ts). */
  [key: string]: unknown;
}

/** A WebSocket pair as `new WebSocketPair()` makes it: [client, server]. */
export function newWebSocketPair(): [WorkerWebSocket, WorkerWebSocket] {
  const Pair = (globalThis as unknown as { WebSocketPair: new () => Record<0 | 1, WorkerWebSocket> }).WebSocketPair;
  const p = new Pair();
  return [p[0], p[1]];
}
