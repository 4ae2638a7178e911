// A vector index that respects MVCC. It is derived data kept in memory per (engine, branch,
// index): built on first use from the branch's rows visible at a base LSN B (a read-only
// snapshot), then fed every later committed version of the table from the engine's commit
// listener, each version a new entry of the HNSW graph (usearch) labelled with its rowid and
// commit LSN. A search at read LSN r ≥ B asks the graph for candidates, keeps an entry only if
// it is the version of its rowid visible at r (so superseded, deleted and not-yet-visible
// versions drop out, as segment-based engines such as Milvus and LanceDB filter by
// visibility), over-fetches until k visible entries are found, overrides rows the statement's
// own transaction wrote, and ranks the survivors by exact distance. Reads before B (AS OF an
// older LSN) and backends without usearch search exactly over the rows at r.
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import type { CommitRecord } from '../lsm/wal-format.js';
import { userKeyPrefix, decodeUserKey } from '../mvcc/internal-key.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import type { ExecEnv } from '../sql/execution/env.js';
import { TableReader } from '../sql/execution/table-reader.js';
import { columnDefaults } from '../sql/rows/row-materializer.js';
import { Transaction } from '../sql/txn/transaction.js';
import { distance } from './distance.js';
import { createAnn, type Ann } from './hnsw-backend.js';
import { vectorIndexOptions, type VectorIndexOptions } from './index-options.js';
import { toVector } from './vector-blob.js';
import type { AllowedRowids } from './allowed-rowids.js';
import { rowKey } from '../sql/rows/row-keys.js';

export interface Neighbour {
  readonly rowid: bigint;
  readonly distance: number;
}

interface Version {
  readonly lsn: number;
  /** Entry label, or null for a delete or a NULL / unusable vector. */
  readonly label: bigint | null;
}

class VersionedVectorIndex {
  readonly versions = new Map<bigint, Version[]>();
  readonly vectors = new Map<bigint, { rowid: bigint; v: Float32Array }>();
  private nextLabel = 1n;
  private buffered: CommitRecord[] = [];
  ready = false;
  baseLsn = 0;

  constructor(
    readonly branch: number,
    readonly table: TableSchema,
    readonly ix: IndexSchema,
    readonly opts: VectorIndexOptions,
    readonly ann: Ann | undefined,
    private readonly reader: TableReader,
    private readonly column: number,
  ) {}

  vectorOf(row: readonly unknown[]): Float32Array | null {
    const v = row[this.column];
    if (v === null || v === undefined) return null;
    try {
      const f = toVector(v, `column ${this.table.columns[this.column]!.name}`);
      return f.length === this.opts.dimensions ? Float32Array.from(f) : null;
    } catch {
      return null; // not a vector: not indexed (vector_distance reports it when computed)
    }
  }

  addVersion(rowid: bigint, lsn: number, v: Float32Array | null): void {
    let label: bigint | null = null;
    if (v) {
      label = this.nextLabel++;
      this.vectors.set(label, { rowid, v });
      this.ann?.add(label, v);
    }
    let list = this.versions.get(rowid);
    if (!list) this.versions.set(rowid, (list = []));
    list.push({ lsn, label });
  }

  /** The label of `rowid`'s version visible at r (null: none or no vector). */
  visible(rowid: bigint, r: number): bigint | null {
    const list = this.versions.get(rowid);
    if (!list) return null;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.lsn <= r) return list[i]!.label;
    return null;
  }

  onCommit(records: readonly CommitRecord[]): void {
    if (!this.ready) {
      this.buffered.push(...records);
      return;
    }
    for (const rec of records) this.apply(rec);
  }

  private apply(rec: CommitRecord): void {
    if (rec.lsn <= this.baseLsn) return;
    for (const op of rec.ops) {
      const p = userKeyPrefix(op.userKey);
      if (p.branch !== this.branch || p.table !== this.table.id) continue;
      const rowid = BigInt(decodeUserKey(op.userKey).key[0] as bigint | number);
      const v = op.value ? this.vectorOf(this.reader.decode(op.userKey, op.value, this.branch)) : null;
      this.addVersion(rowid, rec.lsn, v);
    }
  }

  finishBuild(base: number): void {
    this.baseLsn = base;
    this.ready = true;
    const b = this.buffered;
    this.buffered = [];
    for (const rec of b) this.apply(rec);
  }
}

const states = new WeakMap<object, Map<string, Promise<VersionedVectorIndex>>>();

async function build(engine: LsmEngine, env: ExecEnv, table: TableSchema, ix: IndexSchema): Promise<VersionedVectorIndex> {
  const opts = vectorIndexOptions(ix);
  const column = table.columns.findIndex((c) => c.id === ix.columns[0]!.columnId);
  if (column < 0) throw new DoSQLError('SQL_ERROR', `vector: index ${ix.name}: its column is gone from ${table.name}`);
  const reader = new TableReader(table, table.columns.length + 1, 0, columnDefaults(table));
  const ann = await createAnn(opts.dimensions, opts.metric, opts.m, opts.efConstruction, opts.efSearch);
  const branch = env.txn.branch;
  const s = new VersionedVectorIndex(branch, table, ix, opts, ann, reader, column);
  // Listen first, then read the snapshot: commits after the base LSN reach the buffer.
  engine.onCommit((records) => s.onCommit(records));
  const base = engine.lastVisibleLsn;
  const snap = new Transaction(engine, base, branch, env.txn.catalog, engine.ancestorLayers(branch), true);
  try {
    const snapEnv = Object.create(env, { txn: { value: snap } }) as ExecEnv;
    for await (const batch of reader.scan(snapEnv)) for (const row of batch) s.addVersion(row[table.columns.length] as bigint, 0, s.vectorOf(row));
  } finally {
    snap.release();
  }
  s.finishBuild(base);
  return s;
}

