// The value encodings of the fts5 index (format version 2, docs/format/fts.md): every value
// starts with the magic byte 0xF5, the version byte and a kind byte. Document sets are portable
// roaring bitmaps of one 65,536-rowid segment (roaring-portable.ts); each document's term
// positions and column sizes are one record (a forward index), read for the candidates a query's
// bitmaps leave; the row count and token total are one record. Integrity: values live only in
// the LSM, whose WAL records and SSTable blocks carry CRC32C checksums (wal.md, sstable.md).
import { DoSQLError } from '../errors.js';
import { COL_SHIFT, type Pos } from './query-eval.js';
import { decodeBitmap, encodeSegment } from './roaring-portable.js';

export const FTS_MAGIC = 0xf5;
export const FTS_VERSION = 2;
const KIND_DOCSET = 1;
const KIND_DOC = 2;
const KIND_TOTALS = 3;

/** Key tags (the first element of every key tuple). 0 and 1 are format version 1's postings and sizes. */
export const TAG_V1_POSTING = 0n;
export const TAG_V1_SIZE = 1n;
export const TAG_DOCSET = 2n;
export const TAG_DOC = 3n;
export const TAG_TOTALS = 4n;

/** Rowids per document-set value: (term, column, rowid >> 16) holds rowid & 0xffff. */
export const SEGMENT_BITS = 16n;
export const SEGMENT_MASK = 0xffffn;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function writeUvarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function corrupt(what: string, where: string, offset: number): DoSQLError {
  return new DoSQLError('CORRUPTION', `fts5: ${what} in ${where}`, { details: { offset, where } });
}

function readUvarint(b: Uint8Array, c: { pos: number }, where: string): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (c.pos >= b.length) throw corrupt('truncated varint', where, c.pos);
    const x = b[c.pos++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 0x80;
    if (mul > 2 ** 49) throw corrupt('varint too long', where, c.pos);
  }
}

function header(kind: number): number[] {
  return [FTS_MAGIC, FTS_VERSION, kind];
}

function checkHeader(b: Uint8Array, kind: number, where: string): void {
  if (b.length < 3 || b[0] !== FTS_MAGIC) throw corrupt('bad magic byte', where, 0);
  if (b[1] !== FTS_VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `fts5: ${where} has format version ${b[1]}, this build reads ${FTS_VERSION}`, { details: { where, version: b[1] } });
  if (b[2] !== kind) throw corrupt(`kind ${b[2]} where ${kind} was expected`, where, 2);
}

/** A segment's document set: ascending low 16 bits of the rowids. */
export function encodeDocset(lows: readonly number[]): Uint8Array {
  const bm = encodeSegment(lows);
  const out = new Uint8Array(3 + bm.length);
  out.set(header(KIND_DOCSET));
  out.set(bm, 3);
  return out;
}

export function decodeDocset(b: Uint8Array, where: string): number[] {
  checkHeader(b, KIND_DOCSET, where);
  const v = decodeBitmap(b, 3);
  if (v.length && v[v.length - 1]! > 0xffff) throw corrupt('a rowid outside its segment', where, 3);
  return v;
}

/** One document: token count per fts column, and term → column → ascending token offsets. */
export interface DocRecord {
  readonly sizes: readonly number[];
  readonly terms: ReadonlyMap<string, ReadonlyMap<number, readonly number[]>>;
}

export function encodeDoc(doc: DocRecord): Uint8Array {
  const out = header(KIND_DOC);
  writeUvarint(out, doc.sizes.length);
  for (const s of doc.sizes) writeUvarint(out, s);
  writeUvarint(out, doc.terms.size);
  for (const [term, cols] of doc.terms) {
    const t = utf8.encode(term);
    writeUvarint(out, t.length);
    for (const x of t) out.push(x);
    writeUvarint(out, cols.size);
    for (const [col, list] of [...cols].sort((a, b) => a[0] - b[0])) {
      writeUvarint(out, col);
      writeUvarint(out, list.length);
      let prev = 0;
      for (const p of list) {
        writeUvarint(out, p - prev);
        prev = p;
      }
    }
  }
  return Uint8Array.from(out);
}

function readTerm(b: Uint8Array, c: { pos: number }, where: string): string {
  const n = readUvarint(b, c, where);
  if (c.pos + n > b.length) throw corrupt('truncated term', where, c.pos);
  let ascii = true;
  for (let i = c.pos; i < c.pos + n; i++) if (b[i]! >= 0x80) ascii = false;
  const s = ascii ? String.fromCharCode(...b.subarray(c.pos, c.pos + n)) : fromUtf8.decode(b.subarray(c.pos, c.pos + n));
  c.pos += n;
  return s;
}

/** The token total of a document record (all columns). */
export function docTokens(b: Uint8Array, where: string): number {
  checkHeader(b, KIND_DOC, where);
  const c = { pos: 3 };
  const n = readUvarint(b, c, where);
  let d = 0;
  for (let i = 0; i < n; i++) d += readUvarint(b, c, where);
  return d;
}

/**
 * A document record's token total and the positions (column · 2^32 + offset, ascending per
 * term) of the terms `want` accepts; positions of other terms are skipped undecoded.
 */
export function decodeDoc(b: Uint8Array, want: (term: string) => boolean, where: string): { tokens: number; terms: Map<string, Pos[]> } {
  checkHeader(b, KIND_DOC, where);
  const c = { pos: 3 };
  const ncols = readUvarint(b, c, where);
  let tokens = 0;
  for (let i = 0; i < ncols; i++) tokens += readUvarint(b, c, where);
  const nterms = readUvarint(b, c, where);
  const terms = new Map<string, Pos[]>();
  for (let i = 0; i < nterms; i++) {
    const term = readTerm(b, c, where);
    const keep = want(term);
    const list: Pos[] = [];
    const groups = readUvarint(b, c, where);
    for (let g = 0; g < groups; g++) {
      const col = readUvarint(b, c, where);
      const n = readUvarint(b, c, where);
      let p = 0;
      for (let k = 0; k < n; k++) {
        p += readUvarint(b, c, where);
        if (keep) list.push(col * COL_SHIFT + p);
      }
    }
    if (keep) terms.set(term, list);
  }
  if (c.pos !== b.length) throw corrupt('trailing bytes', where, c.pos);
  return { tokens, terms };
}

/** Rows indexed and their token total. */
export interface Totals {
  rows: number;
  tokens: number;
}

export function encodeTotals(t: Totals): Uint8Array {
  const out = header(KIND_TOTALS);
  writeUvarint(out, t.rows);
  writeUvarint(out, t.tokens);
  return Uint8Array.from(out);
}

export function decodeTotals(b: Uint8Array, where: string): Totals {
  checkHeader(b, KIND_TOTALS, where);
  const c = { pos: 3 };
  const rows = readUvarint(b, c, where);
  const tokens = readUvarint(b, c, where);
  if (c.pos !== b.length) throw corrupt('trailing bytes', where, c.pos);
  return { rows, tokens };
}
