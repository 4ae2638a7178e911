// The checks behind repair (repair.ts): is a data file whole, and how far does the WAL
// replay from a given manifest. Both report what they find instead of throwing, so repair can
// compare every manifest version present.
import { isDoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { FileMeta, ManifestState, WalSeal } from '../manifest/manifest-format.js';
import { SSTableReader } from '../sstable/sstable-reader.js';
import { TRAILER_SIZE, trailerLsn } from '../mvcc/internal-key.js';
import { RECORD_HEADER_SIZE, WAL_HEADER_SIZE, decodeSegmentHeader, parseWalSegmentKey, scanSegment, type CommitRecord } from './wal-format.js';
import { crc32c } from '../util/crc32c.js';
import { getU32LE } from '../util/coding.js';

/** What reading one data file found: `problem` is null when it verified. */
export interface FileCheck {
  problem: string | null;
  /** Highest LSN in the file (SSTables read to the end; 0 otherwise). */
  maxLsn: number;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * An SSTable verifies when its footer, index, filter and properties decode and every data
 * block's checksum holds, read to the end, with the entry count the manifest recorded. A
 * columnar run (cold tier) verifies when it exists with the recorded size.
 */
export async function checkFile(store: ObjectStore, coldStore: ObjectStore, f: Pick<FileMeta, 'key' | 'number' | 'size' | 'tier' | 'entries'>): Promise<FileCheck> {
  if (f.tier === 'cold') {
    try {
      const h = await coldStore.head(f.key);
      if (!h) return { problem: `${f.key} is missing`, maxLsn: 0 };
      if (h.size !== f.size) return { problem: `${f.key} has ${h.size} bytes, its manifest entry says ${f.size}`, maxLsn: 0 };
      return { problem: null, maxLsn: 0 };
    } catch (e) {
      return { problem: `${f.key}: ${message(e)}`, maxLsn: 0 };
    }
  }
  try {
    const r = await SSTableReader.open(store, f.key, { fileNumber: f.number, ...(f.size > 0 ? { size: f.size } : {}) });
    const it = r.iterator({ readaheadBytes: 1 << 20 });
    let n = 0;
    let maxLsn = 0;
    try {
      const p = it.seekToFirst();
      if (p) await p;
      while (it.valid()) {
        const k = it.key();
        if (k.length >= TRAILER_SIZE) maxLsn = Math.max(maxLsn, trailerLsn(k));
        n++;
        const q = it.next();
        if (q) await q;
      }
    } finally {
      it.close();
    }
    if (f.entries >= 0 && n !== f.entries) return { problem: `${f.key} holds ${n} entries, its manifest entry says ${f.entries}`, maxLsn };
    return { problem: null, maxLsn };
  } catch (e) {
    if (isDoSQLError(e, 'NOT_FOUND')) return { problem: `${f.key} is missing`, maxLsn: 0 };
    return { problem: message(e), maxLsn: 0 };
  }
}

/** How far the WAL replays from one manifest (repair's version of recovery.ts). */
export interface WalReplay {
  /** Highest LSN recovered: the manifest's flushedLsn, then every contiguous commit replayed. */
  recoveredLsn: number;
  lastTimestamp: number;
  commits: number;
  /** Each segment that contributed commits, sealed after its last one, in LSN order: the repaired manifest's walSeals. */
  seals: WalSeal[];
  /** Why replay stopped early (a missing segment, a damaged record, a gap in LSNs), or null. */
  stoppedBy: string | null;
}

/** The WAL segments in the store, by writer epoch, each epoch's in segment order, with the LSN its first commit has. */
export interface WalIndex {
  keys: readonly string[];
  epochs: Map<number, { segments: { key: string; segment: number }[]; firstLsn: number | null }>;
}

export async function indexWal(store: ObjectStore, keys: readonly string[]): Promise<WalIndex> {
  const epochs: WalIndex['epochs'] = new Map();
  for (const key of keys) {
    const id = parseWalSegmentKey(key);
    if (!id) continue;
    let e = epochs.get(id.epoch);
    if (!e) epochs.set(id.epoch, (e = { segments: [], firstLsn: null }));
    e.segments.push({ key, segment: id.segment });
  }
  for (const e of epochs.values()) {
    e.segments.sort((a, b) => a.segment - b.segment);
    for (const { key } of e.segments) {
      const r = await store.get(key).catch(() => null);
      if (!r || r.data.length <= WAL_HEADER_SIZE) continue;
      try {
        const first = goodPrefix(r.data, key).records[0];
        if (first) e.firstLsn = first.record.lsn;
      } catch {
        // a damaged header: nothing readable in it
      }
      break;
    }
  }
  return { keys, epochs };
}

/**
 * Replays, without applying anything, what an open from `m` would (wal.md, "Recovery"): its
 * seals, then its epoch's segments from `logNumber` on, consecutively; then carries on into
 * newer epochs' segments, in epoch order, as long as the first commit of the next one follows
 * the last LSN replayed (the newer writer replayed exactly this much and went on from there:
 * its manifests are the damaged ones). Unlike recovery it stops, instead of failing, at the
 * first missing segment, damaged record or LSN that does not follow the previous one; and an
 * epoch's segments are never replayed past the first commit of a newer epoch, which sealed out
 * everything from there on. `m` may be the empty state before the first manifest.
 */
export async function replayFrom(store: ObjectStore, m: ManifestState, wal: WalIndex): Promise<WalReplay> {
  const out: WalReplay = { recoveredLsn: m.flushedLsn, lastTimestamp: m.lastTimestamp, commits: 0, seals: [], stoppedBy: null };
  /** The last LSN epoch `epoch` may contribute: everything from a newer epoch's first commit on was sealed out. */
  const capFor = (epoch: number): number => {
    let cap = Infinity;
    for (const [e, info] of wal.epochs) if (e > epoch && info.firstLsn !== null) cap = Math.min(cap, info.firstLsn - 1);
    return cap;
  };
  const stop = (why: string): WalReplay => {
    out.stoppedBy = why;
    return out;
  };
  // 1. The manifest's seals (older epochs' segments), then its own epoch's from logNumber on.
  const cap = capFor(m.epoch);
  for (const s of m.walSeals) if (!(await replaySegment(store, s.key, s.end, cap, m.flushedLsn, out))) return out;
  if (m.version > 0) {
    const own = wal.epochs.get(m.epoch)?.segments.filter((x) => x.segment >= m.logNumber) ?? [];
    let expect = m.logNumber;
    for (const x of own) {
      if (x.segment !== expect) return stop(`WAL segment ${expect} of epoch ${m.epoch} is missing; ${x.key} and later are not replayed`);
      expect++;
      if (m.walSeals.some((s) => s.key === x.key)) continue;
      if (!(await replaySegment(store, x.key, undefined, cap, m.flushedLsn, out))) return out;
    }
  }
  // 2. Newer epochs, each starting right where the replay stands.
  for (const e of [...wal.epochs.keys()].filter((e) => e > m.epoch).sort((a, b) => a - b)) {
    const info = wal.epochs.get(e)!;
    if (info.firstLsn === null) continue; // wrote no commit
    if (info.firstLsn <= out.recoveredLsn) continue; // sealed out before it began: nothing of it is newer
    if (info.firstLsn !== out.recoveredLsn + 1) return stop(`epoch ${e}'s WAL begins at LSN ${info.firstLsn}, after a gap from LSN ${out.recoveredLsn}`);
    const ecap = capFor(e);
    let expect = info.segments[0]!.segment;
    for (const x of info.segments) {
      if (x.segment !== expect) return stop(`WAL segment ${expect} of epoch ${e} is missing; ${x.key} and later are not replayed`);
      if (!(await replaySegment(store, x.key, undefined, ecap, m.flushedLsn, out))) return out;
      expect++;
    }
  }
  return out;
}

/** Replays one segment into `out`; false when replay must stop (`out.stoppedBy` says why). */
async function replaySegment(store: ObjectStore, key: string, limit: number | undefined, cap: number, flushedLsn: number, out: WalReplay): Promise<boolean> {
  let res;
  try {
    res = await store.get(key);
  } catch (e) {
    out.stoppedBy = `${key}: ${message(e)}`;
    return false;
  }
  if (!res) {
    out.stoppedBy = `${key} is missing`;
    return false;
  }
  if (res.data.length < WAL_HEADER_SIZE || (limit !== undefined && limit < WAL_HEADER_SIZE)) return true;
  let scanned: Scanned;
  try {
    decodeSegmentHeader(res.data, key);
    scanned = goodPrefix(res.data, key, limit);
  } catch (e) {
    out.stoppedBy = message(e);
    return false;
  }
  let sealEnd = -1;
  for (const { record, end } of scanned.records) {
    if (record.lsn <= flushedLsn) continue;
    if (record.lsn > cap) {
      out.stoppedBy = `${key}: LSN ${record.lsn} and later were sealed out by a newer writer epoch`;
      break;
    }
    if (record.lsn !== out.recoveredLsn + 1) {
      out.stoppedBy = `${key}: LSN ${record.lsn} does not follow LSN ${out.recoveredLsn}`;
      break;
    }
    out.recoveredLsn = record.lsn;
    out.lastTimestamp = Math.max(out.lastTimestamp, record.timestamp);
    out.commits++;
    sealEnd = end;
  }
  if (sealEnd >= 0) out.seals.push({ key, end: sealEnd });
  if (out.stoppedBy) return false;
  if (scanned.damage) {
    out.stoppedBy = scanned.damage;
    return false;
  }
  return true;
}

type Scanned = { records: { record: CommitRecord; end: number }[]; damage: string | null };

/** The records of a segment up to `limit`, stopping before a damaged one (named in `damage`). */
function goodPrefix(data: Uint8Array, key: string, limit?: number): Scanned {
  const lim = Math.min(limit ?? data.length, data.length);
  const short = limit !== undefined && limit > data.length ? `${key} is shorter (${data.length} bytes) than its seal at ${limit}` : null;
  try {
    return { records: scanSegment(data, key, lim).records, damage: short };
  } catch (e) {
    const offset = isDoSQLError(e, 'CORRUPTION') ? Number(e.details.offset) : NaN;
    if (!Number.isFinite(offset) || offset >= lim || offset < WAL_HEADER_SIZE) throw e;
    return { records: goodPrefix(data, key, offset).records, damage: message(e) };
  }
}

/**
 * Highest commit LSN in any WAL segment. Past a damaged record the scan looks for the next
 * offset where a whole record checks out again (its header and body checksums), so the LSNs
 * a damaged record cuts off still count as lost.
 */
export async function maxWalLsn(store: ObjectStore, walKeys: readonly string[]): Promise<number> {
  let max = 0;
  for (const key of walKeys) {
    const r = await store.get(key).catch(() => null);
    if (!r || r.data.length <= WAL_HEADER_SIZE) continue;
    const data = r.data;
    let from = WAL_HEADER_SIZE;
    while (from < data.length) {
      // Scan as if the segment began at `from` (the header is checked separately, never by scanSegment).
      const view = from === WAL_HEADER_SIZE ? data : concat(data.subarray(0, WAL_HEADER_SIZE), data.subarray(from));
      let scanned: Scanned;
      try {
        scanned = goodPrefix(view, key);
      } catch {
        scanned = { records: [], damage: 'unreadable' };
      }
      for (const { record } of scanned.records) max = Math.max(max, record.lsn);
      if (!scanned.damage) break;
      const next = nextRecordStart(data, from + 1 + (scanned.records.at(-1)?.end ?? WAL_HEADER_SIZE) - WAL_HEADER_SIZE);
      if (next < 0) break;
      from = next;
    }
  }
  return max;
}

/** The first offset >= `from` where a record header's checksum holds, or -1. */
function nextRecordStart(data: Uint8Array, from: number): number {
  for (let off = from; off + RECORD_HEADER_SIZE <= data.length; off++) {
    if (crc32c(data, off, off + 8) === getU32LE(data, off + 8) && getU32LE(data, off) > 0) return off;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
