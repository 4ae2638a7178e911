// Where flushes and compactions burn their CPU. The inline executor runs them on the calling
// thread (between slices that yield to the event loop): the only choice in workerd and for
// in-memory stores. On Node, src/node/worker-executor.ts runs them on worker threads so the
// write path keeps a core to itself (LevelDB's background thread).
import type { ObjectStore } from '../storage/object-store.js';
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import type { Memtable } from '../memtable/memtable.js';
import { writerOptionsForLevel, type LeveledWriterOptions } from '../sstable/level-compression.js';
import type { TableCache } from '../sstable/table-cache.js';
import { RunBuilder } from '../compaction/run-builder.js';
import { deeperDataMayExist, type Compaction } from '../compaction/compaction-picker.js';
import { runCompaction, type CompactionResult, type KeyRange } from '../compaction/compaction-job.js';
import { planSubcompactions, runSubcompactions } from '../compaction/subcompaction.js';
import type { RetainedPoints } from '../compaction/retention.js';
import { yieldToEventLoop } from '../util/async.js';

/** What a job needs from the engine. */
export interface JobContext {
  store: ObjectStore;
  /** Writer epoch: part of every file name the job writes. */
  epoch: number;
  tables: TableCache;
  targetFileBytes: number;
  /** Resolved per output level (flushes write L0). */
  sstable: LeveledWriterOptions;
  /** Allocates one file number. */
  newFileNumber(): number;
  /** Reserves `count` consecutive file numbers; returns the first. */
  reserveFileNumbers(count: number): number;
  aborted(): boolean;
}

export interface FlushOutput {
  /** The new L0 run, in key order. */
  files: FileMeta[];
  bytesWritten: number;
}

export interface BackgroundExecutor {
  /** Memtables must keep their arena in shared memory (the executor reads it from another thread). */
  readonly wantsSharedMemtables: boolean;
  /**
   * Optional: get ready for flushes and compactions to come (start threads, load codecs), so
   * the first one does not pay for it. Called once, when the first memtable fills; never throws.
   */
  prepare?(ctx: JobContext): void;
  /** Writes a frozen memtable as a sorted run of SSTables. */
  flush(mt: Memtable, ctx: JobContext): Promise<FlushOutput>;
  /** Runs a compaction; `state` is the version it was picked from. */
  compact(c: Compaction, state: ManifestState, retained: RetainedPoints, ctx: JobContext): Promise<CompactionResult>;
  close(): Promise<void>;
}

/** Creates the executor for an engine on `store` (EngineOptions.executor). */
export type ExecutorFactory = (store: ObjectStore) => BackgroundExecutor;

/** Rows a flush adds between yields to the event loop. */
const FLUSH_YIELD_EVERY = 8192;

export interface InlineExecutorOptions {
  /**
   * Key ranges a large compaction is split into (src/compaction/subcompaction.ts). On one
   * thread they only interleave, so the default is 1; tests raise it to exercise the split.
   */
  maxSubcompactions?: number;
  /** Input bytes per subcompaction below which a job is not split further; default MIN_SUBCOMPACTION_BYTES (8 MiB). */
  minSubcompactionBytes?: number;
}

export class InlineExecutor implements BackgroundExecutor {
  readonly wantsSharedMemtables = false;
  private readonly maxSubcompactions: number;
  private readonly minSubcompactionBytes: number | undefined;

  constructor(o: InlineExecutorOptions = {}) {
    this.maxSubcompactions = o.maxSubcompactions ?? 1;
    this.minSubcompactionBytes = o.minSubcompactionBytes;
  }

  async flush(mt: Memtable, ctx: JobContext): Promise<FlushOutput> {
    const builder = new RunBuilder({ store: ctx.store, epoch: ctx.epoch, targetFileBytes: ctx.targetFileBytes, sstable: writerOptionsForLevel(ctx.sstable, 0), newFileNumber: () => ctx.newFileNumber() });
    const it = mt.iterator();
    it.seekToFirst();
    let n = 0;
    while (it.valid()) {
      builder.add(it.key(), it.value());
      it.next();
      if (++n % FLUSH_YIELD_EVERY === 0) await yieldToEventLoop();
    }
    const files = await builder.finish();
    return { files, bytesWritten: builder.bytesWritten };
  }

  async compact(c: Compaction, state: ManifestState, retained: RetainedPoints, ctx: JobContext): Promise<CompactionResult> {
    const one = (range?: KeyRange): Promise<CompactionResult> =>
      runCompaction(c, {
        store: ctx.store,
        tables: ctx.tables,
        targetFileBytes: ctx.targetFileBytes,
        sstable: ctx.sstable,
        epoch: ctx.epoch,
        newFileNumber: () => ctx.newFileNumber(),
        retained,
        deeperDataMayExist: (uk) => deeperDataMayExist(state, c.outputLevel, uk),
        aborted: () => ctx.aborted(),
        range,
      });
    if (this.maxSubcompactions <= 1) return one();
    const ranges = await planSubcompactions(c, ctx.tables, this.maxSubcompactions, this.minSubcompactionBytes);
    if (ranges.length === 1) return one();
    return runSubcompactions(c, ranges, one, (f) => ctx.store.delete(f.key));
  }

  async close(): Promise<void> {}
}

export const inlineExecutor: ExecutorFactory = () => new InlineExecutor();

/** The inline executor with subcompactions (for tests: on one thread they only interleave). */
export function inlineExecutorWith(o: InlineExecutorOptions): ExecutorFactory {
  return () => new InlineExecutor(o);
}
