// Parquet page headers (the Thrift `PageHeader` struct of parquet.thrift, in Thrift's compact
// protocol) and the RLE / bit-packing hybrid encoding of levels and dictionary indices, as
// the Parquet format spec (Encodings.md) defines them: what page-decoder.ts needs to decode a
// data page straight into a typed column chunk. Only the fields that decoder reads are kept;
// every other field is skipped by its wire type.
import { corruption } from '../errors.js';

/** The fields of a `PageHeader` the page decoder uses (absent optional structs are undefined). */
export interface PageHeader {
  /** PageType: 0 DATA_PAGE, 2 DICTIONARY_PAGE, 3 DATA_PAGE_V2 (1 INDEX_PAGE). */
  readonly type: number;
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  /** DataPageHeader: num_values, encoding. */
  readonly v1?: { readonly numValues: number; readonly encoding: number };
  /** DictionaryPageHeader: num_values, encoding. */
  readonly dict?: { readonly numValues: number; readonly encoding: number };
  /** DataPageHeaderV2. */
  readonly v2?: {
    readonly numValues: number;
    readonly numNulls: number;
    readonly numRows: number;
    readonly encoding: number;
    readonly defLength: number;
    readonly repLength: number;
    readonly compressed: boolean;
  };
}

/** Parquet `Encoding` values the decoder accepts. */
export const ENCODING_PLAIN = 0;
export const ENCODING_PLAIN_DICTIONARY = 2;
export const ENCODING_RLE_DICTIONARY = 8;
export const ENCODING_DELTA_BINARY_PACKED = 5;

/** A cursor over bytes; `file` and `base` (the file offset of bytes[0]) name errors. */
export interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly file: string;
  readonly base: number;
}

function fail(c: Cursor, what: string): never {
  throw corruption('columnar', c.file, c.base + c.pos, what);
}

function byte(c: Cursor): number {
  if (c.pos >= c.bytes.length) fail(c, 'page header runs past its page');
  return c.bytes[c.pos++]!;
}

/** An unsigned LEB128 varint (up to 2^53). */
export function varint(c: Cursor): number {
  let out = 0;
  let scale = 1;
  for (;;) {
    const b = byte(c);
    out += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return out;
    scale *= 128;
    if (scale > 2 ** 56) fail(c, 'varint longer than 8 bytes');
  }
}

