// One row group of a columnar run file as the LSM reads it (cold-file-reader.ts): the key
// columns, LSNs and kinds of every row, decoded when the group is first entered (small:
// sorted integers, delta-encoded), and the other columns decoded lazily, one data page at a
// time, when a row of that page is visited (a point read decodes one page per column instead
// of the whole group), or all at once when an iterator walks the group in order (scans,
// compactions). Decoded groups live in a shared cache bounded by bytes (GroupCache).
import { chunkValue, compareValues, decodeColumnChunk, decodeDataPage, pageIndex, PageView, viewDataPage, readRowGroupChunks, type ChunkPagesState, type ColumnChunk, type ColumnValue, type OpenedParquet } from '../columnar/index.js';
import { makeInternalKey, TRAILER_SIZE, writeTrailer } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import type { ColdRowDecoder } from './cold-codec.js';
import { keepsVerifiedRanges } from './run-source.js';

/** A column chunk whose every row holds one value (its statistics say so: {@link constantOf}). */
class Constant {
  constructor(readonly v: ColumnValue) {}
}

/**
 * Decoded values of one column over some rows: a typed chunk, raw values when they do not
 * fit one, (a value column's page, for point reads) a page read value by value, or one value
 * for every row.
 */
type Decoded = ColumnChunk | readonly ColumnValue[] | PageView | Constant;

function valueAt(d: Decoded, r: number): ColumnValue {
  if (d instanceof PageView) return d.value(r);
  if (d instanceof Constant) return d.v;
  return Array.isArray(d) ? (d as readonly ColumnValue[])[r]! : chunkValue(d as ColumnChunk, r);
}


/** A non-key column of the group: decoded whole, or page by page. */
interface LazyColumn {
  /** Position in the row (schema order). */
  readonly pos: number;
  readonly name: string;
  whole: Decoded | null;
  /** First row of each data page (null until the offset index is read). */
  starts: number[] | null;
  /** Bytes of each data page (null without an offset index). */
  spans: { readonly offset: number; readonly size: number }[] | null;
  pages: (Decoded | undefined)[];
  /** The chunk's dictionary, kept between its pages (page-decoder.ts). */
  readonly state: ChunkPagesState;
}

/**
 * Process-wide counts of what cold row groups decoded (tests and diagnostics): `pages` value
 * columns' page spans and `pageRows` the rows they held (`fastPages` of them decoded by the
 * page decoder, columnar/page-decoder.ts, the rest through hyparquet; `viewPages` of those
 * kept as pages read value by value, columnar/page-view.ts), `wholeColumns` value columns
 * decoded for a whole group, `groups` groups entered (key columns decoded), `seeks` searches
 * of a group (`typedSeeks` of them on the typed key columns).
 */
export const coldDecodeStats = { groups: 0, pages: 0, pageRows: 0, fastPages: 0, viewPages: 0, wholeColumns: 0, seeks: 0, typedSeeks: 0 };

/** Bytes a memoized user key is counted as (array object plus its bytes). */
const UK_OVERHEAD = 64;

/**
 * A row group's rows as internal keys and values. `key(i)` and `compare` need only what the
 * group decodes on entry; `value(i)` needs row i's pages: call `loadRow(i)` (or `loadAll()`)
 * first and wait for it when it returns a promise.
 */
export class ColdGroup {
  private readonly row: ColumnValue[];
  /** User keys of the rows a search compared (memoized: searches share their first steps); made on the first such search. */
  private uks: (Uint8Array | undefined)[] | null = null;
  private readonly inflight = new Map<string, Promise<void>>();
  private complete: boolean;
  private readonly trailer = new Uint8Array(TRAILER_SIZE);

