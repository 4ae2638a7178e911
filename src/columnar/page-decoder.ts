// One data page of a flat column decoded straight into a typed column chunk (column-chunk.ts):
// the point-read path of cold runs (src/cold/cold-group.ts), which decodes a page per value
// column per row it visits. Going through hyparquet, a page became JS values (a BigInt per
// integer, a string reference per dictionary index), was run through its nested-list
// assembly (every value of an OPTIONAL column, even one without nulls) and then converted to
// a chunk — most of a first lookup's time. Here the dictionary page of a column chunk is
// decoded once (its values as numbers or distinct strings) and a data page becomes its
// dictionary indices gathered into the chunk. Pages this decoder does not take (another
// encoding, nested or binary columns, off-type values in a shadow column, integers beyond
// ±2^53) answer undefined and the caller reads them through parquet-reader.ts.
// Every byte comes through the file's source, which verifies what it returns (run-source.ts).
import { corruption } from '../errors.js';
import { utf8Decoder } from '../util/bytes.js';
import type { ColumnChunk } from './column-chunk.js';
import { ENCODING_DELTA_BINARY_PACKED, ENCODING_PLAIN, ENCODING_PLAIN_DICTIONARY, ENCODING_RLE_DICTIONARY, readHybrid, readPageHeader, varint, type Cursor, type PageHeader } from './page-header.js';
import { pageIndex } from './page-index.js';
import { decompressPageBytes, type OpenedParquet } from './parquet-reader.js';

/** A data page: its byte range (offset index `page_locations`) and row count. */
export interface PageSpan {
  readonly offset: number;
  readonly size: number;
  readonly rows: number;
}

/** A column chunk's dictionary: numbers, or distinct strings with each dictionary index's code. */
export type Dictionary = { readonly kind: 'num'; readonly values: Float64Array } | { readonly kind: 'str'; readonly codes: Int32Array; readonly values: readonly string[]; readonly bytes: number };

/** What decoding pages of one column chunk keeps between pages (create one per chunk, empty). */
export interface ChunkPagesState {
  /** The decoded dictionary page; null when the chunk has none or it does not fit. */
  dict?: Dictionary | null | Promise<Dictionary | null>;
}

type Physical = 'int' | 'double' | 'string';

/** Where the fast path applies: the column's physical kind and max definition level; undefined when it does not. */
function plan(file: OpenedParquet, g: number, column: string): { phys: Physical; maxDef: number; codec: string; dictOffset: number; dataOffset: number } | undefined {
  const info = file.stats.columns.find((c) => c.column.name === column)?.column;
  if (!info || info.shadowOf !== undefined) return undefined;
  // Off-type values live in a shadow column: the chunk alone would not tell them.
  if (info.fieldId !== null && file.stats.columns.some((c) => c.column.shadowOf === info.fieldId)) return undefined;
  const meta = file.metadata.row_groups[g]?.columns[info.index]?.meta_data;
  if (!meta || meta.path_in_schema.length !== 1 || meta.path_in_schema[0] !== column) return undefined;
  const phys: Physical | undefined =
    (info.type === 'long' || info.type === 'timestamptz') && meta.type === 'INT64' ? 'int' : info.type === 'double' && meta.type === 'DOUBLE' ? 'double' : info.type === 'string' && meta.type === 'BYTE_ARRAY' ? 'string' : undefined;
  if (!phys) return undefined;
  const el = file.metadata.schema.find((e) => e.name === column && !e.num_children);
  if (!el || (el.repetition_type !== 'OPTIONAL' && el.repetition_type !== 'REQUIRED')) return undefined;
  return { phys, maxDef: el.repetition_type === 'OPTIONAL' ? 1 : 0, codec: meta.codec, dictOffset: Number(meta.dictionary_page_offset ?? 0), dataOffset: Number(meta.data_page_offset) };
}

/** A data page's parts before its values are decoded (decompressed, header checked). */
export interface OpenedDataPage {
  readonly p: NonNullable<ReturnType<typeof plan>>;
  readonly dict: Dictionary | null;
  /** Rows (= values, flat columns) of the page. */
  readonly n: number;
  /** Definition levels (RLE/bit-packed hybrid, width 1) up to defEnd; undefined for a REQUIRED column. */
  readonly defs: Cursor | undefined;
  readonly defEnd: number;
  /** The encoded values. */
  readonly values: Cursor;
  readonly encoding: number;
}

/**
 * Reads, checks and decompresses data page `page` of `column` (and its chunk's dictionary,
 * once per `state`); undefined where this decoder does not take the page. Throws as
 * {@link decodeDataPage}.
 */
