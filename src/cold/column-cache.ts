// Decoded columns of columnar run files, kept as typed chunks (columnar/column-chunk.ts) for
// columnar reads (cold-scan.ts), visibility (run-visibility.ts) and Iceberg publishing. Run
// files are immutable, so an entry never goes stale; the cache is bounded by bytes, least
// recently used out first — the same idea as the SSTable block cache, one level up (decoded
// values instead of blocks). Files are
// opened with openRunFile, so every byte decoded here was verified against the checksums the
// manifest records (docs/format/columnar.md, "Checksums").
import { readRowGroups, toChunk, type ColumnChunk, type OpenedParquet } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openRunFile, verifyWholeRun } from './run-source.js';

/** Default budget of each cold cache (EngineOptions.coldCacheBytes): 256 MiB, ~3M rows of a six-column table. */
export const DEFAULT_COLD_CACHE_BYTES = 256 * 1024 * 1024;

/** Decoded chunks by (file, row group, column), at most `capacityBytes` of them. */
export class ColumnCache {
  private readonly entries = new Map<string, ColumnChunk | null>();
  private readonly footers = new Map<string, Promise<OpenedParquet>>();
  /** Run files read whole and found intact. */
  private readonly verified = new Set<string>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly store: ObjectStore,
    public capacityBytes = DEFAULT_COLD_CACHE_BYTES,
  ) {}

  /** The run file's footer, verified (read once: run files never change). Throws CORRUPTION for a damaged file. */
  file(f: FileMeta): Promise<OpenedParquet> {
    const key = f.key;
    let p = this.footers.get(key);
    if (!p) {
      p = openRunFile(this.store, key, { size: f.size, ...(f.cold?.checksums ? { checksums: f.cold.checksums } : {}) });
      p.catch(() => this.footers.delete(key));
      this.footers.set(key, p);
    }
    return p;
  }

  /**
   * Verifies every byte of run file `f` once per cache (a run an Iceberg snapshot references in
   * place is read by engines that do not check our checksums). Throws CORRUPTION.
   */
  async verifyWhole(f: FileMeta): Promise<void> {
    if (this.verified.has(f.key)) return;
    await verifyWholeRun(await this.file(f));
    this.verified.add(f.key);
  }

  /** Chunks of `columns` (file column names) for row group `g` of run file `f`; null entries do not fit a typed chunk. */
  async chunks(f: FileMeta, g: number, columns: readonly string[]): Promise<(ColumnChunk | null)[]> {
    const key = f.key;
    const out: (ColumnChunk | null | undefined)[] = columns.map((c) => this.lookup(`${key}|${g}|${c}`));
    const missing = columns.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      this.misses += missing.length;
      const file = await this.file(f);
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
    this.verified.delete(key);
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

const caches = new WeakMap<ObjectStore, ColumnCache>();

/**
 * The decoded-column cache of a cold store (shared by every engine on it: run files never
 * change), holding at most the smallest `capacityBytes` any of them asked for (bytes; default
 * DEFAULT_COLD_CACHE_BYTES).
 */
export function columnCache(store: ObjectStore, capacityBytes?: number): ColumnCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new ColumnCache(store, capacityBytes)));
  else if (capacityBytes !== undefined && capacityBytes < c.capacityBytes) c.capacityBytes = capacityBytes;
  return c;
}
