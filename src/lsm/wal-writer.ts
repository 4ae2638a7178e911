import { asIoError } from '../errors.js';
import type { AppendableObject, ObjectStore } from '../storage/object-store.js';
import { encodeSegmentHeader, walSegmentKey } from './wal-format.js';

/**
 * The active WAL segment of this writer epoch. Appends are issued by the commit pipeline
 * only (one at a time); `sync` makes every appended byte durable.
 */
export class WalWriter {
  /**
   * Bytes appended so far, counted here rather than asked of the store: after a newer writer
   * deleted the segment (it flushed what it replayed), a fenced writer's appends still need
   * their true offsets to be compared with that writer's seal (fence-outcome.ts).
   */
  private bytes: number;

  private constructor(
    readonly key: string,
    readonly epoch: number,
    readonly segment: number,
    private readonly file: AppendableObject,
  ) {
    this.bytes = file.size;
  }

  /** Creates the segment and writes its header. */
  static async create(store: ObjectStore, epoch: number, segment: number): Promise<WalWriter> {
    const key = walSegmentKey(epoch, segment);
    try {
      const file = await store.openAppendable(key);
      if (file.size === 0) await file.append(encodeSegmentHeader(epoch, segment));
      return new WalWriter(key, epoch, segment, file);
    } catch (e) {
      throw asIoError('wal', 'create', key, e);
    }
  }

  /** Bytes in the segment (those of a failed append included: it may have landed in part). */
  get size(): number {
    return this.bytes;
  }

  async append(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length;
    try {
      await this.file.append(bytes);
    } catch (e) {
      throw asIoError('wal', 'append', this.key, e);
    }
  }

  /** True when `appendNow` can append without waiting (the store offers `appendSync`). */
  get canAppendNow(): boolean {
    return this.file.appendSync !== undefined;
  }

  /** append() done before returning (requires canAppendNow); throws what append rejects with. */
  appendNow(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    try {
      this.file.appendSync!(bytes);
    } catch (e) {
      throw asIoError('wal', 'append', this.key, e);
    }
  }

  async sync(): Promise<void> {
    try {
      await this.file.sync();
    } catch (e) {
      throw asIoError('wal', 'sync', this.key, e);
    }
  }

  async close(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}