export async function openDataPage(file: OpenedParquet, g: number, column: string, page: PageSpan, state: ChunkPagesState): Promise<OpenedDataPage | undefined> {
  const p = plan(file, g, column);
  if (!p) return undefined;
  const name = file.source.name;
  // Awaited first (read once per chunk), so the decoding below runs without a break and may
  // use the shared scratch arrays.
  const dict = p.dictOffset ? await dictionary(file, p, column, state) : null;
  const bytes = await file.source.slice(page.offset, page.offset + page.size);
  const c: Cursor = { bytes, pos: 0, file: name, base: page.offset };
  const h = readPageHeader(c);
  if (c.pos + h.compressedSize !== bytes.length) throw corruption('columnar', name, page.offset, `page of ${page.size} bytes has a ${c.pos}-byte header and ${h.compressedSize} data bytes`);
  const body = bytes.subarray(c.pos);
  let n: number;
  let defs: Cursor | undefined;
  let defEnd = 0;
  let values: Cursor;
  let encoding: number;
  if (h.type === 0 && h.v1) {
    n = h.v1.numValues;
    encoding = h.v1.encoding;
    const data = decompressPageBytes(h.uncompressedSize, p.codec, body, name, page.offset);
    let pos = 0;
    if (p.maxDef) {
      if (data.length < 4) throw corruption('columnar', name, page.offset, 'data page too short for its definition levels');
      const len = data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
      if (len < 0 || 4 + len > data.length) throw corruption('columnar', name, page.offset, `definition levels of ${len} bytes overrun the page`);
      defs = { bytes: data, pos: 4, file: name, base: page.offset };
      defEnd = 4 + len;
      pos = defEnd;
    }
    values = { bytes: data, pos, file: name, base: page.offset };
  } else if (h.type === 3 && h.v2) {
    const v2 = h.v2;
    if (v2.repLength !== 0 || v2.numValues !== v2.numRows || v2.defLength < 0 || v2.repLength + v2.defLength > body.length) return undefined;
    n = v2.numRows;
    encoding = v2.encoding;
    if (p.maxDef) {
      defs = { bytes: body, pos: 0, file: name, base: page.offset };
      defEnd = v2.defLength;
    }
    const rest = body.subarray(v2.defLength);
    const data = v2.compressed ? decompressPageBytes(h.uncompressedSize - v2.defLength, p.codec, rest, name, page.offset) : rest;
    values = { bytes: data, pos: 0, file: name, base: page.offset };
  } else return undefined;
  if (n !== page.rows) throw corruption('columnar', name, page.offset, `data page holds ${n} rows, the offset index says ${page.rows}`);
  return { p, dict, n, defs, defEnd, values, encoding };
}

/**
 * The rows of data page `page` of `column` in row group `g`, as a typed chunk; undefined when
 * this decoder does not take the page (see the file comment). `state` is per column chunk.
 * Throws CORRUPTION for a page that does not decode (after its bytes passed their checksum:
 * a writer bug or an unsupported layout we claimed) and for a page whose row count disagrees
 * with the offset index.
 */
