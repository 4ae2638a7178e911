// Point-in-time recovery past a backup (docs/format/backup.md, "Point-in-time restore"): the
// commits after the backup's LSN come from the WAL archive (`_archive/wal/`, wal-archive.ts),
// whose copies are byte-identical to the hot segments. A restore writes the segments that hold
// commits (backupLsn, asOf] into the restored hot store under their own keys, each cut right
// after the last record it needs, and lists them as the manifest's WAL seals: the engine's
// ordinary recovery (recovery.ts) then replays exactly those commits, with their own LSNs and
// timestamps, and checks every record's checksum as it does for any WAL.
import { asIoError, DoSQLError } from '../errors.js';
import type { WalSeal } from '../manifest/manifest-format.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeSegmentHeader, parseWalSegmentKey, scanSegment } from './wal-format.js';
import { ARCHIVE_PREFIX } from './wal-retention.js';

/** One archived segment cut to what a restore replays. */
export interface ReplaySegment {
  /** Its hot key (`wal/<epoch>-<segment>.log`), where the restore writes it. */
  key: string;
  epoch: number;
  /** Bytes [0, end) of the archive copy: the header and every record up to the last one needed. */
  data: Uint8Array;
}

/** What replaying the archive from `fromLsn` (exclusive) to `toLsn` needs. */
export interface ArchiveReplay {
  segments: ReplaySegment[];
  seals: WalSeal[];
  /** Newest epoch among the segments (0 when none): the restored engine must claim a newer one. */
  maxEpoch: number;
}

/** The LSN range the archive in `archive` holds without a gap ([0, 0] when empty), and its segments' commits. */
async function readArchive(archive: ObjectStore): Promise<{ key: string; epoch: number; data: Uint8Array; records: { lsn: number; end: number }[] }[]> {
  let listing;
  try {
    listing = await archive.list(ARCHIVE_PREFIX);
  } catch (e) {
    throw asIoError('backup', 'list', ARCHIVE_PREFIX, e);
  }
  const out = [];
  for (const o of listing) {
    const hotKey = o.key.slice('_archive/'.length);
    const id = parseWalSegmentKey(hotKey);
    if (!id) continue;
    let r;
    try {
      r = await archive.get(o.key);
    } catch (e) {
      throw asIoError('backup', 'get', o.key, e);
    }
    if (!r) continue; // collected while listed: the range check below reports any gap
    decodeSegmentHeader(r.data, o.key);
    // CORRUPTION naming the archive copy and offset for a damaged record.
    const scan = scanSegment(r.data, o.key);
    out.push({ key: hotKey, epoch: id.epoch, data: r.data, records: scan.records.map((x) => ({ lsn: x.record.lsn, end: x.end })) });
  }
  out.sort((a, b) => (a.records[0]?.lsn ?? 0) - (b.records[0]?.lsn ?? 0));
  return out;
}

/**
 * Plans the replay of commits (fromLsn, toLsn] from the WAL archive in `archive` (a store whose
 * `_archive/wal/` holds the copies: the database's cold store). NOT_FOUND naming the first LSN
 * the archive lacks (collected, or never archived: the database was opened without
 * `walArchive`, or the commit is still in the live WAL); CORRUPTION for a damaged copy.
 */
export async function planArchiveReplay(archive: ObjectStore, fromLsn: number, toLsn: number): Promise<ArchiveReplay> {
  const segments: ReplaySegment[] = [];
  const seals: WalSeal[] = [];
  let next = fromLsn + 1;
  let maxEpoch = 0;
  for (const s of await readArchive(archive)) {
    if (next > toLsn) break;
    let end = 0;
    for (const r of s.records) {
      if (r.lsn < next || r.lsn > toLsn) continue;
      if (r.lsn !== next) break;
      end = r.end;
      next++;
    }
    if (end === 0) continue;
    segments.push({ key: s.key, epoch: s.epoch, data: s.data.subarray(0, end) });
    seals.push({ key: s.key, end });
    maxEpoch = Math.max(maxEpoch, s.epoch);
  }
  if (next <= toLsn) {
    throw new DoSQLError('NOT_FOUND', `backup: the WAL archive has no commit LSN ${next}, so it cannot restore past LSN ${next - 1} (asked for ${toLsn}); open the database with walArchive to archive segments before they are collected`, {
      details: { lsn: next, asOf: toLsn },
    });
  }
  return { segments, seals, maxEpoch };
}