  constructor(
    private readonly file: OpenedParquet,
    private readonly g: number,
    readonly n: number,
    private readonly keyCols: readonly { readonly pos: number; readonly d: Decoded }[],
    private readonly lazy: LazyColumn[],
    /** Each row's LSN, or the one LSN of every row (a constant chunk: {@link constantOf}). */
    private readonly lsns: Float64Array | number,
    /** Each row's kind, or the one kind of every row. */
    private readonly kinds: Float64Array | number,
    private readonly decoder: ColdRowDecoder,
    width: number,
    /** Bytes held (decoded columns and memoized keys); grows as pages load. */
    public bytes: number,
    /** Told how many bytes the group grew by (the cache's accounting). */
    private readonly grew: (delta: number) => void,
  ) {
    this.row = new Array<ColumnValue>(width).fill(null);
    this.complete = lazy.every((c) => c.whole !== null);
  }

  /**
   * Decodes the key columns, LSNs and kinds of row group `g` (`keyColumns`: names and row
   * positions of the key columns; `valueColumns` the others). Throws like readRowGroupRange.
   */
  static async open(
    file: OpenedParquet,
    g: number,
    keyColumns: readonly { name: string; pos: number }[],
    valueColumns: readonly { name: string; pos: number }[],
    system_: { lsn: string; kind: string },
    decoder: ColdRowDecoder,
    width: number,
    grew: (delta: number) => void,
  ): Promise<ColdGroup> {
    const n = file.stats.rowGroups[g]!.rowCount;
    coldDecodeStats.groups++;
    await prefetchGroup(file, g);
    // Typed straight from the pages where the page decoder takes them, the rest through hyparquet.
    const decode = async (name: string): Promise<Decoded> => (await decodeColumnChunk(file, g, name)) ?? (await readRowGroupChunks(file, g, [name], 0, n))[0]!;
    let bytes = 0;
    const keyCols: { pos: number; d: Decoded }[] = [];
    for (const k of keyColumns) {
      const d = constantOf(file, g, k.name, n) ?? (await decode(k.name));
      bytes += bytesOf(d);
      keyCols.push({ pos: k.pos, d });
    }
    // A run written by one compaction often has one LSN and one kind in a group: the chunk's
    // statistics say so, and its pages need not be decoded (nor n numbers held).
    const system = async (name: string): Promise<Float64Array | number> => {
      const c = constantOf(file, g, name, n);
      if (typeof c?.v === 'bigint' && Number.isSafeInteger(Number(c.v))) return Number(c.v);
      bytes += 8 * n;
      return numbers(await decode(name), n);
    };
    const lsns = await system(system_.lsn);
    const kinds = await system(system_.kind);
    // A value column constant in the group (e.g. the row slot count, a column never set) is
    // known from the footer: none of its pages is read.
    const lazy: LazyColumn[] = valueColumns.map((c) => ({ pos: c.pos, name: c.name, whole: constantOf(file, g, c.name, n) ?? null, starts: null, spans: null, pages: [], state: {} }));
    return new ColdGroup(file, g, n, keyCols, lazy, lsns, kinds, decoder, width, bytes, grew);
  }

  private userKey(i: number): Uint8Array {
    const row = this.row;
    for (const k of this.keyCols) row[k.pos] = valueAt(k.d, i);
    // The decoder reads only the key positions of the row for a user key.
    return this.decoder.userKey(row);
  }

  private lsnAt(i: number): number {
    const l = this.lsns;
    return typeof l === 'number' ? l : l[i]!;
  }

  private kindAt(i: number): number {
    const k = this.kinds;
    return typeof k === 'number' ? k : k[i]!;
  }

  key(i: number): Uint8Array {
    return makeInternalKey(this.uks?.[i] ?? this.userKey(i), this.lsnAt(i), this.kindAt(i));
  }

