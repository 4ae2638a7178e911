// The engine's cold tier (docs/design/cold-tier.md): the codec that turns rows into columns,
// when a cold compaction starts and what it writes, columnar reads of a table's runs, and the
// manifest's list of runs Iceberg snapshots reference. The engine holds one ColdTier and
// reaches it through ColdTierHost, the few engine internals it needs.
//
// Async safety: `runs` and `setCodec` are synchronous; `compact` runs inside the compaction
// scheduler (one job at a time); manifest edits are serialised by the version set.
import { DoSQLError } from '../errors.js';
import type { CompactionResult } from '../compaction/compaction-job.js';
import { deeperDataMayExist, type Compaction } from '../compaction/compaction-picker.js';
import type { RetainedPoints, TimeSample } from '../compaction/retention.js';
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import type { VersionSet } from '../manifest/version-set.js';
import type { Memtable } from '../memtable/memtable.js';
import { encodeTablePrefix, MAIN_BRANCH, TRAILER_SIZE } from '../mvcc/internal-key.js';
import type { SSTableWriterOptions } from '../sstable/sstable-writer.js';
import type { TableCache } from '../sstable/table-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import { compareRange } from '../util/bytes.js';
import type { ColdCodec } from './cold-codec.js';
import { runColdCompaction } from './cold-compaction-job.js';
import { ColdFileReader } from './cold-file-reader.js';
import { PinnedRuns, type ColdRuns } from './cold-scan.js';
import { GroupCache } from './cold-group.js';
import { columnCache, DEFAULT_COLD_CACHE_BYTES } from './column-cache.js';
import { PinnedImages } from './hot-scan.js';
import { imageCache } from './sstable-images.js';
import { IcebergTables } from './iceberg-tables.js';
import type { Warehouse } from './warehouse.js';

/** What the cold tier needs of the engine that holds it. */
export interface ColdTierHost {
  /** Hot store (the SSTables a cold compaction writes beside the runs) and cold store (runs). */
  readonly store: ObjectStore;
  readonly coldStore: ObjectStore;
  readonly tables: TableCache;
  readonly versions: VersionSet;
  readonly targetFileBytes: number;
  /** EngineOptions.hotDataMaxAge and coldFromLevel: when hot data moves on its own. */
  readonly hotDataMaxAge: number | undefined;
  readonly coldFromLevel: number | undefined;
  /** EngineOptions.imageCacheBytes: the SSTable image cache's budget (undefined: its default; 0: no images). */
  readonly imageCacheBytes?: number | undefined;
  /** EngineOptions.coldCacheBytes: the budget of the decoded-column cache and of the row-group cache (undefined: DEFAULT_COLD_CACHE_BYTES). */
  readonly coldCacheBytes?: number | undefined;
  sstableOptions(): SSTableWriterOptions;
  newFileNumber(): number;
  /** The mutable memtable and the frozen ones. */
  memtables(): readonly Memtable[];
  /** Sampled (LSN, commit time ms) pairs, ascending. */
  samples(): readonly TimeSample[];
  /** The engine clock, ms since the epoch. */
  now(): number;
  closed(): boolean;
  /** Throws CLOSED after close (writes). */
  assertOpen(): void;
  /** Throws CLOSED after close, FENCED once a newer writer is known (reads). */
  assertReadable(): void;
  /** Queues a cold compaction with the scheduler; resolves once it ran. */
  compactCold(): Promise<void>;
  /** After a manifest edit: the scheduler may collect files nothing references now. */
  kick(): void;
  /** Deletes files out of every version still in use. */
  deleteObsolete(): void;
}

/** The cold tier as the layers above the engine see it (`engine.cold`). */
export interface ColdTierApi {
  /**
   * Table `table`'s runs (its main-branch rows) with the hot sources of the same moment, for
   * merge-on-read (cold-scan.ts): whenever the cold level holds runs of the table, whatever
   * memtables, hot levels or branches hold besides. Null when it has none. Throws CLOSED or
   * FENCED like reads. Release what it returns.
   */
  runs(table: number): ColdRuns | null;
  /**
   * Table `table`'s rows when it has no runs but SSTables hold some of its main-branch keys:
   * the SSTables read as columns through their cached images (hot-scan.ts, sstable-images.ts),
   * the memtables as the hot delta. Null otherwise (`runs`, or the row path). Throws CLOSED or
   * FENCED like reads. Release what it returns.
   */
  images(table: number): ColdRuns | null;
  /** Bytes the SSTable images hold (sstable-images.ts: at most 256 MiB, least recently used out first). */
  readonly imageCacheBytes: number;
  /**
   * The decoded data the cold tier keeps between reads, bytes held and budget of each cache:
   * SSTable images, decoded run columns (columnar scans; shared by the engines on one cold
   * store) and decoded row groups (point reads and row scans of runs).
   */
  caches(): { images: CacheUse; columns: CacheUse; groups: CacheUse };
  /** The Iceberg tables of warehouse `w`, published from this engine (iceberg-tables.ts). */
  iceberg(w: Warehouse): IcebergTables;
}

