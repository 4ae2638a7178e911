// The hot tier on Cloudflare: an ObjectStore in a Durable Object's SQLite-backed storage
// (`ctx.storage.sql`). Layout (three tables, names prefixed by `tablePrefix`, default "dosql"):
//
//   <p>_objects(key TEXT PRIMARY KEY, size INTEGER, gen INTEGER)   one row per object
//   <p>_chunks(key TEXT, off INTEGER, data BLOB, PRIMARY KEY(key, off))   its bytes, in order
//   <p>_counters(name TEXT PRIMARY KEY, value INTEGER)   'gen': the last generation handed out
//
// A value is split into chunks of at most `chunkBytes` (default 1 MiB; Durable Object SQLite
// refuses strings and BLOBs over 2 MB), so objects of any size fit. The etag is the object's
// generation, a counter that never repeats, so an etag names exactly one version of one key.
//
// Atomicity: every mutation (put, append, delete) runs in one `transactionSync`, so a put is
// all of its chunks or none of them and a conditional put's check and write cannot be split.
// Durability: a Durable Object holds outgoing messages until its writes are durable (output
// gate), so nothing acknowledged to a client is lost; `sync()` additionally waits for
// `ctx.storage.sync()` when given one.
//
// Async safety: every method runs synchronously inside its promise (the SQL API is synchronous),
// so calls never interleave: conditional puts are trivially linearisable.
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

/** A value as Durable Object SQL binds and returns it (BLOBs come back as ArrayBuffer). */
export type DoSqlValue = ArrayBuffer | Uint8Array | string | number | null;

/** The part of a Durable Object SQL cursor the store reads. */
export interface DoSqlCursor {
  toArray(): Record<string, DoSqlValue>[];
}

/**
 * The subset of `DurableObjectState.storage` (SQLite-backed) the store needs: `sql.exec`
 * and `transactionSync`; `sync` is optional. Tests pass an adapter over better-sqlite3.
 */
export interface DoSqlStorage {
  readonly sql: { exec(query: string, ...bindings: DoSqlValue[]): DoSqlCursor };
  transactionSync<T>(fn: () => T): T;
  sync?(): Promise<void>;
}

export interface DurableObjectStoreOptions {
  /** Prefix of the three table names (letters, digits, '_'). Default 'dosql'. */
  tablePrefix?: string;
  /** Largest BLOB one chunk row holds, bytes. Default 1 MiB (the platform limit is 2 MB). */
  chunkBytes?: number;
  /**
   * Appends extend the object's last chunk while it is smaller than this (bytes) instead of
   * adding a row: bounds both the rows per WAL segment and the bytes rewritten per append.
   * Default 4 KiB.
   */
  appendCoalesceBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_COALESCE_BYTES = 4096;
/** Upper bound of a prefix range: sorts after every key that starts with the prefix. */
const MAX_CHAR = '\u{10FFFF}';

export class DurableObjectStore implements ObjectStore {
  readonly name: string;
  private readonly objects: string;
  private readonly chunks: string;
  private readonly counters: string;
  private readonly chunkBytes: number;
  private readonly coalesceBytes: number;
  private closed = false;