function stateFor(env: ExecEnv, table: TableSchema, ix: IndexSchema): Promise<VersionedVectorIndex> {
  const engine = env.txn.engine;
  let m = states.get(engine);
  if (!m) states.set(engine, (m = new Map()));
  const key = `${env.txn.branch}/${ix.id}/${table.id}/${table.nextColumnId}`;
  let p = m.get(key);
  if (!p) {
    p = build(engine, env, table, ix);
    m.set(key, p);
    p.catch(() => m!.delete(key));
  }
  return p;
}

/** Exact top k over the rows the statement sees (its transaction at its read LSN). */
function push(out: Neighbour[], row: readonly unknown[], rowid: bigint, column: number, opts: VectorIndexOptions, q: Float32Array): void {
  const v = row[column];
  if (v === null || v === undefined) return;
  let f: Float32Array;
  try {
    f = toVector(v, 'row');
  } catch {
    return;
  }
  if (f.length === q.length) out.push({ rowid, distance: distance(opts.metric, f, q) });
}

function topK(out: Neighbour[], k: number): Neighbour[] {
  return out.sort((a, b) => a.distance - b.distance || (a.rowid < b.rowid ? -1 : 1)).slice(0, k);
}

/** Exact top k among the allowed rowids, each read at the statement's read point. */
async function exactAmong(env: ExecEnv, table: TableSchema, column: number, opts: VectorIndexOptions, q: Float32Array, k: number, allowed: AllowedRowids): Promise<Neighbour[]> {
  const reader = new TableReader(table, table.columns.length + 1, 0, columnDefaults(table));
  const out: Neighbour[] = [];
  for (const rowid of allowed.list()) {
    const row = await reader.getRaw(env, rowKey(env.txn.branch, table, [], rowid));
    if (row) push(out, row, rowid, column, opts, q);
  }
  return topK(out, k);
}

async function exact(env: ExecEnv, table: TableSchema, column: number, opts: VectorIndexOptions, q: Float32Array, k: number, allowed?: AllowedRowids): Promise<Neighbour[]> {
  const reader = new TableReader(table, table.columns.length + 1, 0, columnDefaults(table));
  const out: Neighbour[] = [];
  for await (const batch of reader.scan(env)) {
    for (const row of batch) {
      const rowid = row[table.columns.length] as bigint;
      if (!allowed || allowed.has(rowid)) push(out, row, rowid, column, opts, q);
    }
  }
  return topK(out, k);
}

/** How a search was answered (EXPLAIN-like, for tests and docs). */
export type SearchPath = 'hnsw' | 'exact';

/**
 * The k rows of `table` nearest to `q` by index `ix` as the statement sees them (its branch,
 * its read LSN, its own uncommitted writes). Throws SQL_ERROR on a query of the wrong length.
 */
export async function nearest(env: ExecEnv, table: TableSchema, ix: IndexSchema, q: Float32Array, k: number, allowed?: AllowedRowids): Promise<{ rows: Neighbour[]; path: SearchPath }> {
  const opts = vectorIndexOptions(ix);
  if (q.length !== opts.dimensions) throw new DoSQLError('SQL_ERROR', `vector: index ${ix.name} has ${opts.dimensions} dimensions, the query vector ${q.length}`, { details: { index: ix.name } });
  const column = table.columns.findIndex((c) => c.id === ix.columns[0]!.columnId);
  if (k <= 0) return { rows: [], path: 'exact' };
  if (allowed && allowed.size <= Math.max(4 * k, 64)) return { rows: await exactAmong(env, table, column, opts, q, k, allowed), path: 'exact' };
  const s = await stateFor(env, table, ix);
  const r = env.txn.readLsn;
  if (!s.ann || r < s.baseLsn) return { rows: await exact(env, table, column, opts, q, k, allowed), path: 'exact' };
  // A very selective filter: the allowed rows alone, looked up by rowid.
  if (allowed && allowed.size * 100 < s.ann.size) return { rows: await exactAmong(env, table, column, opts, q, k, allowed), path: 'exact' };
  // Rows this transaction wrote override what the index knows.
  const own = new Map<bigint, Float32Array | null>();
  for (const w of env.txn.writes.values()) {
    const p = userKeyPrefix(w.uk);
    if (p.branch !== env.txn.branch || p.table !== table.id) continue;
    const rowid = BigInt(decodeUserKey(w.uk).key[0] as bigint | number);
    own.set(rowid, w.value ? s.vectorOf(s['reader'].decode(w.uk, w.value, env.txn.branch)) : null);
  }
  const found = new Map<bigint, number>();
  // Over-fetch by the filter's selectivity: about k / (allowed / indexed) entries hold k allowed ones.
  const selectivity = allowed ? Math.max(allowed.size / Math.max(1, s.ann.size), 0.01) : 1;
  let want = Math.ceil(Math.max(2 * k, k + 16) / selectivity);
  for (;;) {
    const labels = s.ann.search(q, want);
    for (const label of labels) {
      const e = s.vectors.get(label)!;
      if (own.has(e.rowid) || s.visible(e.rowid, r) !== label || (allowed && !allowed.has(e.rowid))) continue;
      found.set(e.rowid, distance(opts.metric, e.v, q));
    }
    if (found.size >= k || labels.length < want || want >= s.ann.size) break;
    want *= 4;
  }
  for (const [rowid, v] of own) if (v && (!allowed || allowed.has(rowid))) found.set(rowid, distance(opts.metric, v, q));
  const rows = [...found].map(([rowid, d]) => ({ rowid, distance: d })).sort((a, b) => a.distance - b.distance || (a.rowid < b.rowid ? -1 : 1));
  return { rows: rows.slice(0, k), path: 'hnsw' };
}
