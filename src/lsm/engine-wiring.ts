// How the engine's background parts find each other: the flusher, the cold tier and the
// compaction scheduler call into one another (a flush may start a cold compaction, an installed
// compaction wakes stalled writers), so they are built together here over one `parts` record
// and the engine (engine.ts) only holds the result.

import type { ObjectStore } from '../storage/object-store.js';
import type { VersionSet } from '../manifest/version-set.js';
import { ColdTier } from '../cold/index.js';
import type { TableCache } from '../sstable/table-cache.js';
import type { CompressionName } from '../sstable/compression.js';
import type { RetainedPoints } from '../compaction/retention.js';
import type { JobContext } from './background-executor.js';
import type { EngineContext } from './engine-context.js';
import { CompactionScheduler } from './compaction-scheduler.js';
import { Flusher } from './flush.js';
import type { WritePath } from './write-path.js';
import type { LogService } from './log-service.js';
import type { EngineOptions } from './engine-types.js';

/** SSTable build options as the engine resolved them (block size in bytes, bloom bits per key). */
export interface SstableBuildOptions {
  blockSize: number;
  compression: CompressionName;
  /** EngineOptions.compressionPerLevel (src/sstable/level-compression.ts). */
  compressionPerLevel: readonly CompressionName[];
  bitsPerKey: number;
}

/**
 * The next SSTable / run file number of this writer (manifest `nextFileNumber`), shared by
 * flushes, compactions and cold compactions so their outputs never collide.
 */
export class FileNumbers {
  constructor(public next: number) {}

  take(): number {
    return this.next++;
  }

  /** Reserves `count` consecutive numbers (a compaction job run elsewhere); returns the first. */
  reserve(count: number): number {
    const first = this.next;
    this.next += count;
    return first;
  }
}

/** What a background job (flush, compaction, in-process or in a worker) is given. */
export function jobContext(ctx: Pick<EngineContext, 'o' | 'versions'>, tables: TableCache, sstable: SstableBuildOptions, files: FileNumbers, closed: () => boolean): JobContext {
  return {
    store: ctx.o.store,
    epoch: ctx.versions.epoch,
    tables,
    targetFileBytes: ctx.o.targetFileBytes,
    sstable,
    newFileNumber: () => files.take(),
    reserveFileNumbers: (count) => files.reserve(count),
    aborted: closed,
  };
}

/** The engine state the background parts read or call back into. */
export interface WiringHost {
  readonly ctx: EngineContext;
  readonly options: EngineOptions;
  readonly versions: VersionSet;
  readonly tables: TableCache;
  readonly coldStore: ObjectStore;
  readonly writes: WritePath;
  readonly log: LogService;
  readonly files: FileNumbers;
  readonly sstable: SstableBuildOptions;
  closed(): boolean;
  assertOpen(): void;
  assertReadable(): void;
  retainedPoints(): RetainedPoints;
  /** Records a background failure (already blamed on a fence where one is the cause). */
  fail(e: unknown): void;
}

/** The engine's background machinery. */
export interface BackgroundParts {
  flusher: Flusher;
  coldTier: ColdTier;
  scheduler: CompactionScheduler;
}

/** Builds the flusher, cold tier and compaction scheduler of one engine, wired to each other. */
export function wireBackground(h: WiringHost): BackgroundParts {
  const { ctx, versions, log } = h;
  const o = ctx.o;
  const parts = {} as BackgroundParts;
  parts.flusher = new Flusher(ctx, h.writes, {
    nextFileNumber: () => h.files.next,
    flushed: () => parts.coldTier.maybeCompact(),
    retired: () => parts.scheduler.kick(),
    retireLog: (d, keys) => log.retireAtFlush(d, keys),
    logRetired: async (keys, deletions) => {
      log.retired(keys);
      await log.delete(deletions);
      if (log.archiving) void log.runRetention().catch(() => undefined);
    },
  });
  parts.coldTier = new ColdTier({
    store: o.store,
    coldStore: h.coldStore,
    tables: h.tables,
    versions,
    targetFileBytes: o.targetFileBytes,
    hotDataMaxAge: h.options.hotDataMaxAge,
    coldFromLevel: h.options.coldFromLevel,
    imageCacheBytes: h.options.imageCacheBytes,
    coldCacheBytes: h.options.coldCacheBytes,
    sstableOptions: () => h.sstable,
    newFileNumber: () => h.files.take(),
    memtables: () => [h.writes.mem.mt, ...h.writes.imm.map((m) => m.mt)],
    samples: () => ctx.pins.samples,
    now: () => o.clock.now(),
    closed: () => h.closed(),
    assertOpen: () => h.assertOpen(),
    assertReadable: () => h.assertReadable(),
    compactCold: () => parts.scheduler.cold(),
    kick: () => parts.scheduler.kick(),
    deleteObsolete: () => void parts.scheduler.deleteObsolete(),
  });
  parts.scheduler = new CompactionScheduler({
    store: o.store,
    coldStore: h.coldStore,
    coldCompact: (c, state, retained) => parts.coldTier.compact(c, state, retained),
    tables: h.tables,
    versions,
    options: ctx.compaction,
    executor: ctx.executor,
    jobContext: ctx.jobs,
    nextFileNumber: () => h.files.next,
    retainedPoints: () => h.retainedPoints(),
    onInstalled: () => {
      h.writes.wakeRoomWaiters();
      parts.coldTier.maybeCompact();
    },
    onError: (e) => {
      void ctx.fence.blame(e).then((err) => {
        h.fail(err);
        h.writes.wakeRoomWaiters();
      });
    },
    closing: () => h.closed(),
    emit: (e) => ctx.emit(e),
  });
  return parts;
}
