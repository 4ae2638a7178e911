// The fts5 inverted index as LSM rows in the key space of the index's catalog entry
// (IndexSchema.id), written in the same transaction as the row it indexes (format version 2,
// docs/format/fts.md). Key tuples (mvcc/key-codec.ts order-preserving encoding):
//   (2, term TEXT, column INTEGER, rowid >> 16)  → the segment's rowids holding the term in
//                                                 that column: a portable roaring bitmap
//   (3, rowid INTEGER)                           → the document: column sizes and each term's
//                                                 positions (bm25, phrases, NEAR, highlight)
//   (4)                                          → row count and token total (bm25's averages)
// A row write puts or deletes its document record at once and defers the bitmap and totals
// read-modify-writes to the end of the statement (index-methods.ts `deferIndexWork`), where
// each bitmap a statement touches is rewritten once. Every version is an ordinary LSM version,
// so the index is versioned (AS OF), crash-safe (WAL) and branches with the data.
import { DoSQLError } from '../errors.js';
import { encodeUserKey, decodeUserKey } from '../mvcc/internal-key.js';
import { encodeRange } from '../mvcc/kv-types.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import type { ExecEnv, Row } from '../sql/execution/env.js';
import { deferIndexWork } from '../sql/execution/index-methods.js';
import type { Transaction } from '../sql/txn/transaction.js';
import type { SqlValue } from '../sql/types/value.js';
import { byteString } from '../util/bytes.js';
import type { DocSet, DocSets } from './docset.js';
import type { FtsSpec } from './fts-spec.js';
import {
  decodeDoc,
  decodeDocset,
  decodeTotals,
  encodeDoc,
  encodeDocset,
  encodeTotals,
  SEGMENT_BITS,
  SEGMENT_MASK,
  TAG_DOC,
  TAG_DOCSET,
  TAG_TOTALS,
  TAG_V1_POSTING,
  TAG_V1_SIZE,
  type Totals,
} from './fts-store.js';
import { COL_SHIFT, type Pos } from './query-eval.js';

export const FTS_METHOD = 'FTS5';
const EMPTY_TEXT = '';