  /** memcmp order of row i's internal key against `target` (any bytes: seeks pass bare user-key bounds too). */
  compare(i: number, target: Uint8Array): number {
    let uks = this.uks;
    if (!uks) {
      uks = this.uks = new Array<Uint8Array | undefined>(this.n);
      this.grow(8 * this.n);
    }
    let uk = uks[i];
    if (!uk) {
      uk = uks[i] = this.userKey(i);
      this.grow(UK_OVERHEAD + uk.length);
    }
    const m = Math.min(uk.length, target.length);
    const c = compareRange(uk, 0, m, target, 0, m);
    if (c !== 0) return c;
    // The internal key is the user key and an 8-byte trailer: longer than a target it starts with.
    if (target.length <= uk.length) return 1;
    writeTrailer(this.trailer, 0, this.lsnAt(i), this.kindAt(i));
    return compareRange(this.trailer, 0, TRAILER_SIZE, target, uk.length, target.length);
  }

  /**
   * Index of the first row whose internal key is > target (`inclusive`: >= target); n when
   * none. When the decoder reads `target` as one full user key (ColdRowDecoder.keyOf), the
   * search compares the typed key columns with its values and then only the trailers of the
   * rows holding that key: no key is encoded, and a step reads one number or string of a
   * column array instead of a separate key object (what made a warm lookup wait on memory).
   * Otherwise it compares encoded keys, memoized per row.
   */
  search(target: Uint8Array, inclusive: boolean): number {
    coldDecodeStats.seeks++;
    const k = this.decoder.keyOf?.(target);
    if (k) {
      coldDecodeStats.typedSeeks++;
      return this.searchTyped(k.values, target, k.length, inclusive);
    }
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(mid, target);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private searchTyped(key: readonly ColumnValue[], target: Uint8Array, ukLength: number, inclusive: boolean): number {
    // First row whose key tuple is >= key (rows are in user-key order, which is compareKeys').
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareTuple(mid, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    // Rows holding this very user key: a bare user key sorts before each of its versions;
    // otherwise their trailers decide (the user key bytes are equal).
    if (target.length === ukLength) return lo;
    for (; lo < this.n && this.compareTuple(lo, key) === 0; lo++) {
      writeTrailer(this.trailer, 0, this.lsnAt(lo), this.kindAt(lo));
      const c = compareRange(this.trailer, 0, TRAILER_SIZE, target, ukLength, target.length);
      if (c > 0 || (c === 0 && inclusive)) return lo;
    }
    return lo;
  }

  /** compareKeys order of row i's key tuple against `key`. */
  private compareTuple(i: number, key: readonly ColumnValue[]): number {
    const cols = this.keyCols;
    for (let k = 0; k < cols.length; k++) {
      const d = cols[k]!.d;
      // Raw numbers of a numeric chunk (exact: chunks hold integers only below 2^53).
      let v: ColumnValue;
      if (!Array.isArray(d) && (d as ColumnChunk).kind === 'num') {
        const c = d as ColumnChunk & { kind: 'num' };
        v = c.nulls && c.nulls[i] ? null : c.values[i]!;
      } else v = valueAt(d, i);
      const c = compareValues(v, key[k]!);
      if (c !== 0) return c;
    }
    return 0;
  }

  /**
   * Whether column c is read for a reader of `columns` (ColdRowDecoder.reads; every column
   * without a mask).
   */
  private wanted(c: LazyColumn, columns: Uint8Array | undefined): boolean {
    return columns === undefined || this.decoder.reads === undefined || this.decoder.reads(c.pos, columns);
  }

  /**
   * The row value of row i (empty for a tombstone). With `columns` (ColdRowDecoder.reads), the
   * columns not read are NULL in it. REQUIRES: loadRow(i, columns) or loadAll() finished.
   */
  value(i: number, columns?: Uint8Array): Uint8Array {
    if (this.kindAt(i) === 0) return EMPTY;
    const row = this.row;
    for (const k of this.keyCols) row[k.pos] = valueAt(k.d, i);
    for (const c of this.lazy) {
      if (c.whole) row[c.pos] = valueAt(c.whole, i);
      else if (!this.wanted(c, columns)) row[c.pos] = null;
      else {
        const p = pageOf(c.starts!, i);
        row[c.pos] = valueAt(c.pages[p]!, i - c.starts![p]!);
      }
    }
    return this.decoder.value(row);
  }

  /**
   * Makes row i's value readable: decodes the page holding it of each column not yet decoded
   * (with `columns`, of each column read for it: ColdRowDecoder.reads).
   */
  loadRow(i: number, columns?: Uint8Array): Promise<void> | undefined {
    if (this.complete || this.kindAt(i) === 0) return undefined;
    let wait: Promise<void>[] | undefined;
    for (const c of this.lazy) {
      if (c.whole || !this.wanted(c, columns)) continue;
      if (c.starts && c.pages[pageOf(c.starts, i)]) continue;
      (wait ??= []).push(this.loadPage(c, i));
    }
    return wait && Promise.all(wait).then(() => undefined);
  }

  /** Makes every row's value readable (one read of every column not yet decoded whole). */
  loadAll(): Promise<void> | undefined {
    if (this.complete) return undefined;
    return this.once('*', async () => {
      const todo = this.lazy.filter((c) => !c.whole);
      coldDecodeStats.wholeColumns += todo.length;
      const cols = await readRowGroupChunks(this.file, this.g, todo.map((c) => c.name), 0, this.n);
      let added = 0;
      todo.forEach((c, k) => {
        for (const p of c.pages) if (p) added -= bytesOf(p);
        c.whole = cols[k]!;
        c.pages = [];
        added += bytesOf(c.whole);
      });
      this.complete = true;
      this.grow(added);
    });
  }

  /** Decodes the page of column `c` holding row i (after reading the column's offset index once). */
  private loadPage(c: LazyColumn, i: number): Promise<void> {
    if (!c.starts) {
      return this.once(`${c.name}#`, async () => {
        if (c.starts) return;
        const index = await pageIndex(this.file, this.g, c.name);
        c.spans = index.pages;
        c.starts = index.starts;
      }).then(() => this.loadPage(c, i));
    }
    const starts = c.starts;
    const p = pageOf(starts, i);
    if (c.whole || c.pages[p]) return Promise.resolve();
    return this.once(`${c.name}@${p}`, async () => {
      const end = p + 1 < starts.length ? starts[p + 1]! : this.n;
      coldDecodeStats.pages++;
      coldDecodeStats.pageRows += end - starts[p]!;
      const span = c.spans?.[p] && { ...c.spans[p]!, rows: end - starts[p]! };
      // A dictionary page is read value by value (a lookup wants one row of it); other pages
      // typed straight from the page where the page decoder takes it, else through hyparquet.
      const fast = span && ((await viewDataPage(this.file, this.g, c.name, span, c.state)) ?? (await decodeDataPage(this.file, this.g, c.name, span, c.state)));
      const d = fast ?? (await readRowGroupChunks(this.file, this.g, [c.name], starts[p]!, end))[0];
      if (fast) coldDecodeStats.fastPages++;
      if (fast instanceof PageView) coldDecodeStats.viewPages++;
      if (c.whole || c.pages[p]) return;
      c.pages[p] = d!;
      this.grow(bytesOf(d!));
    });
  }

  /** Runs `f` once per `key` while it is in flight (concurrent readers of one page share it). */
  private once(key: string, f: () => Promise<void>): Promise<void> {
    let p = this.inflight.get(key);
    if (!p) {
      p = f().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private grow(delta: number): void {
    this.bytes += delta;
    this.grew(delta);
  }
}

const EMPTY = new Uint8Array(0);

/** Groups whose column chunks span at most this many bytes are fetched in one read on entry. */
const PREFETCH_BYTES = 8 * 1024 * 1024;

/**
 * Reads row group g's column chunks (contiguous in the file) in one request, so the source
 * verifies and keeps them (run-source.ts) and the pages decoded later cost no further I/O.
 */
async function prefetchGroup(file: OpenedParquet, g: number): Promise<void> {
  // An unverified source (a run from before checksums) keeps nothing: the read would be wasted.
  if (!keepsVerifiedRanges(file.source)) return;
  let start = Infinity;
  let end = 0;
  for (const c of file.metadata.row_groups[g]!.columns) {
    const m = c.meta_data;
    if (!m) return;
    const s = Number(m.dictionary_page_offset || m.data_page_offset);
    start = Math.min(start, s);
    end = Math.max(end, s + Number(m.total_compressed_size));
  }
  if (end > start && end - start <= PREFETCH_BYTES) await file.source.slice(start, end);
}

/**
 * The one value of column `name` in every row of group g, when the chunk's statistics say so:
 * every value NULL, or (integer columns: their min and max are exact, unlike a truncated
 * string's or a double chunk's, whose NaNs statistics leave out) min = max and no NULL.
 * Undefined otherwise, and for a column with off-type values in a shadow column. The
 * statistics come from the footer, which the run's checksums cover (run-source.ts).
 */
function constantOf(file: OpenedParquet, g: number, name: string, n: number): Constant | undefined {
  const k = file.stats.columns.findIndex((c) => c.column.name === name);
  const info = file.stats.columns[k]?.column;
  const s = file.stats.rowGroups[g]?.columns[k];
  if (!info || !s || s.valueCount !== n || n === 0) return undefined;
  if (info.shadowOf !== undefined || (info.fieldId !== null && file.stats.columns.some((c) => c.column.shadowOf === info.fieldId))) return undefined;
  if (s.nullCount === n) return new Constant(null);
  if (s.nullCount !== 0 || (info.type !== 'long' && info.type !== 'timestamptz')) return undefined;
  return typeof s.min === 'bigint' && s.min === s.max ? new Constant(s.min) : undefined;
}

/** A system column's values (integers, never NULL): a typed chunk's own array, else converted. */
function numbers(d: Decoded, n: number): Float64Array {
  if (!Array.isArray(d) && !(d instanceof PageView) && (d as ColumnChunk).kind === 'num') return (d as ColumnChunk & { kind: 'num' }).values;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = valueNumber(d, r);
  return out;
}

/** A system column's value (an integer) at row r. */
function valueNumber(d: Decoded, r: number): number {
  if (Array.isArray(d)) return Number((d as readonly ColumnValue[])[r] as bigint);
  return (d as ColumnChunk & { kind: 'num' }).values[r]!;
}

function bytesOf(d: Decoded): number {
  if (d instanceof PageView) return d.bytes;
  if (d instanceof Constant) return 16;
  return Array.isArray(d) ? 32 * d.length : (d as ColumnChunk).bytes;
}

/** Index of the page whose rows hold row i (starts ascending from 0). */
function pageOf(starts: readonly number[], i: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Decoded row groups of every open columnar file, least recently used out first, bounded by
 * bytes (the cold tier's counterpart of the block cache). 256 MiB holds ~3M rows of a
 * six-column table.
 */
export class GroupCache {
  private readonly map = new Map<string, ColdGroup>();
  private used = 0;
  constructor(readonly capacity: number) {}
  get usedBytes(): number {
    return this.used;
  }
  get(k: string): ColdGroup | undefined {
    const g = this.map.get(k);
    if (g) {
      this.map.delete(k);
      this.map.set(k, g);
    }
    return g;
  }
  set(k: string, g: ColdGroup): void {
    this.map.set(k, g);
    this.used += g.bytes;
    this.evict(k);
  }
  /** Group `k` grew (pages decoded after it was cached). */
  grew(k: string, delta: number): void {
    if (!this.map.has(k)) return;
    this.used += delta;
    this.evict(k);
  }
  /** Least recently used out until the cache fits; `keep` (just used) goes last, and goes too when it alone is over budget (its reader holds it). */
  private evict(keep: string): void {
    for (const [old, v] of this.map) {
      if (this.used <= this.capacity) return;
      if (old === keep) continue;
      this.map.delete(old);
      this.used -= v.bytes;
    }
    const k = this.map.get(keep);
    if (this.used > this.capacity && k) {
      this.map.delete(keep);
      this.used -= k.bytes;
    }
  }
}