/** A cache's bytes held and its budget. */
export interface CacheUse {
  bytes: number;
  capacity: number;
}

export class ColdTier implements ColdTierApi {
  private codec: ColdCodec | null = null;
  /** A background cold compaction is queued or running. */
  private requested = false;
  /** Decoded row groups of this engine's open run files (cold-file-reader.ts). */
  private readonly groups: GroupCache;

  constructor(private readonly h: ColdTierHost) {
    this.groups = new GroupCache(h.coldCacheBytes ?? DEFAULT_COLD_CACHE_BYTES);
  }

  caches(): { images: CacheUse; columns: CacheUse; groups: CacheUse } {
    const images = this.h.imageCacheBytes === 0 ? null : imageCache(this.h.tables, this.h.imageCacheBytes);
    const columns = columnCache(this.h.coldStore, this.h.coldCacheBytes);
    return {
      images: { bytes: images?.usedBytes ?? 0, capacity: images?.capacityBytes ?? 0 },
      columns: { bytes: columns.usedBytes, capacity: columns.capacityBytes },
      groups: { bytes: this.groups.usedBytes, capacity: this.groups.capacity },
    };
  }

  get hasCodec(): boolean {
    return this.codec !== null;
  }

  /**
   * Installs the codec that turns rows into columns and back (the SQL layer's). Needed before
   * a cold compaction and before reading columnar run files; install it right after open,
   * before the first read.
   */
  setCodec(codec: ColdCodec): void {
    this.codec = codec;
    this.h.tables.setColdOpener((file) => {
      const info = (file as FileMeta).cold;
      if (!info) return Promise.reject(new DoSQLError('CORRUPTION', `engine: manifest entry of ${file.key} lacks its columnar layout`, { details: { file: file.key } }));
      return ColdFileReader.open(this.h.coldStore, file as FileMeta, info, codec, this.groups);
    });
  }

  runs(table: number): PinnedRuns | null {
    return this.covering(table, false);
  }

  images(table: number): PinnedImages | null {
    this.h.assertReadable();
    const lower = encodeTablePrefix(MAIN_BRANCH, table);
    const upper = encodeTablePrefix(MAIN_BRANCH, table + 1);
    const version = this.h.versions.current;
    const live = new Set<number>();
    let hot = false;
    for (const runs of version.state.levels) {
      for (const run of runs) {
        for (const f of run) {
          const below = compareRange(f.largest, 0, f.largest.length - TRAILER_SIZE, lower, 0, lower.length) < 0;
          const above = compareRange(f.smallest, 0, f.smallest.length - TRAILER_SIZE, upper, 0, upper.length) >= 0;
          if (f.tier === 'cold') {
            if (!below && !above) return null;
            continue;
          }
          live.add(f.number);
          if (!below && !above) hot = true;
        }
      }
    }
    if (this.h.imageCacheBytes === 0) return null;
    const cache = imageCache(this.h.tables, this.h.imageCacheBytes);
    // Images of files compaction removed from the version go (readers of older versions rebuild them).
    cache.retain(live);
    if (!hot) return null;
    version.ref();
    return new PinnedImages(table, cache, { memtables: [...this.h.memtables()], version, tables: this.h.tables }, () => {
      version.unref();
      this.h.deleteObsolete();
    });
  }

  /** Bytes the SSTable images of this engine hold (sstable-images.ts). */
  get imageCacheBytes(): number {
    return imageCache(this.h.tables).usedBytes;
  }

  /** Table `table`'s runs when they alone hold its rows (nothing hot holds a version of its keys): what Iceberg publishing references in place. */
  exclusiveRuns(table: number): PinnedRuns | null {
    return this.covering(table, true);
  }

  iceberg(w: Warehouse): IcebergTables {
    return new IcebergTables(this, w);
  }

  /** The engine clock (Iceberg snapshot times). */
  now(): number {
    return this.h.now();
  }

