// Public types of the key-value engine. Key ranges, read options and entries are shared with
// MVCC and live in src/mvcc/kv-types.ts (re-exported here).
import type { ObjectStore } from '../storage/object-store.js';
import type { CompressionName } from '../sstable/compression.js';
import type { CompactionOptions } from '../compaction/options.js';
import type { Retention } from '../compaction/retention.js';
import type { CompactionStats } from './compaction-scheduler.js';
import type { ExecutorFactory } from './background-executor.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export { KvEntry, encodeRange, type KeyRange, type ReadOptions, type ScanOptions } from '../mvcc/kv-types.js';
export type { CommitInfo } from '../mvcc/version-store.js';

/**
 * When a write is acknowledged (SQLite's `synchronous` levels):
 * - `full`: after its WAL record is fsynced (survives power loss);
 * - `normal`: after its WAL record is written to the OS; fsync at segment boundaries
 *   (survives a process crash, not a power loss);
 * - `off`: no fsync at all (tests and throwaway data).
 */
export type Durability = 'full' | 'normal' | 'off';

export interface EngineOptions {
  /** The hot tier: WAL, SSTables and manifest live here. The engine does not close it. */
  store: ObjectStore;
  /** Default 'full'. */
  durability?: Durability;
  /** Bytes a memtable holds before it is frozen and flushed. Default 64 MiB. */
  memtableBytes?: number;
  /** Frozen memtables allowed to wait for flush before writes stall. Default 2. */
  maxImmutableMemtables?: number;
  /**
   * Bytes of WAL not yet covered by a flush (the active segment and those of the frozen
   * memtables) the engine lets build up, as RocksDB's max_total_wal_size bounds it: the active
   * memtable is also frozen once its WAL segment holds maxWalBytes / (maxImmutableMemtables + 1)
   * bytes, so the memtables waiting for flush never keep more than this much WAL (plus one
   * commit group) on disk. It bounds the disk the log takes and the replay at open: without
   * it, three memtables of 64 MiB of small rows keep ~150 MB of WAL (which is not compressed)
   * beside the SSTables, more than the whole of a 1M-row key-value database. Default 32 MiB.
   */
  maxWalBytes?: number;
  /** Decoded-block cache capacity, bytes. Default 256 MiB. */
  blockCacheBytes?: number;
  /**
   * Bytes of SSTable columnar images kept for analytic reads of hot tables
   * (src/cold/sstable-images.ts; least recently used out first). 0 turns the columnar path
   * over SSTables off. Default 256 MiB.
   */
  imageCacheBytes?: number;
  /**
   * Bytes of decoded columnar-run data kept between reads, per cache: the decoded-column cache
   * of columnar scans (shared by the engines on one cold store, which keeps the smallest budget
   * any of them asks for) and this engine's row-group cache of point reads (src/cold/cold-group.ts).
   * Least recently used out first. Default 256 MiB (16 MiB on Workers, whose isolate has 128 MB).
   */
  coldCacheBytes?: number;
  /** SSTables kept open. Default 1000. */
  maxOpenTables?: number;
  /** Uncompressed data block size, bytes. Default 4096. */
  blockSize?: number;
  /** Default 'lz4'. */
  compression?: CompressionName;
  /**
   * Compression of the SSTables written into level i (0: flushes), as RocksDB's
   * compression_per_level; levels at or past the array's end use `compression`. Default []:
   * `compression` everywhere. ['none', 'none'] skips LZ4 for L0 and L1, whose files the next
   * compaction rewrites soon, at a cost in space and in L1's capacity (docs/compaction.md,
   * "Compression per level", has the measurements). Every block records its own compression:
   * any mix stays readable.
   */
  compressionPerLevel?: readonly CompressionName[];
  /** Bloom filter bits per key. Default 10. */
  bloomBitsPerKey?: number;
  /** SSTables are cut near this size, bytes. Default 32 MiB. */
  targetFileBytes?: number;
  /** Most bytes one group commit appends. Default 8 MiB. */
  maxGroupBytes?: number;
  /** Leveled compaction settings (docs/compaction.md). */
  compaction?: CompactionOptions;
  /**
   * History kept for reads as of past LSNs: an LSN count, a duration ('7d', '12h'), or
   * 'forever'. Default '7d'. Open read views, named snapshots, branch bases and pins are
   * always kept.
   */
  retention?: Retention;
  /** Wall clock for commit timestamps. Default: Date.now. */
  clock?: Clock;
  /**
   * Where columnar runs go (the cold tier): a local folder on Node, R2 on Workers.
   * Default: `store` itself, under `cold/runs/`.
   */
  coldStore?: ObjectStore;
  /**
   * Age (ms) after which hot data moves to the cold tier: after each flush, when the oldest
   * version in the hot levels was committed more than this long ago (by the clock), a cold
   * compaction runs in the background (needs the SQL layer's codec, installed by `DB()`).
   * Default: never; `compact({ tier: 'cold' })` moves data explicitly.
   */
  hotDataMaxAge?: number;
  /**
   * Depth at which hot data moves to the cold tier: when a flush or compaction leaves files in
   * level `coldFromLevel` or deeper (above the cold level), a cold compaction runs in the
   * background (needs the SQL layer's codec). Default: never.
   */
  coldFromLevel?: number;
  /** Observes background work (flushes, compactions) as it starts and ends. */
  onEvent?: (event: EngineEvent) => void;
  /**
   * Structured log of what an operator needs (src/util/log.ts, docs/operations.md): open and
   * recovery, flushes, compactions, fencing. Default: silent.
   */
  logger?: Logger;
  /**
   * Runs flushes and compactions. Default: on the calling thread. On Node,
   * `workerExecutor` (dosql's Node entry) moves them to worker threads.
   */
  executor?: ExecutorFactory;
  /**
   * Reads and commits between yields to the event loop (default 1024). Tests set it low to
   * interleave concurrent work at many more points.
   */
  yieldEveryOps?: number;
  /**
   * How stale a handle that only reads may get after another writer fenced it, ms: reads
   * start a fence check (one `head` of the next epoch's claim, in the background) at most
   * this often, and fail with `FENCED` once it finds one. Writes, flushes and compactions
   * check on their own. Default 1000; 0 checks at every read.
   */
  fenceCheckMs?: number;
  /**
   * Open as a read-only follower (src/lsm/follower.ts): claim no epoch, write nothing (no
   * manifest, no WAL segment, no flush, compaction or orphan collection), never fence the
   * writer. Writes fail with READ_ONLY. The handle follows the writer's manifest and WAL:
   * `catchUp()` reads what was committed since, and reads start one in the background at most
   * every `followMs`. Default false.
   */
  readOnly?: boolean;
  /** With `readOnly`: most time between background catch-ups that reads start, ms. Default 100. */
  followMs?: number;
  /**
   * Copy WAL segments that change data capture retains (for a replication slot, an open
   * subscription or the archive window) to `coldStore` under `_archive/wal/`, byte for byte,
   * and drop their hot copies (docs/format/wal.md, "Archive"). Default false.
   */
  walArchive?: boolean;
  /**
   * With `walArchive`: how long archived segments are kept after their last commit, whether
   * or not a slot needs them (a Retention: an LSN count, '7d', 'forever'). Default: `retention`.
   */
  archiveRetention?: Retention;
  /** Bytes of recent commits held in memory for change-data-capture subscribers at the head. Default 8 MiB. */
  commitFeedBytes?: number;
  /**
   * Table ids whose every version compaction keeps, on every branch, from this open on
   * (manifest `fullHistoryTables`, recorded in the epoch's first manifest). DB() passes the SQL
   * catalog's, so change data capture decodes any retained commit with its schema.
   */
  fullHistoryTables?: readonly number[];
}

