// The fts5 inverted index as LSM rows, in the key space of the index's catalog entry
// (IndexSchema.id), written in the same transaction as the row it indexes. Key tuples
// (mvcc/key-codec.ts order-preserving encoding; docs/format/fts.md):
//   (0, term TEXT, rowid INTEGER)  → positions: for each column with hits, uvarint column,
//                                    uvarint count, then count uvarint position deltas
//   (1, rowid INTEGER)             → sizes: one uvarint token count per fts column
// Every version is an ordinary LSM version, so the index is versioned, crash-safe (WAL) and
// branches with the data.
import { DoSQLError } from '../errors.js';
import { encodeUserKey, decodeUserKey } from '../mvcc/internal-key.js';
import { encodeRange } from '../mvcc/kv-types.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import type { ExecEnv, Row } from '../sql/execution/env.js';
import type { SqlValue } from '../sql/types/value.js';
import { COL_SHIFT, type Pos } from './query-eval.js';
import type { FtsSpec } from './fts-spec.js';

const POSTING = 0n;
const DOCSIZE = 1n;
const EMPTY_TEXT = '';

function writeUvarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readUvarint(b: Uint8Array, c: { pos: number }, where: string): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (c.pos >= b.length) throw new DoSQLError('CORRUPTION', `fts5: truncated varint in ${where}`, { details: { offset: c.pos } });
    const x = b[c.pos++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 0x80;
  }
}

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
function invert(layout: FtsLayout, row: Row): { terms: Map<string, Map<number, number[]>>; sizes: number[] } {
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

function encodePositions(cols: Map<number, number[]>): Uint8Array {
  const out: number[] = [];
  for (const [col, list] of [...cols].sort((a, b) => a[0] - b[0])) {
    writeUvarint(out, col);
    writeUvarint(out, list.length);
    let prev = 0;
    for (const p of list) {
      writeUvarint(out, p - prev);
      prev = p;
    }
  }
  return Uint8Array.from(out);
}

function decodePositions(b: Uint8Array, into: Pos[]): void {
  const c = { pos: 0 };
  while (c.pos < b.length) {
    const col = readUvarint(b, c, 'a posting');
    const n = readUvarint(b, c, 'a posting');
    let p = 0;
    for (let i = 0; i < n; i++) {
      p += readUvarint(b, c, 'a posting');
      into.push(col * COL_SHIFT + p);
    }
  }
}

/** Writes (delete false) or removes (delete true) the index entries of one content row. */
export function indexRow(env: ExecEnv, ix: IndexSchema, layout: FtsLayout, row: Row, rowid: bigint, remove: boolean): void {
  const branch = env.txn.branch;
  const { terms, sizes } = invert(layout, row);
  for (const [term, cols] of terms) {
    const key = encodeUserKey(branch, ix.id, [POSTING, term, rowid]);
    if (remove) env.txn.delete(key);
    else env.txn.put(key, encodePositions(cols));
  }
  const sk = encodeUserKey(branch, ix.id, [DOCSIZE, rowid]);
  if (remove) env.txn.delete(sk);
  else {
    const out: number[] = [];
    for (const s of sizes) writeUvarint(out, s);
    env.txn.put(sk, Uint8Array.from(out));
  }
}

/** Postings of a term (or of every term starting with it): rowid → sorted positions. */
export async function loadPostings(env: ExecEnv, ix: IndexSchema, term: string, prefix: boolean): Promise<Map<bigint, Pos[]>> {
  const branch = env.txn.branch;
  const { lower, upper } = prefix ? encodeRange(branch, ix.id, { gte: [POSTING, term], lt: [POSTING, term + '\u{10FFFF}'] }) : encodeRange(branch, ix.id, { prefix: [POSTING, term] });
  const out = new Map<bigint, Pos[]>();
  for await (const batch of env.txn.scanBatches(lower, upper)) {
    for (const e of batch) {
      const k = decodeUserKey(e.uk).key;
      const t = k[1];
      const rowid = typeof k[2] === 'number' ? BigInt(k[2]) : k[2];
      if (typeof t !== 'string' || typeof rowid !== 'bigint') throw new DoSQLError('CORRUPTION', `fts5: malformed posting key in index ${ix.name}`, { details: { index: ix.name } });
      if (prefix && !t.startsWith(term)) continue;
      let list = out.get(rowid);
      if (!list) out.set(rowid, (list = []));
      decodePositions(e.value, list);
    }
    const tick = env.guard.tick(batch.length);
    if (tick) await tick;
  }
  if (prefix) for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}

function sizeOf(value: Uint8Array): number {
  const c = { pos: 0 };
  let d = 0;
  while (c.pos < value.length) d += readUvarint(value, c, 'a document size');
  return d;
}

/** Row and token totals by (branch, index, read LSN): a committed snapshot never changes. */
const totalsCache = new WeakMap<object, Map<string, { rows: number; tokens: number }>>();

/**
 * Row count, total tokens, and the token count of each row in `want`. The totals of a read
 * point are computed once (one scan of the sizes) and reused while the transaction has no
 * writes of its own; the sizes of few rows are point reads.
 */
export async function loadSizes(env: ExecEnv, ix: IndexSchema, want: ReadonlySet<bigint>): Promise<{ rows: number; tokens: number; sizes: Map<bigint, number> }> {
  const branch = env.txn.branch;
  const sizes = new Map<bigint, number>();
  const cacheable = env.txn.writes.size === 0;
  let byEngine = totalsCache.get(env.txn.engine);
  if (!byEngine) totalsCache.set(env.txn.engine, (byEngine = new Map()));
  const key = `${branch}/${ix.id}/${env.txn.readLsn}`;
  const cached = cacheable ? byEngine.get(key) : undefined;
  if (cached && want.size <= 4096) {
    for (const rowid of want) {
      const v = await env.txn.get(encodeUserKey(branch, ix.id, [DOCSIZE, rowid]));
      if (v) sizes.set(rowid, sizeOf(v));
    }
    return { ...cached, sizes };
  }
  const { lower, upper } = encodeRange(branch, ix.id, { prefix: [DOCSIZE] });
  let rows = 0;
  let tokens = 0;
  for await (const batch of env.txn.scanBatches(lower, upper)) {
    for (const e of batch) {
      const d = sizeOf(e.value);
      rows++;
      tokens += d;
      if (want.size) {
        const rowid = BigInt(decodeUserKey(e.uk).key[1] as bigint | number);
        if (want.has(rowid)) sizes.set(rowid, d);
      }
    }
    const tick = env.guard.tick(batch.length);
    if (tick) await tick;
  }
  if (cacheable) {
    if (byEngine.size > 64) byEngine.clear();
    byEngine.set(key, { rows, tokens });
  }
  return { rows, tokens, sizes };
}

/** Deletes every entry of the index (DROP). */
export async function clearIndex(env: ExecEnv, ix: IndexSchema): Promise<void> {
  const { lower, upper } = encodeRange(env.txn.branch, ix.id, {});
  const keys: Uint8Array[] = [];
  for await (const batch of env.txn.scanBatches(lower, upper)) for (const e of batch) keys.push(e.uk);
  for (const k of keys) env.txn.delete(k);
}
