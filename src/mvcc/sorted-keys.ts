// The ordered index of a transaction's write set: a set of byte-string keys (util/bytes
// byteString: one UTF-16 unit per byte, so `<` on the strings is memcmp order on the bytes)
// kept as a list of sorted chunks, as Python's sortedcontainers.SortedList does. Insert and
// delete cost a binary search over the chunk maxima, one within a chunk and a move of at most
// 2 * LOAD references; a range costs a search plus the keys it returns. A statement that writes
// n rows and checks a unique index before each one therefore does O(n log n) work, where
// re-sorting the whole write set before each check was O(n^2 log n) (issue 13, item 16).
//
// Invariants: every chunk is non-empty and sorted, chunks are in order (the last key of chunk
// i is below the first of chunk i + 1), `maxes[i]` is the last key of `chunks[i]`.
import { compareByteStrings } from '../util/bytes.js';

/** Chunks split beyond 2 * LOAD keys. */
const LOAD = 256;

/** First index in sorted `a` whose key is >= `k`. */
function lowerBound(a: readonly string[], k: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareByteStrings(a[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedKeys {
  private chunks: string[][] = [];
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `k`; false when it was present. */
  add(k: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([k]);
      this.maxes.push(k);
      this.count = 1;
      return true;
    }
    const last = this.maxes.length - 1;
    // Keys written in ascending order (bulk inserts) land after the largest: no searches.
    if (compareByteStrings(this.maxes[last]!, k) < 0) {
      const chunk = this.chunks[last]!;
      chunk.push(k);
      this.maxes[last] = k;
      this.count++;
      if (chunk.length > 2 * LOAD) this.split(last);
      return true;
    }
    let c = lowerBound(this.maxes, k);
    if (c === this.chunks.length) c--;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, k);
    if (chunk[i] === k) return false;
    if (i === chunk.length) chunk.push(k);
    else chunk.splice(i, 0, k);
    this.maxes[c] = chunk[chunk.length - 1]!;
    this.count++;
    if (chunk.length > 2 * LOAD) this.split(c);
    return true;
  }

  /** Splits chunk `c` in two halves. */
  private split(c: number): void {
    const chunk = this.chunks[c]!;
    const right = chunk.splice(LOAD);
    this.chunks.splice(c + 1, 0, right);
    this.maxes.splice(c, 1, chunk[chunk.length - 1]!, right[right.length - 1]!);
  }

  /** Removes `k`; false when it was absent. */
  delete(k: string): boolean {
    const c = lowerBound(this.maxes, k);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, k);
    if (chunk[i] !== k) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.maxes.splice(c, 1);
    } else this.maxes[c] = chunk[chunk.length - 1]!;
    return true;
  }

  clear(): void {
    this.chunks = [];
    this.maxes = [];
    this.count = 0;
  }

  /** The keys in [lower, upper), ascending. */
  range(lower: string, upper: string): string[] {
    const out: string[] = [];
    const first = lowerBound(this.maxes, lower);
    for (let c = first; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      for (let i = c === first ? lowerBound(chunk, lower) : 0; i < chunk.length; i++) {
        const k = chunk[i]!;
        if (compareByteStrings(k, upper) >= 0) return out;
        out.push(k);
      }
    }
    return out;
  }

  /** True when some key is in [lower, upper). */
  hasAnyIn(lower: string, upper: string): boolean {
    const c = lowerBound(this.maxes, lower);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    return compareByteStrings(chunk[lowerBound(chunk, lower)]!, upper) < 0;
  }
}