/** A zigzag-encoded varint (Thrift compact i16/i32/i64). */
function zigzag(c: Cursor): number {
  const v = varint(c);
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

/** Skips one value of compact wire type `t`. */
function skip(c: Cursor, t: number, depth: number): void {
  if (depth > 16) fail(c, 'page header nested too deeply');
  switch (t) {
    case 1:
    case 2:
      return;
    case 3:
      c.pos++;
      return;
    case 4:
    case 5:
    case 6:
      varint(c);
      return;
    case 7:
      c.pos += 8;
      return;
    case 8:
      c.pos += varint(c);
      return;
    case 9:
    case 10: {
      const h = byte(c);
      const n = h >> 4 === 15 ? varint(c) : h >> 4;
      for (let i = 0; i < n; i++) skip(c, h & 15, depth + 1);
      return;
    }
    case 11: {
      const n = varint(c);
      if (n === 0) return;
      const kv = byte(c);
      for (let i = 0; i < n; i++) {
        skip(c, kv >> 4, depth + 1);
        skip(c, kv & 15, depth + 1);
      }
      return;
    }
    case 12:
      struct(c, () => false, depth + 1);
      return;
    default:
      fail(c, `unknown Thrift compact type ${t}`);
  }
}

/** Reads a struct, handing each (field id, type) to `field`, which returns false to have it skipped. */
function struct(c: Cursor, field: (id: number, type: number) => boolean, depth = 0): void {
  let id = 0;
  for (;;) {
    const h = byte(c);
    if (h === 0) return;
    const t = h & 15;
    id = h >> 4 === 0 ? zigzag(c) : id + (h >> 4);
    if (!field(id, t)) skip(c, t, depth);
  }
}

/** A compact-protocol i32 field (wire type 5), else CORRUPTION. */
function i32(c: Cursor, t: number): number {
  if (t !== 5) fail(c, `page header field of type ${t} where an i32 belongs`);
  return zigzag(c);
}

/** Parses the page header at `c.pos`, leaving the cursor on the page's data. */
export function readPageHeader(c: Cursor): PageHeader {
  let type = -1;
  let uncompressedSize = -1;
  let compressedSize = -1;
  let v1: PageHeader['v1'];
  let dict: PageHeader['dict'];
  let v2: PageHeader['v2'];
  struct(c, (id, t) => {
    if (id === 1) type = i32(c, t);
    else if (id === 2) uncompressedSize = i32(c, t);
    else if (id === 3) compressedSize = i32(c, t);
    else if ((id === 5 || id === 7) && t === 12) {
      let numValues = -1;
      let encoding = -1;
      struct(c, (f, ft) => {
        if (f === 1) numValues = i32(c, ft);
        else if (f === 2) encoding = i32(c, ft);
        else return false;
        return true;
      });
      if (id === 5) v1 = { numValues, encoding };
      else dict = { numValues, encoding };
    } else if (id === 8 && t === 12) {
      const h = { numValues: -1, numNulls: -1, numRows: -1, encoding: -1, defLength: -1, repLength: -1, compressed: true };
      struct(c, (f, ft) => {
        if (f === 1) h.numValues = i32(c, ft);
        else if (f === 2) h.numNulls = i32(c, ft);
        else if (f === 3) h.numRows = i32(c, ft);
        else if (f === 4) h.encoding = i32(c, ft);
        else if (f === 5) h.defLength = i32(c, ft);
        else if (f === 6) h.repLength = i32(c, ft);
        else if (f === 7 && (ft === 1 || ft === 2)) h.compressed = ft === 1;
        else return false;
        return true;
      });
      v2 = h;
    } else return false;
    return true;
  });
  if (type < 0 || uncompressedSize < 0 || compressedSize < 0) fail(c, 'page header lacks its type or sizes');
  return { type, uncompressedSize, compressedSize, ...(v1 ? { v1 } : {}), ...(dict ? { dict } : {}), ...(v2 ? { v2 } : {}) };
}

/**
 * Decodes `count` values of the RLE / bit-packing hybrid encoding with `bitWidth` (0..32)
 * from `c.pos` up to byte `end` into `out` (starting at index 0); leaves the cursor after
 * the last run read. Throws CORRUPTION when the runs end before `count` values.
 */
export function readHybrid(c: Cursor, end: number, bitWidth: number, out: Int32Array | Uint8Array, count: number): void {
  const bytes = c.bytes;
  const byteWidth = (bitWidth + 7) >> 3;
  const mask = bitWidth >= 32 ? 0xffffffff : (1 << bitWidth) - 1;
  let i = 0;
  while (i < count) {
    if (c.pos >= end) fail(c, `levels or indices end after ${i} of ${count} values`);
    const h = varint(c);
    if (h % 2 === 0) {
      // RLE run: the value in byteWidth little-endian bytes, repeated h/2 times.
      const n = Math.min(h / 2, count - i);
      let v = 0;
      for (let b = 0; b < byteWidth; b++) v += bytes[c.pos + b]! * 2 ** (8 * b);
      c.pos += byteWidth;
      if (c.pos > end) fail(c, 'RLE run past the end of its data');
      if (v > mask >>> 0) fail(c, `RLE value ${v} wider than ${bitWidth} bits`);
      out.fill(v, i, i + n);
      i += n;
      continue;
    }
    // Bit-packed run: (h-1)/2 groups of 8 values, LSB first.
    const groups = (h - 1) / 2;
    const stop = Math.min(c.pos + groups * bitWidth, end);
    const n = Math.min(groups * 8, count - i);
    if (c.pos + Math.ceil((n * bitWidth) / 8) > end) fail(c, 'bit-packed run past the end of its data');
    let p = c.pos;
    if (bitWidth <= 24) {
      let acc = 0;
      let bits = 0;
      for (let k = 0; k < n; k++) {
        while (bits < bitWidth) {
          acc |= (p < stop ? bytes[p]! : 0) << bits;
          p++;
          bits += 8;
        }
        out[i + k] = acc & mask;
        acc >>>= bitWidth;
        bits -= bitWidth;
      }
    } else {
      let acc = 0;
      let bits = 0;
      for (let k = 0; k < n; k++) {
        while (bits < bitWidth) {
          acc += (p < stop ? bytes[p]! : 0) * 2 ** bits;
          p++;
          bits += 8;
        }
        const v = acc % 2 ** bitWidth;
        out[i + k] = v;
        acc = (acc - v) / 2 ** bitWidth;
        bits -= bitWidth;
      }
    }
    c.pos = stop;
    i += n;
  }
}