  constructor(
    private readonly storage: DoSqlStorage,
    options: DurableObjectStoreOptions = {},
  ) {
    const p = options.tablePrefix ?? 'dosql';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) throw new DoSQLError('INVALID_ARGUMENT', `storage: invalid table prefix ${JSON.stringify(p)}`);
    this.name = `do:${p}`;
    this.objects = `${p}_objects`;
    this.chunks = `${p}_chunks`;
    this.counters = `${p}_counters`;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.coalesceBytes = Math.min(options.appendCoalesceBytes ?? DEFAULT_COALESCE_BYTES, this.chunkBytes);
    if (!(this.chunkBytes >= 1)) throw new DoSQLError('INVALID_ARGUMENT', `storage: chunkBytes must be positive, got ${this.chunkBytes}`);
    storage.transactionSync(() => {
      this.exec(`CREATE TABLE IF NOT EXISTS ${this.objects} (key TEXT PRIMARY KEY, size INTEGER NOT NULL, gen INTEGER NOT NULL)`);
      this.exec(`CREATE TABLE IF NOT EXISTS ${this.chunks} (key TEXT NOT NULL, off INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, off))`);
      this.exec(`CREATE TABLE IF NOT EXISTS ${this.counters} (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    });
  }

  async get(key: string, options?: GetOptions): Promise<GetResult | null> {
    this.check(key);
    const obj = this.objectRow(key);
    if (!obj) return null;
    let start = 0;
    let end = obj.size;
    if (options?.range) {
      start = Math.min(options.range.offset, obj.size);
      end = Math.min(start + options.range.length, obj.size);
    }
    return { data: this.readBytes(key, start, end), size: obj.size, etag: etagOf(obj.gen) };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.headSync(key);
  }

  headSync(key: string): ObjectInfo | null {
    this.check(key);
    const obj = this.objectRow(key);
    return obj ? { key, size: obj.size, etag: etagOf(obj.gen) } : null;
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    this.check(key);
    const bytes = payloadBytes(data);
    const gen = this.storage.transactionSync(() => {
      const cur = this.objectRow(key);
      const cond = options?.condition;
      if (cond && 'ifNoneMatch' in cond && cur) {
        throw new DoSQLError('PRECONDITION_FAILED', `storage: ${key} already exists (create-if-absent)`, { details: { key } });
      }
      if (cond && 'ifMatch' in cond && (!cur || etagOf(cur.gen) !== cond.ifMatch)) {
        throw new DoSQLError('PRECONDITION_FAILED', `storage: ${key} etag mismatch (if-match ${cond.ifMatch})`, { details: { key } });
      }
      this.exec(`DELETE FROM ${this.chunks} WHERE key = ?`, key);
      for (let off = 0; off < bytes.length; off += this.chunkBytes) {
        this.exec(`INSERT INTO ${this.chunks} (key, off, data) VALUES (?, ?, ?)`, key, off, bytes.slice(off, off + this.chunkBytes));
      }
      const g = this.nextGen();
      this.exec(`INSERT OR REPLACE INTO ${this.objects} (key, size, gen) VALUES (?, ?, ?)`, key, bytes.length, g);
      return g;
    });
    return { etag: etagOf(gen) };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.assertOpen();
    const rows = prefix === '' ? this.exec(`SELECT key, size, gen FROM ${this.objects}`) : this.exec(`SELECT key, size, gen FROM ${this.objects} WHERE key >= ? AND key < ?`, prefix, prefix + MAX_CHAR);
    const out: ObjectInfo[] = [];
    for (const r of rows) {
      const key = r.key as string;
      if (key.startsWith(prefix)) out.push({ key, size: r.size as number, etag: etagOf(r.gen as number) });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    this.storage.transactionSync(() => {
      this.exec(`DELETE FROM ${this.chunks} WHERE key = ?`, key);
      this.exec(`DELETE FROM ${this.objects} WHERE key = ?`, key);
    });
  }

  async openAppendable(key: string): Promise<AppendableObject> {
    this.check(key);
    this.storage.transactionSync(() => {
      if (!this.objectRow(key)) this.exec(`INSERT INTO ${this.objects} (key, size, gen) VALUES (?, 0, ?)`, key, this.nextGen());
    });
    return new DoAppendable(this, key);
  }

  /**
   * @internal Appends `bytes` to `key` in one transaction; returns the new size and the last
   * chunk as now stored (the appender keeps it, so appends need not read it back). An object
   * deleted while open stays deleted (like an unlinked file), as in the memory store: 0, null.
   */
  appendTo(key: string, bytes: Uint8Array, tail: Chunk | null): { size: number; tail: Chunk | null } {
    this.assertOpen();
    return this.storage.transactionSync(() => {
      const obj = this.objectRow(key);
      if (!obj) return { size: 0, tail: null };
      if (bytes.length === 0) return { size: obj.size, tail };
      // The cached tail is valid only if nothing but this appender changed the object since.
      let last = tail && tail.gen === obj.gen ? tail : this.lastChunk(key);
      let pos = 0;
      if (last && last.data.length < this.coalesceBytes) {
        pos = Math.min(bytes.length, this.chunkBytes - last.data.length);
        const merged = new Uint8Array(last.data.length + pos);
        merged.set(last.data);
        merged.set(bytes.subarray(0, pos), last.data.length);
        this.exec(`UPDATE ${this.chunks} SET data = ? WHERE key = ? AND off = ?`, merged, key, last.off);
        last = { off: last.off, data: merged, gen: 0 };
      }
      for (; pos < bytes.length; pos += this.chunkBytes) {
        const data = bytes.slice(pos, pos + this.chunkBytes);
        this.exec(`INSERT INTO ${this.chunks} (key, off, data) VALUES (?, ?, ?)`, key, obj.size + pos, data);
        last = { off: obj.size + pos, data, gen: 0 };
      }
      const size = obj.size + bytes.length;
      const gen = this.nextGen();
      this.exec(`UPDATE ${this.objects} SET size = ?, gen = ? WHERE key = ?`, size, gen, key);
      return { size, tail: last ? { ...last, gen } : null };
    });
  }

  private lastChunk(key: string): Chunk | null {
    const r = this.exec(`SELECT off, data FROM ${this.chunks} WHERE key = ? ORDER BY off DESC LIMIT 1`, key)[0];
    return r ? { off: r.off as number, data: toBytes(r.data), gen: -1 } : null;
  }

  /** @internal Current size of `key` (0 when absent). */
  sizeOf(key: string): number {
    return this.objectRow(key)?.size ?? 0;
  }

  /** @internal Waits for the storage's own durability point, when it has one. */
  async syncStorage(): Promise<void> {
    this.assertOpen();
    await this.storage.sync?.();
  }

  /** Objects and bytes stored (status pages, space accounting). */
  usage(): { objects: number; bytes: number } {
    this.assertOpen();
    const r = this.exec(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM ${this.objects}`)[0]!;
    return { objects: r.n as number, bytes: r.bytes as number };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private objectRow(key: string): { size: number; gen: number } | undefined {
    const r = this.exec(`SELECT size, gen FROM ${this.objects} WHERE key = ?`, key)[0];
    return r ? { size: r.size as number, gen: r.gen as number } : undefined;
  }

  /** Bytes [start, end) of `key`, assembled from the chunks that overlap them. */
  private readBytes(key: string, start: number, end: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, end - start));
    if (out.length === 0) return out;
    const first = this.exec(`SELECT max(off) AS off FROM ${this.chunks} WHERE key = ? AND off <= ?`, key, start)[0]?.off ?? 0;
    const rows = this.exec(`SELECT off, data FROM ${this.chunks} WHERE key = ? AND off >= ? AND off < ? ORDER BY off`, key, first as number, end);
    for (const r of rows) {
      const off = r.off as number;
      const data = toBytes(r.data);
      const from = Math.max(start, off);
      const to = Math.min(end, off + data.length);
      if (to > from) out.set(data.subarray(from - off, to - off), from - start);
    }
    return out;
  }

