// Merges sorted iterators into one sorted stream (LevelDB's table/merger.cc). Keys equal
// across children are all yielded, the lower child index first: callers put newer sources
// first. Forward and reverse iteration, with direction switches, as LevelDB does them.
import { compareBytes } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';

const FORWARD = 1;
const REVERSE = -1;

export class MergingIterator implements InternalIterator {
  /** Current key of each child, or null when the child is exhausted. */
  private readonly keys: (Uint8Array | null)[];
  private cur = -1;
  private direction = FORWARD;

  constructor(private readonly children: InternalIterator[]) {
    this.keys = children.map(() => null);
  }

  valid(): boolean {
    return this.cur >= 0;
  }
  key(): Uint8Array {
    return this.keys[this.cur]!;
  }
  value(): Uint8Array {
    return this.children[this.cur]!.value();
  }
  /** Index of the child the current entry came from (0 = newest source). */
  source(): number {
    return this.cur;
  }

  seekToFirst(): MaybePromise {
    return this.all((c) => c.seekToFirst(), FORWARD);
  }
  seekToLast(): MaybePromise {
    return this.all((c) => c.seekToLast(), REVERSE);
  }
  seek(target: Uint8Array): MaybePromise {
    return this.all((c) => c.seek(target), FORWARD);
  }
  seekForPrev(target: Uint8Array): MaybePromise {
    return this.all((c) => c.seekForPrev(target), REVERSE);
  }

  next(): MaybePromise {
    if (this.direction !== FORWARD) {
      const p = this.switchDirection(FORWARD);
      if (p) return p.then(() => this.advance(FORWARD));
    }
    return this.advance(FORWARD);
  }

  prev(): MaybePromise {
    if (this.direction !== REVERSE) {
      const p = this.switchDirection(REVERSE);
      if (p) return p.then(() => this.advance(REVERSE));
    }
    return this.advance(REVERSE);
  }

  close(): void {
    for (const c of this.children) c.close();
    this.cur = -1;
  }

  private advance(dir: number): MaybePromise {
    const i = this.cur;
    const c = this.children[i]!;
    const p = dir === FORWARD ? c.next() : c.prev();
    if (p) {
      return p.then(() => {
        this.refresh(i);
        this.pick();
      });
    }
    this.refresh(i);
    this.pick();
  }

  /** Runs `op` on every child (in parallel where they go async), then picks the current one. */
  private all(op: (c: InternalIterator) => MaybePromise, dir: number): MaybePromise {
    this.direction = dir;
    let pending: Promise<void>[] | null = null;
    for (let i = 0; i < this.children.length; i++) {
      const p = op(this.children[i]!);
      if (p) (pending ??= []).push(p);
    }
    if (pending) {
      return Promise.all(pending).then(() => {
        this.refreshAll();
        this.pick();
      });
    }
    this.refreshAll();
    this.pick();
  }

  /**
   * Repositions every non-current child around the current key for the new direction:
   * forward, each child at its first key > current; reverse, at its last key < current.
   */
  private switchDirection(dir: number): MaybePromise {
    const k = this.keys[this.cur]!.slice();
    const curIdx = this.cur;
    this.direction = dir;
    let pending: Promise<void>[] | null = null;
    for (let i = 0; i < this.children.length; i++) {
      if (i === curIdx) continue;
      const child = this.children[i]!;
      const p = this.repositionChild(child, k, dir, i < curIdx);
      if (p) (pending ??= []).push(p);
    }
    if (pending) return Promise.all(pending).then(() => this.refreshAll());
    this.refreshAll();
  }

  /**
   * Positions `child` strictly after (forward) / before (reverse) key `k` in merged order.
   * Equal keys order by child index, so a lower-index child with an equal key comes before.
   */
  private repositionChild(child: InternalIterator, k: Uint8Array, dir: number, before: boolean): MaybePromise {
    const fix = (): MaybePromise => {
      if (!child.valid()) return;
      const c = compareBytes(child.key(), k);
      if (dir === FORWARD) {
        // Want entries after (k, curIdx): skip keys < k, and keys == k from lower-index children.
        if (c < 0 || (c === 0 && before)) return child.next();
      } else {
        if (c > 0 || (c === 0 && !before)) return child.prev();
      }
    };
    const p = dir === FORWARD ? child.seek(k) : child.seekForPrev(k);
    if (p) return p.then(fix);
    return fix();
  }

  private refresh(i: number): void {
    const c = this.children[i]!;
    this.keys[i] = c.valid() ? c.key() : null;
  }

  private refreshAll(): void {
    for (let i = 0; i < this.children.length; i++) this.refresh(i);
  }

  private pick(): void {
    let best = -1;
    let bestKey: Uint8Array | null = null;
    const keys = this.keys;
    if (this.direction === FORWARD) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k && (bestKey === null || compareBytes(k, bestKey) < 0)) {
          best = i;
          bestKey = k;
        }
      }
    } else {
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        if (k && (bestKey === null || compareBytes(k, bestKey) > 0)) {
          best = i;
          bestKey = k;
        }
      }
    }
    this.cur = best;
  }
}
