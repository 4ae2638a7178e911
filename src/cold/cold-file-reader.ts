// A columnar run file read as the sorted (internal key, value) entries of the LSM, so point
// reads, scans, time travel and compactions go through it exactly as through an SSTable.
// A row group plays the part of a block: the manifest holds each group's first internal key
// (ColdFileInfo.groupKeys), so a seek decodes exactly one group, fetched with ranged reads,
// and keeps it in a shared cache of decoded groups.
import { DoSQLError } from '../errors.js';
import { chunkValue, readRowGroups, toChunk, type ColumnChunk, type ColumnValue, type OpenedParquet } from '../columnar/index.js';
import { COLUMN_KIND, COLUMN_LSN, runLayout } from './run-layout.js';
import { openRunFile } from './run-source.js';
import type { ColdFileInfo, FileMeta } from '../manifest/manifest-format.js';
import { makeInternalKey } from '../mvcc/internal-key.js';
import type { SSTableEntry } from '../sstable/sstable-reader.js';
import type { TableReader } from '../sstable/table-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import { compareBytes } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import type { ColdCodec, ColdRowDecoder } from './cold-codec.js';

/**
 * One decoded row group: its columns as typed chunks (raw arrays when a column's values do
 * not fit one). Internal keys and row values are built only for the rows a seek or a step
 * visits and are not kept (iterators hold their current row's): a cached group costs about
 * the size of its typed columns, and a point read costs ~log2(rows) key encodings.
 */
class Group {
  private readonly row: ColumnValue[];

  constructor(
    readonly n: number,
    private readonly cols: readonly (ColumnChunk | readonly ColumnValue[])[],
    private readonly lsns: Float64Array,
    private readonly kinds: Uint8Array,
    private readonly decoder: ColdRowDecoder,
    readonly bytes: number,
  ) {
    this.row = new Array<ColumnValue>(cols.length);
  }

  private fill(i: number): ColumnValue[] {
    const row = this.row;
    for (let c = 0; c < this.cols.length; c++) {
      const col = this.cols[c]!;
      row[c] = Array.isArray(col) ? (col as readonly ColumnValue[])[i]! : chunkValue(col as ColumnChunk, i);
    }
    return row;
  }

  key(i: number): Uint8Array {
    return makeInternalKey(this.decoder.userKey(this.fill(i)), this.lsns[i]!, this.kinds[i]!);
  }

