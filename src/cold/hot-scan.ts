// The columnar read of a table that lives in the hot tier (no columnar runs): the SSTables'
// columnar images (sstable-images.ts) stand in for run row groups, one group per (file,
// branch), and only the memtables are read row by row (the hot delta). The SQL layer's
// columnar aggregate path then runs over hot tables exactly as over runs.
//
// Visibility is exact MVCC: per key suffix, the first read layer (mvcc/layers.ts) holding a
// version at or below its read LSN decides, and within that layer the newest such version
// across every source wins; a tombstone hides the key. Within one image that is the first
// entry of the key with LSN <= the layer's LSN (entries are sorted key ascending, LSN
// descending). Across images of overlapping key ranges a map from key to winner settles it
// (images whose ranges overlap no other image skip this). The memtables hold the newest
// versions of the keys they hold (the leveled-LSM invariant, read-path.ts): a memtable version
// at or below the read LSN supersedes the images' winner of its key unless an earlier layer
// decided the key, exactly as hot-delta.ts lets hot versions supersede run rows.
//
// Row groups and the delta are not in key order (`keyOrdered` false): callers whose answer
// depends on the order (sums of doubles, ordered scans) read rows instead.
import type { ColumnChunk } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import type { Version } from '../manifest/version-set.js';
import { MAIN_BRANCH, TRAILER_SIZE, encodeTablePrefix } from '../mvcc/internal-key.js';
import type { Layer } from '../mvcc/layers.js';
import { compareRange } from '../util/bytes.js';
import type { ColdColumnStats, ColdDelta, ColdRowGroup, ColdRuns, ColdScan, ColdScanRequest } from './cold-scan.js';
import { deltaKey } from './delta-cache.js';
import { newestHot, type HotSources } from './hot-delta.js';
import { FIELD_ID_SLOTS } from './run-layout.js';
import { compareKeyWith, compareKeys, keyString, type SSTableImage, type SSTableImageCache } from './sstable-images.js';

/** An image with the read layer it is read for. */
interface Placed {
  readonly img: SSTableImage;
  readonly file: FileMeta;
  readonly layer: number;
  readonly branch: number;
}

/** Which entries of each image the read sees before the memtables: per entry 1 (a put wins), 2 (a tombstone wins), 0. */
interface ImageVis {
  readonly placed: readonly Placed[];
  readonly win: readonly Uint8Array[];
  /** Per image, 1 where a put wins; null when every entry does. */
  readonly runRows: readonly (Uint8Array | null)[];
}

/** One read of the hot tables: image visibility, the rows the memtables supersede, and the memtable delta. */
interface HotRead {
  readonly vis: ImageVis;
  readonly superseded: readonly Int32Array[];
  readonly delta: ColdDelta;
}

const visCache = new WeakMap<Version, Map<string, ImageVis>>();
const readCache = new WeakMap<Version, Map<string, HotRead>>();
const KEPT_PER_VERSION = 4;

const DEFAULT_MAX_DELTA_BYTES = 64 * 1024 * 1024;

/** A table's SSTable images and memtables of one moment, readable until `release()` (idempotent). */
export class PinnedImages implements ColdRuns {
  readonly keyOrdered = false;
  private released = false;

  constructor(
    /** Key-space id of the table. */
    readonly table: number,
    readonly cache: SSTableImageCache,
    /** The memtables and the version (referenced) whose SSTables are read. */
    readonly hot: HotSources,
    private readonly done: () => void,
  ) {}

  scan(request: ColdScanRequest): Promise<ColdScan | undefined> {
    return scanImages(this, request);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.done();
  }
}

async function scanImages(p: PinnedImages, request: ColdScanRequest): Promise<ColdScan | undefined> {
  const plan = request.plan;
  if (!plan || plan.table !== p.table) return undefined;
  const layers = request.layers ?? [{ branch: MAIN_BRANCH, lsn: request.lsn }];
  const cols = plan.schema.columns;
  const wanted = request.columns;
  if (wanted.some((id) => !cols.some((c) => c.fieldId === id))) return undefined;
  // Rows written before an ADD COLUMN lack the column: they read as its default, which only the row path knows.
  const maxSlot = Math.max(0, ...wanted.filter((id) => id < FIELD_ID_SLOTS));
  const { version, tables } = p.hot;
  const placed: Placed[] = [];
  const files = version.state.levels.flatMap((runs) => runs.flatMap((run) => run.filter((f) => f.tier !== 'cold')));
  for (let i = 0; i < layers.length; i++) {
    const branch = layers[i]!.branch;
    const lower = encodeTablePrefix(branch, p.table);
    const upper = encodeTablePrefix(branch, p.table + 1);
    for (const f of files) {
      if (!overlaps(f, lower, upper)) continue;
      const img = await p.cache.image(tables, f, branch, p.table, plan, request.tick, wanted);
      if (img.n > 0) placed.push({ img, file: f, layer: i, branch });
    }
  }
  for (const q of placed) await p.cache.decode(tables, q.file, q.branch, p.table, q.img, plan, wanted, request.tick);
  const maxLsn = Math.max(0, ...files.map((f) => f.maxLsn));
  const visKey = `${p.table}|${layers.map((l) => `${l.branch}@${l.lsn >= maxLsn ? '*' : l.lsn}`).join(',')}`;
  const readKey = deltaKey(p.hot, p.table, layers);
  let read = cached(readCache, version, readKey);
  if (!read || !sameImages(read.vis.placed, placed)) {
    let vis = cached(visCache, version, visKey);
    if (!vis || !sameImages(vis.placed, placed)) keep(visCache, version, visKey, (vis = imageVisibility(placed, layers)));
    const r = await memtableDelta(p, vis, layers, request.maxDeltaBytes ?? DEFAULT_MAX_DELTA_BYTES);
    if (!r) return undefined;
    keep(readCache, version, readKey, (read = r));
  }
  if (!complete(read.vis, maxSlot)) return undefined;
  const groups = read.vis.placed.map((q, i) => new ImageGroup(q.img, wanted, read.vis.runRows[i]!, read.superseded[i]!));
  return { groups, delta: read.delta };
}

