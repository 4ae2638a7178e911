// What `LsmEngine.open` does around constructing the engine, in order (docs/format/wal.md,
// "Recovery"; docs/format/manifest.md, "Writer epochs"):
//   1. load the newest manifest and claim the next writer epoch (fencing the previous writer);
//   2. replay the WAL into a memtable (recovery.ts) and list the data files in both stores;
//   -- the engine is constructed from what 1-2 found --
//   3. write the epoch's first manifest (sealing what was replayed), start a new WAL segment;
//   4. delete what nothing needs: obsolete or unsealed segments, and data files no manifest
//      references (the output of a crashed or fenced flush or compaction: orphans.ts).
import { DoSQLError } from '../errors.js';
import { resolveCompactionOptions } from '../compaction/options.js';
import { parseRetention } from '../compaction/retention.js';
import { ensureCodec } from '../sstable/compression.js';
import { compressionsUsed } from '../sstable/level-compression.js';
import type { ObjectStore } from '../storage/object-store.js';
import { SILENT } from '../util/log.js';
import { DEFAULTS } from './engine-context.js';
import type { EngineOptions } from './engine-types.js';
import { VersionSet } from '../manifest/version-set.js';
import { recoverWal, writeFirstManifest, type RecoveredWal } from './recovery.js';
import { deleteOrphans, listDataFiles, type DataFile } from './orphans.js';
import type { MemState } from './write-path.js';
import type { Deletion, LogService } from './log-service.js';

/**
 * Validates `options` (INVALID_ARGUMENT before anything is read), loads the compression codec,
 * then runs `once` (steps 1-4), again up to five times when it throws BUSY: an earlier writer's
 * last manifest update raced with the open.
 */
export async function openWithRetry<E>(options: EngineOptions, once: (options: EngineOptions) => Promise<E>): Promise<E> {
  if (typeof (options as Partial<EngineOptions> | null)?.store?.get !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'engine: open() needs options with an ObjectStore as store');
  resolveCompactionOptions(options.compaction);
  parseRetention(options.retention);
  const perLevel = options.compressionPerLevel ?? DEFAULTS.compressionPerLevel;
  if (!Array.isArray(perLevel) || perLevel.some((c) => c !== 'none' && c !== 'lz4')) throw new DoSQLError('INVALID_ARGUMENT', `engine: compressionPerLevel must be an array of 'none' | 'lz4', got ${JSON.stringify(perLevel)}`);
  for (const name of compressionsUsed(options.compression ?? DEFAULTS.compression, perLevel)) await ensureCodec(name);
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(options);
    } catch (e) {
      if (e instanceof DoSQLError && e.code === 'BUSY' && attempt < 5) {
        (options.logger ?? SILENT).warn('open-busy', { store: options.store.name, attempt: attempt + 1, message: e.message });
        continue;
      }
      throw e;
    }
  }
}

/** What steps 1-2 found: the engine's starting state. */
export interface OpenState {
  versions: VersionSet;
  rec: RecoveredWal;
  files: DataFile[];
  /** The active memtable, holding the replayed commits. */
  mem: MemState;
  recovered: { lastLsn: number; lastTimestamp: number; nextFileNumber: number };
}

/**
 * Steps 1-2. Throws `BUSY` (retry the open) when a writer we just fenced changed the manifest
 * under us, `CORRUPTION` for a damaged manifest or WAL record, `IO_ERROR` for store failures.
 */
export async function loadForOpen(store: ObjectStore, coldStore: ObjectStore): Promise<OpenState> {
  const versions = await VersionSet.open(store);
  const state = versions.state;
  let rec;
  try {
    rec = await recoverWal(store, state, 1);
  } catch (e) {
    // A writer we just fenced may have updated the manifest after we loaded it and deleted
    // a WAL segment it no longer needs: that is a race to retry, not corruption.
    throw await versions.staleOpenError(e);
  }
  const files = await listDataFiles(store, coldStore);
  let maxFile = 0;
  for (const f of files) maxFile = Math.max(maxFile, f.number);
  const mem: MemState = { mt: rec.memtable, firstSegment: 1, minLsn: rec.minLsn, maxLsn: rec.maxLsn, maxTs: rec.lastTimestamp, hasSealed: rec.commits > 0 };
  const recovered = { lastLsn: rec.lastLsn, lastTimestamp: rec.lastTimestamp, nextFileNumber: Math.max(state.nextFileNumber, maxFile + 1) };
  return { versions, rec, files, mem, recovered };
}

/**
 * Steps 3-4, once the engine exists: `startWal` opens the epoch's first segment; `log` (change
 * data capture's log service) decides which replayed or unneeded segments it still retains
 * (walHistory) instead of their deletion. `BUSY` when another open claimed a newer epoch meanwhile.
 */
export async function finishOpen(
  s: OpenState,
  stores: { store: ObjectStore; coldStore: ObjectStore },
  nextFileNumber: number,
  hooks: { startWal: () => Promise<void>; log: LogService; fullHistoryTables: readonly number[] },
): Promise<void> {
  const { store, coldStore } = stores;
  const { log, rec } = { log: hooks.log, rec: s.rec };
  let retired: Deletion[] = [];
  await writeFirstManifest(s.versions, rec, nextFileNumber, store.name, (d) => {
    // Seals that replayed nothing are not needed for recovery; change data capture may keep them.
    if (rec.commits === 0) retired = log.retireAtOpen(d, rec.ranges);
    log.keepFullHistoryIn(d, [...hooks.fullHistoryTables]);
  });
  await hooks.startWal();
  // Segments recovery did not plan are obsolete unless change data capture retains them.
  const kept = new Set(s.versions.state.walHistory.filter((h) => h.hot).map((h) => h.key));
  for (const key of rec.obsolete) if (!kept.has(key)) await store.delete(key).catch(() => undefined);
  await log.delete(retired);
  if (log.archiving) await log.sweepArchive();
  await deleteOrphans(s.files, s.versions.liveFiles(), s.versions.epoch, store, coldStore);
}
