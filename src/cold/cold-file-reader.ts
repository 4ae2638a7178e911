// A columnar run file read as the sorted (internal key, value) entries of the LSM, so point
// reads, scans, time travel and compactions go through it exactly as through an SSTable.
// A row group plays the part of a block: the manifest holds each group's first internal key
// (ColdFileInfo.groupKeys), so a seek enters exactly one group, fetched with ranged reads:
// its key columns whole, the page holding the row of each other column (cold-group.ts), kept
// in a shared cache of decoded groups.
import { DoSQLError } from '../errors.js';
import type { OpenedParquet } from '../columnar/index.js';
import { ColdGroup, GroupCache } from './cold-group.js';
import { COLUMN_KIND, COLUMN_LSN, runLayout } from './run-layout.js';
import { openRunFile } from './run-source.js';
import type { ColdFileInfo, FileMeta } from '../manifest/manifest-format.js';
import type { SSTableEntry } from '../sstable/sstable-reader.js';
import type { TableReader } from '../sstable/table-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import { compareBytes } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import type { ColdCodec, ColdRowDecoder } from './cold-codec.js';

type Group = ColdGroup;

let nextReaderId = 1;

export class ColdFileReader implements TableReader {
  private readonly id = nextReaderId++;
  private readonly inflight = new Map<number, Promise<Group>>();
  private readonly keys: string[] = [];

  private constructor(
    private readonly file: OpenedParquet,
    private readonly info: ColdFileInfo,
    private readonly decoder: ColdRowDecoder,
    private readonly keyColumns: readonly { name: string; pos: number }[],
    private readonly valueColumns: readonly { name: string; pos: number }[],
    private readonly width: number,
    /** Decoded groups of the engine's open run files (ColdTier's, bounded by EngineOptions.coldCacheBytes). */
    private readonly groupCache: GroupCache,
  ) {}

  /**
   * Opens run file `meta` (footer only), verified against its manifest entry (run-source.ts):
   * every later read of its bytes is checked too. Throws CORRUPTION when the file is damaged
   * or disagrees with the manifest.
   */
  static async open(store: ObjectStore, meta: FileMeta, info: ColdFileInfo, codec: ColdCodec, groups: GroupCache): Promise<ColdFileReader> {
    const key = meta.key;
    const file = await openRunFile(store, key, { size: meta.size, ...(info.checksums ? { checksums: info.checksums } : {}) });
    const layout = runLayout(file);
    if (file.stats.rowGroups.length !== info.groupKeys.length) {
      throw new DoSQLError('CORRUPTION', `compaction: ${key} has ${file.stats.rowGroups.length} row groups, the manifest says ${info.groupKeys.length}`, {
        details: { file: key },
      });
    }
    const cols = layout.schema.columns.map((c, pos) => ({ name: c.name, pos }));
    const keys = layout.keyColumns.map((k) => cols.find((c) => c.name === k)!);
    const values = cols.filter((c) => !layout.keyColumns.includes(c.name));
    return new ColdFileReader(file, info, codec.decoder(info, layout.schema, layout.keyColumns), keys, values, cols.length, groups);
  }

  get groupCount(): number {
    return this.info.groupKeys.length;
  }

  /** Columnar runs have no bloom filter; the manifest's key range already excluded other tables. */
  mayContain(): boolean {
    return true;
  }

  /**
   * `columns`: the reader reads only these parts of the value (ColdRowDecoder.reads): the
   * pages of the other columns are not decoded and those parts of the value are NULL.
   * A point read: no iterator, and no closure while the group and its pages are decoded (a
   * first pass of lookups runs this before the JIT has optimized it, and its garbage is what
   * the first pass's GC pauses collect).
   */
  seekFirst(target: Uint8Array, columns?: Uint8Array): SSTableEntry | null | Promise<SSTableEntry | null> {
    return this.firstFrom(Math.max(0, this.groupFor(target)), target, columns);
  }

  /** The first entry >= target in group g or a later one (target: undefined: the group's first row). */
  private firstFrom(g: number, target: Uint8Array | undefined, columns: Uint8Array | undefined): SSTableEntry | null | Promise<SSTableEntry | null> {
    for (; g < this.groupCount; g++) {
      const got = this.group(g);
      if (got instanceof Promise) return this.firstAfterLoad(got, g, target, columns);
      const i = target === undefined ? 0 : got.search(target, true);
      if (i < got.n) return this.entryAt(got, i, columns);
      target = undefined;
    }
    return null;
  }

