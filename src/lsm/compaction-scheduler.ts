// Runs compactions in the background, one at a time, while reads and writes go on; installs
// their results in the manifest and deletes files nothing references any more.
//
// Async safety: at most one job runs; `kick()` may be called any time (after flushes and
// installs); `waitIdle()` resolves when nothing is left to do.
import { asIoError, DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { VersionSet } from '../manifest/version-set.js';
import type { TableCache } from '../sstable/table-cache.js';
import { coldCompaction, pickCompaction, levelScores, type Compaction } from '../compaction/compaction-picker.js';
import { fullCompaction } from '../compaction/full-compaction.js';
import type { CompactionResult } from '../compaction/compaction-job.js';
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import { applyCompaction } from '../manifest/version-edit.js';
import type { ResolvedCompactionOptions } from '../compaction/options.js';
import type { RetainedPoints } from '../compaction/retention.js';
import type { EngineEvent } from './engine-types.js';
import type { BackgroundExecutor, JobContext } from './background-executor.js';
import { moveKeepsCompression } from '../sstable/level-compression.js';

export interface SchedulerHost {
  store: ObjectStore;
  /** Where columnar run files live. */
  coldStore: ObjectStore;
  /** Runs a cold compaction on this thread (it needs the codec of the layer above). */
  coldCompact(c: Compaction, state: ManifestState, retained: RetainedPoints): Promise<CompactionResult>;
  tables: TableCache;
  versions: VersionSet;
  options: ResolvedCompactionOptions;
  executor: BackgroundExecutor;
  /** Context for jobs (store, file numbers, sstable options). */
  jobContext: JobContext;
  nextFileNumber(): number;
  retainedPoints(): RetainedPoints;
  /** Called after each install (writers waiting on L0 may proceed). */
  onInstalled(): void;
  onError(e: DoSQLError): void;
  closing(): boolean;
  emit(event: EngineEvent): void;
}

/**
 * Progress of one explicit compaction request (Database.compact's `onProgress`,
 * src/util/progress.ts): input files and bytes of the jobs picked so far, and of those done.
 * Reported before and after each job; the last report has done === total (0 of 0 when there
 * was nothing to compact).
 */
export interface CompactionProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export type CompactionProgressCallback = (p: CompactionProgress) => void;

/** Counts a request's jobs; the callback is the caller's and must not throw (Database wraps it). */
class ProgressTracker {
  private readonly p: CompactionProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  private reported = false;

  constructor(private readonly cb: CompactionProgressCallback | undefined) {}

  private report(): void {
    this.reported = true;
    this.cb?.({ ...this.p });
  }

  start(c: Compaction): void {
    this.p.filesTotal += c.inputFiles.size;
    this.p.bytesTotal += inputBytes(c);
    this.report();
  }

  end(c: Compaction): void {
    this.p.filesDone += c.inputFiles.size;
    this.p.bytesDone += inputBytes(c);
    this.report();
  }

  /** The request is done: one report even when there was nothing to do. */
  finish(): void {
    if (!this.reported) this.report();
  }
}

function inputBytes(c: Compaction): number {
  let n = 0;
  for (const run of c.runs) for (const f of run) n += f.size;
  return n;
}

export interface CompactionStats {
  compactions: number;
  trivialMoves: number;
  bytesRead: number;
  bytesWritten: number;
  entriesIn: number;
  entriesOut: number;
  droppedVersions: number;
  droppedTombstones: number;
  ms: number;
  filesDeleted: number;
}

export class CompactionScheduler {
  readonly stats: CompactionStats = {
    compactions: 0,
    trivialMoves: 0,
    bytesRead: 0,
    bytesWritten: 0,
    entriesIn: 0,
    entriesOut: 0,
    droppedVersions: 0,
    droppedTombstones: 0,
    ms: 0,
    filesDeleted: 0,
  };
  private running: Promise<void> | null = null;
  private readonly pointers = new Map<number, Uint8Array>();
  /** Files out of the current version but possibly still read through older versions. */
  private readonly obsolete = new Map<number, FileMeta>();
  private requests: { kind: 'full' | 'balance' | 'cold'; progress: ProgressTracker; resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly h: SchedulerHost) {}

  /** Starts the loop if it is not running (it stops by itself when there is nothing to do). */
  kick(): void {
    if (this.running || this.h.closing()) return;
    if (!this.h.options.background && this.requests.length === 0) return;
    this.running = this.loop().finally(() => {
      this.running = null;
      // A request may have arrived while the loop was finishing.
      if (this.requests.length > 0) this.kick();
    });
  }

  /** A compaction loop is running (it picked from the current version, or is about to). */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when no compaction is running (one may start again later). */
  async waitIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Compacts every file into one sorted run at the deepest level. */
  full(onProgress?: CompactionProgressCallback): Promise<void> {
    return this.request('full', onProgress);
  }

  /** Compacts every file, cold level included, into the cold level (columnar runs for SQL tables). */
  cold(onProgress?: CompactionProgressCallback): Promise<void> {
    return this.request('cold', onProgress);
  }

  /** Runs the compactions the level scores call for, until every score is below 1. */
  balance(onProgress?: CompactionProgressCallback): Promise<void> {
    return this.request('balance', onProgress);
  }

  scores(): number[] {
    return levelScores(this.h.versions.state, this.h.options);
  }

  private request(kind: 'full' | 'balance' | 'cold', onProgress: CompactionProgressCallback | undefined): Promise<void> {
    if (this.h.closing()) return Promise.reject(new DoSQLError('CLOSED', 'compaction: engine closed'));
    return new Promise((resolve, reject) => {
      this.requests.push({ kind, progress: new ProgressTracker(onProgress), resolve, reject });
      this.kick();
    });
  }

  /** One compaction at a time: explicit requests first, then whatever the scores call for. */
  private async loop(): Promise<void> {
    for (;;) {
      if (this.h.closing()) {
        for (const r of this.requests.splice(0)) r.reject(new DoSQLError('CLOSED', 'compaction: engine closed'));
        return;
      }
      const req = this.requests.shift();
      if (req) {
        try {
          const p = req.progress;
          if (req.kind === 'full') {
            // The read points the skip decision used are the ones the merge applies.
            const retained = this.h.retainedPoints();
            const c = fullCompaction(this.h.versions.state, retained, this.canMove);
            if (c) await this.execute(c, false, p, retained);
            else await this.deleteObsolete();
          } else if (req.kind === 'cold') {
            const c = coldCompaction(this.h.versions.state, this.h.options.maxLevels);
            if (c) await this.execute(c, true, p);
          } else {
            for (let c = this.pick(); c; c = this.pick()) await this.execute(c, false, p);
          }
          p.finish();
          req.resolve();
        } catch (e) {
          req.reject(e);
          this.h.onError(e instanceof DoSQLError ? e : asIoError('compaction', 'run', req.kind, e));
          return;
        }
        continue;
      }
      if (!this.h.options.background) return;
      const c = this.pick();
      if (!c) return;
      try {
        await this.execute(c);
      } catch (e) {
        this.h.onError(e instanceof DoSQLError ? e : asIoError('compaction', 'run', `L${c.level}`, e));
        return;
      }
    }
  }

  /** Trivial moves only between levels of one codec (EngineOptions.compressionPerLevel). */
  private readonly canMove = (from: number, to: number): boolean => moveKeepsCompression(this.h.jobContext.sstable, from, to);

  private pick(): Compaction | null {
    return pickCompaction(this.h.versions.state, this.h.options, this.pointers, this.canMove);
  }

  private async execute(c: Compaction, cold = false, progress?: ProgressTracker, retained?: RetainedPoints): Promise<void> {
    progress?.start(c);
    await this.run(c, cold, retained);
    progress?.end(c);
  }

  private async run(c: Compaction, cold: boolean, retainedFor?: RetainedPoints): Promise<void> {
    const versions = this.h.versions;
    const inputFiles = c.inputFiles.size;
    this.h.emit({ type: 'compaction-start', kind: cold ? 'cold' : c.kind, level: c.level, outputLevel: c.outputLevel, inputFiles });
    if (c.kind === 'move') {
      // One file of Ln, or every file of L0 (compaction-picker.ts, movableL0).
      const moved = c.runs.flat();
      await versions.update((d) => {
        applyCompaction(d, c, moved);
      });
      if (c.level > 0) this.pointers.set(c.level, moved[moved.length - 1]!.largest);
      this.stats.trivialMoves++;
      this.h.emit({ type: 'compaction-end', kind: c.kind, inputFiles, outputFiles: moved.length, bytesRead: 0, bytesWritten: 0, droppedVersions: 0, ms: 0 });
      this.h.onInstalled();
      return;
    }
    const base = versions.current;
    base.ref();
    try {
      const retained = retainedFor ?? this.h.retainedPoints();
      const state = base.state;
      const result = cold ? await this.h.coldCompact(c, state, retained) : await this.h.executor.compact(c, state, retained, this.h.jobContext);
      await versions.update((d) => {
        applyCompaction(d, c, c.moves ? [...result.outputs, ...c.moves] : result.outputs);
        if (cold) d.coldLevel = c.outputLevel;
        d.gcHorizon = Math.max(d.gcHorizon, retained.horizon);
        // A table listed for full history after this compaction started lost its versions below the horizon.
        if (d.fullHistoryTables.some((t) => !retained.fullHistoryTables.includes(t))) d.fullHistorySince = Math.max(d.fullHistorySince, retained.horizon);
        d.nextFileNumber = Math.max(d.nextFileNumber, this.h.nextFileNumber());
      });
      const s = this.stats;
      s.compactions++;
      s.bytesRead += result.bytesRead;
      s.bytesWritten += result.bytesWritten;
      s.entriesIn += result.entriesIn;
      s.entriesOut += result.entriesOut;
      s.droppedVersions += result.droppedVersions;
      s.droppedTombstones += result.droppedTombstones;
      s.ms += result.ms;
      const top = c.runs[0]!;
      if (c.level > 0 && top.length > 0) this.pointers.set(c.level, top[top.length - 1]!.largest);
      for (const run of c.runs) for (const f of run) this.obsolete.set(f.number, f);
      this.h.emit({ type: 'compaction-end', kind: cold ? 'cold' : c.kind, inputFiles, outputFiles: result.outputs.length, bytesRead: result.bytesRead, bytesWritten: result.bytesWritten, droppedVersions: result.droppedVersions, ms: result.ms });
    } finally {
      base.unref();
    }
    this.h.onInstalled();
    await this.deleteObsolete();
  }

  /** Deletes obsolete files that no version in use references. */
  async deleteObsolete(): Promise<void> {
    const live = this.h.versions.liveFiles();
    for (const [num, f] of this.obsolete) {
      if (live.has(f.key)) continue;
      this.obsolete.delete(num);
      this.h.tables.evict(num);
      try {
        await (f.tier === 'cold' ? this.h.coldStore : this.h.store).delete(f.key);
        this.stats.filesDeleted++;
      } catch {
        // Left for orphan collection at the next open.
      }
    }
  }
}
