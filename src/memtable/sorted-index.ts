// The memtable's ordered index: a B+tree of entry numbers in key order, maintained lazily.
// Adds only append to `pending`; the first ordered operation afterwards sorts the pending
// entries (by a 6-byte abbreviated key past their common prefix, full comparison on ties)
// and either inserts them one by one (few pending) or rebuilds the tree in bulk (many).
import type { InternalIterator } from '../util/internal-iterator.js';
import { sortEntries, type EntrySource } from './entry-source.js';

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
  /** seps[i] is the smallest entry in children[i + 1]. */
  seps: number[];
  children: Node[];
}

type Node = Leaf | Inner;

export interface Pos {
  leaf: Leaf | null;
  i: number;
}

export class SortedIndex {
  private root: Node = emptyLeaf();
  private first: Leaf = this.root as Leaf;
  private last: Leaf = this.root as Leaf;
  private treeSize = 0;
  private pending: number[] = [];
  /** Incremented on every change of the tree's shape; iterators compare it. */
  mods = 0;

  constructor(private readonly mt: EntrySource) {}

  /** @internal entry e was added to the memtable. */
  added(e: number): void {
    this.pending.push(e);
  }

  /** @internal entry `to` replaces entry `from` (equal keys). */
  replace(from: number, to: number): void {
    const pi = this.pending.lastIndexOf(from);
    if (pi >= 0) {
      this.pending[pi] = to;
      return;
    }
    const pos = this.seekPos(this.mt.keyAt(from));
    if (pos.leaf && pos.leaf.refs[pos.i] === from) pos.leaf.refs[pos.i] = to;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Makes the tree hold every added entry. */
  ensureSorted(): void {
    const k = this.pending.length;
    if (k === 0) return;
    const sorted = this.sortPending();
    this.pending = [];
    if (this.treeSize === 0 || k * 8 > this.treeSize) this.bulkBuild(this.mergeWithTree(sorted));
    else for (const e of sorted) this.insert(e);
    this.mods++;
  }

  lowerBound(target: Uint8Array): number {
    const pos = this.seekPos(target);
    return pos.leaf ? pos.leaf.refs[pos.i]! : -1;
  }

  iterator(): InternalIterator {
    return new IndexIterator(this, this.mt);
  }

  // ---- positions ----

  seekPos(target: Uint8Array): Pos {
    this.ensureSorted();
    let node = this.root;
    while (!node.leaf) {
      const seps = node.seps;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.mt.cmpKeyTarget(seps[mid]!, target) <= 0) lo = mid + 1;
        else hi = mid;
      }
      node = node.children[lo]!;
    }
    const refs = node.refs;
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.mt.cmpKeyTarget(refs[mid]!, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < refs.length) return { leaf: node, i: lo };
    let next = node.next;
    while (next && next.refs.length === 0) next = next.next;
    return next ? { leaf: next, i: 0 } : { leaf: null, i: 0 };
  }

  seekForPrevPos(target: Uint8Array): Pos {
    const ge = this.seekPos(target);
    if (ge.leaf && this.mt.cmpKeyTarget(ge.leaf.refs[ge.i]!, target) === 0) return ge;
    if (!ge.leaf) return this.lastPos();
    return this.stepBack(ge.leaf, ge.i);
  }

  firstPos(): Pos {
    this.ensureSorted();
    let l: Leaf | null = this.first;
    while (l && l.refs.length === 0) l = l.next;
    return { leaf: l, i: 0 };
  }

  lastPos(): Pos {
    this.ensureSorted();
    let l: Leaf | null = this.last;
    while (l && l.refs.length === 0) l = l.prev;
    return l ? { leaf: l, i: l.refs.length - 1 } : { leaf: null, i: 0 };
  }

  stepBack(leaf: Leaf, i: number): Pos {
    if (i > 0) return { leaf, i: i - 1 };
    let p = leaf.prev;
    while (p && p.refs.length === 0) p = p.prev;
    return p ? { leaf: p, i: p.refs.length - 1 } : { leaf: null, i: 0 };
  }

  stepForward(leaf: Leaf, i: number): Pos {
    if (i + 1 < leaf.refs.length) return { leaf, i: i + 1 };
    let n = leaf.next;
    while (n && n.refs.length === 0) n = n.next;
    return n ? { leaf: n, i: 0 } : { leaf: null, i: 0 };
  }

  // ---- building ----

  private sortPending(): number[] {
    return sortEntries(this.mt, this.pending);
  }

  /** All tree entries and `sorted` merged, in key order. */
  private mergeWithTree(sorted: number[]): number[] {
    if (this.treeSize === 0) return sorted;
    const out = new Array<number>(this.treeSize + sorted.length);
    let o = 0;
    let j = 0;
    for (let l: Leaf | null = this.first; l; l = l.next) {
      for (const e of l.refs) {
        while (j < sorted.length && this.mt.cmpEntries(sorted[j]!, e) < 0) out[o++] = sorted[j++]!;
        out[o++] = e;
      }
    }
    while (j < sorted.length) out[o++] = sorted[j++]!;
    out.length = o;
    return out;
  }

  private bulkBuild(entries: number[]): void {
    const per = LEAF_MAX - (LEAF_MAX >>> 2);
    let level: Node[] = [];
    let firsts: number[] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < entries.length; i += per) {
      const leaf: Leaf = { leaf: true, refs: entries.slice(i, i + per), next: null, prev };
      if (prev) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      firsts.push(leaf.refs[0]!);
    }
    if (level.length === 0) {
      const leaf = emptyLeaf();
      level.push(leaf);
      firsts.push(-1);
    }
    this.first = level[0] as Leaf;
    this.last = level[level.length - 1] as Leaf;
    const fan = INNER_MAX - (INNER_MAX >>> 2);
    while (level.length > 1) {
      const up: Node[] = [];
      const upFirsts: number[] = [];
      for (let i = 0; i < level.length; i += fan) {
        const children = level.slice(i, i + fan);
        up.push({ leaf: false, seps: firsts.slice(i + 1, i + children.length), children });
        upFirsts.push(firsts[i]!);
      }
      level = up;
      firsts = upFirsts;
    }
    this.root = level[0]!;
    this.treeSize = entries.length;
  }

  private insert(e: number): void {
    const mt = this.mt;
    const path: Inner[] = [];
    const idx: number[] = [];
    let node = this.root;
    while (!node.leaf) {
      const seps = node.seps;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (mt.cmpEntries(seps[mid]!, e) <= 0) lo = mid + 1;
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
      if (mt.cmpEntries(refs[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    refs.splice(lo, 0, e);
    this.treeSize++;
    if (refs.length <= LEAF_MAX) return;
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
      parent.seps.length = mid;
      sep = upSep;
      newChild = sibling;
    }
    this.root = { leaf: false, seps: [sep], children: [this.root, newChild] };
  }
}

function emptyLeaf(): Leaf {
  return { leaf: true, refs: [], next: null, prev: null };
}

/** Iterator over the index; survives rebuilds and inserts by re-seeking to its current key. */
class IndexIterator implements InternalIterator {
  private leaf: Leaf | null = null;
  private i = 0;
  private e = -1;
  private mods = -1;

  constructor(
    private readonly idx: SortedIndex,
    private readonly mt: EntrySource,
  ) {
    idx.ensureSorted();
  }

  valid(): boolean {
    return this.e >= 0;
  }
  key(): Uint8Array {
    return this.mt.keyAt(this.e);
  }
  value(): Uint8Array {
    return this.mt.valueAt(this.e);
  }
  seekToFirst(): void {
    this.set(this.idx.firstPos());
  }
  seekToLast(): void {
    this.set(this.idx.lastPos());
  }
  seek(target: Uint8Array): void {
    this.set(this.idx.seekPos(target));
  }
  seekForPrev(target: Uint8Array): void {
    this.set(this.idx.seekForPrevPos(target));
  }
  next(): void {
    this.resync();
    this.set(this.idx.stepForward(this.leaf!, this.i));
  }
  prev(): void {
    this.resync();
    this.set(this.idx.stepBack(this.leaf!, this.i));
  }
  close(): void {
    this.leaf = null;
    this.e = -1;
  }

  private set(pos: Pos): void {
    this.leaf = pos.leaf;
    this.i = pos.i;
    this.e = pos.leaf ? pos.leaf.refs[pos.i]! : -1;
    this.mods = this.idx.mods;
  }

  /** Entries added since we moved are merged in; if the tree changed, find our entry again. */
  private resync(): void {
    if (this.idx.hasPending) this.idx.ensureSorted();
    if (this.mods === this.idx.mods) return;
    const pos = this.idx.seekPos(this.mt.keyAt(this.e));
    this.leaf = pos.leaf;
    this.i = pos.i;
    this.mods = this.idx.mods;
  }
}