/** Whether every row the read sees carries at least `maxSlot` slots (older versions of a row may lack a column added since). */
function complete(vis: ImageVis, maxSlot: number): boolean {
  for (let i = 0; i < vis.placed.length; i++) {
    const img = vis.placed[i]!.img;
    if ((img.minSlots ?? 0) >= maxSlot) continue;
    const slots = img.chunks.get(FIELD_ID_SLOTS);
    if (!slots || slots.kind !== 'num') return false;
    const rows = vis.runRows[i];
    for (let j = 0; j < img.n; j++) if ((rows === null || rows[j] === 1) && slots.values[j]! < maxSlot) return false;
  }
  return true;
}

function overlaps(f: FileMeta, lower: Uint8Array, upper: Uint8Array): boolean {
  const below = compareRange(f.largest, 0, f.largest.length - TRAILER_SIZE, lower, 0, lower.length) < 0;
  const above = compareRange(f.smallest, 0, f.smallest.length - TRAILER_SIZE, upper, 0, upper.length) >= 0;
  return !below && !above;
}

function sameImages(a: readonly Placed[], b: readonly Placed[]): boolean {
  return a.length === b.length && a.every((x, i) => x.img === b[i]!.img && x.layer === b[i]!.layer);
}

function cached<T>(m: WeakMap<Version, Map<string, T>>, v: Version, key: string): T | undefined {
  return m.get(v)?.get(key);
}

function keep<T>(m: WeakMap<Version, Map<string, T>>, v: Version, key: string, value: T): void {
  let byKey = m.get(v);
  if (!byKey) m.set(v, (byKey = new Map()));
  byKey.delete(key);
  byKey.set(key, value);
  for (const old of byKey.keys()) {
    if (byKey.size <= KEPT_PER_VERSION) break;
    byKey.delete(old);
  }
}

/** The images' winners before the memtables (see the header). */
function imageVisibility(placed: readonly Placed[], layers: readonly Layer[]): ImageVis {
  const win = placed.map((q) => localWinners(q.img, layers[q.layer]!.lsn));
  // Images whose key ranges overlap form components; only those need a key map.
  const order = placed.map((_, i) => i).sort((a, b) => compareKeys(placed[a]!.img, 0, placed[b]!.img, 0));
  let comp: number[] = [];
  // The largest key of the component so far: (image, entry).
  let hi: SSTableImage | undefined;
  let hiAt = 0;
  for (const i of order) {
    const img = placed[i]!.img;
    if (hi && compareKeys(img, 0, hi, hiAt) <= 0) {
      comp.push(i);
      if (compareKeys(img, img.n - 1, hi, hiAt) > 0) [hi, hiAt] = [img, img.n - 1];
      continue;
    }
    if (comp.length > 1) settle(placed, win, comp);
    comp = [i];
    [hi, hiAt] = [img, img.n - 1];
  }
  if (comp.length > 1) settle(placed, win, comp);
  const runRows = win.map((w) => {
    const m = new Uint8Array(w.length);
    let all = true;
    for (let j = 0; j < w.length; j++) {
      if (w[j] === 1) m[j] = 1;
      else all = false;
    }
    return all ? null : m;
  });
  return { placed, win, runRows };
}

/** Per entry of `img`, 1 or 2 where it is its key's newest version with LSN <= `lsn` (a put, a tombstone). */
function localWinners(img: SSTableImage, lsn: number): Uint8Array {
  const w = new Uint8Array(img.n);
  const { lsn: l, kind } = img;
  // The entry that decided the key seen last (-1: none yet).
  let decided = -1;
  for (let j = 0; j < img.n; j++) {
    if (l[j]! > lsn || (decided >= 0 && compareKeys(img, j, img, decided) === 0)) continue;
    decided = j;
    w[j] = kind[j] === 1 ? 1 : 2;
  }
  return w;
}

