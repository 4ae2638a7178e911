import { Arena, HEADER, MAX_ENTRY, keyLenAt, valueLenAt } from './arena.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import { DoSQLError } from '../errors.js';

const LEAF_MAX = 64;
const INNER_MAX = 64;

interface Leaf {
  readonly leaf: true;
  refs: number[];
  next: Leaf | null;
  prev: Leaf | null;
}

interface Inner {
  readonly leaf: false;
  /** seps[i] is the smallest ref in children[i + 1]. */
  seps: number[];
  children: Node[];
}

type Node = Leaf | Inner;

/** Per-entry bookkeeping counted against the memtable's size bound, beyond key and value bytes. */
const ENTRY_OVERHEAD = 16;

/**
 * The sorted in-memory write buffer: entries (key, value) in memcmp order of key, with keys
 * opaque at this layer (the engine stores internal keys, whose order is user key asc, LSN
 * desc). Backed by an arena and a B+tree of arena refs.
 *
 * Invariants: keys in the tree are unique (adding an equal key replaces the entry's ref;
 * the old bytes stay in the arena); entry bytes are never changed, so views handed out stay
 * valid; a memtable only grows until it is frozen.
 *
 * Async safety: everything is synchronous. Iterators tolerate inserts between moves: they
 * notice the tree changed (`mods`) and re-find their position by key.
 */
export class Memtable {
  private readonly arena = new Arena();
  private root: Node = { leaf: true, refs: [], next: null, prev: null };
  private first: Leaf = this.root as Leaf;
  private last: Leaf = this.root as Leaf;
  private n = 0;
  /** Incremented on every structural change; iterators compare it. */
  mods = 0;
  private frozen = false;

  constructor(readonly id: number) {}

  /** Number of entries. */
  get count(): number {
    return this.n;
  }

  /** Bytes counted against the memtable size bound: keys, values and per-entry overhead. */
  get approximateBytes(): number {
    return this.arena.used + this.n * ENTRY_OVERHEAD;
  }

  /** Bytes of memory the arena holds. */
  get memoryBytes(): number {
    return this.arena.reserved;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Marks the memtable immutable; later `add` calls throw. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Inserts an entry whose key is `key` followed by `keySuffix` (if given): the engine
   * passes the user key and the per-commit trailer without concatenating them first.
   * An entry with an equal key is replaced (the later write of a key in one batch wins).
   * REQUIRES: not frozen.
   */
  add(key: Uint8Array, value: Uint8Array, keySuffix?: Uint8Array): void {
    if (this.frozen) throw new Error('memtable: add after freeze');
    const size = HEADER + key.length + (keySuffix ? keySuffix.length : 0) + value.length;
    if (size > MAX_ENTRY) {
      throw new DoSQLError('INVALID_ARGUMENT', `memtable: entry of ${size} bytes exceeds the ${MAX_ENTRY}-byte limit`);
    }
    const ref = this.arena.add(key, value, keySuffix);
    this.n++;
    const last = this.last;
    const lr = last.refs;
    // Ascending inserts (fillseq, recovery of a sorted log) append to the rightmost leaf.
    if (lr.length > 0 && lr.length < LEAF_MAX && this.cmpRefs(ref, lr[lr.length - 1]!) > 0) {
      lr.push(ref);
      this.mods++;
      return;
    }
    this.insert(ref);
    this.mods++;
  }

  /** Ref of the first entry with key >= target, or -1. */
  lowerBound(target: Uint8Array): number {
    const pos = this.seekPos(target);
    return pos.leaf ? pos.leaf.refs[pos.i]! : -1;
  }

  /** Key of the entry at `ref` (a view into the arena). */
  keyAt(ref: number): Uint8Array {
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    return b.subarray(p + HEADER, p + HEADER + keyLenAt(b, p));
  }

  /** Value of the entry at `ref` (a view into the arena). */
  valueAt(ref: number): Uint8Array {
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    const kl = keyLenAt(b, p);
    return b.subarray(p + HEADER + kl, p + HEADER + kl + valueLenAt(b, p));
  }

  iterator(): InternalIterator {
    return new MemtableIterator(this);
  }

  // ---- internals shared with the iterator ----

  /** @internal Position (leaf, index) of the first entry >= target; leaf null when none. */
  seekPos(target: Uint8Array): { leaf: Leaf | null; i: number } {
    let node = this.root;
    while (!node.leaf) {
      const seps = node.seps;
      // number of separators <= target
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.cmpRefKey(seps[mid]!, target) <= 0) lo = mid + 1;
        else hi = mid;
      }
      node = node.children[lo]!;
    }
    const refs = node.refs;
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmpRefKey(refs[mid]!, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < refs.length) return { leaf: node, i: lo };
    let next = node.next;
    while (next && next.refs.length === 0) next = next.next;
    return next ? { leaf: next, i: 0 } : { leaf: null, i: 0 };
  }

  /** @internal Position of the last entry <= target; leaf null when none. */
  seekForPrevPos(target: Uint8Array): { leaf: Leaf | null; i: number } {
    const ge = this.seekPos(target);
    if (ge.leaf && this.cmpRefKey(ge.leaf.refs[ge.i]!, target) === 0) return ge;
    if (!ge.leaf) return this.lastPos();
    return this.stepBack(ge.leaf, ge.i);
  }

  /** @internal */
  firstPos(): { leaf: Leaf | null; i: number } {
    let l: Leaf | null = this.first;
    while (l && l.refs.length === 0) l = l.next;
    return { leaf: l, i: 0 };
  }

  /** @internal */
  lastPos(): { leaf: Leaf | null; i: number } {
    let l: Leaf | null = this.last;
    while (l && l.refs.length === 0) l = l.prev;
    return l ? { leaf: l, i: l.refs.length - 1 } : { leaf: null, i: 0 };
  }

  /** @internal Position before (leaf, i). */
  stepBack(leaf: Leaf, i: number): { leaf: Leaf | null; i: number } {
    if (i > 0) return { leaf, i: i - 1 };
    let p = leaf.prev;
    while (p && p.refs.length === 0) p = p.prev;
    return p ? { leaf: p, i: p.refs.length - 1 } : { leaf: null, i: 0 };
  }

  /** @internal Compares the key at ref with target. */
  cmpRefKey(ref: number, target: Uint8Array): number {
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    const kl = keyLenAt(b, p);
    const s = p + HEADER;
    const tl = target.length;
    const n = kl < tl ? kl : tl;
    for (let i = 0; i < n; i++) {
      const d = b[s + i]! - target[i]!;
      if (d !== 0) return d;
    }
    return kl - tl;
  }

  private cmpRefs(a: number, b: number): number {
    const ba = this.arena.chunkOf(a);
    const pa = this.arena.offsetOf(a);
    const bb = this.arena.chunkOf(b);
    const pb = this.arena.offsetOf(b);
    const la = keyLenAt(ba, pa);
    const lb = keyLenAt(bb, pb);
    const n = la < lb ? la : lb;
    const sa = pa + HEADER;
    const sb = pb + HEADER;
    for (let i = 0; i < n; i++) {
      const d = ba[sa + i]! - bb[sb + i]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  private insert(ref: number): void {
    const path: Inner[] = [];
    const idx: number[] = [];
    let node = this.root;
    while (!node.leaf) {
      const seps = node.seps;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.cmpRefs(seps[mid]!, ref) <= 0) lo = mid + 1;
        else hi = mid;
      }
      path.push(node);
      idx.push(lo);
      node = node.children[lo]!;
    }
    const refs = node.refs;
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmpRefs(refs[mid]!, ref) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < refs.length && this.cmpRefs(refs[lo]!, ref) === 0) {
      // Same key twice (one batch wrote a key twice): the later entry wins.
      refs[lo] = ref;
      this.n--;
      return;
    }
    refs.splice(lo, 0, ref);
    if (refs.length <= LEAF_MAX) return;

    // Split the leaf, then propagate separators upwards.
    const right: Leaf = { leaf: true, refs: refs.splice(LEAF_MAX >>> 1), next: node.next, prev: node };
    if (node.next) node.next.prev = right;
    node.next = right;
    if (this.last === node) this.last = right;
    let sep = right.refs[0]!;
    let newChild: Node = right;
    for (let level = path.length - 1; level >= 0; level--) {
      const parent = path[level]!;
      const at = idx[level]!;
      parent.seps.splice(at, 0, sep);
      parent.children.splice(at + 1, 0, newChild);
      if (parent.children.length <= INNER_MAX) return;
      const mid = parent.seps.length >>> 1;
      const upSep = parent.seps[mid]!;
      const sibling: Inner = { leaf: false, seps: parent.seps.splice(mid + 1), children: parent.children.splice(mid + 1) };
      parent.seps.length = mid; // drop upSep, it moves up
      sep = upSep;
      newChild = sibling;
    }
    this.root = { leaf: false, seps: [sep], children: [this.root, newChild] };
  }
}

