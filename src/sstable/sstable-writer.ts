// Writes an SSTable into memory chunks (docs/format/sstable.md):
//   sstable := data_block* filter_block properties_block index_block footer
import { crc32c } from '../util/crc32c.js';
import { putU32LE, putU64LE } from '../util/coding.js';
import { ByteWriter } from '../util/byte-writer.js';
import { utf8Encoder } from '../util/bytes.js';
import { BlockBuilder } from './block-builder.js';
import { BloomFilterBuilder, bloomHash } from './bloom-filter.js';
import { codecById, compressionId, type CompressionName } from './compression.js';
import {
  COMPRESSION_NONE,
  DEFAULT_BITS_PER_KEY,
  DEFAULT_BLOCK_SIZE,
  DEFAULT_RESTART_INTERVAL,
  FOOTER_SIZE,
  SST_FORMAT_VERSION,
  SST_MAGIC,
  type BlockHandle,
} from './format.js';

export interface SSTableWriterOptions {
  /** Target uncompressed data block size, bytes. Default 4096. */
  blockSize?: number;
  restartInterval?: number;
  /** Bloom filter bits per distinct filter key; 0 disables the filter. Default 10. */
  bitsPerKey?: number;
  /** Default 'lz4'. The codec must be registered (see `ensureCodec`). */
  compression?: CompressionName;
  /**
   * Bytes at the end of every key that are not part of its filter key. The engine passes 8:
   * the MVCC trailer, so the filter answers "any version of this user key?".
   */
  filterSuffixLength?: number;
}

/** Facts about a finished table, written into its properties block and returned to the caller. */
export interface SSTableProperties {
  formatVersion: number;
  entries: number;
  dataBlocks: number;
  /** Sum of key lengths / value lengths before prefix compression and block compression. */
  rawKeyBytes: number;
  rawValueBytes: number;
  /** Bytes of data blocks as stored (after compression, with trailers). */
  dataBytes: number;
  filterKeys: number;
  filterSuffixLength: number;
  compression: CompressionName;
  /** Caller-supplied facts (the engine's LSN range, for instance). */
  user: Record<string, unknown>;
}

export interface SSTableBuild {
  /** The file's bytes, in order. */
  chunks: Uint8Array[];
  /** Total file size, bytes. */
  size: number;
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
  properties: SSTableProperties;
}

/** Builds one SSTable from entries added in strictly increasing key order. */
export class SSTableWriter {
  private readonly blockSize: number;
  private readonly data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  private readonly bloom: BloomFilterBuilder | null;
  private readonly compression: CompressionName;
  private readonly codecId: number;
  private readonly filterSuffix: number;
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  /** Copy of the last key added (callers may pass views they reuse). */
  private lastKeyBuf = new Uint8Array(64);
  private lastKeyLen = -1;
  private smallest: Uint8Array | null = null;
  private entries = 0;
  private rawKeyBytes = 0;
  private rawValueBytes = 0;
  private dataBlocks = 0;
  private readonly handleBuf = new ByteWriter(32);

  constructor(options: SSTableWriterOptions = {}) {
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.data = new BlockBuilder(options.restartInterval ?? DEFAULT_RESTART_INTERVAL);
    const bits = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
    this.bloom = bits > 0 ? new BloomFilterBuilder(bits) : null;
    this.compression = options.compression ?? 'lz4';
    this.codecId = compressionId(this.compression);
    if (this.codecId !== COMPRESSION_NONE && !codecById(this.codecId)) {
      throw new Error(`sstable: codec '${this.compression}' not registered; call ensureCodec first`);
    }
    this.filterSuffix = options.filterSuffixLength ?? 0;
  }

  /**
   * Adds an entry. REQUIRES: key > the previous key. Key and value are copied: the key is
   * bytes [0, keyLen) of `key`, the value [0, valueLen) of `value`, so a caller may pass
   * buffers it reuses for every entry. `prefix`, when a caller has it from `prefixWithLast`,
   * saves comparing the key again.
   */
  add(key: Uint8Array, value: Uint8Array, keyLen: number = key.length, valueLen: number = value.length, prefix: number = -1): void {
    if (this.smallest === null) this.smallest = key.slice(0, keyLen);
    // One comparison with the last key serves the block's prefix compression, the filter's
    // "same filter key" test and the copy of the last key (only the differing tail is copied).
    const shared = prefix >= 0 ? prefix : this.prefixWithLast(key, keyLen);
    this.data.addWithPrefix(key, value, keyLen, valueLen, shared);
    this.entries++;
    this.rawKeyBytes += keyLen;
    this.rawValueBytes += valueLen;
    if (this.bloom) {
      const fl = keyLen - this.filterSuffix;
      if (!(shared >= fl && this.lastKeyLen - this.filterSuffix === fl)) this.bloom.addHash(bloomHash(key, 0, fl));
    }
    if (keyLen > this.lastKeyBuf.length) {
      const grown = new Uint8Array(keyLen * 2);
      grown.set(this.lastKeyBuf.subarray(0, shared));
      this.lastKeyBuf = grown;
    }
    const lk = this.lastKeyBuf;
    for (let i = shared; i < keyLen; i++) lk[i] = key[i]!;
    this.lastKeyLen = keyLen;
    if (this.data.estimatedSize >= this.blockSize) this.flushDataBlock(this.lastKeyBuf, keyLen);
  }

