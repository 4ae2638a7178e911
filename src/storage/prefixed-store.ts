// A view of an ObjectStore under a key prefix: `get('a/b')` reads `<prefix>/a/b`. The lake keeps
// its state engine in the warehouse's own store under `_lake/state/` this way (docs/lake.md).
// Closing the view does not close the inner store (it is shared).
import { checkKey, type AppendableObject, type GetOptions, type GetResult, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './object-store.js';

export class PrefixedObjectStore implements ObjectStore {
  readonly name: string;
  private readonly p: string;

  /** `prefix`: a valid key ("_lake/state"); keys of the view live under `prefix + '/'`. */
  constructor(
    readonly inner: ObjectStore,
    prefix: string,
  ) {
    checkKey(prefix);
    this.p = `${prefix}/`;
    this.name = `${inner.name}/${prefix}`;
  }

  get(key: string, options?: GetOptions): Promise<GetResult | null> {
    return this.inner.get(this.p + key, options);
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.inner.head(this.p + key).then((i) => (i ? { ...i, key } : null));
  }

  put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    return this.inner.put(this.p + key, data, options);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const all = await this.inner.list(this.p + prefix);
    return all.map((i) => ({ ...i, key: i.key.slice(this.p.length) }));
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(this.p + key);
  }

  async openAppendable(key: string): Promise<AppendableObject> {
    const a = await this.inner.openAppendable(this.p + key);
    return {
      key,
      get size() {
        return a.size;
      },
      append: (d) => a.append(d),
      sync: () => a.sync(),
      close: () => a.close(),
    };
  }

  async close(): Promise<void> {}
}
