// One WAL commit record -> its canonical event list (docs/cdc.md, "Events of a commit"):
//   seq 0 BEGIN, then the schema events (schema-diff.ts), then one event per changed table row
//   in record order, then COMMIT.
// Ops are classified by the (branch, table id) of their key: table 1 is the catalog (schema
// events), 2 the commit log and 3-15 other system rows (not events), >= 16 a SQL table's row
// (an event) or a secondary index entry (not an event). Rows of a table dropped in the commit
// are suppressed: its drop_table event stands for them. Row kinds come from the op and its
// logged before image (WAL v2): put + absent = insert, put + present = update, delete +
// present = delete, delete + absent = nothing (inserted and deleted in one transaction).
// Every image decodes with the schema after the commit, which its schema events announce
// first. Events are produced lazily (a generator), so a reader can stop inside a huge commit.
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import type { CommitRecord, WalOp } from '../lsm/wal-format.js';
import { KIND_PUT, MAIN_BRANCH, userKeyPrefix } from '../mvcc/internal-key.js';
import { layeredGet } from '../mvcc/layers.js';
import type { Catalog } from '../sql/catalog/catalog.js';
import { CDCError } from './errors.js';
import { RowImage } from './row-image.js';
import { diffCatalogs, type SchemaChange } from './schema-diff.js';
import { lineageAt, type SchemaTimeline } from './schema-timeline.js';
import type { WALOp } from './types.js';

const CATALOG_TABLE = 1;
const FIRST_USER_TABLE = 16;

/** One event of a commit, before it takes the form a consumer asked for (raw or typed). */
export interface DecodedEvent {
  lsn: number;
  seq: number;
  /** Commit time, ms. */
  timestamp: number;
  /** Name of the branch the commit was made on. */
  branch: string;
  op: WALOp;
  /** Table name at the commit ('' for BEGIN/COMMIT). */
  table: string;
  after?: RowImage;
  before?: RowImage;
  schema?: SchemaChange;
}

/** What decoding needs beyond the record. */
export interface DecodeContext {
  readonly engine: LsmEngine;
  readonly timeline: SchemaTimeline;
  branchName(id: number): string;
  /** Row ops that matched no table or index (stats; 0 for SQL writes). */
  readonly counters: { unclassifiedOps: number; beforeReads: number };
}

/** A record ready to yield events: the schema change applied, missing before images read. */
export interface PreparedCommit {
  readonly rec: CommitRecord;
  readonly branch: number;
  readonly before: Catalog;
  readonly after: Catalog;
  readonly schema: readonly SchemaChange[];
  /** Before images read back for table-row ops that logged none (WAL v1, key-value writes). */
  readonly fallback: ReadonlyMap<number, Uint8Array | null>;
}

/** The branch a record belongs to (a commit writes one branch: its first op's). */
export function recordBranch(rec: CommitRecord): number {
  return rec.ops.length > 0 ? userKeyPrefix(rec.ops[0]!.userKey).branch : MAIN_BRANCH;
}

const indexIds = new WeakMap<Catalog, Set<number>>();

function isIndex(c: Catalog, id: number): boolean {
  let s = indexIds.get(c);
  if (!s) {
    s = new Set();
    for (const o of c.objects()) if (o.type === 'index') s.add(o.id);
    indexIds.set(c, s);
  }
  return s.has(id);
}

/**
 * Applies the record's catalog ops to the timeline (so call it once per record, in order) and
 * reads the before images the record lacks. CDC_DECODE_ERROR when one is needed and its
 * history is gone.
 */
export async function prepareCommit(rec: CommitRecord, ctx: DecodeContext): Promise<PreparedCommit> {
  const branch = recordBranch(rec);
  const before = ctx.timeline.catalog;
  let changed = false;
  for (const op of rec.ops) if (userKeyPrefix(op.userKey).table === CATALOG_TABLE && ctx.timeline.apply(op)) changed = true;
  const after = ctx.timeline.catalog;
  const schema = changed ? diffCatalogs(before, after) : [];
  const fallback = new Map<number, Uint8Array | null>();
  for (let i = 0; i < rec.ops.length; i++) {
    const op = rec.ops[i]!;
    if (op.before !== undefined) continue;
    const id = userKeyPrefix(op.userKey).table;
    if (id < FIRST_USER_TABLE || !after.tableById(id)) continue;
    fallback.set(i, await readBefore(ctx, rec, branch, op));
  }
  return { rec, branch, before, after, schema, fallback };
}

/** The committed value of `op`'s key at lsn - 1, for a record that did not log it. */
async function readBefore(ctx: DecodeContext, rec: CommitRecord, branch: number, op: WalOp): Promise<Uint8Array | null> {
  const at = rec.lsn - 1;
  try {
    ctx.engine.readPoint(at);
  } catch (e) {
    throw new CDCError('CDC_DECODE_ERROR', `cdc: the change at LSN ${rec.lsn} logged no before image and the history at LSN ${at} is gone`, { lsn: BigInt(rec.lsn), cause: e, details: { key: op.userKey } });
  }
  ctx.counters.beforeReads++;
  const layers = [{ branch, lsn: at }, ...lineageAt(ctx.engine, branch, at)];
  return (await layeredGet(ctx.engine, layers, op.userKey)) ?? null;
}

/** The commit's events, in canonical order (see the header). */
export function* commitEvents(p: PreparedCommit, ctx: DecodeContext): Generator<DecodedEvent> {
  const { rec } = p;
  const lsn = rec.lsn;
  const ts = rec.timestamp;
  const branch = ctx.branchName(p.branch);
  const ev = (seq: number, op: WALOp, table: string): DecodedEvent => ({ lsn, seq, timestamp: ts, branch, op, table });
  let seq = 0;
  yield ev(seq++, 'BEGIN', '');
  for (const s of p.schema) {
    const e = ev(seq++, 'DDL', s.table);
    e.schema = s;
    yield e;
  }
  for (let i = 0; i < rec.ops.length; i++) {
    const op = rec.ops[i]!;
    const k = userKeyPrefix(op.userKey);
    if (k.table < FIRST_USER_TABLE) continue;
    const t = p.after.tableById(k.table);
    const beforeBytes = op.before !== undefined ? op.before : p.fallback.get(i);
    if (!t) {
      // A table dropped in this commit (suppressed), an index entry, or nothing known.
      if (!p.before.tableById(k.table) && !isIndex(p.after, k.table) && !isIndex(p.before, k.table) && !(op.kind !== KIND_PUT && beforeBytes === null)) ctx.counters.unclassifiedOps++;
      continue;
    }
    if (beforeBytes === undefined) throw new DoSQLError('CORRUPTION', `cdc: row op at LSN ${lsn} has no before image`);
    if (op.kind === KIND_PUT) {
      const e = ev(seq++, beforeBytes === null ? 'INSERT' : 'UPDATE', t.name);
      e.after = new RowImage(t, op.userKey, k.tupleStart, k.branch, op.value!);
      if (beforeBytes !== null) e.before = new RowImage(t, op.userKey, k.tupleStart, k.branch, beforeBytes);
      yield e;
    } else if (beforeBytes !== null) {
      const e = ev(seq++, 'DELETE', t.name);
      e.before = new RowImage(t, op.userKey, k.tupleStart, k.branch, beforeBytes);
      yield e;
    }
  }
  yield ev(seq++, 'COMMIT', '');
}