  /** Length of the common prefix of key[0, keyLen) and the last key added (0 before the first). */
  prefixWithLast(key: Uint8Array, keyLen: number): number {
    const lk = this.lastKeyBuf;
    const n = this.lastKeyLen < keyLen ? this.lastKeyLen : keyLen;
    let i = 0;
    while (i < n && lk[i] === key[i]) i++;
    return i;
  }

  /** Length of the last key added (-1 before the first). */
  get lastKeyLength(): number {
    return this.lastKeyLen;
  }

  get entryCount(): number {
    return this.entries;
  }

  /** File size so far plus the open block, bytes: what `finish` would roughly produce. */
  get estimatedSize(): number {
    return this.offset + this.data.estimatedSize;
  }

  /** Finishes the table. `user` facts are stored in the properties block. */
  finish(user: Record<string, unknown> = {}): SSTableBuild {
    if (this.lastKeyLen < 0 || this.smallest === null) throw new Error('sstable: cannot finish an empty table');
    const largest = this.lastKeyBuf.slice(0, this.lastKeyLen);
    if (!this.data.empty) this.flushDataBlock(largest, largest.length);
    const dataBytes = this.offset;

    const filterHandle = this.bloom ? this.writeRaw(this.bloom.finish()) : this.writeRaw(new Uint8Array(0));
    const properties: SSTableProperties = {
      formatVersion: SST_FORMAT_VERSION,
      entries: this.entries,
      dataBlocks: this.dataBlocks,
      rawKeyBytes: this.rawKeyBytes,
      rawValueBytes: this.rawValueBytes,
      dataBytes,
      filterKeys: this.bloom?.count ?? 0,
      filterSuffixLength: this.filterSuffix,
      compression: this.compression,
      user,
    };
    const propsHandle = this.writeRaw(utf8Encoder.encode(JSON.stringify(properties)));
    const indexHandle = this.writeRaw(this.index.finish().slice());

    const footer = new Uint8Array(FOOTER_SIZE);
    putU64LE(footer, 0, indexHandle.offset);
    putU32LE(footer, 8, indexHandle.size);
    putU64LE(footer, 12, filterHandle.offset);
    putU32LE(footer, 20, filterHandle.size);
    putU64LE(footer, 24, propsHandle.offset);
    putU32LE(footer, 32, propsHandle.size);
    putU32LE(footer, 36, SST_FORMAT_VERSION);
    // bytes 40..51 reserved (zero)
    putU32LE(footer, 52, crc32c(footer, 0, 52));
    footer.set(SST_MAGIC, 56);
    this.chunks.push(footer);
    this.offset += FOOTER_SIZE;
    return { chunks: this.chunks, size: this.offset, smallestKey: this.smallest, largestKey: largest, properties };
  }

  private flushDataBlock(lastKey: Uint8Array, lastKeyLen: number): void {
    const payload = this.data.finish();
    const handle = this.writeBlock(payload, true);
    this.data.reset();
    this.dataBlocks++;
    this.handleBuf.reset();
    this.handleBuf.uvarint(handle.offset);
    this.handleBuf.uvarint(handle.size);
    this.index.add(lastKey, this.handleBuf.buf, lastKeyLen, this.handleBuf.pos);
  }

  /** Writes payload + trailer; compresses when it saves at least 1/8. */
  private writeBlock(payload: Uint8Array, compress: boolean): BlockHandle {
    let stored = payload;
    let type = COMPRESSION_NONE;
    if (compress && this.codecId !== COMPRESSION_NONE) {
      const c = codecById(this.codecId)!.compress(payload);
      if (c.length < payload.length - (payload.length >>> 3)) {
        stored = c;
        type = this.codecId;
      }
    }
    if (stored === payload) stored = payload.slice();
    const trailer = new Uint8Array(5);
    trailer[0] = type;
    putU32LE(trailer, 1, crc32c(trailer, 0, 1, crc32c(stored)));
    const handle = { offset: this.offset, size: stored.length };
    this.chunks.push(stored, trailer);
    this.offset += stored.length + 5;
    return handle;
  }

  private writeRaw(payload: Uint8Array): BlockHandle {
    return this.writeBlock(payload, false);
  }
}