  value(i: number): Uint8Array {
    return this.kinds[i] === 0 ? EMPTY : this.decoder.value(this.fill(i));
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Decoded row groups of every open columnar file, least recently used out first, bounded by
 * bytes (the cold tier's counterpart of the block cache). 256 MiB holds ~3M rows of a
 * six-column table.
 */
class GroupCache {
  private readonly map = new Map<string, Group>();
  private used = 0;
  constructor(private readonly capacity: number) {}
  get(k: string): Group | undefined {
    const g = this.map.get(k);
    if (g) {
      this.map.delete(k);
      this.map.set(k, g);
    }
    return g;
  }
  set(k: string, g: Group): void {
    this.map.set(k, g);
    this.used += g.bytes;
    for (const [old, v] of this.map) {
      if (this.used <= this.capacity || old === k) break;
      this.map.delete(old);
      this.used -= v.bytes;
    }
  }
}

const groupCache = new GroupCache(256 * 1024 * 1024);
let nextReaderId = 1;

export class ColdFileReader implements TableReader {
  private readonly id = nextReaderId++;
  private readonly inflight = new Map<number, Promise<Group>>();

  private constructor(
    private readonly file: OpenedParquet,
    private readonly info: ColdFileInfo,
    private readonly decoder: ColdRowDecoder,
    private readonly columns: string[],
  ) {}

  /**
   * Opens run file `meta` (footer only), verified against its manifest entry (run-source.ts):
   * every later read of its bytes is checked too. Throws CORRUPTION when the file is damaged
   * or disagrees with the manifest.
   */
  static async open(store: ObjectStore, meta: FileMeta, info: ColdFileInfo, codec: ColdCodec): Promise<ColdFileReader> {
    const key = meta.key;
    const file = await openRunFile(store, key, { size: meta.size, ...(info.checksums ? { checksums: info.checksums } : {}) });
    const layout = runLayout(file);
    if (file.stats.rowGroups.length !== info.groupKeys.length) {
      throw new DoSQLError('CORRUPTION', `compaction: ${key} has ${file.stats.rowGroups.length} row groups, the manifest says ${info.groupKeys.length}`, {
        details: { file: key },
      });
    }
    const columns = [...layout.schema.columns.map((c) => c.name), COLUMN_LSN, COLUMN_KIND];
    return new ColdFileReader(file, info, codec.decoder(info, layout.schema, layout.keyColumns), columns);
  }

  get groupCount(): number {
    return this.info.groupKeys.length;
  }

  /** Columnar runs have no bloom filter; the manifest's key range already excluded other tables. */
  mayContain(): boolean {
    return true;
  }

  seekFirst(target: Uint8Array): SSTableEntry | null | Promise<SSTableEntry | null> {
    const it = this.iterator();
    const done = (): SSTableEntry | null => {
      const out = it.valid() ? { key: it.key(), value: it.value() } : null;
      it.close();
      return out;
    };
    const p = it.seek(target);
    return p ? p.then(done) : done();
  }

  iterator(): InternalIterator {
    return new ColdFileIterator(this);
  }

  /** Index of the last group whose first key <= target, or -1. */
  groupFor(target: Uint8Array): number {
    const keys = this.info.groupKeys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(keys[mid]!, target) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The decoded group `g` (from the cache when possible). */
  group(g: number): Group | Promise<Group> {
    const hit = groupCache.get(`${this.id}:${g}`);
    if (hit) return hit;
    let p = this.inflight.get(g);
    if (!p) {
      p = this.load(g).finally(() => this.inflight.delete(g));
      this.inflight.set(g, p);
    }
    return p;
  }

  private async load(g: number): Promise<Group> {
    const width = this.columns.length - 2;
    let group: Group | undefined;
    for await (const rg of readRowGroups(this.file, { rowGroups: [g], columns: this.columns })) {
      const n = rg.columns[0]?.length ?? 0;
      let bytes = 16 * n;
      const cols = rg.columns.slice(0, width).map((raw) => {
        const chunk = toChunk(raw);
        bytes += chunk ? chunk.bytes : 32 * n;
        return chunk ?? raw;
      });
      const lsns = new Float64Array(n);
      const kinds = new Uint8Array(n);
      const l = rg.columns[width]!;
      const k = rg.columns[width + 1]!;
      for (let r = 0; r < n; r++) {
        lsns[r] = Number(l[r] as bigint);
        kinds[r] = Number(k[r] as bigint);
      }
      group = new Group(n, cols, lsns, kinds, this.decoder, bytes + 9 * n);
    }
    if (!group) throw new DoSQLError('CORRUPTION', `compaction: ${this.file.source.name} has no row group ${g}`, { details: { file: this.file.source.name } });
    groupCache.set(`${this.id}:${g}`, group);
    return group;
  }
}

/** Cursor (group, row) over a ColdFileReader. */
class ColdFileIterator implements InternalIterator {
  private g = -1;
  private i = 0;
  private cur: Group | null = null;
  /** Key and value of (g, i), built on first use. */
  private k: Uint8Array | null = null;
  private v: Uint8Array | null = null;
  private at = -1;

  constructor(private readonly r: ColdFileReader) {}

  valid(): boolean {
    return this.cur !== null && this.i >= 0 && this.i < this.cur.n;
  }
  key(): Uint8Array {
    this.sync();
    return (this.k ??= this.cur!.key(this.i));
  }
  value(): Uint8Array {
    this.sync();
    return (this.v ??= this.cur!.value(this.i));
  }
  private sync(): void {
    const pos = this.g * 0x1_0000_0000 + this.i;
    if (pos !== this.at) {
      this.at = pos;
      this.k = null;
      this.v = null;
    }
  }

  seekToFirst(): MaybePromise {
    return this.enter(0, () => 0, true);
  }

  seekToLast(): MaybePromise {
    return this.enter(this.r.groupCount - 1, (grp) => grp.n - 1, false);
  }

  seek(target: Uint8Array): MaybePromise {
    return this.enter(Math.max(0, this.r.groupFor(target)), (grp) => bound(grp, target, true), true);
  }

  seekForPrev(target: Uint8Array): MaybePromise {
    const g = this.r.groupFor(target);
    if (g < 0) {
      this.cur = null;
      return;
    }
    return this.enter(g, (grp) => bound(grp, target, false) - 1, false);
  }

  next(): MaybePromise {
    this.i++;
    if (this.i < this.cur!.n) return;
    return this.enter(this.g + 1, () => 0, true);
  }

  prev(): MaybePromise {
    this.i--;
    if (this.i >= 0) return;
    return this.enter(this.g - 1, (grp) => grp.n - 1, false);
  }

  close(): void {
    this.cur = null;
  }

  /** Positions in group g at pick(group); past either end moves on in `forward` direction. */
  private enter(g: number, pick: (grp: Group) => number, forward: boolean): MaybePromise {
    if (g < 0 || g >= this.r.groupCount) {
      this.cur = null;
      return;
    }
    const got = this.r.group(g);
    const place = (grp: Group): MaybePromise => {
      this.g = g;
      this.cur = grp;
      this.i = pick(grp);
      if (this.i >= 0 && this.i < grp.n) return;
      return this.enter(forward ? g + 1 : g - 1, forward ? () => 0 : (x) => x.n - 1, forward);
    };
    return got instanceof Promise ? got.then(place) : place(got);
  }
}

/** Index of the first row whose key is > target (`inclusive`: >= target). */
function bound(grp: Group, target: Uint8Array, inclusive: boolean): number {
  let lo = 0;
  let hi = grp.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(grp.key(mid), target);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
