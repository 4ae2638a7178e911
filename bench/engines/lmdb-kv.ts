import { open, type RootDatabase } from 'lmdb';
import type { KvAdapter } from './kv-adapter.js';

/** lmdb-js with noSync: true (written to the OS, no fsync), binary values. */
export class LmdbKv implements KvAdapter {
  readonly name = 'lmdb' as const;
  readonly durability = 'noSync: true';
  readonly compactAll = null;
  private db!: RootDatabase<Uint8Array, string>;

  async open(dir: string): Promise<void> {
    this.db = open<Uint8Array, string>({ path: dir, noSync: true, encoding: 'binary', keyEncoding: 'ordered-binary' });
  }
  async putBatch(keys: string[], values: Uint8Array[]): Promise<void> {
    await this.db.transaction(() => {
      for (let i = 0; i < keys.length; i++) this.db.put(keys[i]!, values[i]!);
    });
  }
  get(key: string): Uint8Array | undefined {
    return this.db.get(key);
  }
  async scanAll(): Promise<number> {
    let n = 0;
    for (const _ of this.db.getRange()) n++;
    return n;
  }
  async seek(key: string, n: number): Promise<number> {
    let got = 0;
    for (const _ of this.db.getRange({ start: key, limit: n })) got++;
    return got;
  }
  async settle(): Promise<void> {
    await this.db.flushed;
  }
  async close(): Promise<void> {
    await this.db.close();
  }
}
