// Builds one data or index block (docs/format/sstable.md):
//   entry   := shared: uvarint | non_shared: uvarint | value_len: uvarint | key[shared:] | value
//   payload := entry* | restart: u32le * n | n: u32le
// Every `restartInterval`-th entry stores its whole key (shared = 0): a restart point.
import { ByteWriter } from '../util/byte-writer.js';
import { copyPrefix } from '../util/bytes.js';
import { putUvarint } from '../util/coding.js';

export class BlockBuilder {
  private readonly out = new ByteWriter(8192);
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey = new Uint8Array(64);
  private lastKeyLen = 0;
  private entries = 0;

  constructor(private readonly restartInterval: number) {}

  /**
   * REQUIRES: key > every key added since the last reset. The key is bytes [0, keyLen) of
   * `key`, the value [0, valueLen) of `value` (callers may pass buffers they reuse).
   */
  add(key: Uint8Array, value: Uint8Array, keyLen: number = key.length, valueLen: number = value.length): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const n = Math.min(this.lastKeyLen, keyLen);
      const lk = this.lastKey;
      while (shared < n && lk[shared] === key[shared]) shared++;
    } else {
      this.restart();
    }
    this.put(key, value, keyLen, valueLen, shared);
    if (keyLen > this.lastKey.length) this.lastKey = new Uint8Array(keyLen * 2);
    copyPrefix(this.lastKey, key, keyLen);
    this.lastKeyLen = keyLen;
  }

  /**
   * `add` for a caller that already knows `prefix`, the length of the common prefix of `key`
   * and the key it added just before (SSTableWriter keeps the last key anyway): the builder
   * then keeps no copy of its own. Same bytes as `add`. A builder is fed through one of the two.
   */
  addWithPrefix(key: Uint8Array, value: Uint8Array, keyLen: number, valueLen: number, prefix: number): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      if (this.entries > 0) shared = prefix;
    } else {
      this.restart();
    }
    this.put(key, value, keyLen, valueLen, shared);
    // `add` after this has no last key to share with (it then shares nothing: valid, larger).
    this.lastKeyLen = 0;
  }

  private restart(): void {
    this.restarts.push(this.out.pos);
    this.counter = 0;
  }

  private put(key: Uint8Array, value: Uint8Array, keyLen: number, valueLen: number, shared: number): void {
    // One bounds check for the whole entry (three uvarints take at most 24 bytes), then plain
    // stores: this runs once per entry of every file written (flushes, compactions, loads).
    const nonShared = keyLen - shared;
    const w = this.out;
    w.ensure(24 + nonShared + valueLen);
    const buf = w.buf;
    let p = putUvarint(buf, w.pos, shared);
    p = putUvarint(buf, p, nonShared);
    p = putUvarint(buf, p, valueLen);
    for (let i = shared; i < keyLen; i++) buf[p++] = key[i]!;
    if (valueLen <= 64) for (let i = 0; i < valueLen; i++) buf[p++] = value[i]!;
    else {
      buf.set(valueLen === value.length ? value : value.subarray(0, valueLen), p);
      p += valueLen;
    }
    w.pos = p;
    this.counter++;
    this.entries++;
  }

  /** Size of the payload if finished now. */
  get estimatedSize(): number {
    return this.out.pos + this.restarts.length * 4 + 4;
  }

  get empty(): boolean {
    return this.entries === 0;
  }

  /** The finished payload (a view, valid until `reset`). */
  finish(): Uint8Array {
    const w = this.out;
    for (const r of this.restarts) w.u32le(r);
    w.u32le(this.restarts.length);
    return w.view();
  }

  reset(): void {
    this.out.reset();
    this.restarts = [0];
    this.counter = 0;
    this.lastKeyLen = 0;
    this.entries = 0;
  }
}
