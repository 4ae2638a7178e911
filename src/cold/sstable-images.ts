// Columnar images of SSTables (docs/design/cold-tier.md, "Hot tables on the columnar path"):
// one table's entries in one SSTable of the hot levels, decoded once into column vectors —
// per entry its key (the bytes after the branch and table prefix, packed in one buffer), LSN
// and kind, and per field id a typed chunk of the
// values (columnar/column-chunk.ts) — so analytic reads of hot tables run the same kernels as
// reads of columnar runs (hot-scan.ts). SSTables are immutable and file numbers are never
// reused, so an image never goes stale; images are kept in a cache bounded by bytes, least
// recently used out first, and dropped once their file leaves the current version
// (`retain`), the way column-cache.ts keeps decoded run columns.
import { toChunk, type ColumnChunk, type ColumnValue } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { KIND_PUT, TRAILER_SIZE, encodeTablePrefix, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import type { TableCache } from '../sstable/table-cache.js';
import { compareRange } from '../util/bytes.js';
import type { ColdTablePlan } from './cold-codec.js';
import { FIELD_ID_SLOTS } from './run-layout.js';

/** One table's entries (one branch) of one SSTable, in file order: key ascending, LSN descending. */
export interface SSTableImage {
  readonly fileNumber: number;
  readonly n: number;
  /** Key bytes after the branch and table prefix: entry i's are keyBytes[keyOff[i], keyOff[i + 1]). */
  readonly keyBytes: Uint8Array;
  readonly keyOff: Int32Array;
  readonly lsn: Float64Array;
  /** 1 for a put, 0 for a tombstone. */
  readonly kind: Uint8Array;
  /** Typed chunk per field id decoded so far (null: the values do not fit one). */
  readonly chunks: Map<number, ColumnChunk | null>;
  /** Smallest slot count over the puts (FIELD_ID_SLOTS), once a decode ran (Infinity without puts); undefined before. */
  minSlots: number | undefined;
  /** Bytes held (keys, LSNs, kinds, chunks). */
  bytes: number;
}

/** Default byte budget of a cache (EngineOptions.imageCacheBytes): 256 MiB, as the column cache's. */
export const DEFAULT_IMAGE_CACHE_BYTES = 256 * 1024 * 1024;

/** Images by (file number, branch, table), least recently used first. */
export class SSTableImageCache {
  private readonly entries = new Map<string, SSTableImage>();
  private used = 0;
  hits = 0;
  misses = 0;

  /** Byte budget; lowering it evicts on the next insert. */
  constructor(public capacityBytes = DEFAULT_IMAGE_CACHE_BYTES) {}

  get usedBytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Table `table`'s entries of branch `branch` in SSTable `f`, read from the file on a miss
   * with every column of `plan` decoded in the same pass (one decode of each row, whichever
   * columns later queries ask for). Throws CORRUPTION for an undecodable value.
   */
  async image(tables: TableCache, f: FileMeta, branch: number, table: number, plan: ColdTablePlan, tick?: Tick): Promise<SSTableImage> {
    const key = `${f.number}|${branch}|${table}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const img = await readImage(tables, f, branch, table, plan, tick);
    this.entries.set(key, img);
    this.used += img.bytes;
    this.evict(key);
    return img;
  }

  /**
   * Decodes the chunks of `fieldIds` that `img` lacks with `plan` (columns added since it was
   * read; the file is read again: the image keeps no row values). Throws CORRUPTION for an
   * undecodable value.
   */
  async decode(tables: TableCache, f: FileMeta, branch: number, table: number, img: SSTableImage, plan: ColdTablePlan, fieldIds: readonly number[], tick?: Tick): Promise<void> {
    const missing = fieldIds.filter((id) => !img.chunks.has(id)).concat(img.chunks.has(FIELD_ID_SLOTS) ? [] : [FIELD_ID_SLOTS]);
    if (missing.length === 0) return;
    const cols = plan.schema.columns;
    const at = missing.map((id) => cols.findIndex((c) => c.fieldId === id));
    const slotsAt = cols.findIndex((c) => c.fieldId === FIELD_ID_SLOTS);
    const values = missing.map(() => new Array<ColumnValue>(img.n).fill(null));
    let minSlots = Infinity;
    let i = 0;
    await eachEntry(tables, f, branch, table, tick, (k, ukLen, value) => {
      if (trailerKind(k) === KIND_PUT) {
        const row = plan.toColumns(k.subarray(0, ukLen), value).values!;
        for (let j = 0; j < at.length; j++) values[j]![i] = at[j]! >= 0 ? row[at[j]!]! : null;
        if (slotsAt >= 0) minSlots = Math.min(minSlots, Number(row[slotsAt] as bigint));
      }
      i++;
    });
    let added = 0;
    for (let j = 0; j < missing.length; j++) {
      const c = at[j]! >= 0 ? toChunk(values[j]!) : null;
      img.chunks.set(missing[j]!, c);
      added += c?.bytes ?? 64;
    }
    img.minSlots = minSlots;
    img.bytes += added;
    const key = `${img.fileNumber}|${branch}|${table}`;
    if (this.entries.get(key) === img) {
      this.used += added;
      this.evict(key);
    }
  }

  /** Drops the images of files not in `live` (file numbers of the current version): their files are gone or going. */
  retain(live: ReadonlySet<number>): void {
    for (const [k, img] of this.entries) {
      if (live.has(img.fileNumber)) continue;
      this.entries.delete(k);
      this.used -= img.bytes;
    }
  }

  /** Least recently used images out until the cache fits (`keep`, just used, last). */
  private evict(keep: string): void {
    for (const [k, img] of this.entries) {
      if (this.used <= this.capacityBytes || k === keep) break;
      this.entries.delete(k);
      this.used -= img.bytes;
    }
  }
}

const caches = new WeakMap<TableCache, SSTableImageCache>();

/** The image cache of an engine's SSTables (one per table cache: file numbers are the engine's), of `capacityBytes` when first made. */
export function imageCache(tables: TableCache, capacityBytes = DEFAULT_IMAGE_CACHE_BYTES): SSTableImageCache {
  let c = caches.get(tables);
  if (!c) caches.set(tables, (c = new SSTableImageCache(capacityBytes)));
  return c;
}

/** Calls `f` with each entry of table `table` (branch `branch`) in SSTable `file`: internal key, user key length, value (views). */
/** The statement guard's tick (cold-scan.ts ColdScanRequest.tick). */
type Tick = ((entries: number) => Promise<void> | undefined) | undefined;

/** Entries read between two ticks. */
const TICK_EVERY = 1024;

async function eachEntry(tables: TableCache, file: FileMeta, branch: number, table: number, tick: Tick, f: (k: Uint8Array, ukLen: number, value: Uint8Array) => void): Promise<void> {
  const lower = encodeTablePrefix(branch, table);
  const upper = encodeTablePrefix(branch, table + 1);
  const r = tables.get(file);
  const reader = r instanceof Promise ? await r : r;
  const it = reader.iterator({ readaheadBytes: 256 * 1024 });
  let n = 0;
  try {
    let p = it.seek(lower);
    if (p) await p;
    while (it.valid()) {
      const k = it.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
      f(k, ukLen, it.value());
      if (tick && ++n === TICK_EVERY) {
        n = 0;
        const t = tick(TICK_EVERY);
        if (t) await t;
      }
      p = it.next();
      if (p) await p;
    }
  } finally {
    it.close();
  }
}

async function readImage(tables: TableCache, f: FileMeta, branch: number, table: number, plan: ColdTablePlan, tick: Tick): Promise<SSTableImage> {
  const prefixLen = encodeTablePrefix(branch, table).length;
  const cols = plan.schema.columns;
  const slotsAt = cols.findIndex((c) => c.fieldId === FIELD_ID_SLOTS);
  // The file's entry count bounds the table's: builders hold that many until they finish.
  const cap = Math.max(1, f.entries);
  const builders = cols.map(() => new ChunkBuilder(cap));
  let minSlots = Infinity;
  let buf = new Uint8Array(4096);
  let used = 0;
  const off: number[] = [0];
  const lsn: number[] = [];
  const kind: number[] = [];
  await eachEntry(tables, f, branch, table, tick, (k, ukLen, value) => {
    const len = ukLen - prefixLen;
    if (used + len > buf.length) {
      const grown = new Uint8Array(Math.max(buf.length * 2, used + len));
      grown.set(buf.subarray(0, used));
      buf = grown;
    }
    buf.set(k.subarray(prefixLen, ukLen), used);
    used += len;
    off.push(used);
    lsn.push(trailerLsn(k));
    const put = trailerKind(k) === KIND_PUT;
    kind.push(put ? 1 : 0);
    if (!put) {
      for (const b of builders) b.push(null);
      return;
    }
    const row = plan.toColumns(k.subarray(0, ukLen), value).values!;
    for (let j = 0; j < builders.length; j++) builders[j]!.push(row[j]!);
    if (slotsAt >= 0) minSlots = Math.min(minSlots, Number(row[slotsAt] as bigint));
  });
  const n = lsn.length;
  const chunks = new Map<number, ColumnChunk | null>();
  let bytes = used + 13 * n + 64;
  for (let j = 0; j < cols.length; j++) {
    const c = builders[j]!.finish();
    chunks.set(cols[j]!.fieldId, c);
    bytes += c?.bytes ?? 64;
  }
  return { fileNumber: f.number, n, keyBytes: buf.slice(0, used), keyOff: Int32Array.from(off), lsn: Float64Array.from(lsn), kind: Uint8Array.from(kind), chunks, minSlots, bytes };
}

const SAFE = 2 ** 53;

/**
 * toChunk (columnar/column-chunk.ts) fed one value at a time, for at most `cap` values: the
 * same chunk, without holding the values as JS values first.
 */
export class ChunkBuilder {
  private n = 0;
  private kind: 'int' | 'real' | 'text' | null = null;
  private bad = false;
  private nulls: Uint8Array | null = null;
  private nums: Float64Array | null = null;
  private codes: Int32Array | null = null;
  private readonly dict: string[] = [];
  private readonly ids = new Map<string, number>();
  private textBytes = 0;

  constructor(private readonly cap: number) {}

  push(v: unknown): void {
    const r = this.n++;
    if (this.bad) return;
    if (r >= this.cap) {
      this.bad = true;
      return;
    }
    if (v === null) {
      (this.nulls ??= new Uint8Array(this.cap))[r] = 1;
      return;
    }
    if (this.kind === null) {
      const k = typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'real' : typeof v === 'string' ? 'text' : null;
      if (k === null) {
        this.bad = true;
        return;
      }
      this.kind = k;
      if (k === 'text') this.codes = new Int32Array(this.cap);
      else this.nums = new Float64Array(this.cap);
    }
    if (this.kind === 'text') {
      if (typeof v !== 'string') {
        this.bad = true;
        return;
      }
      let id = this.ids.get(v);
      if (id === undefined) {
        id = this.dict.length;
        this.ids.set(v, id);
        this.dict.push(v);
        this.textBytes += v.length * 2 + 16;
      }
      this.codes![r] = id;
    } else if (this.kind === 'int') {
      if (typeof v !== 'bigint' || v > SAFE || v < -SAFE) {
        this.bad = true;
        return;
      }
      this.nums![r] = Number(v);
    } else {
      if (typeof v !== 'number') {
        this.bad = true;
        return;
      }
      this.nums![r] = v;
    }
  }

  /** The chunk of the values pushed; null when they do not fit one (as toChunk). */
  finish(): ColumnChunk | null {
    if (this.bad) return null;
    const n = this.n;
    const nulls = this.nulls ? this.nulls.slice(0, n) : null;
    if (this.kind === 'text') return { kind: 'dict', codes: this.codes!.slice(0, n), dict: this.dict, nulls, bytes: n * 4 + this.textBytes + (nulls ? n : 0) };
    const values = this.nums ? this.nums.slice(0, n) : new Float64Array(n);
    return { kind: 'num', values, nulls, int: this.kind !== 'real', bytes: n * 8 + (nulls ? n : 0) };
  }
}

/** Entry i's key of `a` against entry j's of `b` (byte order). */
export function compareKeys(a: SSTableImage, i: number, b: SSTableImage, j: number): number {
  return compareRange(a.keyBytes, a.keyOff[i]!, a.keyOff[i + 1]!, b.keyBytes, b.keyOff[j]!, b.keyOff[j + 1]!);
}

/** Entry i's key of `a` against `key` (byte order). */
export function compareKeyWith(a: SSTableImage, i: number, key: Uint8Array): number {
  return compareRange(a.keyBytes, a.keyOff[i]!, a.keyOff[i + 1]!, key, 0, key.length);
}

/** Entry i's key as a string of one char per byte (a map key: equal strings, equal keys). */
export function keyString(a: SSTableImage, i: number): string {
  let s = '';
  for (let p = a.keyOff[i]!; p < a.keyOff[i + 1]!; p++) s += String.fromCharCode(a.keyBytes[p]!);
  return s;
}
