// External SSTable ingestion (RocksDB's IngestExternalFile): a bulk load written straight into
// sorted runs, made visible at one commit LSN by one manifest edit, without the WAL or the
// memtable carrying its entries (docs/format/wal.md, "Ingested commits").
//
// Order of steps, all under the write path's `walLock` (no commit can take an LSN meanwhile):
//   1. L = lastLsn + 1 is reserved; the caller's `build` writes its runs with every entry at L
//      (the LSN is part of each internal key, so files are written after the reservation);
//   2. memtables overlapping the runs' key range are flushed first (a point read stops at the
//      first source holding the key, so no older version may sit in a newer source);
//   3. an empty commit record for L is appended to the WAL and synced: the log stays gap-free
//      (change data capture and repair read it as consecutive LSNs);
//   4. one manifest edit adds the runs and raises lastLsn to L.
// A crash before 4 leaves files no manifest references (deleted as orphans at the next open,
// orphans.ts) and at most an empty commit: nothing is visible. After 4 all of it is.
//
// Placement (as RocksDB picks an ingestion level): one run whose key range overlaps no file of
// any level down to the deepest hot level goes to that deepest level; otherwise, or while a
// compaction is in flight (its output, computed from the older version, could land over the
// run), every run becomes a new L0 run, newest first.
import { DoSQLError } from '../errors.js';
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import { MAX_LSN, TRAILER_SIZE, seekKey } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import { ByteWriter } from '../util/byte-writer.js';
import { RunBuilder, sstKey } from '../compaction/run-builder.js';
import type { EngineContext } from './engine-context.js';
import type { Flusher } from './flush.js';
import type { CommitRecord } from './wal-format.js';
import { encodeCommit } from './wal-format.js';
import type { FileNumbers, SstableBuildOptions } from './engine-wiring.js';
import type { WritePath } from './write-path.js';

/** One run an ingest installs: files in key order, key ranges disjoint (RunBuilder.finish). */
export type IngestedRun = FileMeta[];

/** What `build` is given: the commit LSN of every entry, and a way to write runs. */
export interface IngestContext {
  /** The commit LSN every ingested entry must carry (internal keys are written with it). */
  readonly lsn: number;
  /** The commit timestamp (ms since the epoch) the ingest is recorded at. */
  readonly timestamp: number;
  /** A run writer: entries in internal-key order, files split at the engine's target size. */
  newRun(): RunBuilder;
}

/** The outcome of an ingest. */
export interface IngestResult {
  lsn: number;
  timestamp: number;
  /** Level the runs went to (0: new L0 runs). */
  level: number;
  files: number;
  entries: number;
}

/** The engine parts an ingest uses. */
export interface IngestHost {
  readonly ctx: EngineContext;
  readonly writes: WritePath;
  readonly flusher: Flusher;
  readonly files: FileNumbers;
  readonly sstable: SstableBuildOptions;
  /** A compaction is running (its install could overlap a run placed below L0). */
  compacting(): boolean;
  /** Compactions may be due (after the edit). */
  kick(): void;
}

/**
 * Runs `build` under the commit lock and installs the runs it returns (each sorted, files
 * disjoint; every entry a put or tombstone at `lsn`; no user key in two runs). Errors: whatever
 * `build` throws (its files are deleted), IO errors, FENCED. The runs' files must come from
 * `newRun()`.
 */
export async function ingestRuns(h: IngestHost, build: (c: IngestContext) => Promise<FileMeta[][]>): Promise<IngestResult> {
  const { ctx, writes } = h;
  const unlock = await writes.walLock.lock();
  const numbers: number[] = [];
  let installed = false;
  try {
    ctx.status.throwIfFailed();
    const lsn = writes.lastLsn + 1;
    const timestamp = Math.max(ctx.o.clock.now(), writes.lastTimestamp);
    const runs = (
      await build({
        lsn,
        timestamp,
        newRun: () =>
          new RunBuilder({
            store: ctx.o.store,
            epoch: ctx.versions.epoch,
            targetFileBytes: ctx.o.targetFileBytes,
            sstable: h.sstable,
            newFileNumber: () => {
              const n = h.files.take();
              numbers.push(n);
              return n;
            },
          }),
      })
    ).filter((r) => r.length > 0);
    for (const run of runs) for (const f of run) if (f.minLsn !== lsn || f.maxLsn !== lsn) throw new DoSQLError('INVALID_ARGUMENT', `engine: ingested file ${f.key} holds LSNs ${f.minLsn}..${f.maxLsn}, not the ingest's ${lsn}`);
    if (runs.length === 0) return { lsn: writes.visible, timestamp: writes.lastTimestamp, level: 0, files: 0, entries: 0 };
    await flushOverlapping(h, runs);
    await appendMarker(h, lsn, timestamp);
    let level = 0;
    await ctx.versions.update((d) => {
      level = place(d, runs, h.compacting() ? 0 : deepestHotLevel(d, ctx.compaction.maxLevels));
      d.lastLsn = Math.max(d.lastLsn, lsn);
      d.lastTimestamp = Math.max(d.lastTimestamp, timestamp);
      d.nextFileNumber = Math.max(d.nextFileNumber, h.files.next);
    });
    installed = true;
    h.kick();
    let files = 0;
    let entries = 0;
    for (const run of runs) for (const f of run) (files++, (entries += f.entries));
    return { lsn, timestamp, level, files, entries };
  } finally {
    unlock();
    if (!installed) await deleteFiles(h, numbers);
  }
}