  /**
   * The columnar run files of table `table`'s main-branch keys in the cold level, with the
   * memtables of this moment (the hot sources a merge-on-read scan reads beside them); null
   * when there are none, and when `alone` and another source (memtable, hot level, SSTable)
   * holds a version of one of those keys. The files stay readable until `release()` (their
   * version is referenced).
   */
  private covering(table: number, alone: boolean): PinnedRuns | null {
    this.h.assertReadable();
    const lower = encodeTablePrefix(MAIN_BRANCH, table);
    const upper = encodeTablePrefix(MAIN_BRANCH, table + 1);
    const version = this.h.versions.current;
    const s = version.state;
    if (s.coldLevel === 0) return null;
    const memtables = this.h.memtables();
    if (alone) {
      for (const mt of memtables) {
        const it = mt.iterator();
        void it.seek(lower);
        const hit = it.valid() && compareRange(it.key(), 0, it.key().length - TRAILER_SIZE, upper, 0, upper.length) < 0;
        it.close();
        if (hit) return null;
      }
    }
    const files: FileMeta[] = [];
    for (let l = 0; l < s.levels.length; l++) {
      for (const run of s.levels[l]!) {
        for (const f of run) {
          const below = compareRange(f.largest, 0, f.largest.length - TRAILER_SIZE, lower, 0, lower.length) < 0;
          const above = compareRange(f.smallest, 0, f.smallest.length - TRAILER_SIZE, upper, 0, upper.length) >= 0;
          if (below || above) continue;
          if (l === s.coldLevel && f.tier === 'cold') files.push(f);
          else if (alone) return null;
        }
      }
    }
    if (files.length === 0) return null;
    version.ref();
    return new PinnedRuns(table, files, columnCache(this.h.coldStore, this.h.coldCacheBytes), { memtables: [...memtables], version, tables: this.h.tables }, () => {
      version.unref();
      this.h.deleteObsolete();
    });
  }

  /**
   * Starts a background cold compaction when hot data is old enough (hotDataMaxAge) or deep
   * enough (coldFromLevel). Called after each flush and each installed compaction.
   */
  maybeCompact(): void {
    const age = this.h.hotDataMaxAge;
    const depth = this.h.coldFromLevel;
    if ((age === undefined && depth === undefined) || !this.codec || this.requested || this.h.closed()) return;
    const s = this.h.versions.state;
    let oldest = Infinity;
    let deep = false;
    s.levels.forEach((runs, l) => {
      if (s.coldLevel > 0 && l >= s.coldLevel) return;
      for (const run of runs) {
        for (const f of run) {
          oldest = Math.min(oldest, f.minLsn);
          if (depth !== undefined && l >= depth) deep = true;
        }
      }
    });
    if (oldest === Infinity) return;
    // The first sampled commit at or after it was no earlier: move only when that one is old enough.
    const sample = age === undefined ? undefined : this.h.samples().find(([lsn]) => lsn >= oldest);
    const old = sample !== undefined && this.h.now() - sample[1] > age!;
    if (!old && !deep) return;
    this.requested = true;
    this.h
      .compactCold()
      .catch(() => undefined)
      .finally(() => {
        this.requested = false;
      });
  }

  /** Runs cold compaction `c` (the scheduler calls it; REQUIRES: a codec is installed). */
  async compact(c: Compaction, state: ManifestState, retained: RetainedPoints): Promise<CompactionResult> {
    const plan = await this.codec!.plan();
    return runColdCompaction(c, {
      store: this.h.store,
      coldStore: this.h.coldStore,
      tables: this.h.tables,
      targetFileBytes: this.h.targetFileBytes,
      sstable: this.h.sstableOptions(),
      epoch: this.h.versions.epoch,
      newFileNumber: () => this.h.newFileNumber(),
      retained,
      deeperDataMayExist: (uk) => deeperDataMayExist(state, c.outputLevel, uk),
      aborted: () => this.h.closed(),
      plan,
    });
  }

  /** The run files some retained Iceberg snapshot references in place (manifest `externalRefs`). */
  get externalRefs(): readonly string[] {
    return this.h.versions.state.externalRefs;
  }

  /**
   * Edits the manifest's `externalRefs`: compaction keeps the runs listed there while an
   * external reader may open them, and frees the others. `add` keeps what is listed.
   */
  async editExternalRefs(keys: Iterable<string>, add: boolean): Promise<void> {
    this.h.assertOpen();
    await this.h.versions.update((d) => {
      d.externalRefs = add ? [...new Set([...d.externalRefs, ...keys])] : [...keys].sort();
    });
    this.h.kick();
  }
}
