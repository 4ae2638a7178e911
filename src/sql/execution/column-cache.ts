// Decoded columns of columnar run files, kept in typed arrays for the columnar query path
// (columnar-aggregate-op.ts): numbers as Float64Array (integers only while exact, |v| <= 2^53),
// text dictionary-encoded (codes + distinct values). Run files are immutable, so an entry
// never goes stale; the cache is bounded by bytes, least recently used out first — the same
// idea as the SSTable block cache, one level up (decoded values instead of blocks).
import { objectStoreSource, openParquet, readRowGroups, type OpenedParquet } from '../../columnar/index.js';
import type { ObjectStore } from '../../storage/object-store.js';

/** One row group's values of one column. `nulls[r] === 1` marks a NULL (absent when there are none). */
export type ColumnChunk =
  | { readonly kind: 'num'; readonly values: Float64Array; readonly nulls: Uint8Array | null; readonly int: boolean; readonly bytes: number }
  | { readonly kind: 'dict'; readonly codes: Int32Array; readonly dict: readonly string[]; readonly nulls: Uint8Array | null; readonly bytes: number };

const SAFE = 2 ** 53;

/**
 * Typed form of decoded values, or null when they do not all fit one kind (mixed storage
 * classes, blobs, integers beyond ±2^53): the caller then takes the row path.
 */
export function toChunk(values: readonly unknown[]): ColumnChunk | null {
  const n = values.length;
  let nulls: Uint8Array | null = null;
  let kind: 'int' | 'real' | 'text' | null = null;
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (v === null) continue;
    const k = typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'real' : typeof v === 'string' ? 'text' : null;
    if (k === null || (kind !== null && k !== kind)) return null;
    kind = k;
    if (kind !== null) break;
  }
  if (kind === 'text') {
    const codes = new Int32Array(n);
    const dict: string[] = [];
    const ids = new Map<string, number>();
    let bytes = n * 4;
    for (let r = 0; r < n; r++) {
      const v = values[r];
      if (v === null) {
        (nulls ??= new Uint8Array(n))[r] = 1;
        continue;
      }
      if (typeof v !== 'string') return null;
      let id = ids.get(v);
      if (id === undefined) {
        id = dict.length;
        ids.set(v, id);
        dict.push(v);
        bytes += v.length * 2 + 16;
      }
      codes[r] = id;
    }
    return { kind: 'dict', codes, dict, nulls, bytes: bytes + (nulls ? n : 0) };
  }
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (v === null) {
      (nulls ??= new Uint8Array(n))[r] = 1;
      continue;
    }
    if (kind === 'int') {
      if (typeof v !== 'bigint' || v > SAFE || v < -SAFE) return null;
      out[r] = Number(v);
    } else {
      if (typeof v !== 'number') return null;
      out[r] = v;
    }
  }
  return { kind: 'num', values: out, nulls, int: kind !== 'real', bytes: n * 8 + (nulls ? n : 0) };
}

/** Decoded chunks by (file, row group, column), at most `capacityBytes` of them. */
export class ColumnCache {
  private readonly entries = new Map<string, ColumnChunk | null>();
  private readonly footers = new Map<string, Promise<OpenedParquet>>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly store: ObjectStore,
    readonly capacityBytes = 256 * 1024 * 1024,
  ) {}

  /** The file's footer (read once: run files never change). */
  file(key: string): Promise<OpenedParquet> {
    let p = this.footers.get(key);
    if (!p) {
      p = objectStoreSource(this.store, key).then(openParquet);
      p.catch(() => this.footers.delete(key));
      this.footers.set(key, p);
    }
    return p;
  }

  /** Chunks of `columns` (file column names) for row group `g` of `key`; null entries do not fit a typed chunk. */
  async chunks(key: string, g: number, columns: readonly string[]): Promise<(ColumnChunk | null)[]> {
    const out: (ColumnChunk | null | undefined)[] = columns.map((c) => this.lookup(`${key}|${g}|${c}`));
    const missing = columns.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      this.misses += missing.length;
      const file = await this.file(key);
      for await (const rg of readRowGroups(file, { rowGroups: [g], columns: missing })) {
        missing.forEach((c, i) => {
          const chunk = toChunk(rg.columns[i]!);
          this.insert(`${key}|${g}|${c}`, chunk);
          out[columns.indexOf(c)] = chunk;
        });
      }
    }
    this.hits += columns.length - missing.length;
    return out as (ColumnChunk | null)[];
  }

  private lookup(k: string): ColumnChunk | null | undefined {
    const v = this.entries.get(k);
    if (v === undefined) return undefined;
    this.entries.delete(k);
    this.entries.set(k, v);
    return v;
  }

  private insert(k: string, chunk: ColumnChunk | null): void {
    const size = chunk?.bytes ?? 64;
    if (size > this.capacityBytes) return;
    this.entries.set(k, chunk);
    this.used += size;
    for (const [old, c] of this.entries) {
      if (this.used <= this.capacityBytes) break;
      this.entries.delete(old);
      this.used -= c?.bytes ?? 64;
    }
  }

  /** Forgets a deleted file. */
  forget(key: string): void {
    this.footers.delete(key);
    for (const [k, c] of this.entries) {
      if (k.startsWith(`${key}|`)) {
        this.entries.delete(k);
        this.used -= c?.bytes ?? 64;
      }
    }
  }

  get usedBytes(): number {
    return this.used;
  }
}
