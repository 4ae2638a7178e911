import { Arena, HEADER, MAX_ENTRY, keyLenAt, valueLenAt } from './arena.js';
import { SortedIndex } from './sorted-index.js';
import type { EntrySource, FrozenEntries } from './entry-source.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import { DoSQLError } from '../errors.js';

/**
 * Per-entry bookkeeping counted against the memtable's size bound, beyond key and value
 * bytes: arena header, ref and chain link, about two hash slots, the index's share.
 */
const ENTRY_OVERHEAD = 32;

export interface MemtableOptions {
  /**
   * Keys are (group, suffix) with a fixed-length suffix: the engine's internal keys are
   * (user key, 8-byte trailer). Entries of one group are chained newest first, so a point
   * read finds a group's entries by hash without the ordered index. Default 0: every key is
   * its own group.
   */
  suffixLength?: number;
  /** Entries the memtable expects to hold: sizes the hash table up front. Default 1024. */
  expectedEntries?: number;
  /** Keep the arena in SharedArrayBuffers so `exportFrozen` can hand it to a worker. */
  shared?: boolean;
}

/**
 * The sorted in-memory write buffer: entries (key, value) in memcmp order of key, with keys
 * opaque at this layer (the engine stores internal keys: user key asc, LSN desc).
 *
 * Layout: entries live in an arena; a hash table over groups (key minus suffix) points at
 * the group's newest entry, and each entry at the previous one of its group. The ordered
 * index (for iteration and `lowerBound`) is built lazily: adds are O(1); the first ordered
 * operation afterwards sorts what was added since (see `SortedIndex`).
 *
 * Invariants: within a group, entries are added in ascending key order (the engine's LSNs
 * grow, and its trailer stores ~LSN), except that an add with an equal key replaces the
 * entry; entry bytes never change, so views handed out stay valid; a memtable only grows
 * until it is frozen.
 *
 * Async safety: everything is synchronous. Iterators tolerate adds between moves.
 */
export class Memtable implements EntrySource {
  private readonly arena: Arena;
  /** Entries replaced by a later add of an equal key (excluded from exports). */
  private dead: Set<number> | null = null;
  private readonly suffix: number;
  /** Arena ref of entry i (entries are numbered in add order). */
  private refs = new Float64Array(1024);
  /** Entry number of the previous (older) entry of the same group, or -1. */
  private prev = new Int32Array(1024);
  private n = 0;
  /** Group hash of entry i (kept so the table can grow without rehashing keys). */
  private hashes = new Int32Array(1024);
  /** Open-addressing hash table of (group head entry number + 1); 0 = empty. */
  private slots: Int32Array;
  private groups = 0;
  private frozen = false;
  private replaced = 0;
  /**
   * One bit per group hash (8 bits per slot): a point read of a group the memtable does not
   * hold (a memtable of other tables' or an index's writes, read for rows flushed earlier)
   * answers from one byte of this instead of probing the slots and the entries' hashes, a
   * few cache misses in a large table.
   */
  private filter: Uint8Array;
  readonly index: SortedIndex;

  constructor(
    readonly id: number,
    options: MemtableOptions = {},
  ) {
    this.suffix = options.suffixLength ?? 0;
    this.arena = new Arena(1 << 20, options.shared ?? false);
    let slots = 1024;
    while (slots < (options.expectedEntries ?? 0) * 2) slots *= 2;
    this.slots = new Int32Array(slots);
    this.filter = new Uint8Array(slots);
    this.index = new SortedIndex(this);
  }

  /** Number of distinct keys. */
  get count(): number {
    return this.n - this.replaced;
  }

  /** Bytes counted against the memtable size bound: keys, values and per-entry overhead. */
  get approximateBytes(): number {
    return this.arena.used + this.n * ENTRY_OVERHEAD;
  }

