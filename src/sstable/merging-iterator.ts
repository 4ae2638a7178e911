// Merges sorted iterators into one sorted stream (LevelDB's table/merger.cc). Keys equal
// across children are all yielded, the lower child index first: callers put newer sources
// first. Forward and reverse iteration, with direction switches, as LevelDB does them.
// The current child is the top of a binary heap of children ordered by their current key
// (a min-heap forward, a max-heap in reverse), so a step costs O(log children).
import { compareBytes } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';

const FORWARD = 1;
const REVERSE = -1;

export class MergingIterator implements InternalIterator {
  /** Current key of each child, or null when the child is exhausted. */
  private readonly keys: (Uint8Array | null)[];
  private cur = -1;
  private direction = FORWARD;
  /** Heap of child indexes with a current key; heap[0] is the current child. */
  private readonly heap: Int32Array;
  private size = 0;

  constructor(private readonly children: InternalIterator[]) {
    this.keys = children.map(() => null);
    this.heap = new Int32Array(children.length);
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
    if (p) return p.then(() => this.afterAdvance(i));
    this.afterAdvance(i);
  }

  /** The top child moved: restore the heap. */
  private afterAdvance(i: number): void {
    this.refresh(i);
    if (this.keys[i] === null) {
      this.size--;
      if (this.size > 0) {
        this.heap[0] = this.heap[this.size]!;
        this.siftDown(0);
      }
    } else {
      this.siftDown(0);
    }
    this.cur = this.size > 0 ? this.heap[0]! : -1;
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
    if (pending) return Promise.all(pending).then(() => this.afterSwitch(curIdx));
    this.afterSwitch(curIdx);
  }

  /**
   * Others now lie after (forward) or before (reverse) the current entry, so the current
   * child heads the rebuilt heap; `advance` then moves it as usual.
   */
  private afterSwitch(curIdx: number): void {
    this.refreshAll();
    this.pick();
    if (this.cur !== curIdx) throw new Error('merging iterator: direction switch lost its position');
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

  /** Rebuilds the heap from every child with a current key. */
  private pick(): void {
    let n = 0;
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== null) this.heap[n++] = i;
    this.size = n;
    for (let j = (n >>> 1) - 1; j >= 0; j--) this.siftDown(j);
    this.cur = n > 0 ? this.heap[0]! : -1;
  }

  /** True when child a comes before child b in the current direction. */
  private before(a: number, b: number): boolean {
    const c = compareBytes(this.keys[a]!, this.keys[b]!);
    if (this.direction === FORWARD) return c < 0 || (c === 0 && a < b);
    return c > 0 || (c === 0 && a > b);
  }

  private siftDown(j: number): void {
    const h = this.heap;
    const n = this.size;
    const x = h[j]!;
    for (;;) {
      const l = 2 * j + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.before(h[r]!, h[l]!) ? r : l;
      if (!this.before(h[m]!, x)) break;
      h[j] = h[m]!;
      j = m;
    }
    h[j] = x;
  }
}