export async function decodeDataPage(file: OpenedParquet, g: number, column: string, page: PageSpan, state: ChunkPagesState): Promise<ColumnChunk | undefined> {
  const o = await openDataPage(file, g, column, page, state);
  if (!o) return undefined;
  const { p, dict, n, defs, defEnd, values, encoding } = o;
  const name = file.source.name;
  let nulls: Uint8Array | null = null;
  let present = n;
  if (defs) {
    // Levels are 0 (NULL) or 1: readHybrid holds every value to the one-bit width.
    const levels = scratchLevels(n);
    readHybrid(defs, defEnd, 1, levels, n);
    present = countOnes(levels);
    if (present < n) {
      nulls = new Uint8Array(n);
      for (let r = 0; r < n; r++) nulls[r] = levels[r]! ^ 1;
    }
  }
  if (encoding === ENCODING_RLE_DICTIONARY || encoding === ENCODING_PLAIN_DICTIONARY) {
    if (!dict) return undefined;
    const bitWidth = values.pos < values.bytes.length ? values.bytes[values.pos++]! : 0;
    if (bitWidth > 32) throw corruption('columnar', name, page.offset, `dictionary index width ${bitWidth}`);
    const idx = scratchIndexes(present);
    if (present > 0) readHybrid(values, values.bytes.length, bitWidth, idx, present);
    const size = dict.kind === 'num' ? dict.values.length : dict.codes.length;
    if (maxIndex(idx) >= size) throw corruption('columnar', name, page.offset, `dictionary index ${maxIndex(idx)} of ${size} entries`);
    if (dict.kind === 'num') {
      const out = new Float64Array(n);
      gatherNum(out, dict.values, idx, nulls);
      return { kind: 'num', values: out, nulls, int: p.phys === 'int', bytes: n * 8 + (nulls ? n : 0) };
    }
    const codes = new Int32Array(n);
    gatherCodes(codes, dict.codes, idx, nulls);
    return { kind: 'dict', codes, dict: dict.values, nulls, bytes: n * 4 + dict.bytes + (nulls ? n : 0) };
  }
  if (encoding === ENCODING_DELTA_BINARY_PACKED) {
    if (p.phys !== 'int') return undefined;
    const got = readDeltaBinaryPacked(values, present);
    if (!got) return undefined;
    if (!nulls) return { kind: 'num', values: got, nulls: null, int: true, bytes: n * 8 };
    const out = new Float64Array(n);
    for (let r = 0, k = 0; r < n; r++) if (!nulls[r]) out[r] = got[k++]!;
    return { kind: 'num', values: out, nulls, int: true, bytes: n * 8 + n };
  }
  if (encoding !== ENCODING_PLAIN) return undefined;
  const plain = readPlain(values, p.phys, present);
  if (!plain) return undefined;
  if (plain.kind === 'num') {
    if (!nulls && present === n) return { kind: 'num', values: plain.values, nulls: null, int: p.phys === 'int', bytes: n * 8 };
    const out = new Float64Array(n);
    for (let r = 0, k = 0; r < n; r++) if (!nulls![r]) out[r] = plain.values[k++]!;
    return { kind: 'num', values: out, nulls, int: p.phys === 'int', bytes: n * 8 + n };
  }
  const codes = new Int32Array(n);
  for (let r = 0, k = 0; r < n; r++) if (!nulls || !nulls[r]) codes[r] = plain.codes[k++]!;
  return { kind: 'dict', codes, dict: plain.values, nulls, bytes: n * 4 + plain.bytes + (nulls ? n : 0) };
}

/**
 * Rows [0, rows) of `column` in row group `g` — every data page of the chunk, found through
 * its offset index (page-index.ts) — as one typed chunk; undefined where {@link decodeDataPage}
 * does not take a page.
 */
export async function decodeColumnChunk(file: OpenedParquet, g: number, column: string, state: ChunkPagesState = {}): Promise<ColumnChunk | undefined> {
  if (!plan(file, g, column)) return undefined;
  const index = await pageIndex(file, g, column);
  if (!index.pages) return undefined;
  const rows = Number(file.metadata.row_groups[g]!.num_rows);
  const parts: ColumnChunk[] = [];
  for (let i = 0; i < index.pages.length; i++) {
    const end = i + 1 < index.starts.length ? index.starts[i + 1]! : rows;
    const part = await decodeDataPage(file, g, column, { ...index.pages[i]!, rows: end - index.starts[i]! }, state);
    if (!part) return undefined;
    parts.push(part);
  }
  if (parts.length === 1) return parts[0];
  const first = parts[0]!;
  const anyNulls = parts.some((c) => c.nulls);
  const nulls = anyNulls ? new Uint8Array(rows) : null;
  let at = 0;
  if (first.kind === 'num') {
    const values = new Float64Array(rows);
    for (const c of parts) {
      if (c.kind !== 'num') return undefined;
      values.set(c.values, at);
      if (c.nulls) nulls!.set(c.nulls, at);
      at += c.values.length;
    }
    return { kind: 'num', values, nulls, int: first.int, bytes: rows * 8 + (nulls ? rows : 0) };
  }
  const codes = new Int32Array(rows);
  // Pages drawing on the chunk's dictionary share its codes; PLAIN pages (after the dictionary
  // overflowed) have their own distinct values, merged here.
  let dict = first.kind === 'dict' ? first.dict : [];
  let ids: Map<string, number> | null = null;
  let dictBytes = 0;
  for (const c of parts) {
    if (c.kind !== 'dict') return undefined;
    if (c.dict === dict) codes.set(c.codes, at);
    else {
      if (!ids) {
        dict = dict.slice();
        ids = new Map(dict.map((v, i) => [v, i]));
      }
      const remap = c.dict.map((v) => {
        let id = ids!.get(v);
        if (id === undefined) {
          ids!.set(v, (id = dict.length));
          (dict as string[]).push(v);
        }
        return id;
      });
      for (let r = 0; r < c.codes.length; r++) codes[at + r] = remap[c.codes[r]!]!;
    }
    if (c.nulls) nulls!.set(c.nulls, at);
    at += c.codes.length;
  }
  for (const v of dict) dictBytes += v.length * 2 + 16;
  return { kind: 'dict', codes, dict, nulls, bytes: rows * 4 + dictBytes + (nulls ? rows : 0) };
}

