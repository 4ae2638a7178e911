// Reads commits back from the log in LSN order, for change data capture: retained segments
// (hot, or archived in the cold store), then the live ones, up to the newest visible commit.
// Segments are read in chunks with ranged gets, so a reader holds one chunk (plus a record
// larger than a chunk, read whole) however long the log is. Every record's checksums are
// verified; LSNs must follow one another without a gap (the log is gap-free: a gap means
// damage, CORRUPTION naming the segment), and an LSN the log no longer holds is NOT_FOUND with
// `details.oldestLsn` (change data capture reports it as CDC_LSN_NOT_FOUND).
//
// Async safety: one caller at a time per reader. Segments may be archived or collected while
// a reader walks them: it follows a segment to its archive copy by key, and a segment gone
// altogether is NOT_FOUND (readers pin what they read, log-service.ts, so only a reader that
// was already behind the retained log can meet that).
import { asIoError, corruption, DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeRecordAt, decodeSegmentHeader, recordSpan, WAL_HEADER_SIZE, type CommitRecord } from './wal-format.js';

/** A segment as the reader sees it. */
export interface LogSegmentRef {
  /** Hot key: the segment's identity. */
  readonly key: string;
  readonly firstLsn: number;
  readonly lastLsn: number;
  /** Bytes holding records; Infinity for the active segment (it grows). */
  readonly end: number;
  /** Where its bytes are now. */
  readonly store: 'hot' | 'cold';
  readonly objectKey: string;
}

/** What the reader needs from the engine. */
export interface LogReaderHost {
  /** Retained then live segments, in LSN order. */
  segments(): LogSegmentRef[];
  /** LSN of the newest visible commit: the reader stops there. */
  visible(): number;
  /** LSN of the newest commit the log no longer holds (log-service.ts, `oldestLsn`). */
  oldestLsn(): number;
  store(which: 'hot' | 'cold'): ObjectStore;
}

/** NOT_FOUND for an LSN older than the log. */
export function lsnNotInLog(lsn: number, oldestLsn: number, why = 'is no longer in the log'): DoSQLError {
  return new DoSQLError('NOT_FOUND', `wal: LSN ${lsn} ${why}; the oldest retained commit follows LSN ${oldestLsn}`, { details: { lsn, oldestLsn, log: true } });
}

export class LogReader {
  private seg: LogSegmentRef | null = null;
  private version = 0;
  private pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  /** Bytes fetched from storage (statistics). */
  bytesRead = 0;

  constructor(
    private readonly host: LogReaderHost,
    /** LSN of the last commit returned: the next is `after + 1`. */
    private after: number,
    private readonly chunkBytes = 1 << 20,
  ) {}

  /** LSN of the last commit returned. */
  get position(): number {
    return this.after;
  }

  /** Moves to just after `lsn` (the next call reads from `lsn + 1`). */
  seek(lsn: number): void {
    if (lsn === this.after) return;
    this.after = lsn;
    this.seg = null;
    this.buf = new Uint8Array(0);
  }

  /** Up to `max` commits after the position, oldest first; [] when the position is the newest visible commit. */
  async next(max: number): Promise<CommitRecord[]> {
    const visible = this.host.visible();
    const out: CommitRecord[] = [];
    while (out.length < max && this.after < visible) {
      if (!this.seg) await this.open(this.locate(this.after + 1));
      const r = await this.readRecord();
      if (r === 'end') {
        const fresh = this.host.segments().find((s) => s.key === this.seg!.key);
        if (fresh && fresh.end === Infinity) break; // the active segment: nothing more yet
        if (fresh && this.pos < fresh.end) {
          this.seg = fresh;
          continue;
        }
        this.seg = null;
        continue;
      }
      const { record, next } = r;
      if (record.lsn <= this.after) {
        this.pos = next;
        continue;
      }
      if (record.lsn > visible) break;
      if (record.lsn !== this.after + 1) throw corruption('wal', this.seg!.objectKey, this.pos, `LSN ${record.lsn} follows ${this.after}: the log has a gap`);
      out.push(record);
      this.after = record.lsn;
      this.pos = next;
    }
    return out;
  }

  /** The segment holding `lsn`, or NOT_FOUND. */
  private locate(lsn: number): LogSegmentRef {
    const segs = this.host.segments();
    for (const s of segs) {
      if (s.firstLsn === 0 || s.lastLsn < lsn) continue;
      if (s.firstLsn > lsn) break;
      return s;
    }
    throw lsnNotInLog(lsn, this.host.oldestLsn());
  }

  private async open(s: LogSegmentRef): Promise<void> {
    this.seg = s;
    this.buf = new Uint8Array(0);
    await this.fill(0, WAL_HEADER_SIZE);
    if (this.buf.length < WAL_HEADER_SIZE) throw corruption('wal', s.objectKey, 0, 'segment shorter than its header');
    this.version = decodeSegmentHeader(this.buf.subarray(0, WAL_HEADER_SIZE), s.objectKey).version;
    this.pos = WAL_HEADER_SIZE;
  }

  /** Makes the buffer start at `pos` with at least `need` bytes (or what the segment has). */
  private async fill(pos: number, need: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const s = this.seg!;
      const length = Math.min(Math.max(this.chunkBytes, need), s.end - pos);
      let r;
      try {
        r = length > 0 ? await this.host.store(s.store).get(s.objectKey, { range: { offset: pos, length } }) : { data: new Uint8Array(0) };
      } catch (e) {
        throw asIoError('wal', 'get', s.objectKey, e);
      }
      if (r) {
        this.buf = r.data;
        this.bufStart = pos;
        this.bytesRead += r.data.length;
        return;
      }
      // Archived (its hot copy deleted) or collected since we looked it up.
      const fresh = this.host.segments().find((x) => x.key === s.key);
      if (!fresh || attempt > 2 || (fresh.objectKey === s.objectKey && fresh.store === s.store)) {
        throw lsnNotInLog(this.after + 1, this.host.oldestLsn(), `is in segment ${s.key}, which is gone`);
      }
      this.seg = fresh;
    }
  }

  private async readRecord(): Promise<{ record: CommitRecord; next: number } | 'end'> {
    const s = this.seg!;
    if (this.pos >= s.end) return 'end';
    let off = this.pos - this.bufStart;
    if (off < 0 || this.buf.length - off < 12) {
      await this.fill(this.pos, 12);
      off = 0;
    }
    let span = recordSpan(this.buf, off, this.buf.length);
    if (span < 0) return this.short();
    if (off + span > this.buf.length) {
      await this.fill(this.pos, span);
      off = 0;
      span = recordSpan(this.buf, 0, this.buf.length);
    }
    const d = decodeRecordAt(this.buf, off, this.buf.length, s.objectKey, this.version, this.bufStart);
    if (typeof d === 'string') return this.short();
    return { record: d.record, next: this.bufStart + d.next };
  }

  /** The bytes end before a whole record: the active segment's head, or damage in a closed one. */
  private short(): 'end' {
    const s = this.seg!;
    if (s.end !== Infinity && this.pos < s.end) throw corruption('wal', s.objectKey, this.pos, `segment ends inside a record before its recorded end ${s.end}`);
    return 'end';
  }
}