  private nextGen(): number {
    return this.exec(`INSERT INTO ${this.counters} (name, value) VALUES ('gen', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`)[0]!.value as number;
  }

  private exec(query: string, ...bindings: DoSqlValue[]): Record<string, DoSqlValue>[] {
    return this.storage.sql.exec(query, ...bindings).toArray();
  }

  private check(key: string): void {
    this.assertOpen();
    checkKey(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new DoSQLError('CLOSED', `storage: ${this.name} store is closed`);
  }
}

/** The last chunk of an appendable: its offset, its bytes, and the object generation it belongs to. */
interface Chunk {
  off: number;
  data: Uint8Array;
  gen: number;
}

class DoAppendable implements AppendableObject {
  private length: number;
  private tail: Chunk | null = null;

  constructor(
    private readonly store: DurableObjectStore,
    readonly key: string,
  ) {
    this.length = store.sizeOf(key);
  }

  get size(): number {
    return this.length;
  }

  async append(data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (payloadLength(data) === 0) return;
    this.appendSync(payloadBytes(data));
  }

  /** The storage API is synchronous (writes are held by the Durable Object's output gate): so is the append. */
  appendSync(data: Uint8Array): void {
    if (data.length === 0) return;
    // 0 when the object was deleted while open: like the memory store, it stays deleted.
    const r = this.store.appendTo(this.key, data, this.tail);
    this.length = r.size;
    this.tail = r.tail;
  }

  sync(): Promise<void> {
    return this.store.syncStorage();
  }

  async close(): Promise<void> {}
}

function etagOf(gen: number): string {
  return `g${gen.toString(36)}`;
}

function toBytes(v: DoSqlValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new DoSQLError('CORRUPTION', `storage: expected a BLOB chunk, found ${typeof v}`);
}
