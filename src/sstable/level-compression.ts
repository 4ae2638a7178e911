// Compression per level (RocksDB's `compression_per_level`). Files of the upper levels (L0 from
// flushes, L1 from L0->L1 compactions) are short-lived: they are read once more by the next
// compaction and rewritten, so compressing them costs a compress and a decompress for little
// space kept. Every block records its own compression type (docs/format/sstable.md), so a reader
// handles any mix of compressed and uncompressed blocks and files; nothing here is persisted.
import type { CompressionName } from './compression.js';
import type { SSTableWriterOptions } from './sstable-writer.js';

export interface LeveledWriterOptions extends SSTableWriterOptions {
  /**
   * Compression of the files written into level i (i = 0: flushes). Levels at or past the
   * array's end use `compression`. Absent or empty: `compression` everywhere.
   */
  compressionPerLevel?: readonly CompressionName[];
}

/** The writer options for files written into `level`. */
export function writerOptionsForLevel(o: LeveledWriterOptions, level: number): SSTableWriterOptions {
  const per = o.compressionPerLevel;
  if (per === undefined || level >= per.length) return o;
  return { ...o, compression: per[level]! };
}

/** Every codec name `o` may write with (each must be registered before a job runs). */
export function compressionsUsed(compression: CompressionName, perLevel: readonly CompressionName[] | undefined): CompressionName[] {
  return [...new Set([compression, ...(perLevel ?? [])])];
}

/** The codec of the files written into `level`. */
export function compressionOfLevel(o: LeveledWriterOptions, level: number): CompressionName {
  const per = o.compressionPerLevel;
  return per !== undefined && level < per.length ? per[level]! : (o.compression ?? 'lz4');
}

/**
 * Whether a file of level `from` may move unchanged into level `to` (a trivial move): only when
 * both levels use one codec, as RocksDB's InputCompressionMatchesOutput; otherwise an
 * uncompressed L0/L1 file would sit uncompressed in the levels that keep the data.
 */
export function moveKeepsCompression(o: LeveledWriterOptions, from: number, to: number): boolean {
  return compressionOfLevel(o, from) === compressionOfLevel(o, to);
}