  /** Bytes of memory the arena holds. */
  get memoryBytes(): number {
    return this.arena.reserved + this.refs.length * 12 + this.slots.length * 4;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Marks the memtable immutable; later `add` calls throw. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Adds an entry whose key is `key` followed by `keySuffix` (if given). The engine passes
   * the user key as `key` and its trailer as `keySuffix`, which must then be exactly
   * `suffixLength` bytes. An entry with an equal key replaces the older one.
   * REQUIRES: not frozen; within a group, keys added in ascending order.
   */
  add(key: Uint8Array, value: Uint8Array, keySuffix?: Uint8Array): void {
    if (this.frozen) throw new Error('memtable: add after freeze');
    const sl = keySuffix ? keySuffix.length : 0;
    const size = HEADER + key.length + sl + value.length;
    if (size > MAX_ENTRY) throw new DoSQLError('INVALID_ARGUMENT', `memtable: entry of ${size} bytes exceeds the ${MAX_ENTRY}-byte limit`);
    const ref = this.arena.add(key, value, keySuffix);
    const groupLen = key.length + sl - this.suffix;
    if (groupLen < 0) throw new Error('memtable: key shorter than the suffix length');
    if (this.n === this.refs.length) this.grow();
    const e = this.n++;
    this.refs[e] = ref;
    // Find the group's head in the hash table (hashing the stored, contiguous key).
    const chunk = this.arena.chunkOf(ref);
    const keyStart = this.arena.offsetOf(ref) + HEADER;
    const h = groupHashAt(chunk, keyStart, groupLen);
    this.hashes[e] = h | 0;
    const mask = this.slots.length - 1;
    let i = h & mask;
    let replacing = false;
    for (;;) {
      const s = this.slots[i]!;
      if (s === 0) {
        this.slots[i] = e + 1;
        this.prev[e] = -1;
        setFilterBit(this.filter, h);
        if (++this.groups * 2 > this.slots.length) this.rehash();
        break;
      }
      const head = s - 1;
      if (this.hashes[head] === (h | 0) && this.groupEqualsAt(head, chunk, keyStart, groupLen)) {
        if (this.cmpEntryKey(head, ref) === 0) {
          // Same key again (one batch wrote a key twice): the later entry wins.
          this.prev[e] = this.prev[head]!;
          this.index.replace(head, e);
          (this.dead ??= new Set()).add(head);
          this.replaced++;
          replacing = true;
        } else {
          this.prev[e] = head;
        }
        this.slots[i] = e + 1;
        break;
      }
      i = (i + 1) & mask;
    }
    if (!replacing) this.index.added(e);
  }

  /**
   * The entry number of the first entry of group `group` whose key is >= `target` (target
   * must start with the group), or -1. Walks the group newest first; no ordered index needed.
   * `targetLen`: the target is `target`'s first that many bytes (a reused scratch buffer).
   */
  findInGroup(group: Uint8Array, target: Uint8Array, targetLen: number = target.length): number {
    const glen = group.length;
    const mask = this.slots.length - 1;
    const h = groupHashAt(group, 0, glen) | 0;
    if (!hasFilterBit(this.filter, h)) return -1;
    let i = h & mask;
    for (;;) {
      const s = this.slots[i]!;
      if (s === 0) return -1;
      let e = s - 1;
      if (this.hashes[e] === h && this.groupEqualsAt(e, group, 0, glen)) {
        // Entries newest (smallest key) first: the first one >= target.
        while (e >= 0) {
          if (this.cmpKeyTarget(e, target, targetLen) >= 0) return e;
          e = this.prev[e]!;
        }
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * The smallest and largest keys held, when known without work: the ordered index has no
   * pending adds (it is sorted, e.g. after a scan); null otherwise or when empty. Lets a
   * batch of point reads skip a memtable whose keys all lie elsewhere (other tables' writes,
   * an index's entries) without hashing each key.
   */
  sortedBounds(): { lo: Uint8Array; hi: Uint8Array } | null {
    const idx = this.index;
    if (this.n === 0 || idx.hasPending) return null;
    const f = idx.firstPos();
    const l = idx.lastPos();
    if (!f.leaf || !l.leaf) return null;
    return { lo: this.keyAt(f.leaf.refs[f.i]!), hi: this.keyAt(l.leaf.refs[l.i]!) };
  }

  /** Entry number of the first entry with key >= target, or -1 (builds the ordered index). */
  lowerBound(target: Uint8Array): number {
    return this.index.lowerBound(target);
  }

  /** Key of entry `e` (a view into the arena). */
  keyAt(e: number): Uint8Array {
    const ref = this.refs[e]!;
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    return b.subarray(p + HEADER, p + HEADER + keyLenAt(b, p));
  }

  /** Value of entry `e` (a view into the arena). */
  valueAt(e: number): Uint8Array {
    const ref = this.refs[e]!;
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    const kl = keyLenAt(b, p);
    return b.subarray(p + HEADER + kl, p + HEADER + kl + valueLenAt(b, p));
  }

  iterator(): InternalIterator {
    return this.index.iterator();
  }

  /**
   * The live entries and the arena chunks, for a background thread to sort and write.
   * REQUIRES: frozen (the arena no longer changes). Chunks are shared only if the memtable
   * was created with `shared: true`; otherwise they are plain arrays (copied by postMessage).
   */
  exportFrozen(): FrozenEntries {
    if (!this.frozen) throw new Error('memtable: exportFrozen before freeze');
    const live = new Float64Array(this.n - this.replaced);
    let j = 0;
    for (let e = 0; e < this.n; e++) if (!this.dead?.has(e)) live[j++] = this.refs[e]!;
    return { chunks: this.arena.chunks, refs: live };
  }

  // ---- comparisons on entry numbers (used by the sorted index) ----

  /** @internal memcmp of the keys of entries a and b. */
  cmpEntries(a: number, b: number): number {
    const ra = this.refs[a]!;
    const rb = this.refs[b]!;
    const ba = this.arena.chunkOf(ra);
    const pa = this.arena.offsetOf(ra);
    const bb = this.arena.chunkOf(rb);
    const pb = this.arena.offsetOf(rb);
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

  /** @internal memcmp of entry e's key with target. */
  cmpKeyTarget(e: number, target: Uint8Array, tl: number = target.length): number {
    const ref = this.refs[e]!;
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    const kl = keyLenAt(b, p);
    const s = p + HEADER;
    const n = kl < tl ? kl : tl;
    for (let i = 0; i < n; i++) {
      const d = b[s + i]! - target[i]!;
      if (d !== 0) return d;
    }
    return kl - tl;
  }

  /**
   * @internal Writes key bytes [offset, offset + 6) of entry e into out[at..] (zero-padded
   * past the key's end; a key ending earlier sorts first, as the full comparison confirms).
   */
  abbrevInto(e: number, offset: number, out: Uint8Array, at: number): void {
    const ref = this.refs[e]!;
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    const kl = keyLenAt(b, p);
    const s = p + HEADER + offset;
    for (let i = 0; i < 6; i++) out[at + i] = offset + i < kl ? b[s + i]! : 0;
  }

  /** @internal Length of the common prefix of the keys of entries a and b. */
  commonPrefix(a: number, b: number): number {
    const ra = this.refs[a]!;
    const rb = this.refs[b]!;
    const ba = this.arena.chunkOf(ra);
    const pa = this.arena.offsetOf(ra);
    const bb = this.arena.chunkOf(rb);
    const pb = this.arena.offsetOf(rb);
    const n = Math.min(keyLenAt(ba, pa), keyLenAt(bb, pb));
    let i = 0;
    while (i < n && ba[pa + HEADER + i] === bb[pb + HEADER + i]) i++;
    return i;
  }

  /** @internal Number of entries ever added (entry numbers are 0 .. size-1). */
  get size(): number {
    return this.n;
  }

  private cmpEntryKey(e: number, ref: number): number {
    const ra = this.refs[e]!;
    const ba = this.arena.chunkOf(ra);
    const pa = this.arena.offsetOf(ra);
    const bb = this.arena.chunkOf(ref);
    const pb = this.arena.offsetOf(ref);
    const la = keyLenAt(ba, pa);
    const lb = keyLenAt(bb, pb);
    if (la !== lb) return la - lb;
    for (let i = 0; i < la; i++) {
      const d = ba[pa + HEADER + i]! - bb[pb + HEADER + i]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  /** True when entry e's key has group `g[gs, gs + glen)` (same group length and bytes). */
  private groupEqualsAt(e: number, g: Uint8Array, gs: number, glen: number): boolean {
    const ref = this.refs[e]!;
    const b = this.arena.chunkOf(ref);
    const p = this.arena.offsetOf(ref);
    if (keyLenAt(b, p) - this.suffix !== glen) return false;
    const s = p + HEADER;
    for (let i = glen - 1; i >= 0; i--) if (b[s + i] !== g[gs + i]) return false;
    return true;
  }

  private grow(): void {
    const refs = new Float64Array(this.refs.length * 2);
    refs.set(this.refs);
    this.refs = refs;
    const prev = new Int32Array(this.prev.length * 2);
    prev.set(this.prev);
    this.prev = prev;
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (let j = 0; j < old.length; j++) {
      const s = old[j]!;
      if (s === 0) continue;
      let i = this.hashes[s - 1]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    this.slots = slots;
    // Every entry's group (replaced ones too: a superset only costs a probe).
    const f = new Uint8Array(slots.length);
    for (let e = 0; e < this.n; e++) setFilterBit(f, this.hashes[e]!);
    this.filter = f;
  }
}

/** The filter bit of group hash h: a remix of h, so it is not the slot index's bits. */
function filterBit(f: Uint8Array, h: number): number {
  return (Math.imul(h, 0x9e3779b1) >>> 0) % (f.length * 8);
}

function setFilterBit(f: Uint8Array, h: number): void {
  const b = filterBit(f, h);
  f[b >>> 3] |= 1 << (b & 7);
}

function hasFilterBit(f: Uint8Array, h: number): boolean {
  const b = filterBit(f, h);
  return (f[b >>> 3]! & (1 << (b & 7))) !== 0;
}

/** FNV-1a over the group bytes, finished with a murmur mix. */
function groupHashAt(b: Uint8Array, start: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = start, end = start + len; i < end; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
