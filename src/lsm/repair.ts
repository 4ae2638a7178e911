// Repair of a database whose latest manifest (or a file it references) is damaged: the
// engine's side of `dosql repair <db>` and `repair()` (docs/format/manifest.md, "Repair").
//
// Open never falls back to an older manifest by itself: it fails with CORRUPTION naming the
// damaged one. Repair reads every manifest version still present, newest first, and checks
// each: does it decode, and do all its data files verify (checks in repair-check.ts). The
// newest that passes is the fallback; from it, the WAL replays as an open would, up to the
// first missing segment, damaged record or gap in LSNs (and never past the point where a
// newer writer epoch took over). Everything the store shows beyond that — LSNs in newer
// manifests, WAL records, SSTables — is reported as lost. Only `apply` changes anything: it
// claims a new epoch (fencing any writer) and writes one new manifest version, numbered above
// every version present and created if absent, holding the fallback's files and sealing the
// WAL where the replay stopped. The damaged version stays in place, no longer the latest.
import { DoSQLError, isDoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeManifest, emptyManifest, type FileMeta, type ManifestState } from '../manifest/manifest-format.js';
import { listManifestVersions, manifestKey, VersionSet } from '../manifest/version-set.js';
import { listDataFiles } from './orphans.js';
import { checkFile, indexWal, maxWalLsn, replayFrom, type FileCheck } from './repair-check.js';

export interface RepairOptions {
  /** Write a new manifest version from the newest consistent one. Default false: report only, change nothing. */
  apply?: boolean;
  /** Where columnar runs live, when not in `store` (EngineOptions.coldStore). */
  coldStore?: ObjectStore;
}

/** One manifest version as repair found it. */
export interface ManifestReport {
  key: string;
  version: number;
  /** `ok`: decodes and every data file verifies; `damaged`: does not decode; `bad-files`: some of its files are missing or damaged. */
  status: 'ok' | 'damaged' | 'bad-files';
  /** Writer epoch, LSN bookkeeping and data file count (null when damaged). */
  epoch: number | null;
  lastLsn: number | null;
  flushedLsn: number | null;
  files: number;
  /** What failed, each naming the object (and offset where known). */
  problems: string[];
}

