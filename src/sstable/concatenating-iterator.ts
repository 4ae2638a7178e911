// Iterates a sorted run (files with disjoint, ordered key ranges) as one sequence, opening
// each file's iterator only when the cursor reaches it (LevelDB's LevelFileNumIterator +
// TwoLevelIterator). Generic over how a file is opened, so runs of SSTables and of
// columnar files read alike.
import { compareBytes } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';

export interface RunFile {
  /** Smallest and largest key in the file. */
  smallest: Uint8Array;
  largest: Uint8Array;
}

export type FileOpener<F extends RunFile> = (file: F) => InternalIterator | Promise<InternalIterator>;

export class ConcatenatingIterator<F extends RunFile> implements InternalIterator {
  private idx = -1;
  private cur: InternalIterator | null = null;

  constructor(
    private readonly files: readonly F[],
    private readonly openFile: FileOpener<F>,
  ) {}

  valid(): boolean {
    return this.cur !== null && this.cur.valid();
  }
  key(): Uint8Array {
    return this.cur!.key();
  }
  value(): Uint8Array {
    return this.cur!.value();
  }

  seekToFirst(): MaybePromise {
    return this.enter(0, (it) => it.seekToFirst(), true);
  }

  seekToLast(): MaybePromise {
    return this.enter(this.files.length - 1, (it) => it.seekToLast(), false);
  }

  seek(target: Uint8Array): MaybePromise {
    return this.enter(this.findFile(target), (it) => it.seek(target), true);
  }

  seekForPrev(target: Uint8Array): MaybePromise {
    // The last file whose smallest key <= target holds the answer, or the one before it.
    let lo = 0;
    let hi = this.files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.files[mid]!.smallest, target) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.enter(lo - 1, (it) => it.seekForPrev(target), false);
  }

  next(): MaybePromise {
    const p = this.cur!.next();
    if (p) return p.then(() => this.afterMove(true));
    return this.afterMove(true);
  }

  prev(): MaybePromise {
    const p = this.cur!.prev();
    if (p) return p.then(() => this.afterMove(false));
    return this.afterMove(false);
  }

  close(): void {
    this.cur?.close();
    this.cur = null;
  }

  /** Index of the first file whose largest key >= target (files.length if none). */
  private findFile(target: Uint8Array): number {
    let lo = 0;
    let hi = this.files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.files[mid]!.largest, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private afterMove(forward: boolean): MaybePromise {
    if (this.cur!.valid()) return;
    return this.enter(forward ? this.idx + 1 : this.idx - 1, forward ? (it) => it.seekToFirst() : (it) => it.seekToLast(), forward);
  }

  /** Opens file i (if not already current), positions with `pos`; skips to neighbours while invalid. */
  private enter(i: number, pos: (it: InternalIterator) => MaybePromise, forward: boolean): MaybePromise {
    for (;;) {
      if (i < 0 || i >= this.files.length) {
        this.cur?.close();
        this.cur = null;
        this.idx = -1;
        return;
      }
      if (i !== this.idx || this.cur === null) {
        this.cur?.close();
        this.cur = null;
        const opened = this.openFile(this.files[i]!);
        if (opened instanceof Promise) {
          const at = i;
          return opened.then((it) => {
            this.cur = it;
            this.idx = at;
            return this.position(pos, forward);
          });
        }
        this.cur = opened;
        this.idx = i;
      }
      const p = pos(this.cur);
      if (p) return p.then(() => this.afterMove(forward));
      if (this.cur.valid()) return;
      i = forward ? i + 1 : i - 1;
      pos = forward ? (it) => it.seekToFirst() : (it) => it.seekToLast();
    }
  }

  private position(pos: (it: InternalIterator) => MaybePromise, forward: boolean): MaybePromise {
    const p = pos(this.cur!);
    if (p) return p.then(() => this.afterMove(forward));
    return this.afterMove(forward);
  }
}
