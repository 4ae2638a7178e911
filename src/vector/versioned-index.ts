// Vector search that respects MVCC over per-layer indexes (layer-registry.ts), as
// segment-based engines (Milvus, LanceDB) search sealed segments: each immutable layer (SSTable
// or columnar run) that may hold the table's rows on a branch the statement reads (its own,
// then its ancestors up to their base LSNs) is asked for candidates by its HNSW, over-fetching;
// the memtables are searched exactly. A candidate (rowid, LSN) from a layer of branch b is kept
// only if it is the version of its rowid the statement sees — one point read through the
// branch layers at the read LSN — so versions that are superseded, deleted or not visible at the
// statement's LSN drop out; rows the statement's own transaction wrote override them. Each layer
// is asked until it gave k kept candidates (or has no more), the survivors are re-ranked by
// exact distance. Where usearch cannot load (workerd) the search is an exact scan.
import { DoSQLError } from '../errors.js';
import type { LayerSnapshot } from '../lsm/layer-scan.js';
import { KIND_PUT, decodeUserKey, userKeyPrefix } from '../mvcc/internal-key.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import type { ExecEnv } from '../sql/execution/env.js';
import { TableReader } from '../sql/execution/table-reader.js';
import { columnDefaults } from '../sql/rows/row-materializer.js';
import { rowKey } from '../sql/rows/row-keys.js';
import { distance } from './distance.js';
import { loadUsearch } from './hnsw-backend.js';
import { vectorIndexOptions, type VectorIndexOptions } from './index-options.js';
import { VectorColumn, collectVectors, tableBounds, type IndexTarget, type LayerIndex, type LayerVectors } from './layer-index.js';
import { LayerRegistry, registryOf } from './layer-registry.js';
import { toVector } from './vector-blob.js';
import type { AllowedRowids } from './allowed-rowids.js';
import type { RowFilter } from './index-filter.js';

