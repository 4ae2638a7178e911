// An ObjectStore wrapper whose calls can be held at a gate: a test arms a gate for one op on
// keys with a prefix, waits until a call reaches it, does something else meanwhile (open a
// second writer, let another call finish), then releases it. Orders races deterministically.
import type { AppendableObject, GetOptions, GetResult, ObjectInfo, ObjectStore, PutOptions, PutResult } from '../../src/storage/object-store.js';

type Op = 'get' | 'head' | 'put' | 'list' | 'delete';

export interface Gate {
  /** Resolves when a matching call is held. */
  readonly reached: Promise<void>;
  release(): void;
}

export class GatedStore implements ObjectStore {
  readonly name: string;
  private gates: { op: Op; prefix: string; hit: () => void; open: Promise<void> }[] = [];

  constructor(private readonly inner: ObjectStore) {
    this.name = `gated:${inner.name}`;
  }

  /** Holds the next `op` call on a key starting with `prefix` until `release()`. */
  gate(op: Op, prefix: string): Gate {
    let hit!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (hit = r));
    const open = new Promise<void>((r) => (release = r));
    this.gates.push({ op, prefix, hit, open });
    return { reached, release };
  }

  private async pass(op: Op, key: string): Promise<void> {
    const i = this.gates.findIndex((g) => g.op === op && key.startsWith(g.prefix));
    if (i < 0) return;
    const g = this.gates[i]!;
    this.gates.splice(i, 1);
    g.hit();
    await g.open;
  }

  async get(key: string, options?: GetOptions): Promise<GetResult | null> {
    await this.pass('get', key);
    return this.inner.get(key, options);
  }
  async head(key: string): Promise<ObjectInfo | null> {
    await this.pass('head', key);
    return this.inner.head(key);
  }
  async put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    await this.pass('put', key);
    return this.inner.put(key, data, options);
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    await this.pass('list', prefix);
    return this.inner.list(prefix);
  }
  async delete(key: string): Promise<void> {
    await this.pass('delete', key);
    return this.inner.delete(key);
  }
  openAppendable(key: string): Promise<AppendableObject> {
    return this.inner.openAppendable(key);
  }
  async close(): Promise<void> {}
}
