import { ClassicLevel } from 'classic-level';
import type { KvAdapter } from './kv-adapter.js';

/** classic-level (LevelDB), sync: false (the default: written to the OS, no fsync). */
export class LeveldbKv implements KvAdapter {
  readonly name = 'leveldb' as const;
  readonly durability = 'sync: false';
  readonly compactAll = async (): Promise<void> => {
    await this.db.compactRange('', '\uffff');
  };
  private db!: ClassicLevel<string, Uint8Array>;

  constructor(private readonly cacheBytes = 8 * 1024 * 1024) {}

  async open(dir: string): Promise<void> {
    this.db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view', cacheSize: this.cacheBytes });
    await this.db.open();
  }
  async putBatch(keys: string[], values: Uint8Array[]): Promise<void> {
    const ops = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i], value: values[i] };
    await this.db.batch(ops);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.db.get(key)) ?? undefined;
  }
  async scanAll(): Promise<number> {
    let n = 0;
    for await (const _ of this.db.iterator()) n++;
    return n;
  }
  async seek(key: string, n: number): Promise<number> {
    let got = 0;
    for await (const _ of this.db.iterator({ gte: key, limit: n })) got++;
    return got;
  }
  async settle(): Promise<void> {}
  async close(): Promise<void> {
    await this.db.close();
  }
}
