import { DoSQLError } from '../errors.js';

/**
 * The storage contract every tier is written against: an object store in the shape of
 * R2 / S3 (whole-object put, ranged get, conditional put, list by prefix, delete), plus
 * append-only objects for the write-ahead log.
 *
 * Keys are `/`-separated paths without a leading slash ("wal/00000000000000000001.log").
 * Values are byte strings; a store must accept at least 64 MiB per object (the Durable
 * Object implementation chunks large values transparently).
 *
 * Errors: implementations throw `DoSQLError` with code `PRECONDITION_FAILED` when a
 * condition fails and may throw anything else for I/O failures; the engine wraps those
 * into `IO_ERROR`. A failed `put` leaves either the old object or the new one, never a
 * mixture (atomic replace). A failed `append` may leave a prefix of the appended bytes
 * (a torn tail), which the WAL reader detects by checksum.
 *
 * Async safety: all methods may be called concurrently; calls on different keys do not
 * order each other. Two `put`s with conditions on the same key are linearisable: at most
 * one create-if-absent wins.
 */
export interface ObjectStore {
  /** Short human name for error messages ("memory", "fs:/path", "r2:bucket/prefix"). */
  readonly name: string;

  /** The whole object, or a byte range of it; `null` if absent. */
  get(key: string, options?: GetOptions): Promise<GetResult | null>;

  /** Size and etag without the body; `null` if absent. */
  head(key: string): Promise<ObjectInfo | null>;

  /**
   * Optional: `head` answered without waiting, for stores whose reads are synchronous (local
   * files, memory). The writer's fence check after every commit uses it when present, so an
   * autocommit statement's commit needs no promise of its own (src/lsm/write-path.ts).
   */
  headSync?(key: string): ObjectInfo | null;

  /**
   * Writes the whole object atomically. `data` may be given as chunks (written in order)
   * to spare a concatenation. With `ifNoneMatch: '*'` fails with `PRECONDITION_FAILED`
   * when the key exists (create-if-absent); with `ifMatch` when the current etag differs.
   */
  put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult>;

  /** Objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;

  /** Removes the object; removing an absent key is not an error. */
  delete(key: string): Promise<void>;

  /**
   * Opens (creating if absent) an object that grows by appends: the WAL segment.
   * Only one appender per key at a time (the engine's writer epoch guarantees it).
   */
  openAppendable(key: string): Promise<AppendableObject>;

  /** Releases descriptors and caches. The store is unusable afterwards. */
  close(): Promise<void>;
}

export interface ByteRange {
  /** First byte, from the start of the object. */
  offset: number;
  /** Number of bytes; a range past the end returns the bytes that exist. */
  length: number;
}

export interface GetOptions {
  range?: ByteRange;
}

export interface GetResult {
  /** The requested bytes (the whole object, or the range). */
  data: Uint8Array;
  /** Size of the whole object in bytes. */
  size: number;
  etag: string;
}

export interface ObjectInfo {
  key: string;
  /** Bytes. */
  size: number;
  etag: string;
}

export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export interface PutOptions {
  condition?: PutCondition;
}

export interface PutResult {
  etag: string;
}

/**
 * An object open for appending. `append` returns once the bytes are handed to the store
 * (the OS page cache for files: they survive a process crash); `sync` returns once every
 * appended byte is durable (fdatasync, or the store's own commit).
 */
export interface AppendableObject {
  readonly key: string;
  /** Current length in bytes, including appends not yet synced. */
  readonly size: number;
  append(data: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /**
   * Optional: `append` done before returning, with the same guarantee (the bytes are handed
   * to the store: the OS page cache for files) and the same failure (a torn tail), thrown.
   * The commit path appends without a promise when the store offers it.
   */
  appendSync?(data: Uint8Array): void;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A payload is bytes or a list of byte chunks: anything else is INVALID_ARGUMENT. */
function checkPayload(data: unknown): void {
  if (!Array.isArray(data) || !data.every((c) => c instanceof Uint8Array)) {
    throw new DoSQLError('INVALID_ARGUMENT', `storage: a payload must be a Uint8Array or an array of them, got ${data === null ? 'null' : Array.isArray(data) ? 'an array of other values' : typeof data}`);
  }
}

/** Total byte length of a put/append payload. */
export function payloadLength(data: Uint8Array | readonly Uint8Array[]): number {
  if (data instanceof Uint8Array) return data.length;
  checkPayload(data);
  let n = 0;
  for (const c of data) n += c.length;
  return n;
}

/** The payload as one contiguous array (copies only when given chunks). */
export function payloadBytes(data: Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (data instanceof Uint8Array) return data;
  checkPayload(data);
  if (data.length === 1) return data[0]!;
  const out = new Uint8Array(payloadLength(data));
  let off = 0;
  for (const c of data) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Validates an object key: a non-empty string, no leading slash, no `..` or empty segments. Throws INVALID_ARGUMENT. */
export function checkKey(key: string): void {
  if (typeof key !== 'string') throw new DoSQLError('INVALID_ARGUMENT', `storage: an object key must be a string, got ${key === null ? 'null' : typeof key}`);
  if (key.length === 0 || key.startsWith('/') || key.endsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new DoSQLError('INVALID_ARGUMENT', `storage: invalid object key ${JSON.stringify(key)}`, { details: { key } });
  }
}
