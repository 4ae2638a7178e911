// Columnar images of SSTables (docs/design/cold-tier.md, "Hot tables on the columnar path"):
// one table's entries in one SSTable of the hot levels, decoded once into column vectors —
// per entry its key (the bytes after the branch and table prefix, packed in one buffer), LSN
// and kind, and per field id a typed chunk of the
// values (columnar/column-chunk.ts) — so analytic reads of hot tables run the same kernels as
// reads of columnar runs (hot-scan.ts). SSTables are immutable and file numbers are never
// reused, so an image never goes stale; images are kept in a cache bounded by bytes, least
// recently used out first, and dropped once their file leaves the current version
// (`retain`), the way column-cache.ts keeps decoded run columns.
import { type ColumnChunk, type ColumnValue } from '../columnar/index.js';
import { DoSQLError } from '../errors.js';
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
   * with the columns `fieldIds` (and the slot counts) decoded in the same pass: a query's first
   * read pays for its own columns only, and `decode` adds others when a later query asks
   * (every column when `fieldIds` is undefined). Throws CORRUPTION for an undecodable value.
   */
  async image(tables: TableCache, f: FileMeta, branch: number, table: number, plan: ColdTablePlan, tick?: Tick, fieldIds?: readonly number[]): Promise<SSTableImage> {
    const key = `${f.number}|${branch}|${table}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const img = await readImage(tables, f, branch, table, plan, tick, fieldIds);
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
    // A field id the plan lacks (a column dropped since the file was written) reads as no chunk.
    const known = missing.filter((id) => cols.some((c) => c.fieldId === id));
    const fill = columnFiller(plan, known, Math.max(1, img.n));
    let i = 0;
    await eachEntry(tables, f, branch, table, tick, (k, ukLen, value) => {
      if (i >= img.n) throw new DoSQLError('CORRUPTION', `cold: SSTable ${f.number} holds more entries of table ${table} than its image (${img.n})`);
      fill.push(k, ukLen, value, trailerKind(k) === KIND_PUT);
      i++;
    });
    let added = 0;
    for (const id of missing) {
      const at = known.indexOf(id);
      const c = at >= 0 ? fill.builders[at]!.finish() : null;
      img.chunks.set(id, c);
      added += c?.bytes ?? 64;
    }
    img.minSlots = fill.minSlots;
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

/**
 * Chunk builders for the columns `fieldIds` of `plan` (FIELD_ID_SLOTS among them or not), fed
 * one entry at a time in file order; tracks the smallest slot count of the puts.
 */
function columnFiller(plan: ColdTablePlan, fieldIds: readonly number[], cap: number) {
  const cols = plan.schema.columns;
  const slotsAt = cols.findIndex((c) => c.fieldId === FIELD_ID_SLOTS);
  // The slot count is always read (minSlots); it is a chunk only when asked for.
  const positions = fieldIds.map((id) => cols.findIndex((c) => c.fieldId === id));
  const pick = plan.picker?.(positions);
  const builders = fieldIds.map(() => new ChunkBuilder(cap));
  const out = new Array<ColumnValue>(positions.length).fill(null);
  const state = {
    builders,
    minSlots: Infinity,
    push(k: Uint8Array, ukLen: number, value: Uint8Array, put: boolean): void {
      if (!put) {
        for (const b of builders) b.push(null);
        return;
      }
      let slots: number;
      if (pick) slots = pick(k.subarray(0, ukLen), value, out);
      else {
        const row = plan.toColumns(k.subarray(0, ukLen), value).values!;
        for (let j = 0; j < positions.length; j++) out[j] = row[positions[j]!]!;
        slots = Number(row[slotsAt] as bigint);
      }
      for (let j = 0; j < builders.length; j++) builders[j]!.push(out[j]!);
      if (slots < state.minSlots) state.minSlots = slots;
    },
  };
  return state;
}

async function readImage(tables: TableCache, f: FileMeta, branch: number, table: number, plan: ColdTablePlan, tick: Tick, fieldIds?: readonly number[]): Promise<SSTableImage> {
  const prefixLen = encodeTablePrefix(branch, table).length;
  const cols = plan.schema.columns;
  const wanted = (fieldIds ?? cols.map((c) => c.fieldId)).filter((id) => cols.some((c) => c.fieldId === id));
  if (!wanted.includes(FIELD_ID_SLOTS)) wanted.push(FIELD_ID_SLOTS);
  // The file's entry count bounds the table's: builders hold that many until they finish.
  const cap = Math.max(1, f.entries);
  const fill = columnFiller(plan, wanted, cap);
  let buf = new Uint8Array(4096);
  let used = 0;
  // Typed from the start (no array of boxed LSNs to copy and collect).
  const off = new Int32Array(cap + 1);
  const lsn = new Float64Array(cap);
  const kind = new Uint8Array(cap);
  let n = 0;
  await eachEntry(tables, f, branch, table, tick, (k, ukLen, value) => {
    if (n >= cap) throw new DoSQLError('CORRUPTION', `cold: SSTable ${f.number} holds more entries than its manifest entry count (${f.entries})`);
    const len = ukLen - prefixLen;
    if (used + len > buf.length) {
      const grown = new Uint8Array(Math.max(buf.length * 2, used + len));
      grown.set(buf.subarray(0, used));
      buf = grown;
    }
    for (let b = prefixLen; b < ukLen; b++) buf[used++] = k[b]!;
    lsn[n] = trailerLsn(k);
    const put = trailerKind(k) === KIND_PUT;
    kind[n] = put ? 1 : 0;
    off[++n] = used;
    fill.push(k, ukLen, value, put);
  });
  const chunks = new Map<number, ColumnChunk | null>();
  let bytes = used + 13 * n + 64;
  for (let j = 0; j < wanted.length; j++) {
    const c = fill.builders[j]!.finish();
    chunks.set(wanted[j]!, c);
    bytes += c?.bytes ?? 64;
  }
  return { fileNumber: f.number, n, keyBytes: buf.slice(0, used), keyOff: off.slice(0, n + 1), lsn: lsn.slice(0, n), kind: kind.slice(0, n), chunks, minSlots: fill.minSlots, bytes };
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
      if (typeof v !== 'bigint') {
        this.bad = true;
        return;
      }
      // Below 2^53 in magnitude the conversion is exact; only the rare larger values need the (slow) BigInt compare.
      const x = Number(v);
      if ((x >= SAFE || x <= -SAFE) && (v > SAFE || v < -SAFE)) {
        this.bad = true;
        return;
      }
      this.nums![r] = x;
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
