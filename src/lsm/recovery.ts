// Rebuilds the memtable from the WAL at open (docs/format/wal.md, "Recovery").
//
// Segments replayed, in LSN order:
//   1. the seals recorded by the previous writer (earlier epochs), each up to its seal;
//   2. the previous writer's own segments from its logNumber on, up to their torn tail.
// Other segments (epochs that never wrote a manifest, or already flushed) hold nothing
// acknowledged and are obsolete. Commits with LSN <= flushedLsn are already in SSTables.
import { asIoError, corruption, DoSQLError } from '../errors.js';
import type { VersionSet } from '../manifest/version-set.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ManifestState, WalSeal } from '../manifest/manifest-format.js';
import { Memtable } from '../memtable/memtable.js';
import { TRAILER_SIZE } from '../mvcc/internal-key.js';
import { applyCommit } from './apply-commit.js';
import { WAL_HEADER_SIZE, decodeSegmentHeader, parseWalSegmentKey, scanSegment, type LogEnd } from './wal-format.js';

export interface RecoveredWal {
  memtable: Memtable;
  /** LSN range of the replayed commits (0, 0 when none). */
  minLsn: number;
  maxLsn: number;
  lastLsn: number;
  lastTimestamp: number;
  /** Every segment replayed, sealed at the end of its last good record. */
  seals: WalSeal[];
  /** Segments that hold nothing needed. */
  obsolete: string[];
  commits: number;
  /** How each replayed segment ended. */
  ends: { key: string; stop: LogEnd }[];
  /**
   * Each replayed segment's readable length and the LSNs of its first and last record (0, 0:
   * none), records already flushed included: the live log's index (wal-index.ts).
   */
  ranges: { key: string; end: number; firstLsn: number; lastLsn: number }[];
}

export async function recoverWal(store: ObjectStore, state: ManifestState, memtableId: number): Promise<RecoveredWal> {
  let listing;
  try {
    listing = await store.list('wal/');
  } catch (e) {
    throw asIoError('wal', 'list', 'wal/', e);
  }
  const plan: { key: string; limit?: number }[] = state.walSeals.map((s) => ({ key: s.key, limit: s.end }));
  const planned = new Set(plan.map((p) => p.key));
  const own = listing
    .map((o) => ({ key: o.key, id: parseWalSegmentKey(o.key) }))
    .filter((o) => o.id !== null && o.id.epoch === state.epoch && o.id.segment >= state.logNumber && state.version > 0)
    .sort((a, b) => a.id!.segment - b.id!.segment);
  for (const o of own) {
    if (!planned.has(o.key)) {
      plan.push({ key: o.key });
      planned.add(o.key);
    }
  }
  const obsolete = listing.map((o) => o.key).filter((k) => !planned.has(k) && parseWalSegmentKey(k) !== null);

  const mt = new Memtable(memtableId, { suffixLength: TRAILER_SIZE });
  const trailer = new Uint8Array(TRAILER_SIZE);
  let lastLsn = state.lastLsn;
  let lastTimestamp = state.lastTimestamp;
  let minLsn = 0;
  let maxLsn = 0;
  let prevLsn = state.flushedLsn;
  let commits = 0;
  const seals: WalSeal[] = [];
  const ends: RecoveredWal['ends'] = [];
  const ranges: RecoveredWal['ranges'] = [];
  for (const p of plan) {
    let res;
    try {
      res = await store.get(p.key);
    } catch (e) {
      throw asIoError('wal', 'get', p.key, e);
    }
    if (!res) {
      // A sealed segment may be gone only if everything in it was flushed, which the
      // manifest would say by dropping the seal: missing data is corruption.
      throw corruption('wal', p.key, 0, 'segment listed for recovery is missing');
    }
    const id = parseWalSegmentKey(p.key);
    if (res.data.length < WAL_HEADER_SIZE || (p.limit !== undefined && p.limit < WAL_HEADER_SIZE)) {
      // Killed between creating the segment and writing its header: nothing was ever
      // appended, so nothing was acknowledged from it.
      seals.push({ key: p.key, end: 0 });
      ends.push({ key: p.key, stop: 'torn-tail' });
      ranges.push({ key: p.key, end: 0, firstLsn: 0, lastLsn: 0 });
      continue;
    }
    const hdr = decodeSegmentHeader(res.data, p.key);
    if (!id || hdr.epoch !== id.epoch || hdr.segment !== id.segment) throw corruption('wal', p.key, 0, 'segment header names another segment');
    const scan = scanSegment(res.data, p.key, p.limit ?? res.data.length);
    for (const { record, offset } of scan.records) {
      if (record.lsn <= state.flushedLsn) continue;
      if (record.lsn <= prevLsn) throw corruption('wal', p.key, offset, `LSN ${record.lsn} does not follow ${prevLsn}`);
      prevLsn = record.lsn;
      applyCommit(mt, record, trailer);
      commits++;
      if (minLsn === 0) minLsn = record.lsn;
      maxLsn = record.lsn;
      if (record.lsn > lastLsn) lastLsn = record.lsn;
      if (record.timestamp > lastTimestamp) lastTimestamp = record.timestamp;
    }
    seals.push({ key: p.key, end: scan.end });
    ends.push({ key: p.key, stop: scan.stop });
    const recs = scan.records;
    ranges.push({ key: p.key, end: scan.end, firstLsn: recs[0]?.record.lsn ?? 0, lastLsn: recs.at(-1)?.record.lsn ?? 0 });
  }
  return { memtable: mt, minLsn, maxLsn, lastLsn, lastTimestamp, seals, obsolete, commits, ends, ranges };
}

/**
 * Writes the first manifest of the opening epoch: it seals the segments replayed (so a fenced
 * writer's later appends are never replayed), starts this epoch's log at segment 1 and records
 * the recovered LSN bookkeeping. BUSY (retry the open) when another open claimed a newer epoch
 * meanwhile.
 */
export async function writeFirstManifest(versions: VersionSet, rec: RecoveredWal, nextFileNumber: number, storeName: string, extra?: (draft: ManifestState) => void): Promise<void> {
  try {
    await versions.update((d) => {
      // The opener's own changes (change data capture: retiring seals that replayed nothing,
      // tables to keep the full history of) ride in the same manifest version.
      extra?.(d);
      d.walSeals = rec.commits > 0 ? rec.seals : [];
      d.logNumber = 1;
      d.lastLsn = rec.lastLsn;
      d.lastTimestamp = rec.lastTimestamp;
      d.nextFileNumber = nextFileNumber;
      if (rec.commits === 0) d.flushedLsn = Math.max(d.flushedLsn, rec.lastLsn);
    });
  } catch (e) {
    // Another open claimed a newer epoch while we recovered: it won; ours may be retried.
    if (e instanceof DoSQLError && e.code === 'FENCED') {
      throw new DoSQLError('BUSY', `engine: another writer opened ${storeName} while this open recovered; retry the open`, { cause: e });
    }
    throw e;
  }
}