export interface Neighbour {
  readonly rowid: bigint;
  readonly distance: number;
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

async function exact(env: ExecEnv, table: TableSchema, column: number, opts: VectorIndexOptions, q: Float32Array, k: number, allowed?: AllowedRowids, rowFilter?: RowFilter): Promise<Neighbour[]> {
  const reader = new TableReader(table, table.columns.length + 1, 0, columnDefaults(table));
  const out: Neighbour[] = [];
  for await (const batch of reader.scan(env)) {
    for (const row of batch) {
      const rowid = row[table.columns.length] as bigint;
      if ((!allowed || allowed.has(rowid)) && (!rowFilter || rowFilter.test(row))) push(out, row, rowid, column, opts, q);
    }
  }
  return topK(out, k);
}

/** How a search was answered (EXPLAIN-like, for tests and docs). */
export type SearchPath = 'hnsw' | 'exact';

/** One candidate source: a layer's HNSW, or the memtables' versions ranked exactly. */
interface Source {
  readonly branch: number;
  readonly size: number;
  /** Up to `want` entries nearest to q, nearest first: (rowid, lsn, vector). */
  ranked(want: number): { rowid: bigint; lsn: number; v: Float32Array }[];
}

function layerSource(ix: LayerIndex, q: Float32Array): Source {
  return {
    branch: ix.branch,
    size: ix.size,
    ranked: (want) => ix.search(q, want).map((i) => ({ rowid: ix.data.rowids[i]!, lsn: ix.data.lsns[i]!, v: ix.vector(i) })),
  };
}

/**
 * Each memtable's vectors for one (branch, index, table shape), kept while the memtable is
 * unchanged (its size: entries ever added): a read-mostly period decodes the memtable once.
 */
const memtableCache = new WeakMap<object, Map<string, { size: number; data: LayerVectors }>>();

async function memtableVectors(snap: LayerSnapshot, col: VectorColumn, branch: number): Promise<LayerVectors[]> {
  const { lower, upper } = tableBounds(branch, col.table.id);
  const key = `${branch}/${col.ix.id}/${col.table.id}/${col.table.nextColumnId}`;
  const out: LayerVectors[] = [];
  for (const m of snap.memtables) {
    let per = memtableCache.get(m.id);
    if (!per) memtableCache.set(m.id, (per = new Map()));
    let hit = per.get(key);
    if (!hit || hit.size !== m.size) {
      hit = { size: m.size, data: await collectVectors(col, branch, m.versions(lower, upper)) };
      per.set(key, hit);
    }
    out.push(hit.data);
  }
  return out;
}

async function memtableSource(snap: LayerSnapshot, col: VectorColumn, branch: number, maxLsn: number, q: Float32Array): Promise<Source> {
  const d = col.opts.dimensions;
  const all: { rowid: bigint; lsn: number; v: Float32Array; dist: number }[] = [];
  for (const data of await memtableVectors(snap, col, branch)) {
    for (let i = 0; i < data.rowids.length; i++) {
      if (data.lsns[i]! > maxLsn) continue;
      const v = data.vectors.subarray(i * d, (i + 1) * d);
      all.push({ rowid: data.rowids[i]!, lsn: data.lsns[i]!, v, dist: distance(col.opts.metric, v, q) });
    }
  }
  all.sort((a, b) => a.dist - b.dist);
  return { branch, size: all.length, ranked: (want) => all.slice(0, want) };
}

/**
 * The version of each rowid the statement sees: (branch of the layer it came from, LSN), or
 * null (no row, or deleted). One point read per rowid through the branch layers, memoised.
 */
interface Seen {
  readonly branch: number;
  readonly lsn: number;
  readonly uk: Uint8Array;
  readonly value: Uint8Array;
}

function visibility(env: ExecEnv, table: TableSchema): (rowid: bigint) => Promise<Seen | null> {
  const memo = new Map<bigint, Promise<Seen | null>>();
  const engine = env.txn.engine;
  const resolve = async (rowid: bigint): Promise<Seen | null> => {
    for (const l of env.txn.layers) {
      const uk = rowKey(l.branch, table, [], rowid);
      const found = await engine.getRaw(uk, l.lsn);
      if (found) return found.kind === KIND_PUT ? { branch: l.branch, lsn: found.lsn, uk, value: found.value } : null;
    }
    return null;
  };
  return (rowid) => {
    let p = memo.get(rowid);
    if (!p) memo.set(rowid, (p = resolve(rowid)));
    return p;
  };
}

/**
 * The k rows of `table` nearest to `q` by index `ix` as the statement sees them (its branch,
 * its read LSN, its own uncommitted writes). Throws SQL_ERROR on a query of the wrong length.
 */
export async function nearest(env: ExecEnv, table: TableSchema, ix: IndexSchema, q: Float32Array, k: number, allowed?: AllowedRowids, rowFilter?: RowFilter): Promise<{ rows: Neighbour[]; path: SearchPath }> {
  const opts = vectorIndexOptions(ix);
  if (q.length !== opts.dimensions) throw new DoSQLError('SQL_ERROR', `vector: index ${ix.name} has ${opts.dimensions} dimensions, the query vector ${q.length}`, { details: { index: ix.name } });
  const column = table.columns.findIndex((c) => c.id === ix.columns[0]!.columnId);
  if (column < 0) throw new DoSQLError('SQL_ERROR', `vector: index ${ix.name}: its column is gone from ${table.name}`);
  if (k <= 0) return { rows: [], path: 'exact' };
  // A very selective filter: the allowed rows alone, looked up by rowid.
  if (allowed && allowed.size <= Math.max(4 * k, 64)) return { rows: await exactAmong(env, table, column, opts, q, k, allowed), path: 'exact' };
  if (!(await loadUsearch())) return { rows: await exact(env, table, column, opts, q, k, allowed, rowFilter), path: 'exact' };
  const engine = env.txn.engine;
  const registry = registryOf(engine);
  const col = new VectorColumn(table, ix);
  const snap = engine.layerSnapshot();
  try {
    registry.sync(snap.files);
    const sources: Source[] = [];
    for (const l of env.txn.layers) {
      const target: IndexTarget = { branch: l.branch, table, ix };
      registry.watch(target);
      for (const f of LayerRegistry.layersOf(snap, target, l.lsn)) {
        const li = await registry.get(snap, f, target);
        if (li && li.size > 0) sources.push(layerSource(li, q));
      }
      const mem = await memtableSource(snap, col, l.branch, l.lsn, q);
      if (mem.size > 0) sources.push(mem);
    }
    const indexed = sources.reduce((n, s) => n + s.size, 0);
    if (allowed && allowed.size * 100 < indexed) return { rows: await exactAmong(env, table, column, opts, q, k, allowed), path: 'exact' };
    // Rows this transaction wrote override what the layers hold.
    const own = new Map<bigint, Float32Array | null>();
    for (const w of env.txn.writes.values()) {
      const p = userKeyPrefix(w.uk);
      if (p.branch !== env.txn.branch || p.table !== table.id) continue;
      const rowid = BigInt(decodeUserKey(w.uk).key[0] as bigint | number);
      const row = w.value ? col.decode(w.uk, w.value, env.txn.branch) : null;
      own.set(rowid, row && (!rowFilter || rowFilter.test(row)) ? col.fromRow(row) : null);
    }
    const visible = visibility(env, table);
    const found = new Map<bigint, number>();
    // Over-fetch by the filter's selectivity: about k / (allowed / indexed) entries hold k allowed ones.
    const selectivity = allowed ? Math.max(allowed.size / Math.max(1, indexed), 0.01) : 1;
    // The k-th best distance kept so far: a source's candidates (nearest first) beyond it
    // cannot enter the answer, so neither their visibility nor more of them is needed.
    let bound = Infinity;
    const kth = (): number => (found.size < k ? Infinity : [...found.values()].sort((a, b) => a - b)[k - 1]!);
    // A per-candidate filter: its pass rate so far (over visible candidates) sizes the over-fetch.
    const passes = new Map<bigint, boolean>();
    let tested = 0;
    let passed = 0;
    const filterRate = (): number => (tested >= 16 ? Math.max(passed / tested, 0.01) : 1);
    for (const s of sources) {
      let want = Math.min(s.size, Math.ceil(Math.max(2 * k, k + 16) / selectivity / filterRate()));
      for (;;) {
        const got = s.ranked(want);
        let kept = 0;
        let beyond = false;
        for (const c of got) {
          if (own.has(c.rowid) || (allowed && !allowed.has(c.rowid))) continue;
          const d = distance(opts.metric, c.v, q);
          if (d > bound) {
            beyond = true;
            break;
          }
          const vis = await visible(c.rowid);
          if (!vis || vis.branch !== s.branch || vis.lsn !== c.lsn) continue;
          if (rowFilter) {
            let ok = passes.get(c.rowid);
            if (ok === undefined) {
              passes.set(c.rowid, (ok = rowFilter.test(col.decode(vis.uk, vis.value, vis.branch))));
              tested++;
              if (ok) passed++;
            }
            if (!ok) continue;
          }
          found.set(c.rowid, d);
          if (++kept >= k) break;
        }
        if (beyond || kept >= k || got.length < want || want >= s.size) break;
        // Enough more for k at the rate kept so far (at least twice as many).
        want = Math.min(s.size, Math.max(want * 2, Math.ceil(((want * k) / Math.max(kept, 1)) * 1.2)));
      }
      bound = kth();
    }
    for (const [rowid, v] of own) if (v && (!allowed || allowed.has(rowid))) found.set(rowid, distance(opts.metric, v, q));
    const rows = [...found].map(([rowid, d]) => ({ rowid, distance: d })).sort((a, b) => a.distance - b.distance || (a.rowid < b.rowid ? -1 : 1));
    return { rows: rows.slice(0, k), path: 'hnsw' };
  } finally {
    snap.release();
  }
}