export interface RepairReport {
  /** Every manifest version present, newest first. */
  manifests: ManifestReport[];
  /** The latest version decodes and all its files verify: nothing to repair. */
  healthy: boolean;
  /**
   * The newest version that verifies and how far the WAL replays from it. When none verifies
   * but the WAL holds the whole history, the empty database before the first manifest
   * (`key` null, `version` 0) plus that WAL. Null when there is nothing to fall back to.
   */
  fallback: {
    key: string | null;
    version: number;
    epoch: number;
    flushedLsn: number;
    /** Last LSN an open after repair would hold: flushedLsn, then the commits the WAL replays. */
    recoveredLsn: number;
    walCommits: number;
    /** Why the WAL replay stopped before its end, or null. */
    walStoppedBy: string | null;
  } | null;
  /**
   * LSNs seen in the store (in newer manifests, WAL records or SSTables) above `recoveredLsn`:
   * lost by falling back. Some may be writes that were never committed (a fenced writer's
   * appends that a newer writer sealed out). Null when healthy or nothing is lost.
   */
  lost: { fromLsn: number; toLsn: number } | null;
  /** Data files the fallback does not reference: the first open after `apply` deletes them. */
  unreferencedFiles: string[];
  warnings: string[];
  /** The manifest `apply` wrote, or null. */
  applied: { key: string; version: number; epoch: number } | null;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Iceberg snapshots of the fallback that would point at missing runs: a warning, not a reason to reject it. */
async function checkExternalRefs(coldStore: ObjectStore, m: ManifestState, report: RepairReport): Promise<void> {
  for (const k of m.externalRefs) {
    if (!(await coldStore.head(k).catch(() => null))) report.warnings.push(`${k}, which an Iceberg snapshot of this version references, is missing`);
  }
}

function* dataFiles(m: ManifestState): Iterable<FileMeta> {
  for (const level of m.levels) for (const run of level) yield* run;
}

/**
 * Reports what repair finds in `store` and, with `apply`, writes the fallback manifest.
 * Throws NOT_FOUND when the store holds no manifest, CORRUPTION when `apply` finds no version
 * that verifies, BUSY when a writer wrote a manifest while `apply` ran, IO_ERROR from the store.
 */
export async function repairStore(store: ObjectStore, options: RepairOptions = {}): Promise<RepairReport> {
  const coldStore = options.coldStore ?? store;
  const versions = await listManifestVersions(store);
  if (versions.length === 0) throw new DoSQLError('NOT_FOUND', `repair: ${store.name} holds no manifest: not a dosql database`);
  const walKeys = (await store.list('wal/')).map((o) => o.key);
  const listed = await listDataFiles(store, coldStore);

  const checked = new Map<string, FileCheck>();
  const check = async (f: Pick<FileMeta, 'key' | 'number' | 'size' | 'tier' | 'entries'>): Promise<FileCheck> => {
    let c = checked.get(f.key);
    if (!c) {
      c = await checkFile(store, coldStore, f);
      checked.set(f.key, c);
    }
    return c;
  };

  const manifests: ManifestReport[] = [];
  const states = new Map<number, ManifestState>();
  for (const version of [...versions].reverse()) {
    const key = manifestKey(version);
    const report: ManifestReport = { key, version, status: 'ok', epoch: null, lastLsn: null, flushedLsn: null, files: 0, problems: [] };
    manifests.push(report);
    let m: ManifestState;
    try {
      const r = await store.get(key);
      if (!r) throw new DoSQLError('NOT_FOUND', `manifest: ${key} vanished while repair read it`);
      m = decodeManifest(r.data, key);
    } catch (e) {
      if (isDoSQLError(e, 'IO_ERROR')) throw e;
      report.status = 'damaged';
      report.problems.push(message(e));
      continue;
    }
    states.set(version, m);
    report.epoch = m.epoch;
    report.lastLsn = m.lastLsn;
    report.flushedLsn = m.flushedLsn;
    for (const f of dataFiles(m)) {
      report.files++;
      const c = await check(f);
      if (c.problem) report.problems.push(c.problem);
    }
    if (report.problems.length > 0) report.status = 'bad-files';
  }

  const healthy = manifests[0]!.status === 'ok';
  const report: RepairReport = { manifests, healthy, fallback: null, lost: null, unreferencedFiles: [], warnings: [], applied: null };
  const wal = await indexWal(store, walKeys);
  const chosen = manifests.find((r) => r.status === 'ok');
  // No version verifies: the empty database before the first manifest, plus the WAL, when the
  // WAL still holds the whole history (checked below: it must lose nothing).
  const fb = chosen ? states.get(chosen.version)! : emptyManifest();
  const replay = await replayFrom(store, fb, wal);
  const fallback = {
    key: chosen ? chosen.key : null,
    version: chosen ? chosen.version : 0,
    epoch: fb.epoch,
    flushedLsn: fb.flushedLsn,
    recoveredLsn: replay.recoveredLsn,
    walCommits: replay.commits,
    walStoppedBy: replay.stoppedBy,
  };
  if (healthy) {
    report.fallback = fallback;
    await checkExternalRefs(coldStore, fb, report);
    return report;
  }

  // What falling back loses: every LSN the store still shows above what the fallback recovers.
  const live = new Set<string>([...dataFiles(fb)].map((f) => f.key));
  let seen = await maxWalLsn(store, walKeys);
  for (const r of manifests) if (r.lastLsn !== null) seen = Math.max(seen, r.lastLsn);
  const unreferenced: string[] = [];
  for (const f of listed) {
    if (!live.has(f.key)) unreferenced.push(f.key);
    if (f.tier === 'hot') seen = Math.max(seen, (await check({ key: f.key, number: f.number, size: 0, tier: 'hot', entries: -1 })).maxLsn);
  }
  const lost = seen > replay.recoveredLsn ? { fromLsn: replay.recoveredLsn + 1, toLsn: seen } : null;
  if (!chosen && (lost !== null || replay.commits === 0)) {
    if (options.apply) throw new DoSQLError('CORRUPTION', `repair: no manifest version in ${store.name} decodes with all its files intact, and the WAL does not hold the whole history; nothing to fall back to`);
    return report;
  }
  report.fallback = fallback;
  report.lost = lost;
  report.unreferencedFiles = unreferenced;
  await checkExternalRefs(coldStore, fb, report);
  const newerEpochWrote = [...wal.epochs].some(([e, info]) => e > fb.epoch && info.firstLsn !== null);
  if (!newerEpochWrote && manifests.some((r) => r.version > fallback.version && r.epoch === null)) {
    report.warnings.push(
      `a newer manifest could not be read: if a newer writer epoch wrote it, writes the writer of epoch ${fb.epoch} made after that takeover (reported to it as not committed) may be replayed`,
    );
  }

  if (options.apply) {
    const top = versions[versions.length - 1]!;
    const vs = await VersionSet.claimWith(store, { ...structuredClone(fb), version: top });
    const written = await vs.update((d) => {
      d.walSeals = replay.seals;
      d.logNumber = 1; // the repair epoch writes no WAL of its own
      d.lastLsn = replay.recoveredLsn;
      d.lastTimestamp = Math.max(d.lastTimestamp, replay.lastTimestamp);
      let maxFile = 0;
      for (const f of listed) maxFile = Math.max(maxFile, f.number);
      d.nextFileNumber = Math.max(d.nextFileNumber, maxFile + 1);
      d.timeIndex = d.timeIndex.filter(([lsn]) => lsn <= replay.recoveredLsn);
    });
    report.applied = { key: manifestKey(written.state.version), version: written.state.version, epoch: vs.epoch };
  }
  return report;
}
