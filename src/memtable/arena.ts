/**
 * Bump allocator for memtable entries (LevelDB's Arena). Entries live in large chunks
 * instead of millions of small typed arrays: the B+tree holds plain numbers ("refs"),
 * which keeps the garbage collector out of the write path.
 *
 * A ref is `chunk * 2^26 + offset`; an entry never straddles chunks.
 * Entry layout: u32le keyLen | u32le valueLen | key | value.
 */
export const HEADER = 8;
const OFFSET_BITS = 2 ** 26;
/** Largest single entry (key + value + header), bytes. */
export const MAX_ENTRY = OFFSET_BITS;

export class Arena {
  readonly chunks: Uint8Array[] = [];
  private cur: Uint8Array;
  private curIdx: number;
  private curOff = 0;
  /** Bytes handed out, including headers. */
  used = 0;
  /** Bytes reserved in chunks. */
  reserved = 0;

  /**
   * `shared`: allocate chunks in SharedArrayBuffers, so a background thread can read a frozen
   * memtable without a copy.
   */
  constructor(
    private readonly chunkSize = 1 << 20,
    private readonly shared = false,
  ) {
    this.cur = this.alloc(chunkSize);
    this.chunks.push(this.cur);
    this.curIdx = 0;
    this.reserved = chunkSize;
  }

  private alloc(size: number): Uint8Array {
    return this.shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
  }

  /**
   * Copies key (+ optional key suffix, stored contiguously after it) and value into the
   * arena; returns the entry's ref. REQUIRES: total size <= MAX_ENTRY.
   */
  add(key: Uint8Array, value: Uint8Array, suffix?: Uint8Array): number {
    const sl = suffix ? suffix.length : 0;
    const n = HEADER + key.length + sl + value.length;
    if (this.curOff + n > this.cur.length) {
      const size = Math.max(this.chunkSize, n);
      this.cur = this.alloc(size);
      this.chunks.push(this.cur);
      this.curIdx = this.chunks.length - 1;
      this.curOff = 0;
      this.reserved += size;
    }
    const b = this.cur;
    const p = this.curOff;
    const kl = key.length + sl;
    const vl = value.length;
    b[p] = kl;
    b[p + 1] = kl >>> 8;
    b[p + 2] = kl >>> 16;
    b[p + 3] = kl >>> 24;
    b[p + 4] = vl;
    b[p + 5] = vl >>> 8;
    b[p + 6] = vl >>> 16;
    b[p + 7] = vl >>> 24;
    copyInto(b, p + HEADER, key);
    if (suffix) copyInto(b, p + HEADER + key.length, suffix);
    copyInto(b, p + HEADER + kl, value);
    this.curOff = p + n;
    this.used += n;
    return this.curIdx * OFFSET_BITS + p;
  }

  chunkOf(ref: number): Uint8Array {
    return this.chunks[Math.floor(ref / OFFSET_BITS)]!;
  }

  offsetOf(ref: number): number {
    return ref % OFFSET_BITS;
  }
}

/** Copies src into dst at `at`: a loop for short arrays (cheaper than `set` there). */
function copyInto(dst: Uint8Array, at: number, src: Uint8Array): void {
  const n = src.length;
  if (n > 48) {
    dst.set(src, at);
    return;
  }
  for (let i = 0; i < n; i++) dst[at + i] = src[i]!;
}

export function keyLenAt(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

export function valueLenAt(b: Uint8Array, p: number): number {
  return (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
}
