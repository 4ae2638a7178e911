// A columnar run file read as the sorted (internal key, value) entries of the LSM, so point
// reads, scans, time travel and compactions go through it exactly as through an SSTable.
// A row group plays the part of a block: the manifest holds each group's first internal key
// (ColdFileInfo.groupKeys), so a seek decodes exactly one group, fetched with ranged reads.
import { DoSQLError } from '../errors.js';
import { objectStoreSource, openParquet, readRowGroups, runLayout, type OpenedParquet } from '../columnar/index.js';
import { COLUMN_KIND, COLUMN_LSN } from '../columnar/format.js';
import type { ColdFileInfo } from '../manifest/manifest-format.js';
import { makeInternalKey } from '../mvcc/internal-key.js';
import type { SSTableEntry } from '../sstable/sstable-reader.js';
import type { TableReader } from '../sstable/table-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import { compareBytes } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import type { ColdCodec, ColdRowDecoder } from './cold-codec.js';

/** One decoded row group: internal keys ascending, values beside them. */
interface Group {
  keys: Uint8Array[];
  values: Uint8Array[];
}

const EMPTY = new Uint8Array(0);
/** Decoded row groups kept per open file (a group of 65,536 rows is a few MB decoded). */
const GROUPS_CACHED = 4;

export class ColdFileReader implements TableReader {
  private readonly cache = new Map<number, Group>();
  private readonly inflight = new Map<number, Promise<Group>>();

  private constructor(
    private readonly file: OpenedParquet,
    private readonly info: ColdFileInfo,
    private readonly decoder: ColdRowDecoder,
    private readonly columns: string[],
  ) {}

  /** Opens `key` (footer only). Throws CORRUPTION when the footer disagrees with the manifest. */
  static async open(store: ObjectStore, key: string, info: ColdFileInfo, codec: ColdCodec): Promise<ColdFileReader> {
    const file = await openParquet(await objectStoreSource(store, key));
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
    const hit = this.cache.get(g);
    if (hit) {
      this.cache.delete(g);
      this.cache.set(g, hit);
      return hit;
    }
    let p = this.inflight.get(g);
    if (!p) {
      p = this.load(g).finally(() => this.inflight.delete(g));
      this.inflight.set(g, p);
    }
    return p;
  }

  private async load(g: number): Promise<Group> {
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    const width = this.columns.length - 2;
    for await (const rg of readRowGroups(this.file, { rowGroups: [g], columns: this.columns })) {
      const cols = rg.columns;
      const n = cols[0]?.length ?? 0;
      const lsns = cols[width]!;
      const kinds = cols[width + 1]!;
      const row = new Array<(typeof cols)[number][number]>(width);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < width; c++) row[c] = cols[c]![r]!;
        const kind = Number(kinds[r] as bigint);
        keys.push(makeInternalKey(this.decoder.userKey(row), Number(lsns[r] as bigint), kind));
        values.push(kind === 0 ? EMPTY : this.decoder.value(row));
      }
    }
    const group = { keys, values };
    this.cache.set(g, group);
    if (this.cache.size > GROUPS_CACHED) this.cache.delete(this.cache.keys().next().value as number);
    return group;
  }
}

/** Cursor (group, row) over a ColdFileReader. */
class ColdFileIterator implements InternalIterator {
  private g = -1;
  private i = 0;
  private cur: Group | null = null;

  constructor(private readonly r: ColdFileReader) {}

  valid(): boolean {
    return this.cur !== null && this.i >= 0 && this.i < this.cur.keys.length;
  }
  key(): Uint8Array {
    return this.cur!.keys[this.i]!;
  }
  value(): Uint8Array {
    return this.cur!.values[this.i]!;
  }

  seekToFirst(): MaybePromise {
    return this.enter(0, () => 0, true);
  }

  seekToLast(): MaybePromise {
    return this.enter(this.r.groupCount - 1, (grp) => grp.keys.length - 1, false);
  }

  seek(target: Uint8Array): MaybePromise {
    return this.enter(Math.max(0, this.r.groupFor(target)), (grp) => lowerBound(grp.keys, target), true);
  }

  seekForPrev(target: Uint8Array): MaybePromise {
    const g = this.r.groupFor(target);
    if (g < 0) {
      this.cur = null;
      return;
    }
    return this.enter(g, (grp) => upperBound(grp.keys, target) - 1, false);
  }

  next(): MaybePromise {
    this.i++;
    if (this.i < this.cur!.keys.length) return;
    return this.enter(this.g + 1, () => 0, true);
  }

  prev(): MaybePromise {
    this.i--;
    if (this.i >= 0) return;
    return this.enter(this.g - 1, (grp) => grp.keys.length - 1, false);
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
      if (this.i >= 0 && this.i < grp.keys.length) return;
      return this.enter(forward ? g + 1 : g - 1, forward ? () => 0 : (x) => x.keys.length - 1, forward);
    };
    return got instanceof Promise ? got.then(place) : place(got);
  }
}

function lowerBound(keys: readonly Uint8Array[], target: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(keys[mid]!, target) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: readonly Uint8Array[], target: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(keys[mid]!, target) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
