import { LsmEngine } from '../../src/lsm/engine.js';
import { WriteBatch } from '../../src/lsm/write-batch.js';
import { FsObjectStore } from '../../src/storage/fs-store.js';
import type { KvAdapter } from './kv-adapter.js';
import { workerExecutor } from '../../src/node/worker-executor.js';

const TABLE = 1;

export class DosqlKv implements KvAdapter {
  readonly name = 'dosql' as const;
  readonly durability = "durability 'normal' (acknowledged once written to the OS), retention 0";
  readonly compactAll = async (): Promise<void> => {
    await this.engine.compact({ full: true });
  };
  private engine!: LsmEngine;
  private store!: FsObjectStore;

  /** `inline`: no worker executor (compactions run on the main thread, as a CPU profile needs). */
  constructor(private readonly o: { inline?: boolean } = {}) {}

  async open(dir: string): Promise<void> {
    this.store = new FsObjectStore(dir);
    // Retention 0: no history beyond open read views, the promise LevelDB makes.
    this.engine = await LsmEngine.open({ store: this.store, durability: 'normal', retention: 0, ...(this.o.inline ? {} : { executor: workerExecutor }) });
  }
  async putBatch(keys: string[], values: Uint8Array[]): Promise<void> {
    const b = new WriteBatch();
    for (let i = 0; i < keys.length; i++) b.put(TABLE, [keys[i]!], values[i]!);
    await this.engine.write(b);
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.engine.get(TABLE, [key]);
  }
  async scanAll(): Promise<number> {
    let n = 0;
    for await (const e of this.engine.scan(TABLE)) if (e.value.length > 0) n++;
    return n;
  }
  async seek(key: string, n: number): Promise<number> {
    let got = 0;
    for await (const e of this.engine.scan(TABLE, { gte: [key] }, { limit: n })) if (e.value.length > 0) got++;
    return got;
  }
  async settle(): Promise<void> {}
  async close(): Promise<void> {
    await this.engine.close();
    await this.store.close();
  }
  /** Engine statistics for the report. */
  stats(): ReturnType<LsmEngine['stats']> {
    return this.engine.stats();
  }
}
