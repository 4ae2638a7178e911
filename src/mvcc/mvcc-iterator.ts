// Resolves versions over a merged stream of internal keys (LevelDB's DBIter): per user key,
// the newest version with LSN <= asOf, and nothing if that version is a tombstone
// (ARCHITECTURE contract 1).
import { compareRange } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import { KvEntry } from './kv-types.js';
import { KIND_PUT, MAX_LSN, TRAILER_SIZE, trailerKind, trailerLsn, writeTrailer } from './internal-key.js';

export interface MvccRange {
  /** Inclusive lower bound on user keys. */
  lower?: Uint8Array;
  /** Exclusive upper bound on user keys. */
  upper?: Uint8Array;
}

/** One visible row version. `userKey` is a fresh copy; `value` a view of an immutable buffer (safe to keep). */
export interface MvccEntry {
  userKey: Uint8Array;
  value: Uint8Array;
  lsn: number;
}

/** After this many versions of one user key are stepped over, reseek past them instead. */
const SKIP_BEFORE_RESEEK = 8;

/**
 * Cursor over the visible versions at `asOf` within a user-key range, forward or reverse.
 * `next()` positions on the next visible entry; read it with `entry()`.
 */
export class MvccIterator {
  // The current entry as fields, not an object: a scan builds its own entry object from
  // them (kvEntry), so a step allocates one object, not two.
  private curKey: Uint8Array | null = null;
  private curValue: Uint8Array | null = null;
  private curLsn = 0;
  private started = false;
  private done = false;
  /** Set once an entry inside the starting bound was seen: later entries are inside too. */
  private pastStartBound = false;

  constructor(
    private readonly inner: InternalIterator,
    private readonly asOf: number,
    private readonly range: MvccRange = {},
    private readonly reverse = false,
  ) {}

  /** The entry `next()` positioned on; null when exhausted. */
  entry(): MvccEntry | null {
    return this.curKey === null ? null : { userKey: this.curKey, value: this.curValue!, lsn: this.curLsn };
  }

  /** `entry()` as a KvEntry (what scans return); null when exhausted. */
  kvEntry(): KvEntry | null {
    return this.curKey === null ? null : new KvEntry(this.curKey, this.curValue!, this.curLsn);
  }

  private setCurrent(userKey: Uint8Array | null, value: Uint8Array | null, lsn: number): void {
    this.curKey = userKey;
    this.curValue = value;
    this.curLsn = lsn;
  }

  /** Moves to the next visible entry (the first, on the first call). */
  next(): MaybePromise {
    if (this.done) {
      this.setCurrent(null, null, 0);
      return;
    }
    if (!this.started) {
      this.started = true;
      // Bounds are on user keys; internal keys of a user key extend it by a trailer, so
      // reverse starts past every internal key of `upper` and skips what is >= upper.
      let p: MaybePromise;
      if (this.reverse) {
        const u = this.range.upper;
        if (u) {
          const target = new Uint8Array(u.length + TRAILER_SIZE + 1);
          target.set(u);
          target.fill(0xff, u.length);
          p = this.inner.seekForPrev(target);
        } else {
          this.pastStartBound = true;
          p = this.inner.seekToLast();
        }
      } else if (this.range.lower) {
        p = this.inner.seek(this.range.lower);
      } else {
        this.pastStartBound = true;
        p = this.inner.seekToFirst();
      }
      if (p) return p.then(() => this.find());
      return this.find();
    }
    if (this.reverse) return this.find();
    // Forward: step past the versions of the entry we returned.
    const p = this.skipVersions(this.curKey!, 0);
    if (p) return p.then(() => this.findNext());
    return this.findNext();
  }

  close(): void {
    this.inner.close();
    this.done = true;
    this.setCurrent(null, null, 0);
  }

  private find(): MaybePromise {
    return this.reverse ? this.findPrev() : this.findNext();
  }

