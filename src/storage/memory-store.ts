import { DoSQLError } from '../errors.js';
import {
  checkKey,
  payloadBytes,
  type AppendableObject,
  type GetOptions,
  type GetResult,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from './object-store.js';

interface Entry {
  data: Uint8Array;
  /** Valid length of `data` (appendable objects grow in place). */
  size: number;
  etag: string;
}

/**
 * An in-memory `ObjectStore`, for tests and `{ storage: 'memory' }` databases.
 * Values are copied on put and on get, so callers can never alias stored bytes.
 * Everything is lost when the process ends.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly name = 'memory';
  private readonly objects = new Map<string, Entry>();
  private nextEtag = 1;
  private closed = false;

  async get(key: string, options?: GetOptions): Promise<GetResult | null> {
    this.check(key);
    const e = this.objects.get(key);
    if (!e) return null;
    let start = 0;
    let end = e.size;
    if (options?.range) {
      start = Math.min(options.range.offset, e.size);
      end = Math.min(start + options.range.length, e.size);
    }
    return { data: e.data.slice(start, end), size: e.size, etag: e.etag };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.headSync(key);
  }

  headSync(key: string): ObjectInfo | null {
    this.check(key);
    const e = this.objects.get(key);
    return e ? { key, size: e.size, etag: e.etag } : null;
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    this.check(key);
    const cur = this.objects.get(key);
    const cond = options?.condition;
    if (cond && 'ifNoneMatch' in cond && cur) {
      throw new DoSQLError('PRECONDITION_FAILED', `storage: ${key} already exists (create-if-absent)`, { details: { key } });
    }
    if (cond && 'ifMatch' in cond && (!cur || cur.etag !== cond.ifMatch)) {
      throw new DoSQLError('PRECONDITION_FAILED', `storage: ${key} etag mismatch (if-match ${cond.ifMatch})`, { details: { key } });
    }
    const bytes = payloadBytes(data).slice();
    const etag = `m${this.nextEtag++}`;
    this.objects.set(key, { data: bytes, size: bytes.length, etag });
    return { etag };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.assertOpen();
    const out: ObjectInfo[] = [];
    for (const [key, e] of this.objects) if (key.startsWith(prefix)) out.push({ key, size: e.size, etag: e.etag });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    this.objects.delete(key);
  }

  async openAppendable(key: string): Promise<AppendableObject> {
    this.check(key);
    if (!this.objects.has(key)) this.objects.set(key, { data: new Uint8Array(1024), size: 0, etag: `m${this.nextEtag++}` });
    return new MemoryAppendable(this, key);
  }

  /** @internal used by MemoryAppendable. */
  appendTo(key: string, chunk: Uint8Array): void {
    this.assertOpen();
    let e = this.objects.get(key);
    if (!e) {
      // Deleted while open: like an unlinked file, later appends recreate nothing visible.
      return;
    }
    if (e.size + chunk.length > e.data.length) {
      const grown = new Uint8Array(Math.max(e.data.length * 2, e.size + chunk.length));
      grown.set(e.data.subarray(0, e.size));
      e = { data: grown, size: e.size, etag: e.etag };
      this.objects.set(key, e);
    }
    e.data.set(chunk, e.size);
    e.size += chunk.length;
    e.etag = `m${this.nextEtag++}`;
  }

  /** @internal */
  sizeOf(key: string): number {
    return this.objects.get(key)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Total bytes stored (tests and space accounting). */
  totalBytes(): number {
    let n = 0;
    for (const e of this.objects.values()) n += e.size;
    return n;
  }

  private check(key: string): void {
    this.assertOpen();
    checkKey(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', 'storage: memory store is closed');
  }
}

class MemoryAppendable implements AppendableObject {
  constructor(
    private readonly store: MemoryObjectStore,
    readonly key: string,
  ) {}
  get size(): number {
    return this.store.sizeOf(this.key);
  }
  async append(data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (data instanceof Uint8Array) this.store.appendTo(this.key, data);
    else for (const c of data) this.store.appendTo(this.key, c);
  }
  appendSync(data: Uint8Array): void {
    this.store.appendTo(this.key, data);
  }
  async sync(): Promise<void> {}
  async close(): Promise<void> {}
}
