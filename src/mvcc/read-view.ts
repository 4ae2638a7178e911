// A read view: a consistent snapshot of the engine at one LSN for many reads, pinned against
// garbage collection while open. Written against `ViewHost`, the part of the engine it needs
// (LsmEngine implements it), so MVCC never imports the engine.
import { DoSQLError } from '../errors.js';
import type { KeyTuple } from './key-codec.js';
import type { KeyRange, KvEntry, ScanOptions } from './kv-types.js';

/** What a read view needs from the engine (LsmEngine): pins and reads that check their read point. */
export interface ViewHost {
  registerView(lsn: number): void;
  releaseView(lsn: number): void;
  get(table: number, key: KeyTuple, options: { asOf: number; branch?: number }): Promise<Uint8Array | undefined>;
  scan(table: number, range: KeyRange, options: ScanOptions): AsyncGenerator<KvEntry>;
}

/**
 * A consistent snapshot for many reads (`LsmEngine.readView`). While it is open its LSN is
 * a retained read point: compaction keeps every version it can see.
 */
export class ReadView {
  private released = false;
  constructor(
    private readonly engine: ViewHost,
    /** The LSN every read of this view sees. */
    readonly lsn: number,
  ) {
    engine.registerView(lsn);
  }

  get(table: number, key: KeyTuple, options: { branch?: number } = {}): Promise<Uint8Array | undefined> {
    this.check();
    return this.engine.get(table, key, { ...options, asOf: this.lsn });
  }

  scan(table: number, range: KeyRange = {}, options: Omit<ScanOptions, 'asOf'> = {}): AsyncGenerator<KvEntry> {
    this.check();
    return this.engine.scan(table, range, { ...options, asOf: this.lsn });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.engine.releaseView(this.lsn);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  private check(): void {
    if (this.released) throw new DoSQLError('INVALID_ARGUMENT', 'engine: read view already released');
  }
}
