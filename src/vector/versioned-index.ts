// Vector search that respects MVCC over per-layer indexes (layer-registry.ts), as
// segment-based engines (Milvus, LanceDB) search sealed segments: each immutable layer (SSTable
// or columnar run) that may hold the table's rows on a branch the statement reads (its own,
// then its ancestors up to their base LSNs) is asked for candidates by its HNSW, over-fetching;
// each memtable is searched exactly. A candidate (rowid, LSN) is kept only if it is the version
// of its rowid the statement sees, so versions that are superseded, deleted or not visible at
// the statement's LSN drop out; rows the statement's own transaction wrote override them. That
// check (`visible`) reads no row: the layer index records, per entry, the LSN of the next
// newer version of the row in the same layer, and the sources newer than the candidate's
// are asked whether they hold a version in between — through their bloom filters, which rule
// out almost every candidate's key without reading a block. Each layer is asked until it gave
// k kept candidates (or has no more); the survivors are ranked by exact distance over the
// vectors the indexes hold. Where usearch cannot load (workerd) the search is an exact scan.
import { DoSQLError } from '../errors.js';
import type { LayerSnapshot, MemtableLayer } from '../lsm/layer-scan.js';
import type { FileMeta } from '../manifest/manifest-format.js';
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

/** A candidate: entry of a source, nearest first. `newer`: as LayerVectors.newer. */
interface Candidate {
  readonly rowid: bigint;
  readonly lsn: number;
  readonly newer: number;
  readonly v: Float32Array;
}

/** One candidate source: a layer's HNSW, or one memtable's versions ranked exactly. */
interface Source {
  /** Which of the statement's branch layers (env.txn.layers) it holds rows of. */
  readonly layer: number;
  /** The snapshot source it is (a file or a memtable): the newer sources are the ones read before it. */
  readonly at: FileMeta | MemtableLayer;
  readonly size: number;
  /** Up to `want` entries nearest to q, nearest first. */
  ranked(want: number): Candidate[];
}

function entry(data: LayerVectors, d: number, i: number): Candidate {
  return { rowid: data.rowids[i]!, lsn: data.lsns[i]!, newer: data.newer[i]!, v: data.vectors.subarray(i * d, (i + 1) * d) };
}

function layerSource(ix: LayerIndex, layer: number, at: FileMeta, q: Float32Array): Source {
  return { layer, at, size: ix.size, ranked: (want) => ix.search(q, want).map((i) => entry(ix.data, ix.dimensions, i)) };
}

/**
 * Each memtable's vectors for one (branch, index, table shape), kept while the memtable is
 * unchanged (its size: entries ever added): a read-mostly period decodes the memtable once.
 */
const memtableCache = new WeakMap<object, Map<string, { size: number; data: LayerVectors }>>();

async function memtableVectors(m: MemtableLayer, col: VectorColumn, branch: number): Promise<LayerVectors> {
  const { lower, upper } = tableBounds(branch, col.table.id);
  const key = `${branch}/${col.ix.id}/${col.table.id}/${col.table.nextColumnId}`;
  let per = memtableCache.get(m.id);
  if (!per) memtableCache.set(m.id, (per = new Map()));
  let hit = per.get(key);
  if (!hit || hit.size !== m.size) {
    hit = { size: m.size, data: await collectVectors(col, branch, m.versions(lower, upper)) };
    per.set(key, hit);
  }
  return hit.data;
}

/** A memtable's versions at or below `maxLsn`, ranked by exact distance to q. */
async function memtableSource(m: MemtableLayer, col: VectorColumn, layer: number, branch: number, maxLsn: number, q: Float32Array): Promise<Source> {
  const d = col.opts.dimensions;
  const data = await memtableVectors(m, col, branch);
  const all: { i: number; dist: number }[] = [];
  for (let i = 0; i < data.rowids.length; i++) {
    if (data.lsns[i]! <= maxLsn) all.push({ i, dist: distance(col.opts.metric, data.vectors.subarray(i * d, (i + 1) * d), q) });
  }
  all.sort((a, b) => a.dist - b.dist);
  return { layer, at: m, size: all.length, ranked: (want) => all.slice(0, want).map((x) => entry(data, d, x.i)) };
}

type MaybeAsync<T> = T | Promise<T>;

/** One of the statement's branch read layers (its transaction's `layers`): branch `branch` as of `lsn`. */
interface BranchLayer {
  readonly branch: number;
  readonly lsn: number;
}

function or(a: MaybeAsync<boolean>, b: () => MaybeAsync<boolean>): MaybeAsync<boolean> {
  return a instanceof Promise ? a.then((x) => x || b()) : a || b();
}

/**
 * Whether candidate `c` of source `s` is the version of its row the statement sees: with
 * layers = the statement's branch layers (its own branch at its read LSN, then each ancestor
 * at its child's base LSN) and s's layer j at LSN r, iff
 *   - c.lsn <= r < c.newer (visible at r, not superseded within its own layer: the index
 *     records the next newer version of each entry in the same file or memtable), and
 *   - no source newer than s holds a version of the row's key with LSN in (c.lsn, r] (the
 *     LSM's leveled invariant: only sources read before s can; bloom filters answer most), and
 *   - no earlier branch layer i < j holds any version of the row at or below its LSN (a
 *     branch's own version — or tombstone — of a row hides its ancestors').
 * Exact, and synchronous unless a file must be opened or a block read.
 */
function visible(snap: LayerSnapshot, layers: readonly BranchLayer[], table: TableSchema, s: Source, c: Candidate): MaybeAsync<boolean> {
  const l = layers[s.layer]!;
  if (c.lsn > l.lsn || c.newer <= l.lsn) return false;
  const shadowed = (i: number): MaybeAsync<boolean> => {
    if (i >= s.layer) return false;
    const b = layers[i]!;
    return or(snap.versionAbove(rowKey(b.branch, table, [], c.rowid), -1, b.lsn), () => shadowed(i + 1));
  };
  const hidden = or(snap.versionAbove(rowKey(l.branch, table, [], c.rowid), c.lsn, l.lsn, s.at), () => shadowed(0));
  return hidden instanceof Promise ? hidden.then((h) => !h) : !hidden;
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
    const layers = env.txn.layers;
    for (let j = 0; j < layers.length; j++) {
      const l = layers[j]!;
      const target: IndexTarget = { branch: l.branch, table, ix };
      registry.watch(target);
      for (const f of LayerRegistry.layersOf(snap, target, l.lsn)) {
        const li = await registry.get(snap, f, target);
        if (li && li.size > 0) sources.push(layerSource(li, j, f, q));
      }
      for (const m of snap.memtables) {
        const mem = await memtableSource(m, col, j, l.branch, l.lsn, q);
        if (mem.size > 0) sources.push(mem);
      }
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
    /** Whether the visible version (c, of branch layer l) passes the row filter: one point read of the row. */
    const passesFilter = async (c: Candidate, l: BranchLayer, f: RowFilter): Promise<boolean> => {
      let ok = passes.get(c.rowid);
      if (ok === undefined) {
        const uk = rowKey(l.branch, table, [], c.rowid);
        const got = await engine.getRaw(uk, l.lsn);
        ok = got !== null && got.kind === KIND_PUT && got.lsn === c.lsn && f.test(col.decode(uk, got.value, l.branch));
        passes.set(c.rowid, ok);
        tested++;
        if (ok) passed++;
      }
      return ok;
    };
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
          const vis = visible(snap, layers, table, s, c);
          if (!(vis instanceof Promise ? await vis : vis)) continue;
          if (rowFilter && !(await passesFilter(c, layers[s.layer]!, rowFilter))) continue;
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
