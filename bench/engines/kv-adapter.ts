/**
 * The common surface the key-value benchmark drives on every engine. Keys are 16-byte
 * strings, values 100-byte buffers; writes come in batches.
 */
export interface KvAdapter {
  readonly name: 'dosql' | 'sqlite' | 'leveldb' | 'lmdb';
  /** What durability class the engine runs with (must be the same for all). */
  readonly durability: string;
  open(dir: string): Promise<void>;
  putBatch(keys: string[], values: Uint8Array[]): Promise<void>;
  /** The value or undefined; sync engines may return directly. */
  get(key: string): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Iterates every entry in key order; returns the count. */
  scanAll(): Promise<number>;
  /** Seeks to the first key >= `key` and reads `n` entries; returns how many were read. */
  seek(key: string, n: number): Promise<number>;
  /** Waits for background work that a fair "bytes on disk" needs (flushes), if any. */
  settle(): Promise<void>;
  /** Compacts everything (full compaction / compactRange / VACUUM); null if the engine has none. */
  compactAll: (() => Promise<void>) | null;
  close(): Promise<void>;
}
