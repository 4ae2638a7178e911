// One dictionary-encoded data page of a flat column kept decompressed and read value by
// value: the point-read path of cold runs (src/cold/cold-group.ts). A point lookup needs one
// row of a page, and a pass of lookups spread over a table touches nearly every page, so
// decoding a page whole (page-decoder.ts) cost the first pass of lookups its whole table;
// here opening a page only walks the headers of its RLE / bit-packed runs (Parquet
// Encodings.md, "RLE / Bit-Packing Hybrid": a few dozen per page) and a value is found by
// its run. Pages of other encodings are decoded whole by page-decoder.ts.
import { corruption } from '../errors.js';
import type { ColumnValue } from './schema.js';
import { ENCODING_PLAIN_DICTIONARY, ENCODING_RLE_DICTIONARY, varint, type Cursor } from './page-header.js';
import { openDataPage, type ChunkPagesState, type Dictionary, type PageSpan } from './page-decoder.js';
import type { OpenedParquet } from './parquet-reader.js';

/** The runs of an RLE / bit-packed hybrid sequence, indexed by the first value each holds. */
class Runs {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly width: number,
    /** First value index of each run, and the count after the last run. */
    private readonly starts: Int32Array,
    /** Byte offset of a bit-packed run's values, or -1 for an RLE run. */
    private readonly at: Int32Array,
    /** An RLE run's value. */
    private readonly rle: Float64Array,
    /** Ones before each run (definition levels: the non-null values before it). */
    private readonly ones: Int32Array | null,
  ) {}

  /** Walks the run headers of `count` values from `c.pos` to `end`. Throws CORRUPTION where readHybrid would. */
  static index(c: Cursor, end: number, width: number, count: number, countOnes: boolean): Runs {
    const bytes = c.bytes;
    const byteWidth = (width + 7) >> 3;
    const starts: number[] = [];
    const at: number[] = [];
    const rle: number[] = [];
    const ones: number[] = [];
    let i = 0;
    let one = 0;
    while (i < count) {
      if (c.pos >= end) throw corruption('columnar', c.file, c.base + c.pos, `levels or indices end after ${i} of ${count} values`);
      const h = varint(c);
      starts.push(i);
      ones.push(one);
      if (h % 2 === 0) {
        const n = Math.min(h / 2, count - i);
        let v = 0;
        for (let b = 0; b < byteWidth; b++) v += bytes[c.pos + b]! * 2 ** (8 * b);
        c.pos += byteWidth;
        if (c.pos > end) throw corruption('columnar', c.file, c.base + c.pos, 'RLE run past the end of its data');
        if (v >= 2 ** width) throw corruption('columnar', c.file, c.base + c.pos, `RLE value ${v} wider than ${width} bits`);
        if (n === 0) throw corruption('columnar', c.file, c.base + c.pos, 'empty RLE run');
        at.push(-1);
        rle.push(v);
        if (countOnes) one += v * n;
        i += n;
        continue;
      }
      const groups = (h - 1) / 2;
      const n = Math.min(groups * 8, count - i);
      if (n === 0) throw corruption('columnar', c.file, c.base + c.pos, 'empty bit-packed run');
      if (c.pos + Math.ceil((n * width) / 8) > end) throw corruption('columnar', c.file, c.base + c.pos, 'bit-packed run past the end of its data');
      at.push(c.pos);
      rle.push(0);
      if (countOnes) for (let k = 0; k < n; k++) one += bitAt(bytes, c.pos, k);
      c.pos += groups * width;
      i += n;
    }
    starts.push(count);
    ones.push(one);
    return new Runs(bytes, width, Int32Array.from(starts), Int32Array.from(at), Float64Array.from(rle), countOnes ? Int32Array.from(ones) : null);
  }

  get byteSize(): number {
    return this.starts.byteLength + this.at.byteLength + this.rle.byteLength + (this.ones?.byteLength ?? 0);
  }

  /** Ones among all values (definition levels: the page's non-null values). */
  get totalOnes(): number {
    return this.ones![this.ones!.length - 1]!;
  }

  private runOf(k: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Value k. */
  get(k: number): number {
    const r = this.runOf(k);
    const at = this.at[r]!;
    if (at < 0) return this.rle[r]!;
    return unpack(this.bytes, at, k - this.starts[r]!, this.width);
  }

  /** Ones among values [0, k) — REQUIRES one-bit values (definition levels). */
  onesBefore(k: number): number {
    const r = this.runOf(k);
    const from = this.starts[r]!;
    const at = this.at[r]!;
    if (at < 0) return this.ones![r]! + this.rle[r]! * (k - from);
    let s = this.ones![r]!;
    for (let j = 0; j < k - from; j++) s += bitAt(this.bytes, at, j);
    return s;
  }
}

