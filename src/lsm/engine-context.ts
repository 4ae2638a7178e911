// What the parts of the engine (write path, flush, read path, retention) share: the resolved
// options, the version set, the writer fence, the background-error state and the yield budget.
// Constant after construction except `EngineStatus`, which only ever moves forward (open ->
// failed and/or closed).
import { DoSQLError, asIoError } from '../errors.js';
import type { VersionSet } from '../manifest/version-set.js';
import type { ResolvedCompactionOptions } from '../compaction/options.js';
import type { CompressionName } from '../sstable/compression.js';
import type { YieldBudget } from '../util/async.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { BackgroundExecutor, JobContext } from './background-executor.js';
import type { Durability, EngineEvent, EngineOptions } from './engine-types.js';
import type { LsnPins } from './lsn-pins.js';
import type { WriterFence } from './writer-fence.js';

export type ResolvedOptions = Required<Omit<EngineOptions, 'clock' | 'compaction' | 'retention' | 'onEvent' | 'logger' | 'executor' | 'yieldEveryOps' | 'fenceCheckMs' | 'walArchive' | 'archiveRetention' | 'commitFeedBytes' | 'fullHistoryTables'>> & { clock: Clock };

export const DEFAULTS = {
  durability: 'full' as Durability,
  memtableBytes: 64 * 1024 * 1024,
  maxImmutableMemtables: 2,
  maxWalBytes: 32 * 1024 * 1024,
  blockCacheBytes: 256 * 1024 * 1024,
  maxOpenTables: 1000,
  blockSize: 4096,
  compression: 'lz4' as CompressionName,
  // [] = `compression` at every level: measured, no compression in L0/L1 cost more than it saved (docs/compaction.md).
  compressionPerLevel: [] as readonly CompressionName[],
  bloomBitsPerKey: 10,
  targetFileBytes: 32 * 1024 * 1024,
  maxGroupBytes: 8 * 1024 * 1024,
};

/** `options` over the defaults (an option given as undefined takes its default). INVALID_ARGUMENT for a bad maxWalBytes. */
export function resolveOptions(options: EngineOptions): ResolvedOptions {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  out.clock = options.clock ?? systemClock;
  const wal = out.maxWalBytes as number;
  // Zero or less would freeze a memtable at every commit group.
  if (!(typeof wal === 'number' && wal > 0 && Number.isFinite(wal))) throw new DoSQLError('INVALID_ARGUMENT', `engine: maxWalBytes must be a positive number of bytes, got ${String(wal)}`);
  return out as ResolvedOptions;
}

/**
 * Whether the engine may still write: the first fatal write-path error (LevelDB's bg_error;
 * reads go on, writes fail with it until reopened) and whether it was closed.
 */
export class EngineStatus {
  closed = false;
  private failure: DoSQLError | null = null;

  /** `walKey` names the WAL segment in errors of unknown origin. */
  constructor(private readonly walKey: () => string) {}

  get error(): DoSQLError | null {
    return this.failure;
  }

  /** Records a fatal write-path error (the first one wins) and returns `e` as a DoSQLError. */
  fail(e: unknown): DoSQLError {
    const err = e instanceof DoSQLError ? e : asIoError('engine', 'write', this.walKey(), e);
    if (!this.failure) this.failure = err;
    return err;
  }

  /** Throws the recorded error, if any. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

export interface EngineContext {
  readonly o: ResolvedOptions;
  readonly compaction: ResolvedCompactionOptions;
  readonly versions: VersionSet;
  readonly status: EngineStatus;
  readonly fence: WriterFence;
  /** Reads and commits between yields to the event loop. */
  readonly budget: YieldBudget;
  readonly pins: LsnPins;
  readonly executor: BackgroundExecutor;
  readonly jobs: JobContext;
  /** Reports background work to `EngineOptions.onEvent`; never throws. */
  emit(e: EngineEvent): void;
}
