import { putUvarint } from './coding.js';

/** Size of the slabs `toPooledBytes` carves copies from. */
const POOL_BYTES = 16 * 1024;
let pool = new Uint8Array(POOL_BYTES);
let poolUsed = 0;

/** A growable byte buffer for encoders on hot paths (WAL records, keys, blocks). */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  uvarint(v: number): void {
    this.ensure(10);
    this.pos = putUvarint(this.buf, this.pos, v);
  }

  bytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.ensure(n);
    if (n <= 64) {
      // A loop beats creating a subarray view for the short keys and values of an LSM.
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = b[i]!;
      this.pos = p;
      return;
    }
    this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** Length-prefixed (uvarint) byte string. */
  lenBytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.bytes(b);
  }

  u32le(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos += 4;
  }

  /** Unsigned integer < 2^53 as 8 bytes little-endian. */
  u64le(v: number): void {
    this.u32le(v >>> 0);
    this.u32le(Math.floor(v / 0x1_0000_0000));
  }

  /** A copy of the written bytes. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /**
   * A copy of the written bytes that may share its ArrayBuffer with other such copies (as
   * Node's Buffer pool does for small buffers): a typed array over more than 64 bytes gets an
   * ArrayBuffer of its own outside the V8 heap, which costs several times the copy. For
   * short-lived values on hot paths (encoded rows on their way to the memtable); whoever keeps
   * one for long should copy it (`slice()`), or it keeps its whole slab alive.
   */
  toPooledBytes(): Uint8Array {
    const n = this.pos;
    // Up to 64 bytes V8 keeps the copy on its heap: a plain copy is cheapest.
    if (n <= 64 || n > POOL_BYTES >>> 3) return this.buf.slice(0, n);
    if (poolUsed + n > POOL_BYTES) {
      pool = new Uint8Array(POOL_BYTES);
      poolUsed = 0;
    }
    const out = pool.subarray(poolUsed, poolUsed + n);
    out.set(this.buf.subarray(0, n));
    poolUsed = (poolUsed + n + 7) & ~7;
    return out;
  }

  /** A view of the written bytes (invalidated by later writes). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}