function bitAt(b: Uint8Array, at: number, j: number): number {
  return (b[at + (j >> 3)]! >> (j & 7)) & 1;
}

/** The j-th `width`-bit value, LSB first, of the bit-packed values starting at byte `at`. */
function unpack(b: Uint8Array, at: number, j: number, width: number): number {
  if (width === 0) return 0;
  let bit = j * width;
  let v = 0;
  let got = 0;
  while (got < width) {
    const byte = b[at + (bit >> 3)]!;
    const off = bit & 7;
    const take = Math.min(8 - off, width - got);
    v += ((byte >> off) & ((1 << take) - 1)) * 2 ** got;
    got += take;
    bit += take;
  }
  return v;
}

/** A data page read value by value (made by {@link viewDataPage}). */
export class PageView {
  constructor(
    readonly rows: number,
    private readonly dict: Dictionary,
    private readonly int: boolean,
    private readonly defs: Runs | null,
    private readonly idx: Runs,
    private readonly file: string,
    private readonly offset: number,
    /** Bytes held: the decompressed page and the run indexes. */
    readonly bytes: number,
  ) {}

  /** Row r's value (an integer column's as a bigint, as chunkValue gives it). Throws CORRUPTION for an index beyond the dictionary. */
  value(r: number): ColumnValue {
    let k = r;
    if (this.defs) {
      if (this.defs.get(r) === 0) return null;
      k = this.defs.onesBefore(r);
    }
    const i = this.idx.get(k);
    const d = this.dict;
    const size = d.kind === 'num' ? d.values.length : d.codes.length;
    if (i >= size) throw corruption('columnar', this.file, this.offset, `dictionary index ${i} of ${size} entries`);
    if (d.kind === 'str') return d.values[d.codes[i]!]!;
    const v = d.values[i]!;
    return this.int ? BigInt(v) : v;
  }
}

/**
 * Data page `page` of `column` in row group `g` as a {@link PageView}; undefined when it is not
 * a dictionary-encoded page this reader takes (decode it with decodeDataPage). `state` is per
 * column chunk, shared with decodeDataPage. Throws CORRUPTION as decodeDataPage for a page
 * whose runs do not parse.
 */
export async function viewDataPage(file: OpenedParquet, g: number, column: string, page: PageSpan, state: ChunkPagesState): Promise<PageView | undefined> {
  const o = await openDataPage(file, g, column, page, state);
  if (!o || !o.dict || (o.encoding !== ENCODING_RLE_DICTIONARY && o.encoding !== ENCODING_PLAIN_DICTIONARY)) return undefined;
  const { n } = o;
  const name = file.source.name;
  // The view outlives this read: hold bytes of its own, not a window on a larger buffer
  // (an uncompressed page is a slice of the source's bytes).
  const values = own(o.values);
  const defs = o.defs ? Runs.index(own(o.defs), o.defEnd, 1, n, true) : null;
  const present = defs ? defs.totalOnes : n;
  const bitWidth = values.pos < values.bytes.length ? values.bytes[values.pos++]! : 0;
  if (bitWidth > 32) throw corruption('columnar', name, page.offset, `dictionary index width ${bitWidth}`);
  const idx = Runs.index(values, values.bytes.length, bitWidth, present, false);
  const bytes = values.bytes.byteLength + (o.defs && o.defs.bytes !== o.values.bytes ? o.defs.bytes.byteLength : 0) + idx.byteSize + (defs?.byteSize ?? 0) + 64;
  return new PageView(n, o.dict, o.p.phys === 'int', defs, idx, name, page.offset, bytes);
}

function own(c: Cursor): Cursor {
  const b = c.bytes;
  if (b.byteOffset === 0 && b.buffer.byteLength === b.byteLength) return { ...c };
  return { bytes: b.slice(), pos: c.pos, file: c.file, base: c.base };
}
