// The cold tier on Cloudflare: an ObjectStore over an R2 bucket binding, every key under a
// prefix (one database's folder). Ranged gets map to R2 ranged gets; conditional puts to
// `onlyIf` (create-if-absent = `etagDoesNotMatch: '*'`, if-match = `etagMatches`), which R2
// evaluates atomically, so manifests and Iceberg metadata can be swapped safely; large
// unconditional puts go up as multipart uploads (parts of `partBytes`).
//
// R2 has no append: an appendable object is rewritten whole on every append. The engine keeps
// its write-ahead log in the hot store (Durable Object storage), never here.
//
// Async safety: methods may run concurrently; R2 orders writes to one key, and conditional
// puts are linearisable there.
import { DoSQLError } from '../errors.js';
import {
  checkKey,
  payloadBytes,
  payloadLength,
  type AppendableObject,
  type GetOptions,
  type GetResult,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from './object-store.js';

/** The fields of an R2 object this store reads. */
export interface R2ObjectLike {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

export interface R2ObjectBodyLike extends R2ObjectLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface R2MultipartUploadLike {
  uploadPart(partNumber: number, value: Uint8Array): Promise<{ partNumber: number; etag: string }>;
  complete(parts: { partNumber: number; etag: string }[]): Promise<R2ObjectLike>;
  abort(): Promise<void>;
}

/** The subset of the Workers `R2Bucket` binding the store uses (structural, so tests may fake it). */
export interface R2BucketLike {
  head(key: string): Promise<R2ObjectLike | null>;
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<R2ObjectBodyLike | null>;
  put(key: string, value: Uint8Array, options?: { onlyIf?: { etagMatches?: string; etagDoesNotMatch?: string } }): Promise<R2ObjectLike | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options: { prefix?: string; cursor?: string; limit?: number }): Promise<{ objects: R2ObjectLike[]; truncated: boolean; cursor?: string }>;
  createMultipartUpload(key: string): Promise<R2MultipartUploadLike>;
}

export interface R2ObjectStoreOptions {
  /** Key prefix inside the bucket ('' or ending in '/'), e.g. 'db/orders/'. Default ''. */
  prefix?: string;
  /** Bucket name for messages and URLs. Default 'r2'. */
  bucketName?: string;
  /** Unconditional puts larger than this go up in parts, bytes. Default 64 MiB. */
  multipartThresholdBytes?: number;
  /** Size of each part but the last, bytes (R2 needs at least 5 MiB). Default 16 MiB. */
  partBytes?: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;

export class R2ObjectStore implements ObjectStore {
  readonly name: string;
  private readonly prefix: string;
  private readonly threshold: number;
  private readonly partBytes: number;
  private closed = false;

  constructor(
    private readonly bucket: R2BucketLike,
    options: R2ObjectStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? '';
    if (this.prefix !== '' && (!this.prefix.endsWith('/') || this.prefix.startsWith('/'))) {
      throw new DoSQLError('INVALID_ARGUMENT', `storage: R2 prefix must be '' or end with '/' (no leading '/'), got ${JSON.stringify(this.prefix)}`);
    }
    this.name = `r2:${options.bucketName ?? 'r2'}/${this.prefix}`;
    this.partBytes = options.partBytes ?? 16 * 1024 * 1024;
    this.threshold = options.multipartThresholdBytes ?? 64 * 1024 * 1024;
    if (this.partBytes < MIN_PART_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `storage: R2 parts must be at least ${MIN_PART_BYTES} bytes`);
  }

  async get(key: string, options?: GetOptions): Promise<GetResult | null> {
    this.check(key);
    const full = this.prefix + key;
    const range = options?.range;
    if (!range) {
      const o = await this.bucket.get(full);
      if (!o) return null;
      return { data: new Uint8Array(await o.arrayBuffer()), size: o.size, etag: o.etag };
    }
    if (range.length > 0) {
      let o: R2ObjectBodyLike | null = null;
      try {
        o = await this.bucket.get(full, { range: { offset: range.offset, length: range.length } });
      } catch {
        // R2 refuses a range that starts at or past the end: answered below from head().
        o = null;
      }
      if (o) {
        const data = new Uint8Array(await o.arrayBuffer());
        // A range starting past the end may come back as the whole object on some backends.
        if (range.offset < o.size) return { data: data.length > range.length ? data.slice(0, range.length) : data, size: o.size, etag: o.etag };
        return { data: new Uint8Array(0), size: o.size, etag: o.etag };
      }
    }
    const h = await this.bucket.head(full);
    return h ? { data: new Uint8Array(0), size: h.size, etag: h.etag } : null;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    this.check(key);
    const h = await this.bucket.head(this.prefix + key);
    return h ? { key, size: h.size, etag: h.etag } : null;
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    this.check(key);
    const full = this.prefix + key;
    const cond = options?.condition;
    if (!cond && payloadLength(data) > this.threshold) return { etag: await this.putMultipart(full, payloadBytes(data)) };
    // R2 reads the body after the call returns: hand it a copy the caller cannot mutate.
    const body = payloadBytes(data).slice();
    const onlyIf = cond ? ('ifNoneMatch' in cond ? { etagDoesNotMatch: '*' } : { etagMatches: cond.ifMatch }) : undefined;
    const r = await this.bucket.put(full, body, onlyIf ? { onlyIf } : undefined);
    if (!r) {
      const what = cond && 'ifNoneMatch' in cond ? 'already exists (create-if-absent)' : `etag mismatch (if-match ${cond && 'ifMatch' in cond ? cond.ifMatch : ''})`;
      throw new DoSQLError('PRECONDITION_FAILED', `storage: ${this.name}${key} ${what}`, { details: { key } });
    }
    return { etag: r.etag };
  }

  private async putMultipart(full: string, bytes: Uint8Array): Promise<string> {
    const upload = await this.bucket.createMultipartUpload(full);
    try {
      const parts: { partNumber: number; etag: string }[] = [];
      for (let off = 0, n = 1; off < bytes.length; off += this.partBytes, n++) {
        parts.push(await upload.uploadPart(n, bytes.slice(off, off + this.partBytes)));
      }
      return (await upload.complete(parts)).etag;
    } catch (e) {
      await upload.abort().catch(() => undefined);
      throw e;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.assertOpen();
    const out: ObjectInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix: this.prefix + prefix, ...(cursor ? { cursor } : {}) });
      for (const o of page.objects) out.push({ key: o.key.slice(this.prefix.length), size: o.size, etag: o.etag });
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    await this.bucket.delete(this.prefix + key);
  }

  async openAppendable(key: string): Promise<AppendableObject> {
    this.check(key);
    const cur = await this.get(key);
    let bytes = cur ? cur.data : new Uint8Array(0);
    if (!cur) await this.put(key, bytes);
    const store = this;
    return {
      key,
      get size() {
        return bytes.length;
      },
      async append(data) {
        const add = payloadBytes(data);
        if (add.length === 0) return;
        const next = new Uint8Array(bytes.length + add.length);
        next.set(bytes);
        next.set(add, bytes.length);
        await store.put(key, next);
        bytes = next;
      },
      async sync() {},
      async close() {},
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(key: string): void {
    this.assertOpen();
    checkKey(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', `storage: ${this.name} store is closed`);
  }
}