/**
 * Scratch arrays for a page's definition levels and dictionary indexes, reused from page to
 * page (a fresh pair per page was most of a first lookup pass's garbage). Only synchronous
 * code holds them.
 */
let levelsScratch = new Uint8Array(0);
let indexScratch = new Int32Array(0);

function scratchLevels(n: number): Uint8Array {
  if (levelsScratch.length < n) levelsScratch = new Uint8Array(Math.max(n, 2 * levelsScratch.length));
  return levelsScratch.subarray(0, n);
}

function scratchIndexes(n: number): Int32Array {
  if (indexScratch.length < n) indexScratch = new Int32Array(Math.max(n, 2 * indexScratch.length));
  return indexScratch.subarray(0, n);
}

function countOnes(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** The largest value of `a` as unsigned (-1 when empty). */
function maxIndex(a: Int32Array): number {
  let m = -1;
  for (let i = 0; i < a.length; i++) if (a[i]! >>> 0 > m) m = a[i]! >>> 0;
  return m;
}

/** out[r] = dict[idx[k]] for each non-null row r, k counting those rows. */
function gatherNum(out: Float64Array, dict: Float64Array, idx: Int32Array, nulls: Uint8Array | null): void {
  const n = out.length;
  if (!nulls) for (let r = 0; r < n; r++) out[r] = dict[idx[r]!]!;
  else for (let r = 0, k = 0; r < n; r++) if (!nulls[r]) out[r] = dict[idx[k++]!]!;
}

function gatherCodes(out: Int32Array, codes: Int32Array, idx: Int32Array, nulls: Uint8Array | null): void {
  const n = out.length;
  if (!nulls) for (let r = 0; r < n; r++) out[r] = codes[idx[r]!]!;
  else for (let r = 0, k = 0; r < n; r++) if (!nulls[r]) out[r] = codes[idx[k++]!]!;
}

/** The chunk's dictionary page, decoded once per state. */
async function dictionary(file: OpenedParquet, p: NonNullable<ReturnType<typeof plan>>, column: string, state: ChunkPagesState): Promise<Dictionary | null> {
  if (state.dict === undefined) state.dict = readDictionary(file, p, column);
  return state.dict;
}

async function readDictionary(file: OpenedParquet, p: NonNullable<ReturnType<typeof plan>>, column: string): Promise<Dictionary | null> {
  if (!p.dictOffset || p.dictOffset >= p.dataOffset) return null;
  const name = file.source.name;
  const bytes = await file.source.slice(p.dictOffset, p.dataOffset);
  const c: Cursor = { bytes, pos: 0, file: name, base: p.dictOffset };
  const h: PageHeader = readPageHeader(c);
  if (h.type !== 2 || !h.dict) throw corruption('columnar', name, p.dictOffset, `column "${column}" has no dictionary page where its chunk starts`);
  if (h.dict.encoding !== ENCODING_PLAIN && h.dict.encoding !== ENCODING_PLAIN_DICTIONARY) return null;
  if (c.pos + h.compressedSize > bytes.length) throw corruption('columnar', name, p.dictOffset, 'dictionary page overruns its chunk');
  const data = decompressPageBytes(h.uncompressedSize, p.codec, bytes.subarray(c.pos, c.pos + h.compressedSize), name, p.dictOffset);
  const plain = readPlain({ bytes: data, pos: 0, file: name, base: p.dictOffset }, p.phys, h.dict.numValues);
  if (!plain) return null;
  return plain.kind === 'num' ? plain : { kind: 'str', codes: plain.codes, values: plain.values, bytes: plain.bytes };
}

/**
 * `count` PLAIN values: numbers (undefined for an integer beyond ±2^53, which a Float64Array
 * cannot hold exactly), or strings as codes into their distinct values.
 */
function readPlain(
  c: Cursor,
  phys: Physical,
  count: number,
): { kind: 'num'; values: Float64Array } | { kind: 'str'; codes: Int32Array; values: string[]; bytes: number } | undefined {
  const b = c.bytes;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (phys !== 'string') {
    if (c.pos + 8 * count > b.length) throw corruption('columnar', c.file, c.base, `${count} PLAIN values overrun a ${b.length}-byte page`);
    const out = new Float64Array(count);
    let at = c.pos;
    if (phys === 'double') {
      for (let k = 0; k < count; k++, at += 8) out[k] = view.getFloat64(at, true);
    } else {
      for (let k = 0; k < count; k++, at += 8) {
        const x = view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true);
        // As parquet-reader's chunks: beyond ±2^53 (rounded to at least 2^53) is not exact.
        if (x >= 2 ** 53 || x <= -(2 ** 53)) return undefined;
        out[k] = x;
      }
    }
    c.pos = at;
    return { kind: 'num', values: out };
  }
  const codes = new Int32Array(count);
  const values: string[] = [];
  const ids = new Map<string, number>();
  let bytes = 0;
  let at = c.pos;
  for (let k = 0; k < count; k++) {
    if (at + 4 > b.length) throw corruption('columnar', c.file, c.base, `PLAIN string ${k} of ${count} overruns the page`);
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > b.length) throw corruption('columnar', c.file, c.base, `PLAIN string ${k} of ${len} bytes overruns the page`);
    const s = utf8Decoder.decode(b.subarray(at, at + len));
    at += len;
    let id = ids.get(s);
    if (id === undefined) {
      id = values.length;
      ids.set(s, id);
      values.push(s);
      bytes += s.length * 2 + 16;
    }
    codes[k] = id;
  }
  c.pos = at;
  return { kind: 'str', codes, values, bytes };
}