/** The text fts5 indexes for a value: numbers as SQLite prints them, BLOBs as UTF-8, NULL as nothing. */
export function textOf(v: SqlValue | undefined): string {
  if (v === null || v === undefined) return EMPTY_TEXT;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** Where each fts column lives in the content table's rows, and how a row is tokenized. */
export interface FtsLayout {
  readonly spec: FtsSpec;
  /** Position in the content table's columns of each fts column. */
  readonly positions: readonly number[];
}

export function layoutOf(spec: FtsSpec, content: TableSchema): FtsLayout {
  const positions = spec.columns.map((c) => {
    const i = content.columns.findIndex((col) => col.name.toLowerCase() === c.name.toLowerCase());
    if (i < 0) throw new DoSQLError('SQL_ERROR', `fts5: no such column in content table ${content.name}: ${c.name}`, { details: { table: content.name, column: c.name } });
    return i;
  });
  return { spec, positions };
}

/** A row's terms → column → positions, and its per-column token counts. */
export function invert(layout: FtsLayout, row: Row): { terms: Map<string, Map<number, number[]>>; sizes: number[] } {
  const terms = new Map<string, Map<number, number[]>>();
  const sizes: number[] = [];
  layout.spec.columns.forEach((c, col) => {
    if (c.unindexed) {
      sizes.push(0);
      return;
    }
    const toks = layout.spec.tokenizer.tokenize(textOf(row[layout.positions[col]!]));
    sizes.push(toks.length);
    toks.forEach((t, pos) => {
      let cols = terms.get(t.term);
      if (!cols) terms.set(t.term, (cols = new Map()));
      let list = cols.get(col);
      if (!list) cols.set(col, (list = []));
      list.push(pos);
    });
  });
  return { terms, sizes };
}

/** A document's change to the bitmaps and totals, applied by `flushIndex`. */
interface DocWork {
  readonly branch: number;
  readonly ix: IndexSchema;
  readonly rowid: bigint;
  readonly add: boolean;
  /** (term, column) pairs the document holds. */
  readonly pairs: readonly (readonly [string, number])[];
  readonly tokens: number;
}

const docKey = (branch: number, ix: IndexSchema, rowid: bigint): Uint8Array => encodeUserKey(branch, ix.id, [TAG_DOC, rowid]);
const totalsKey = (branch: number, ix: IndexSchema): Uint8Array => encodeUserKey(branch, ix.id, [TAG_TOTALS]);

/** Writes (remove false) or removes (remove true) the index entries of one content row. */
export function indexRow(env: ExecEnv, ix: IndexSchema, layout: FtsLayout, row: Row, rowid: bigint, remove: boolean): void {
  const branch = env.txn.branch;
  const { terms, sizes } = invert(layout, row);
  const detail = layout.spec.detail;
  const k = docKey(branch, ix, rowid);
  // Below detail=full the record keeps only the sizes: positions come from the row itself.
  if (remove) env.txn.delete(k);
  else env.txn.put(k, encodeDoc({ sizes, terms: detail === 'full' ? terms : new Map() }));
  const pairs: [string, number][] = [];
  // detail=none: one set per term (column 0), as fts5 keeps only rowids.
  for (const [term, cols] of terms) {
    if (detail === 'none') pairs.push([term, 0]);
    else for (const col of cols.keys()) pairs.push([term, col]);
  }
  const work: DocWork = { branch, ix, rowid, add: !remove, pairs, tokens: sizes.reduce((a, b) => a + b, 0) };
  deferIndexWork(env.txn, FTS_METHOD, work);
}

/**
 * Removes the document `rowid` from the index using what its record says (its terms at
 * detail=full, always its sizes), else the terms of `row` (a contentless table's 'delete'
 * command below detail=full, given the row's values as fts5 is). False when it is not indexed.
 */
export async function removeDoc(env: ExecEnv, ix: IndexSchema, layout: FtsLayout, rowid: bigint, row: Row): Promise<boolean> {
  const branch = env.txn.branch;
  const k = docKey(branch, ix, rowid);
  const v = await env.txn.get(k);
  if (!v) return false;
  const where = `index ${ix.name} document`;
  const rec = decodeDoc(v, () => true, where);
  let pairs: [string, number][];
  if (layout.spec.detail === 'full') {
    pairs = [];
    for (const [term, ps] of rec.terms) for (const col of new Set(ps.map((p) => Math.floor(p / COL_SHIFT)))) pairs.push([term, col]);
  } else {
    pairs = [];
    for (const [term, cols] of invert(layout, row).terms) {
      if (layout.spec.detail === 'none') pairs.push([term, 0]);
      else for (const col of cols.keys()) pairs.push([term, col]);
    }
  }
  env.txn.delete(k);
  const work: DocWork = { branch, ix, rowid, add: false, pairs, tokens: rec.tokens };
  deferIndexWork(env.txn, FTS_METHOD, work);
  return true;
}

/** Writes a new index's empty totals: its mark as a version 2 index. */
export function initIndex(env: ExecEnv, ix: IndexSchema): void {
  env.txn.put(totalsKey(env.txn.branch, ix), encodeTotals({ rows: 0, tokens: 0 }));
}

/** Applies deferred document changes: each touched bitmap and the totals, read and rewritten once. */
export async function flushIndex(txn: Transaction, work: readonly unknown[]): Promise<void> {
  const bitmaps = new Map<string, { uk: Uint8Array; where: string; ops: Map<number, boolean> }>();
  const totals = new Map<string, { uk: Uint8Array; where: string; rows: number; tokens: number }>();
  for (const w of work as readonly DocWork[]) {
    const seg = w.rowid >> SEGMENT_BITS;
    const low = Number(w.rowid & SEGMENT_MASK);
    for (const [term, col] of w.pairs) {
      const uk = encodeUserKey(w.branch, w.ix.id, [TAG_DOCSET, term, BigInt(col), seg]);
      const k = byteString(uk);
      let b = bitmaps.get(k);
      if (!b) bitmaps.set(k, (b = { uk, where: `index ${w.ix.name} term ${JSON.stringify(term)}`, ops: new Map() }));
      b.ops.delete(low); // Map order is insertion order: the last change of a rowid wins.
      b.ops.set(low, w.add);
    }
    const tk = `${w.branch}/${w.ix.id}`;
    let t = totals.get(tk);
    if (!t) totals.set(tk, (t = { uk: totalsKey(w.branch, w.ix), where: `index ${w.ix.name} totals`, rows: 0, tokens: 0 }));
    t.rows += w.add ? 1 : -1;
    t.tokens += w.add ? w.tokens : -w.tokens;
  }
  for (const b of bitmaps.values()) {
    const cur = await txn.get(b.uk);
    const set = new Set(cur ? decodeDocset(cur, b.where) : []);
    for (const [low, add] of b.ops) {
      if (add) set.add(low);
      else set.delete(low);
    }
    if (set.size) txn.put(b.uk, encodeDocset([...set].sort((x, y) => x - y)));
    else if (cur) txn.delete(b.uk);
  }
  for (const t of totals.values()) {
    const cur = await txn.get(t.uk);
    const was: Totals = cur ? decodeTotals(cur, t.where) : { rows: 0, tokens: 0 };
    txn.put(t.uk, encodeTotals({ rows: Math.max(0, was.rows + t.rows), tokens: Math.max(0, was.tokens + t.tokens) }));
  }
}

/**
 * Row count and token total at the transaction's read point. An index without totals is
 * either empty or written by format version 1 (a key per term and row), which is refused.
 */
export async function loadTotals(env: ExecEnv, ix: IndexSchema, table: string): Promise<Totals> {
  const v = await env.txn.get(totalsKey(env.txn.branch, ix));
  if (v) return decodeTotals(v, `index ${ix.name} totals`);
  for (const tag of [TAG_V1_POSTING, TAG_V1_SIZE]) {
    const { lower, upper } = encodeRange(env.txn.branch, ix.id, { prefix: [tag] });
    for await (const batch of env.txn.scanBatches(lower, upper, false, 1)) {
      if (batch.length === 0) continue;
      throw new DoSQLError(
        'UNSUPPORTED_FORMAT_VERSION',
        `fts5: index ${ix.name} uses full-text index format version 1 (a key per term and row), which this version no longer reads; rebuild it: INSERT INTO ${table}(${table}) VALUES('rebuild')`,
        { details: { index: ix.name, table, version: 1 } },
      );
    }
  }
  return { rows: 0, tokens: 0 };
}

/**
 * The rows holding `term` (every term starting with it when `prefix`) in one of `cols`
 * (undefined: any column), from the term's bitmaps.
 */
export async function loadTermSet(env: ExecEnv, ix: IndexSchema, sets: DocSets, term: string, prefix: boolean, cols: ReadonlySet<number> | undefined): Promise<DocSet> {
  const branch = env.txn.branch;
  const { lower, upper } = prefix ? encodeRange(branch, ix.id, { gte: [TAG_DOCSET, term], lt: [TAG_DOCSET, term + '\u{10FFFF}'] }) : encodeRange(branch, ix.id, { prefix: [TAG_DOCSET, term] });
  const rowids: bigint[] = [];
  const where = `index ${ix.name} term ${JSON.stringify(term)}`;
  for await (const batch of env.txn.scanBatches(lower, upper)) {
    for (const e of batch) {
      const k = decodeUserKey(e.uk).key;
      const t = k[1];
      const col = Number(k[2]);
      const seg = typeof k[3] === 'number' ? BigInt(k[3]) : k[3];
      if (typeof t !== 'string' || typeof seg !== 'bigint' || !Number.isInteger(col)) throw new DoSQLError('CORRUPTION', `fts5: malformed document-set key in ${where}`, { details: { index: ix.name } });
      if (prefix && !t.startsWith(term)) continue;
      if (cols && !cols.has(col)) continue;
      const base = seg << SEGMENT_BITS;
      for (const low of decodeDocset(e.value, where)) rowids.push(base + BigInt(low));
    }
    const tick = env.guard.tick(batch.length);
    if (tick) await tick;
  }
  return sets.of(rowids);
}

/** A document's token total and the positions of the terms a query asks for. */
export interface LoadedDoc {
  readonly tokens: number;
  readonly terms: ReadonlyMap<string, Pos[]>;
}

/**
 * The document records of `rowids` (ascending), keeping the positions of the terms `want`
 * accepts. Point reads for a few rows; one scan of the records when they are many of `total`.
 */
export async function loadDocs(env: ExecEnv, ix: IndexSchema, rowids: readonly bigint[], total: number, want: (term: string) => boolean): Promise<Map<bigint, LoadedDoc>> {
  const branch = env.txn.branch;
  const out = new Map<bigint, LoadedDoc>();
  const where = `index ${ix.name} document`;
  if (rowids.length > 256 && rowids.length * 8 > total) {
    const wanted = new Set(rowids);
    const { lower, upper } = encodeRange(branch, ix.id, { prefix: [TAG_DOC] });
    for await (const batch of env.txn.scanBatches(lower, upper)) {
      for (const e of batch) {
        const r = decodeUserKey(e.uk).key[1];
        const rowid = typeof r === 'number' ? BigInt(r) : r;
        if (typeof rowid === 'bigint' && wanted.has(rowid)) out.set(rowid, decodeDoc(e.value, want, where));
      }
      const tick = env.guard.tick(batch.length);
      if (tick) await tick;
    }
    return out;
  }
  for (const rowid of rowids) {
    const v = await env.txn.get(docKey(branch, ix, rowid));
    if (v) out.set(rowid, decodeDoc(v, want, where));
  }
  const tick = env.guard.tick(rowids.length);
  if (tick) await tick;
  return out;
}

/** Deletes every entry of the index (DROP). */
export async function clearIndex(env: ExecEnv, ix: IndexSchema): Promise<void> {
  const { lower, upper } = encodeRange(env.txn.branch, ix.id, {});
  const keys: Uint8Array[] = [];
  for await (const batch of env.txn.scanBatches(lower, upper)) for (const e of batch) keys.push(e.uk);
  for (const k of keys) env.txn.delete(k);
}
