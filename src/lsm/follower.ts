// A read-only engine's view of the database a writer holds (contract 10: readers never fence
// the writer). A reader claims no epoch and writes nothing: it reads the writer's newest
// manifest and replays the WAL segments that manifest leaves live (docs/format/wal.md,
// "Recovery": the seals of earlier epochs, then the writer's own segments from its logNumber),
// and later catches up the same way.
//
// Consistency. The writer always writes a manifest version before it deletes what that version
// stopped needing (WAL segments after a flush, SSTables after a compaction). So a reader that
// read manifest version v, listed and read the segments, and then finds v still the newest
// manifest, read a WAL that is complete for v: no segment v needs was deleted before the
// listing (that delete would follow a newer manifest). Otherwise it starts over (a seqlock).
// The replayed commits are a prefix of the writer's commit order (each commit is one record; a
// record being appended is a torn tail and ends the log), so a reader sees one consistent LSN.
//
// Files collected under a reader. Reads that started on manifest v may find an SSTable gone
// when the writer compacted it away after writing v+1 (no version in the writer's process pins
// the reader's): the read fails with NOT_FOUND, and the caller catches up and retries
// (`catchUp` reports whether the manifest moved; src/node/db.ts does the retry).
//
// Async safety: `read` does I/O only; the engine applies its result synchronously
// (WritePath.adopt), so a read sees (memtable, version) of one step.
import { asIoError, corruption, DoSQLError, isDoSQLError } from '../errors.js';
import { decodeManifest, emptyManifest, type ManifestState } from '../manifest/manifest-format.js';
import { latestManifestVersion, manifestKey } from '../manifest/version-set.js';
import { Memtable } from '../memtable/memtable.js';
import { TRAILER_SIZE } from '../mvcc/internal-key.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeSegmentHeader, parseWalSegmentKey, scanSegment, WAL_HEADER_SIZE, type CommitRecord } from './wal-format.js';

/** Attempts at a consistent (manifest, WAL) pair before giving up with BUSY. */
const ATTEMPTS = 50;

/** What one catch-up found. */
export interface FollowStep {
  /** The manifest the reader now follows. */
  state: ManifestState;
  /** A new, empty memtable (the manifest moved: what it flushed is in its SSTables), or null: keep the current one. */
  fresh: Memtable | null;
  /** Commits to apply to the memtable (`fresh`, or the current one), ascending. */
  apply: CommitRecord[];
  /** Commits newer than the reader's visible LSN, ascending: the ones that become visible. */
  records: CommitRecord[];
  lastLsn: number;
  lastTimestamp: number;
  /** Each replayed segment's readable length and LSN range (the live log's index). */
  ranges: { key: string; end: number; firstLsn: number; lastLsn: number }[];
}

/** Where a reader is: its manifest, how far it read each segment, its newest LSN. */
interface Position {
  state: ManifestState;
  ends: Map<string, number>;
  visible: number;
  lastTimestamp: number;
}

export class Follower {
  private pos: Position | null = null;
  private nextMemtableId = 1;
  /** Serialises catch-ups: concurrent callers share one. */
  private running: Promise<FollowStep | null> | null = null;

  constructor(private readonly store: ObjectStore) {}

