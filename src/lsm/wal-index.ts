// The live log's index: which WAL segments recovery still needs (earlier epochs' sealed segments,
// then this epoch's from `logNumber` on), with the LSN range and readable length of each. The
// manifest does not record LSN ranges of live segments, so the write path and recovery keep
// them here; a flush retires segments from this list into the manifest's `walHistory` (or lets
// them go, wal-retention.ts), and the log reader (wal-reader.ts) walks both.
//
// Async safety: changed only under the write path's `walLock` (appends, switches) or by the
// flush loop (retire), each synchronously; readers copy `list()`.

/** A live WAL segment. */
export interface LiveSegment {
  /** Object key in the hot store. */
  readonly key: string;
  /** LSNs of its first and last record (0 and 0 while it holds none). */
  firstLsn: number;
  lastLsn: number;
  /** Bytes holding records: a seal's end, the length its writer left, or what the active segment holds so far. */
  end: number;
  /** The segment the write path appends to now. */
  active: boolean;
}

export class LiveLog {
  private segs: LiveSegment[] = [];

  constructor(sealed: readonly { key: string; end: number; firstLsn: number; lastLsn: number }[] = []) {
    for (const s of sealed) this.segs.push({ key: s.key, end: s.end, firstLsn: s.firstLsn, lastLsn: s.lastLsn, active: false });
  }

  /**
   * A read-only engine's catch-up (follower.ts): the segments the writer's newest manifest
   * leaves live, as far as the reader read them, replace the whole list.
   */
  replace(sealed: readonly { key: string; end: number; firstLsn: number; lastLsn: number }[]): void {
    this.segs = sealed.map((s) => ({ key: s.key, end: s.end, firstLsn: s.firstLsn, lastLsn: s.lastLsn, active: false }));
  }

  /** A new active segment (after its header is written: `end` bytes). */
  start(key: string, end: number): void {
    const cur = this.segs.at(-1);
    if (cur?.active) cur.active = false;
    this.segs.push({ key, firstLsn: 0, lastLsn: 0, end, active: true });
  }

  /** Records first..last were appended to the active segment, which now holds `end` bytes. */
  appended(firstLsn: number, lastLsn: number, end: number): void {
    const cur = this.segs.at(-1);
    if (!cur?.active) return;
    if (cur.firstLsn === 0) cur.firstLsn = firstLsn;
    cur.lastLsn = lastLsn;
    cur.end = end;
  }

  /** The active segment was closed at `end` bytes (a memtable switch starts the next). */
  closeActive(end: number): void {
    const cur = this.segs.at(-1);
    if (!cur?.active) return;
    cur.end = end;
    cur.active = false;
  }

  /** Removes and returns the segments named in `keys` (a flush made them unnecessary for recovery). */
  retire(keys: ReadonlySet<string>): LiveSegment[] {
    const out = this.segs.filter((s) => keys.has(s.key));
    this.segs = this.segs.filter((s) => !keys.has(s.key));
    return out;
  }

  /** The live segments, oldest first (a copy). */
  list(): LiveSegment[] {
    return this.segs.map((s) => ({ ...s }));
  }

  /** LSN of the oldest record in the live log, or 0 when it holds none. */
  get firstLsn(): number {
    for (const s of this.segs) if (s.firstLsn > 0) return s.firstLsn;
    return 0;
  }

  /** Bytes of the live segments. */
  get bytes(): number {
    let n = 0;
    for (const s of this.segs) n += s.end;
    return n;
  }
}