/** Iterator over a memtable; survives concurrent `add`s by re-seeking to its current key. */
class MemtableIterator implements InternalIterator {
  private leaf: Leaf | null = null;
  private i = 0;
  private ref = -1;
  private mods = -1;

  constructor(private readonly mt: Memtable) {}

  valid(): boolean {
    return this.ref >= 0;
  }
  key(): Uint8Array {
    return this.mt.keyAt(this.ref);
  }
  value(): Uint8Array {
    return this.mt.valueAt(this.ref);
  }
  seekToFirst(): void {
    this.set(this.mt.firstPos());
  }
  seekToLast(): void {
    this.set(this.mt.lastPos());
  }
  seek(target: Uint8Array): void {
    this.set(this.mt.seekPos(target));
  }
  seekForPrev(target: Uint8Array): void {
    this.set(this.mt.seekForPrevPos(target));
  }
  next(): void {
    this.resync();
    const leaf = this.leaf!;
    if (this.i + 1 < leaf.refs.length) {
      this.i++;
      this.ref = leaf.refs[this.i]!;
      return;
    }
    let n = leaf.next;
    while (n && n.refs.length === 0) n = n.next;
    this.set(n ? { leaf: n, i: 0 } : { leaf: null, i: 0 });
  }
  prev(): void {
    this.resync();
    this.set(this.mt.stepBack(this.leaf!, this.i));
  }
  close(): void {
    this.leaf = null;
    this.ref = -1;
  }

  private set(pos: { leaf: Leaf | null; i: number }): void {
    this.leaf = pos.leaf;
    this.i = pos.i;
    this.ref = pos.leaf ? pos.leaf.refs[pos.i]! : -1;
    this.mods = this.mt.mods;
  }

  /** After inserts, splits may have moved our entry: find it again by key. */
  private resync(): void {
    if (this.mods === this.mt.mods) return;
    const pos = this.mt.seekPos(this.mt.keyAt(this.ref));
    this.leaf = pos.leaf;
    this.i = pos.i;
    this.mods = this.mt.mods;
  }
}