  /**
   * The next step: null when nothing changed since the last one; otherwise the manifest and the
   * commits to adopt. BUSY when no consistent pair could be read in ATTEMPTS tries (a writer
   * flushing faster than the reader reads), CORRUPTION for a damaged manifest or WAL record.
   */
  next(): Promise<FollowStep | null> {
    this.running ??= this.read().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async read(): Promise<FollowStep | null> {
    let last: unknown;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        const step = await this.readOnce();
        if (step === 'retry') continue;
        return step;
      } catch (e) {
        // A segment being appended can show a record header half written: look again.
        if (!isDoSQLError(e, 'CORRUPTION') || e.details.manifest !== undefined) throw e;
        last = e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    if (last) throw last;
    throw new DoSQLError('BUSY', `engine: a read-only handle could not read a consistent manifest and WAL of ${this.store.name} in ${ATTEMPTS} attempts (the writer kept moving); retry`);
  }

  private async readOnce(): Promise<FollowStep | null | 'retry'> {
    const prev = this.pos;
    const v0 = await latestManifestVersion(this.store);
    let state: ManifestState;
    if (prev && prev.state.version === v0) state = prev.state;
    else if (v0 === 0) state = emptyManifest();
    else {
      const key = manifestKey(v0);
      let r;
      try {
        r = await this.store.get(key);
      } catch (e) {
        throw asIoError('manifest', 'get', key, e);
      }
      if (!r) return 'retry';
      try {
        state = decodeManifest(r.data, key);
      } catch (e) {
        if (!isDoSQLError(e, 'CORRUPTION')) throw e;
        // As the writer's open reports it (loadLatestManifest), and not retried.
        throw new DoSQLError('CORRUPTION', `${e.message}; the latest manifest is damaged, so the database cannot open: run \`dosql repair <db>\` (or repair() in the API) to find the newest manifest whose files verify and what falling back to it would lose`, {
          cause: e,
          details: { ...e.details, manifest: key },
        });
      }
    }
    if (prev && state.version < prev.state.version) return 'retry';
    const fresh = !prev || state.version !== prev.state.version;
    let listing;
    try {
      listing = await this.store.list('wal/');
    } catch (e) {
      throw asIoError('wal', 'list', 'wal/', e);
    }
    // The plan recovery would replay (src/lsm/recovery.ts).
    const plan: { key: string; limit?: number }[] = state.walSeals.map((s) => ({ key: s.key, limit: s.end }));
    const planned = new Set(plan.map((p) => p.key));
    const own = listing
      .map((o) => ({ key: o.key, id: parseWalSegmentKey(o.key) }))
      .filter((o) => o.id !== null && o.id.epoch === state.epoch && o.id.segment >= state.logNumber && state.version > 0)
      .sort((a, b) => a.id!.segment - b.id!.segment);
    for (const o of own) if (!planned.has(o.key)) plan.push({ key: o.key });

    const floor = fresh ? state.flushedLsn : prev!.visible;
    let prevLsn = fresh ? state.flushedLsn : prev!.visible;
    const records: CommitRecord[] = [];
    const ends = new Map<string, number>();
    const ranges: FollowStep['ranges'] = [];
    for (const p of plan) {
      let res;
      try {
        res = await this.store.get(p.key);
      } catch (e) {
        throw asIoError('wal', 'get', p.key, e);
      }
      // Deleted after a flush the manifest we read does not know yet: read the newer manifest.
      if (!res) return 'retry';
      const start = fresh ? 0 : (prev!.ends.get(p.key) ?? 0);
      if (res.data.length < WAL_HEADER_SIZE || (p.limit !== undefined && p.limit < WAL_HEADER_SIZE)) {
        ends.set(p.key, 0);
        ranges.push({ key: p.key, end: 0, firstLsn: 0, lastLsn: 0 });
        continue;
      }
      const id = parseWalSegmentKey(p.key);
      const hdr = decodeSegmentHeader(res.data, p.key);
      if (!id || hdr.epoch !== id.epoch || hdr.segment !== id.segment) throw corruption('wal', p.key, 0, 'segment header names another segment');
      const scan = scanSegment(res.data, p.key, p.limit ?? res.data.length);
      for (const { record, offset } of scan.records) {
        if (offset < start || record.lsn <= floor) continue;
        if (record.lsn <= prevLsn) throw corruption('wal', p.key, offset, `LSN ${record.lsn} does not follow ${prevLsn}`);
        prevLsn = record.lsn;
        records.push(record);
      }
      ends.set(p.key, scan.end);
      const recs = scan.records;
      ranges.push({ key: p.key, end: scan.end, firstLsn: recs[0]?.record.lsn ?? 0, lastLsn: recs.at(-1)?.record.lsn ?? 0 });
    }
    // The seqlock check: a newer manifest may have retired segments before our listing.
    if ((await latestManifestVersion(this.store)) !== v0) return 'retry';

    const lastLsn = Math.max(state.lastLsn, records.at(-1)?.lsn ?? 0, prev?.visible ?? 0);
    // A reader never goes back: a newer manifest covers at least what it saw.
    if (prev && lastLsn < prev.visible) return 'retry';
    let lastTimestamp = Math.max(state.lastTimestamp, prev?.lastTimestamp ?? 0);
    for (const r of records) lastTimestamp = Math.max(lastTimestamp, r.timestamp);
    this.pos = { state, ends, visible: lastLsn, lastTimestamp };
    if (!fresh && records.length === 0) return null;
    const mt = fresh ? new Memtable(this.nextMemtableId++, { suffixLength: TRAILER_SIZE }) : null;
    const newer = prev ? records.filter((r) => r.lsn > prev.visible) : records;
    return { state, fresh: mt, apply: records, records: newer, lastLsn, lastTimestamp, ranges };
  }
}