  /** Forward: from the inner position, find the first user key with a visible put. */
  private findNext(): MaybePromise {
    const inner = this.inner;
    const upper = this.range.upper;
    let tooNew = 0;
    for (;;) {
      if (!inner.valid()) return this.finish();
      const k = inner.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (upper && compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) return this.finish();
      if (!this.pastStartBound) {
        const lower = this.range.lower!;
        if (compareRange(k, 0, ukLen, lower, 0, lower.length) < 0) {
          const p = inner.next();
          if (p) return p.then(() => this.findNext());
          continue;
        }
        this.pastStartBound = true;
      }
      const lsn = trailerLsn(k);
      if (lsn <= this.asOf) {
        if (trailerKind(k) === KIND_PUT) {
          this.setCurrent(k.slice(0, ukLen), inner.value(), lsn);
          return;
        }
        // Tombstone: the key is absent at asOf; skip its older versions. A loop, not a call
        // back into findNext: a run of thousands of deleted keys must not grow the stack.
        const p = this.skipVersions(k.slice(0, ukLen), 0);
        if (p) return p.then(() => this.findNext());
        continue;
      }
      // Newer than asOf. A few steps are cheaper than a seek; after that, seek straight
      // to the version visible at asOf.
      let p: MaybePromise;
      if (++tooNew > SKIP_BEFORE_RESEEK) {
        tooNew = 0;
        const target = new Uint8Array(ukLen + TRAILER_SIZE);
        target.set(k.subarray(0, ukLen));
        writeTrailer(target, ukLen, this.asOf, 0);
        p = inner.seek(target);
      } else {
        p = inner.next();
      }
      if (p) return p.then(() => this.findNext());
    }
  }

  /** Advances the inner iterator past every version of `uk` (to the next user key, or the end). */
  private skipVersions(uk: Uint8Array, stepped: number): MaybePromise {
    const inner = this.inner;
    for (;;) {
      if (!inner.valid()) return;
      const k = inner.key();
      if (k.length - TRAILER_SIZE !== uk.length || compareRange(k, 0, uk.length, uk, 0, uk.length) !== 0) return;
      let p: MaybePromise;
      if (stepped >= SKIP_BEFORE_RESEEK) {
        // Past the oldest possible version of uk: the trailer of LSN 0 (all 0xFF) sorts last.
        const target = new Uint8Array(uk.length + TRAILER_SIZE + 1);
        target.set(uk);
        target.fill(0xff, uk.length);
        p = inner.seek(target);
        stepped = 0;
      } else {
        p = inner.next();
        stepped++;
      }
      if (p) {
        const s = stepped;
        return p.then(() => this.skipVersions(uk, s));
      }
    }
  }

  /**
   * Reverse: versions of a user key arrive oldest first. Remember the newest version
   * <= asOf seen for the current user key; when the user key changes, that is the answer.
   * The inner iterator is left on the first (oldest) entry of the previous user key.
   */
  private findPrev(): MaybePromise {
    let savedUk: Uint8Array | null = null;
    let savedKind = -1;
    let savedValue: Uint8Array | null = null;
    let savedLsn = 0;
    const inner = this.inner;
    const lower = this.range.lower;
    const step = (): MaybePromise => {
      for (;;) {
        if (!inner.valid()) break;
        const k = inner.key();
        const ukLen = k.length - TRAILER_SIZE;
        if (lower && compareRange(k, 0, ukLen, lower, 0, lower.length) < 0) break;
        if (!this.pastStartBound) {
          const upper = this.range.upper!;
          if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) {
            const p = inner.prev();
            if (p) return p.then(step);
            continue;
          }
          this.pastStartBound = true;
        }
        if (savedUk !== null && (ukLen !== savedUk.length || compareRange(k, 0, ukLen, savedUk, 0, ukLen) !== 0)) {
          if (savedKind === KIND_PUT) {
            this.setCurrent(savedUk, savedValue!, savedLsn);
            return;
          }
          savedUk = null;
          savedKind = -1;
        }
        if (savedUk === null) savedUk = k.slice(0, ukLen);
        const lsn = trailerLsn(k);
        if (lsn <= this.asOf) {
          savedKind = trailerKind(k);
          savedValue = inner.value();
          savedLsn = lsn;
        }
        const p = inner.prev();
        if (p) return p.then(step);
      }
      if (savedKind === KIND_PUT) {
        this.setCurrent(savedUk!, savedValue!, savedLsn);
        this.done = true; // the inner iterator is exhausted (or below the lower bound)
        return;
      }
      return this.finish();
    };
    return step();
  }

  private finish(): void {
    this.setCurrent(null, null, 0);
    this.done = true;
  }
}

/** Largest LSN: read everything committed. */
export const LATEST = MAX_LSN;
