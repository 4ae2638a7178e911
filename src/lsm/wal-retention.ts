// Which flushed WAL segments change data capture still needs (docs/format/wal.md, "Retained
// segments"). Recovery needs a segment only until a flush covers it; CDC reads the log after
// that, so a flushed segment stays listed in the manifest's `walHistory` while
//   - a replication slot's restart LSN, or an open reader's position, is at or below its last
//     LSN (as Postgres slots pin WAL: `need`), or
//   - the archive is on and its last commit lies inside the archive window (`archiveFrom`).
// With the archive on, every retained segment moves to the cold store under `_archive/`
// (wal-archive.ts) and its hot copy goes. Everything else is dropped, oldest first, so what is
// kept is always a contiguous suffix of the log. Pure: the runner is in log-service.ts.
import type { WalHistoryEntry } from '../manifest/manifest-format.js';
import type { LiveSegment } from './wal-index.js';

export interface RetentionInput {
  /** Retained segments, in LSN order. */
  readonly history: readonly WalHistoryEntry[];
  /** Lowest LSN a slot or an open reader still needs; Infinity when none. */
  readonly need: number;
  /** Whether retained segments are archived to the cold store. */
  readonly archive: boolean;
  /** With the archive on: segments whose last LSN is at or above this stay (the archive window). */
  readonly archiveFrom: number;
}

export interface RetentionPlan {
  /** What stays listed, in LSN order. */
  readonly keep: WalHistoryEntry[];
  /** What goes: its hot copy and its archive copy are deleted after the manifest edit. */
  readonly drop: WalHistoryEntry[];
  /** Kept, with a hot copy and no archive copy yet, while the archive is on: to copy. */
  readonly toArchive: WalHistoryEntry[];
  /** Kept and archived but still hot: the hot copy can go. */
  readonly hotToDelete: WalHistoryEntry[];
}

/** Decides what to keep, drop and archive. */
export function planWalRetention(i: RetentionInput): RetentionPlan {
  const from = i.archive ? Math.min(i.need, i.archiveFrom) : i.need;
  const keep: WalHistoryEntry[] = [];
  const drop: WalHistoryEntry[] = [];
  for (const h of i.history) (h.lastLsn >= from ? keep : drop).push(h);
  // Keep a contiguous suffix: once one segment is kept, every later one is too.
  const firstKept = keep[0];
  if (firstKept) {
    const later = drop.filter((h) => h.firstLsn > firstKept.lastLsn);
    if (later.length) {
      for (const h of later) drop.splice(drop.indexOf(h), 1);
      keep.push(...later);
      keep.sort((a, b) => a.firstLsn - b.firstLsn);
    }
  }
  return {
    keep,
    drop,
    toArchive: i.archive ? keep.filter((h) => h.hot && !h.archived) : [],
    hotToDelete: keep.filter((h) => h.hot && h.archived !== undefined),
  };
}

/** History entries for segments a flush retired (segments without records need nothing kept). */
export function historyEntries(segments: readonly LiveSegment[]): WalHistoryEntry[] {
  return segments.filter((s) => s.firstLsn > 0).map((s) => ({ key: s.key, end: s.end, firstLsn: s.firstLsn, lastLsn: s.lastLsn, hot: true }));
}

/** Key of a segment's archive copy in the cold store: `_archive/` + its hot key. */
export function archiveKey(hotKey: string): string {
  return `_archive/${hotKey}`;
}

/** Prefix of every archive copy in the cold store. */
export const ARCHIVE_PREFIX = '_archive/wal/';
