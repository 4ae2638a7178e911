// Persisted constants of the SSTable format. Byte-for-byte spec: docs/format/sstable.md.
// Persisted: never renumber; retired values stay listed.

/** "DOSQLSST" */
export const SST_MAGIC = new Uint8Array([0x44, 0x4f, 0x53, 0x51, 0x4c, 0x53, 0x53, 0x54]);
export const SST_FORMAT_VERSION = 1;
export const SUPPORTED_SST_VERSIONS: readonly number[] = [1];

export const FOOTER_SIZE = 64;
/** compression type (1 byte) + crc32c (4 bytes) after every block's payload. */
export const BLOCK_TRAILER_SIZE = 5;

/** Block compression types. */
export const COMPRESSION_NONE = 0;
export const COMPRESSION_LZ4 = 1;

export const DEFAULT_BLOCK_SIZE = 4096;
export const DEFAULT_RESTART_INTERVAL = 16;
export const DEFAULT_BITS_PER_KEY = 10;

/** Location of a block's payload in the file; `size` excludes the trailer. */
export interface BlockHandle {
  offset: number;
  size: number;
}

export interface Footer {
  index: BlockHandle;
  filter: BlockHandle;
  properties: BlockHandle;
  formatVersion: number;
}
