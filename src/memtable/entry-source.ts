// What sorting and ordered iteration need from a set of arena entries: the live memtable,
// or a frozen memtable's arena seen from a background thread (FrozenEntries).
import { HEADER, keyLenAt, valueLenAt } from './arena.js';

export interface EntrySource {
  /** memcmp of the keys of entries a and b. */
  cmpEntries(a: number, b: number): number;
  /** memcmp of entry e's key with target. */
  cmpKeyTarget(e: number, target: Uint8Array): number;
  /** Key bytes [offset, offset + 6) of entry e into out[at..], zero-padded past the key's end. */
  abbrevInto(e: number, offset: number, out: Uint8Array, at: number): void;
  /** Length of the common prefix of the keys of entries a and b. */
  commonPrefix(a: number, b: number): number;
  keyAt(e: number): Uint8Array;
  valueAt(e: number): Uint8Array;
}

/** A frozen memtable's entries, transferable to another thread (shared arena chunks). */
export interface FrozenEntries {
  chunks: Uint8Array[];
  /** Arena refs of the live entries (replaced ones left out), in add order. */
  refs: Float64Array;
}

const OFFSET_BITS = 2 ** 26;

/** EntrySource over FrozenEntries; entry numbers index `refs`. */
export class FrozenEntrySource implements EntrySource {
  constructor(private readonly f: FrozenEntries) {}

  get size(): number {
    return this.f.refs.length;
  }

  // Chunk and offset of entry e, computed separately: returning them as a pair allocated an
  // array per call, several per entry on a flush's hot loop.
  private chunk(e: number): Uint8Array {
    return this.f.chunks[Math.floor(this.f.refs[e]! / OFFSET_BITS)]!;
  }

  private offset(e: number): number {
    return this.f.refs[e]! % OFFSET_BITS;
  }

  cmpEntries(a: number, b: number): number {
    const ba = this.chunk(a);
    const pa = this.offset(a);
    const bb = this.chunk(b);
    const pb = this.offset(b);
    const la = keyLenAt(ba, pa);
    const lb = keyLenAt(bb, pb);
    const n = la < lb ? la : lb;
    for (let i = 0; i < n; i++) {
      const d = ba[pa + HEADER + i]! - bb[pb + HEADER + i]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  cmpKeyTarget(e: number, target: Uint8Array): number {
    const b = this.chunk(e);
    const p = this.offset(e);
    const kl = keyLenAt(b, p);
    const n = kl < target.length ? kl : target.length;
    for (let i = 0; i < n; i++) {
      const d = b[p + HEADER + i]! - target[i]!;
      if (d !== 0) return d;
    }
    return kl - target.length;
  }

  abbrevInto(e: number, offset: number, out: Uint8Array, at: number): void {
    const b = this.chunk(e);
    const p = this.offset(e);
    const kl = keyLenAt(b, p);
    for (let i = 0; i < 6; i++) out[at + i] = offset + i < kl ? b[p + HEADER + offset + i]! : 0;
  }

  commonPrefix(a: number, b: number): number {
    const ba = this.chunk(a);
    const pa = this.offset(a);
    const bb = this.chunk(b);
    const pb = this.offset(b);
    const n = Math.min(keyLenAt(ba, pa), keyLenAt(bb, pb));
    let i = 0;
    while (i < n && ba[pa + HEADER + i] === bb[pb + HEADER + i]) i++;
    return i;
  }

  keyAt(e: number): Uint8Array {
    const b = this.chunk(e);
    const p = this.offset(e);
    return b.subarray(p + HEADER, p + HEADER + keyLenAt(b, p));
  }

  valueAt(e: number): Uint8Array {
    const b = this.chunk(e);
    const p = this.offset(e);
    const kl = keyLenAt(b, p);
    return b.subarray(p + HEADER + kl, p + HEADER + kl + valueLenAt(b, p));
  }
}

const ABBREV = 6;

function sameAbbrev(bytes: Uint8Array, a: number, b: number): boolean {
  const pa = a * ABBREV;
  const pb = b * ABBREV;
  for (let i = 0; i < ABBREV; i++) if (bytes[pa + i] !== bytes[pb + i]) return false;
  return true;
}

/**
 * Sorts entry numbers by key: LSD radix sort on 6 key bytes past their common prefix (the
 * abbreviated key), then a comparison sort inside each run of equal abbreviations (for the
 * engine: the versions of one user key, or keys longer than the abbreviation). Input already
 * in key order is returned as is (after one pass of neighbour comparisons).
 */
export function sortEntries(src: EntrySource, p: readonly number[]): number[] {
  const k = p.length;
  if (k <= 1) return [...p];
  // Entries added in key order (ascending keys: sequential ids, time-ordered keys, a bulk
  // load in order) need no sort; a scan of neighbours says so, and stops at the first pair
  // out of order, so other inputs pay a comparison or two.
  let ordered = 1;
  while (ordered < k && src.cmpEntries(p[ordered - 1]!, p[ordered]!) <= 0) ordered++;
  if (ordered === k) return [...p];
  let lcp = Infinity;
  for (let j = 1; j < k && lcp > 0; j++) lcp = Math.min(lcp, src.commonPrefix(p[0]!, p[j]!));
  if (!Number.isFinite(lcp)) lcp = 0;
  const bytes = new Uint8Array(k * ABBREV);
  for (let j = 0; j < k; j++) src.abbrevInto(p[j]!, lcp, bytes, j * ABBREV);
  let order = new Int32Array(k);
  let tmp = new Int32Array(k);
  for (let j = 0; j < k; j++) order[j] = j;
  const count = new Int32Array(257);
  for (let b = ABBREV - 1; b >= 0; b--) {
    count.fill(0);
    for (let j = 0; j < k; j++) count[bytes[order[j]! * ABBREV + b]! + 1]!++;
    if (count[bytes[order[0]! * ABBREV + b]! + 1] === k) continue; // one bucket: nothing moves
    for (let c = 1; c < 257; c++) count[c]! += count[c - 1]!;
    for (let j = 0; j < k; j++) {
      const o = order[j]!;
      tmp[count[bytes[o * ABBREV + b]!]!++] = o;
    }
    const t = order;
    order = tmp;
    tmp = t;
  }
  const out = new Array<number>(k);
  for (let j = 0; j < k; j++) out[j] = p[order[j]!]!;
  let start = 0;
  for (let j = 1; j <= k; j++) {
    if (j < k && sameAbbrev(bytes, order[j - 1]!, order[j]!)) continue;
    if (j - start > 1) {
      if (j - start <= 16) {
        for (let q = start + 1; q < j; q++) {
          const x = out[q]!;
          let w = q - 1;
          while (w >= start && src.cmpEntries(out[w]!, x) > 0) {
            out[w + 1] = out[w]!;
            w--;
          }
          out[w + 1] = x;
        }
      } else {
        const run = out.slice(start, j).sort((a, b) => src.cmpEntries(a, b));
        for (let q = 0; q < run.length; q++) out[start + q] = run[q]!;
      }
    }
    start = j;
  }
  return out;
}