/** Background work the engine reports through `onEvent`. */
export type EngineEvent =
  | { type: 'flush-start'; memtableBytes: number }
  | { type: 'flush-end'; files: number; bytes: number; ms: number }
  | { type: 'compaction-start'; kind: 'l0' | 'level' | 'move' | 'full' | 'cold'; level: number; outputLevel: number; inputFiles: number }
  | { type: 'compaction-end'; kind: 'l0' | 'level' | 'move' | 'full' | 'cold'; inputFiles: number; outputFiles: number; bytesRead: number; bytesWritten: number; droppedVersions: number; ms: number };

export interface LevelStats {
  level: number;
  runs: number;
  files: number;
  bytes: number;
  entries: number;
  /** Compaction score: >= 1 means the level is due for compaction. */
  score: number;
}

export interface EngineStats {
  epoch: number;
  lastLsn: number;
  visibleLsn: number;
  flushedLsn: number;
  manifestVersion: number;
  /** Oldest LSN reads may ask for (older ones fail with BEFORE_RETENTION_HORIZON). */
  retentionHorizon: number;
  memtable: { bytes: number; entries: number };
  immutableMemtables: number;
  levels: LevelStats[];
  wal: { segment: string; bytes: number; groups: number; commits: number; bytesWritten: number; syncs: number };
  /** Key and value bytes of committed writes. */
  userBytesWritten: number;
  flush: { count: number; bytesWritten: number };
  compaction: CompactionStats;
  /** (flush + compaction bytes written) / user bytes written. */
  writeAmplification: number;
  /** Bytes of all SSTables / bytes of the last non-empty level (RocksDB's definition). */
  spaceAmplification: number;
  /** Total SSTable bytes (hot tier). */
  sstBytes: number;
  /** The cold tier: columnar run files in the cold level (level 0 = none yet), their bytes, rows (versions) and table ids. */
  cold: { level: number; files: number; bytes: number; rows: number; tables: number[] };
  blockCache: { bytes: number; capacity: number; hits: number; misses: number };
  /** Files searched per point read (after range and bloom filter checks), on average. */
  reads: { gets: number; filesSearched: number; bloomSkips: number; readAmplification: number };
  /** Total time writes waited for flush or compaction, and how often they were slowed. */
  stallMs: number;
  slowdowns: number;
  openReadViews: number;
}
