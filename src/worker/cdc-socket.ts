// GET /db/:name/cdc: the change stream over a WebSocket (docs/cdc.md, "Over the Worker"; the
// protocol is src/cdc/session.ts). Authenticated by the Worker like every /db/ route. Query:
// `slot` (with `create=1`: made at fromLSN when absent) | `fromLSN` | `after`, `table`
// (repeatable), `branch`, `format=changes|raw`, `window` (default 1000, at most 10000), `batch`
// (default CDC_BATCH_SIZE or 100).
//
// The socket is accepted with the hibernation API under the tag 'cdc'; its attachment holds the
// session's options and last acknowledged position, so a session lost with the object's memory
// (eviction, hibernation) is started again from there (`resume`): events sent but not
// acknowledged come again, and the client drops what it already has by id.
import { DoSQLError } from '../errors.js';
import { CdcSession, createCDC, type CDC, type CdcSessionOptions } from '../cdc/index.js';
import type { Database } from '../sql/api/database.js';
import type { WorkerWebSocket } from './cf-types.js';

export const CDC_TAG = 'cdc';
const MAX_WINDOW = 10_000;

interface Attachment {
  kind: 'cdc';
  options: CdcSessionOptions;
  /** Last acknowledged position. */
  acked?: string;
}

const sessions = new WeakMap<WorkerWebSocket, CdcSession>();
const handles = new WeakMap<Database, CDC>();

function cdcOf(db: Database): CDC {
  let c = handles.get(db);
  if (!c) handles.set(db, (c = createCDC(db)));
  return c;
}

function intParam(url: URL, name: string, def: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return def;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new DoSQLError('INVALID_ARGUMENT', `worker: ${name} must be an integer from 1 to ${max}`);
  return n;
}

/** The session options a request asks for (INVALID_ARGUMENT for bad ones). */
export function sessionOptions(url: URL, defaultBatch: number): CdcSessionOptions {
  const p = url.searchParams;
  const o: CdcSessionOptions = { window: intParam(url, 'window', 1000, MAX_WINDOW), batch: intParam(url, 'batch', defaultBatch, MAX_WINDOW) };
  const slot = p.get('slot');
  const from = p.get('fromLSN');
  const after = p.get('after');
  if (slot !== null) o.slot = slot;
  if (p.get('create') === '1') o.createSlot = true;
  if (after !== null) o.after = after;
  if (from !== null) {
    if (!/^\d+$/.test(from)) throw new DoSQLError('INVALID_ARGUMENT', 'worker: fromLSN must be a non-negative integer');
    o.fromLSN = Number(from);
  }
  const tables = p.getAll('table');
  if (tables.length) o.tables = tables;
  const branch = p.get('branch');
  if (branch !== null) o.branch = branch;
  const format = p.get('format') ?? 'changes';
  if (format !== 'changes' && format !== 'raw') throw new DoSQLError('INVALID_ARGUMENT', 'worker: format is changes or raw');
  if (format === 'raw') o.raw = true;
  return o;
}

/** Starts the session of an accepted socket (new, or resumed from its attachment). */
export function startSession(db: Database, ws: WorkerWebSocket, a: Attachment): void {
  const options: CdcSessionOptions = a.acked !== undefined ? { ...a.options, after: a.acked } : a.options;
  const session = new CdcSession(cdcOf(db), options, { send: (t) => ws.send(t), close: (code, reason) => ws.close(code, reason) }, (position) => {
    a.acked = position;
    ws.serializeAttachment(a);
  });
  sessions.set(ws, session);
  void session.run();
}

/** The attachment of a change-stream socket, or null for another kind of socket. */
export function cdcAttachment(ws: WorkerWebSocket): Attachment | null {
  const a = ws.deserializeAttachment() as Partial<Attachment> | null;
  return a?.kind === 'cdc' ? (a as Attachment) : null;
}

/** A new change-stream socket: its attachment, then the session. */
export function acceptCdcSocket(db: Database, ws: WorkerWebSocket, options: CdcSessionOptions): void {
  const a: Attachment = { kind: 'cdc', options };
  ws.serializeAttachment(a);
  startSession(db, ws, a);
}

/** A message on a change-stream socket (its session started again first if the object lost it). */
export async function cdcSocketMessage(db: Database, ws: WorkerWebSocket, a: Attachment, message: string | ArrayBuffer): Promise<void> {
  if (!sessions.has(ws)) startSession(db, ws, a);
  await sessions.get(ws)!.onMessage(typeof message === 'string' ? message : new TextDecoder().decode(message));
}

/** The socket closed or failed: end its session. */
export function cdcSocketClosed(ws: WorkerWebSocket): void {
  sessions.get(ws)?.close();
  sessions.delete(ws);
}

/** At open: sessions of sockets that outlived the object's memory start again. */
export function resumeCdcSockets(db: Database, sockets: readonly WorkerWebSocket[]): void {
  for (const ws of sockets) {
    const a = cdcAttachment(ws);
    if (a && !sessions.has(ws)) startSession(db, ws, a);
  }
}