/** A zigzag varint as a number; NaN when it is 2^53 or more in magnitude (not exact as a number). */
function zigzagNumber(c: Cursor): number {
  const v = varint(c);
  if (v >= 2 ** 53) return NaN;
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

/**
 * `count` INT64 values of the DELTA_BINARY_PACKED encoding (Parquet Encodings.md) as numbers;
 * undefined when a value or delta does not fit ±2^53 or a miniblock is wider than 45 bits.
 */
function readDeltaBinaryPacked(c: Cursor, count: number): Float64Array | undefined {
  const out = new Float64Array(count);
  const b = c.bytes;
  const blockSize = varint(c);
  const miniblocks = varint(c);
  const total = varint(c);
  let value = zigzagNumber(c);
  if (count === 0) return out;
  const perMini = blockSize / miniblocks;
  if (!(miniblocks > 0 && Number.isInteger(perMini) && perMini % 32 === 0) || total < count) {
    throw corruption('columnar', c.file, c.base, `DELTA_BINARY_PACKED header: block ${blockSize}, ${miniblocks} miniblocks, ${total} values`);
  }
  if (Number.isNaN(value)) return undefined;
  out[0] = value;
  let i = 1;
  const widths = new Uint8Array(miniblocks);
  while (i < count) {
    const minDelta = zigzagNumber(c);
    if (Number.isNaN(minDelta)) return undefined;
    if (c.pos + miniblocks > b.length) throw corruption('columnar', c.file, c.base, 'DELTA_BINARY_PACKED block overruns its page');
    for (let m = 0; m < miniblocks; m++) widths[m] = b[c.pos++]!;
    for (let m = 0; m < miniblocks && i < count; m++) {
      const w = widths[m]!;
      // Wider than 45 bits would not gather exactly below 2^53 (the float path below).
      if (w > 45) return undefined;
      const n = Math.min(perMini, count - i);
      if (c.pos + Math.ceil((n * w) / 8) > b.length) throw corruption('columnar', c.file, c.base, 'DELTA_BINARY_PACKED miniblock overruns its page');
      let p = c.pos;
      let acc = 0;
      let bits = 0;
      for (let k = 0; k < n; k++) {
        let v: number;
        if (w === 0) v = 0;
        else if (w <= 24) {
          while (bits < w) {
            acc |= b[p++]! << bits;
            bits += 8;
          }
          v = acc & ((1 << w) - 1);
          acc >>>= w;
          bits -= w;
        } else {
          // Wider than 24 bits: gather with float arithmetic (exact below 2^53).
          let x = acc;
          let have = bits;
          while (have < w) {
            x += b[p++]! * 2 ** have;
            have += 8;
          }
          v = x % 2 ** w;
          acc = (x - v) / 2 ** w;
          bits = have - w;
        }
        value += minDelta + v;
        if (value >= 2 ** 53 || value <= -(2 ** 53)) return undefined;
        out[i++] = value;
      }
      // A miniblock always takes its full perMini * w bits.
      c.pos += (perMini * w) / 8;
    }
  }
  return out;
}
