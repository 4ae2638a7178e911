// What the engine does about being fenced out by a newer writer (docs/format/wal.md,
// "Fencing and the outcome of a write"; docs/format/manifest.md, "Writer epochs and fencing"):
// refuse reads once it knows, notice it without writes, blame it for the files a newer writer
// collected, and settle the commits appended just before it found out.
//
// Async safety: every method may run concurrently; the only state is the throttle of
// background checks. `onFenced` is the engine's background-error hook (writes stop).
import { DoSQLError } from '../errors.js';
import type { VersionSet } from '../manifest/version-set.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CommitInfo } from './engine-types.js';
import { fencedAppendOutcome } from './fence-outcome.js';
import type { CommitRecord } from './wal-format.js';

export class WriterFence {
  private nextCheck: number;
  private checking = false;

  constructor(
    private readonly versions: VersionSet,
    private readonly store: ObjectStore,
    /** EngineOptions.fenceCheckMs. */
    private readonly checkMs: number,
    private readonly onFenced: (e: DoSQLError) => DoSQLError,
  ) {
    this.nextCheck = Date.now() + checkMs;
  }

  /** The FENCED error to report, set off through `onFenced` (writes stop). */
  private fenced(): DoSQLError {
    return this.onFenced(this.versions.fencedError ?? new DoSQLError('FENCED', `engine: writer epoch ${this.versions.epoch} was fenced out`));
  }

  /**
   * Throws `FENCED` once this handle knows a newer writer took over: its memtable and version
   * may be stale. Without writes to notice it, starts a fence check (one `head`, in the
   * background) at most every `checkMs`: a handle that only reads learns it was fenced within
   * about that long, at no store round trip per read.
   */
  assertCurrent(): void {
    const known = this.versions.fencedError;
    if (known) throw known;
    if (this.checking) return;
    const now = Date.now();
    if (now < this.nextCheck) return;
    this.checking = true;
    this.nextCheck = now + this.checkMs;
    this.versions.isFenced().then(
      (f) => {
        this.checking = false;
        if (f) this.fenced();
      },
      () => {
        this.checking = false;
      },
    );
  }

  /** Throws `FENCED` if a newer writer took over (one `head`): flush and compact notice it even with nothing to write. */
  async check(): Promise<void> {
    if (await this.versions.isFenced()) throw this.fenced();
  }

  /**
   * What to report for a failed read, flush or compaction: a file of our version that is
   * missing or damaged may have been collected by a newer writer that fenced us without our
   * knowing yet. Then `FENCED` (and writes stop); otherwise `e` itself. One `head`, on
   * failures only.
   */
  async blame(e: unknown): Promise<unknown> {
    if (!(e instanceof DoSQLError) || (e.code !== 'NOT_FOUND' && e.code !== 'CORRUPTION')) return e;
    if (this.versions.fencedError) return this.fenced();
    return (await this.versions.isFenced().catch(() => false)) ? this.fenced() : e;
  }

  /**
   * The fate of a commit group appended to `segment` (record i spanning [starts[i], ends[i]))
   * before we learnt we were fenced: the new writer may have replayed it. A commit its seal
   * includes is acknowledged; one it excludes fails with `FENCED` (never committed); while
   * undecidable, `COMMIT_UNKNOWN`.
   */
  async settle(records: readonly CommitRecord[], segment: string, starts: readonly number[], ends: readonly number[]): Promise<({ ok: CommitInfo } | { err: DoSQLError })[]> {
    const fencedErr = this.fenced();
    const epoch = this.versions.epoch;
    const outcome = await fencedAppendOutcome(this.store, { epoch, version: this.versions.state.version, segment, ends });
    return records.map((rec, i) => {
      if (outcome[i] === 'committed') return { ok: { lsn: rec.lsn, timestamp: rec.timestamp } };
      if (outcome[i] === 'not-committed') {
        return { err: new DoSQLError('FENCED', `${fencedErr.message}; this write (LSN ${rec.lsn}) was appended after the new writer sealed the log, so it is not committed`, { details: { ...fencedErr.details, lsn: rec.lsn } }) };
      }
      return {
        err: new DoSQLError('COMMIT_UNKNOWN', `engine: writer epoch ${epoch} was fenced out after appending this write (${segment} at offset ${starts[i]}) to the WAL; the new writer may or may not have replayed it: reopen and check before retrying`, {
          cause: fencedErr,
          details: { epoch, segment, offset: starts[i], lsn: rec.lsn },
        }),
      };
    });
  }
}
