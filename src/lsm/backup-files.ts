// What a physical backup of an engine is (docs/format/backup.md): the data files of one manifest
// version, and that manifest rewritten so that an engine opened on a copy of those files
// replays no WAL. The engine first flushes (a checkpoint), so every commit up to the version's
// flushedLsn is in its files and nothing after it is: the copy is consistent at that one LSN
// while writes go on. The version stays referenced until `release()`, so the writer does not
// collect its files while they are copied (contract 4).
//
// Used by src/node/backup.ts (folders) through the engine's `backupPlan()`; restoring writes
// the manifest with `writeRestoredManifest`.
import { asIoError } from '../errors.js';
import { encodeManifest, type ManifestState } from '../manifest/manifest-format.js';
import { epochKey, manifestKey, type Version } from '../manifest/version-set.js';
import type { ObjectStore } from '../storage/object-store.js';

/** One data file of a backup. */
export interface BackupFile {
  /** Object key in its store (SSTables in the hot store, columnar runs in the cold store). */
  key: string;
  tier: 'hot' | 'cold';
  size: number;
}

/** A backup's content: copy `files`, keep `manifest`, then `release()`. */
export interface BackupPlan {
  /** Every commit with LSN <= lsn is in the files, and none after. */
  lsn: number;
  /** Commit time of the newest commit the files hold, ms (0 when unknown). */
  timestamp: number;
  /** The manifest an engine opens on the copied files (encoded, docs/format/manifest.md). */
  manifest: Uint8Array;
  manifestVersion: number;
  epoch: number;
  files: BackupFile[];
  /** Lets the writer collect the files again. Idempotent. */
  release(): void;
}

/** The plan for `version` (referenced by the caller: `release` unreferences it). */
export function backupPlanOf(version: Version): BackupPlan {
  const s = version.state;
  const files: BackupFile[] = [];
  for (const level of s.levels) for (const run of level) for (const f of run) files.push({ key: f.key, tier: f.tier, size: f.size });
  const restored: ManifestState = structuredClone(s);
  // Nothing to replay: the files hold every commit up to flushedLsn.
  restored.walSeals = [];
  restored.walHistory = [];
  restored.logNumber = Number.MAX_SAFE_INTEGER;
  restored.lastLsn = s.flushedLsn;
  let released = false;
  return {
    lsn: s.flushedLsn,
    timestamp: s.lastLsn === s.flushedLsn ? s.lastTimestamp : 0,
    manifest: encodeManifest(restored),
    manifestVersion: s.version,
    epoch: s.epoch,
    files,
    release() {
      if (released) return;
      released = true;
      version.unref();
    },
  };
}

/**
 * Writes a backup's manifest into `store` (a restore's empty hot store) as version `version`,
 * and the epoch claim of `epoch`, so the engine that opens it claims a newer epoch than the one
 * that wrote the files. IO_ERROR for store failures.
 */
export async function writeRestoredManifest(store: ObjectStore, manifest: Uint8Array, version: number, epoch: number): Promise<void> {
  const mk = manifestKey(version);
  const ek = epochKey(epoch);
  try {
    await store.put(mk, manifest);
    await store.put(ek, new Uint8Array(0));
  } catch (e) {
    throw asIoError('backup', 'put', mk, e);
  }
}