/** Every file the failed ingest may have written (best effort: orphan collection retries at open). */
async function deleteFiles(h: IngestHost, numbers: readonly number[]): Promise<void> {
  const store = h.ctx.o.store;
  const epoch = h.ctx.versions.epoch;
  await Promise.all(numbers.map((n) => store.delete(sstKey(epoch, n)).catch(() => undefined)));
}

function ukCmp(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length - TRAILER_SIZE, b, 0, b.length - TRAILER_SIZE);
}

function overlaps(f: FileMeta, lo: Uint8Array, hi: Uint8Array): boolean {
  return ukCmp(f.largest, lo) >= 0 && ukCmp(f.smallest, hi) <= 0;
}

/** REQUIRES: walLock held. Flushes the memtables when one holds a key inside some run's range. */
async function flushOverlapping(h: IngestHost, runs: readonly FileMeta[][]): Promise<void> {
  const w = h.writes;
  const hit = w.memtables().some((mt) =>
    runs.some((run) => {
      const lo = run[0]!.smallest;
      const hi = run[run.length - 1]!.largest;
      const e = mt.lowerBound(seekKey(lo.subarray(0, lo.length - TRAILER_SIZE), MAX_LSN));
      return e >= 0 && ukCmp(mt.keyAt(e), hi) <= 0;
    }),
  );
  if (!hit) return;
  // The flush loop does not take walLock: freezing here and waiting is safe.
  await w.makeRoomForWrite(true);
  while (w.imm.length > 0) {
    h.ctx.status.throwIfFailed();
    h.flusher.schedule();
    await h.flusher.running;
  }
  h.ctx.status.throwIfFailed();
}

/** REQUIRES: walLock held. Appends and syncs the ingest's (empty) commit record; L becomes visible. */
async function appendMarker(h: IngestHost, lsn: number, timestamp: number): Promise<void> {
  const { ctx, writes: w } = h;
  const rec: CommitRecord = { lsn, timestamp, txnId: 0, ops: [] };
  const buf = new ByteWriter(64);
  encodeCommit(buf, rec);
  try {
    await w.wal.append(buf.view());
    await w.wal.sync();
  } catch (e) {
    throw ctx.status.fail(e);
  }
  const mem = w.mem;
  if (mem.minLsn === 0) mem.minLsn = lsn;
  mem.maxLsn = lsn;
  mem.maxTs = timestamp;
  w.live.appended(lsn, lsn, w.wal.size);
  w.lastLsn = lsn;
  w.lastTimestamp = timestamp;
  w.visible = lsn;
  ctx.pins.sample(lsn, timestamp);
  w.publish([rec]);
}

/** Normal compactions never write into the cold level; the deepest level they fill is the one above it. */
function deepestHotLevel(d: ManifestState, maxLevels: number): number {
  return d.coldLevel > 0 ? Math.min(maxLevels - 1, d.coldLevel - 1) : maxLevels - 1;
}

/**
 * Adds `runs` to the draft: runs whose files are pairwise disjoint go, as one run, into the
 * deepest level <= `deepest` such that no file of that level or any level above overlaps one of
 * theirs; else each run as a new L0 run. Returns the level.
 */
function place(d: ManifestState, runs: readonly FileMeta[][], deepest: number): number {
  const merged = runs.length === 1 ? runs[0]! : disjointConcat(runs);
  if (merged && deepest > 0) {
    let target = 0;
    for (let l = 0; l <= deepest; l++) {
      const clash = (d.levels[l] ?? []).some((run) => run.some((f) => f.tier !== 'hot' || merged.some((m) => overlaps(f, m.smallest, m.largest))));
      if (clash) break;
      target = l;
    }
    if (target > 0) {
      while (d.levels.length <= target) d.levels.push([]);
      const level = d.levels[target]!;
      const existing = level[0] ?? [];
      const run = [...existing, ...merged].sort((a, b) => ukCmp(a.smallest, b.smallest));
      if (level.length === 0) level.push(run);
      else level[0] = run;
      return target;
    }
  }
  for (const run of runs) d.levels[0]!.unshift(run);
  return 0;
}

/** The runs' files as one run when no two files overlap, else null. */
function disjointConcat(runs: readonly FileMeta[][]): FileMeta[] | null {
  const files = runs.flat().sort((a, b) => ukCmp(a.smallest, b.smallest));
  for (let i = 1; i < files.length; i++) if (ukCmp(files[i - 1]!.largest, files[i]!.smallest) >= 0) return null;
  return files;
}