  private async firstAfterLoad(p: Promise<Group>, g: number, target: Uint8Array | undefined, columns: Uint8Array | undefined): Promise<SSTableEntry | null> {
    const grp = await p;
    const i = target === undefined ? 0 : grp.search(target, true);
    if (i < grp.n) return this.entryAt(grp, i, columns);
    return this.firstFrom(g + 1, undefined, columns);
  }

  /** Row i of grp as an entry, once its pages are decoded. */
  private entryAt(grp: Group, i: number, columns: Uint8Array | undefined): SSTableEntry | Promise<SSTableEntry> {
    const p = grp.loadRow(i, columns);
    if (p) return this.entryAfterLoad(p, grp, i, columns);
    return { key: grp.key(i), value: grp.value(i, columns) };
  }

  private async entryAfterLoad(p: Promise<void>, grp: Group, i: number, columns: Uint8Array | undefined): Promise<SSTableEntry> {
    await p;
    return { key: grp.key(i), value: grp.value(i, columns) };
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
    const hit = this.groupCache.get(this.cacheKey(g));
    if (hit) return hit;
    let p = this.inflight.get(g);
    if (!p) {
      p = this.load(g).finally(() => this.inflight.delete(g));
      this.inflight.set(g, p);
    }
    return p;
  }

  /** The group's key in the shared cache, made once per group (not a string built per lookup). */
  private cacheKey(g: number): string {
    return (this.keys[g] ??= `${this.id}:${g}`);
  }

  private async load(g: number): Promise<Group> {
    const key = this.cacheKey(g);
    const group = await ColdGroup.open(this.file, g, this.keyColumns, this.valueColumns, { lsn: COLUMN_LSN, kind: COLUMN_KIND }, this.decoder, this.width, (delta) =>
      this.groupCache.grew(key, delta),
    );
    this.groupCache.set(key, group);
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

  constructor(
    private readonly r: ColdFileReader,
    /** The parts of values read (ColdRowDecoder.reads); undefined: whole values. */
    private readonly columns?: Uint8Array,
  ) {}

  valid(): boolean {
    return this.cur !== null && this.i >= 0 && this.i < this.cur.n;
  }
  key(): Uint8Array {
    this.sync();
    return (this.k ??= this.cur!.key(this.i));
  }
  value(): Uint8Array {
    this.sync();
    return (this.v ??= this.cur!.value(this.i, this.columns));
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
    return this.enter(0, () => 0, true, true);
  }

  seekToLast(): MaybePromise {
    return this.enter(this.r.groupCount - 1, (grp) => grp.n - 1, false, true);
  }

  seek(target: Uint8Array): MaybePromise {
    return this.enter(Math.max(0, this.r.groupFor(target)), (grp) => bound(grp, target, true), true, false);
  }

  seekForPrev(target: Uint8Array): MaybePromise {
    const g = this.r.groupFor(target);
    if (g < 0) {
      this.cur = null;
      return;
    }
    return this.enter(g, (grp) => bound(grp, target, false) - 1, false, false);
  }

  next(): MaybePromise {
    this.i++;
    if (this.i < this.cur!.n) return this.cur!.loadRow(this.i, this.columns);
    return this.enter(this.g + 1, () => 0, true, true);
  }

  prev(): MaybePromise {
    this.i--;
    if (this.i >= 0) return this.cur!.loadRow(this.i, this.columns);
    return this.enter(this.g - 1, (grp) => grp.n - 1, false, true);
  }

  close(): void {
    this.cur = null;
  }

  /**
   * Positions in group g at pick(group); past either end moves on in `forward` direction.
   * `walk`: the iterator is stepping through whole groups (decode every column of the group
   * at once); otherwise it seeks one row (decode only the pages holding it).
   */
  private enter(g: number, pick: (grp: Group) => number, forward: boolean, walk: boolean): MaybePromise {
    if (g < 0 || g >= this.r.groupCount) {
      this.cur = null;
      return;
    }
    const got = this.r.group(g);
    const place = (grp: Group): MaybePromise => {
      this.g = g;
      this.cur = grp;
      this.i = pick(grp);
      if (this.i >= 0 && this.i < grp.n) return walk ? grp.loadAll() : grp.loadRow(this.i, this.columns);
      return this.enter(forward ? g + 1 : g - 1, forward ? () => 0 : (x) => x.n - 1, forward, walk);
    };
    return got instanceof Promise ? got.then(place) : place(got);
  }
}

/** Index of the first row whose key is > target (`inclusive`: >= target). */
function bound(grp: Group, target: Uint8Array, inclusive: boolean): number {
  return grp.search(target, inclusive);
}