/** Keeps one winner per key across the images `comp`: the earliest layer's, then the newest LSN. */
function settle(placed: readonly Placed[], win: readonly Uint8Array[], comp: number[]): void {
  comp.sort((a, b) => placed[a]!.layer - placed[b]!.layer);
  const SHIFT = 2 ** 32;
  const best = new Map<string, number>();
  for (const i of comp) {
    const { img, layer } = placed[i]!;
    const w = win[i]!;
    for (let j = 0; j < img.n; j++) {
      if (w[j] === 0) continue;
      const k = keyString(img, j);
      const e = best.get(k);
      if (e === undefined) {
        best.set(k, i * SHIFT + j);
        continue;
      }
      const ei = Math.floor(e / SHIFT);
      const ej = e - ei * SHIFT;
      if (placed[ei]!.layer < layer || placed[ei]!.img.lsn[ej]! > img.lsn[j]!) {
        w[j] = 0;
        continue;
      }
      win[ei]![ej] = 0;
      best.set(k, i * SHIFT + j);
    }
  }
}

/** The memtables' versions the read sees: the puts become the delta, and the image winners they supersede are listed per image. */
async function memtableDelta(p: PinnedImages, vis: ImageVis, layers: readonly Layer[], maxBytes: number): Promise<HotRead | undefined> {
  const budget = { bytes: maxBytes };
  // By key suffix (one char per byte: string order is byte order).
  const mem = new Map<string, { layer: number; uk: Uint8Array; prefixLen: number; value: Uint8Array | null }>();
  for (let i = 0; i < layers.length; i++) {
    const lower = encodeTablePrefix(layers[i]!.branch, p.table);
    const upper = encodeTablePrefix(layers[i]!.branch, p.table + 1);
    const got = await newestHot(p.hot, lower, upper, layers[i]!.lsn, lower.length, budget, true);
    if (!got) return undefined;
    for (const v of got) {
      const s = latin1(v.uk, v.prefixLen, v.uk.length);
      if (!mem.has(s)) mem.set(s, { layer: i, uk: v.uk, prefixLen: v.prefixLen, value: v.value });
    }
  }
  const { placed, win } = vis;
  const sup: number[][] = placed.map(() => []);
  const own = encodeTablePrefix(layers[0]!.branch, p.table);
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let hidden = 0;
  for (const s of [...mem.keys()].sort(cmp)) {
    const m = mem.get(s)!;
    const w = imageWinner(placed, win, m.uk.subarray(m.prefixLen));
    // An earlier layer's version decides the key: the memtable's (a later layer's) is not read.
    if (w && placed[w[0]]!.layer < m.layer) continue;
    if (w && win[w[0]]![w[1]] === 1) {
      sup[w[0]]!.push(w[1]);
      hidden++;
    }
    if (m.value) {
      keys.push(withPrefix(m.uk, m.prefixLen, own));
      values.push(m.value);
    }
  }
  const n = keys.length;
  const superseded = sup.map((rows) => Int32Array.from(rows).sort());
  return { vis, superseded, delta: { keys, values, group: new Int32Array(n).fill(placed.length), row: new Int32Array(n), hidden } };
}

/** The image entry (image index, entry) that wins key `s`, if any. */
function imageWinner(placed: readonly Placed[], win: readonly Uint8Array[], key: Uint8Array): [number, number] | undefined {
  for (let i = 0; i < placed.length; i++) {
    const img = placed[i]!.img;
    if (compareKeyWith(img, 0, key) > 0 || compareKeyWith(img, img.n - 1, key) < 0) continue;
    let lo = 0;
    let hi = img.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeyWith(img, mid, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < img.n && compareKeyWith(img, j, key) === 0; j++) if (win[i]![j] !== 0) return [i, j];
  }
  return undefined;
}

class ImageGroup implements ColdRowGroup {
  readonly rowCount: number;
  readonly stats: readonly (ColdColumnStats | undefined)[];

  constructor(
    private readonly img: SSTableImage,
    /** The request's field ids. */
    private readonly fieldIds: readonly number[],
    private readonly vis: Uint8Array | null,
    private readonly gone: Int32Array,
  ) {
    this.rowCount = img.n;
    this.stats = fieldIds.map(() => undefined);
  }

  visibleRows(): Uint8Array | null {
    if (this.gone.length === 0) return this.runRows();
    const m = this.vis ? this.vis.slice() : new Uint8Array(this.rowCount).fill(1);
    for (const r of this.gone) m[r] = 0;
    return m;
  }

  superseded(): Int32Array {
    return this.gone.slice();
  }

  runRows(): Uint8Array | null {
    return this.vis ? this.vis.slice() : null;
  }

  read(which: readonly number[]): Promise<(ColumnChunk | null)[]> {
    return Promise.resolve(which.map((i) => this.img.chunks.get(this.fieldIds[i]!) ?? null));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** `uk` (whose table prefix is `prefixLen` bytes) under `prefix` instead. */
function withPrefix(uk: Uint8Array, prefixLen: number, prefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + uk.length - prefixLen);
  out.set(prefix);
  out.set(uk.subarray(prefixLen), prefix.length);
  return out;
}
