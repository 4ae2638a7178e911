// The storage objects DB() accepts, told apart by shape (JavaScript callers and bindings carry
// no types at run time): dosql's own ObjectStore, a Durable Object's SQLite-backed storage
// (`ctx.storage`), and an R2 bucket binding (`env.BUCKET`). Each is turned into an ObjectStore
// here; anything else is INVALID_ARGUMENT naming the option and what it looked like.
import { DoSQLError } from '../errors.js';
import { DurableObjectStore, type DoSqlStorage } from './do-store.js';
import type { ObjectStore } from './object-store.js';
import { R2ObjectStore, type R2BucketLike } from './r2-store.js';

/** What a storage object looks like: the shapes DB() knows, or 'unknown'. */
export type StorageShape = 'object-store' | 'durable-object-storage' | 'durable-object-storage-kv' | 'r2-bucket' | 'unknown';

function hasMethods(v: object, names: readonly string[]): boolean {
  try {
    return names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');
  } catch {
    // A getter that throws (a hostile object or a revoked proxy) is no storage dosql knows.
    return false;
  }
}

/**
 * The shape of `v`. An ObjectStore has `openAppendable`; Durable Object storage has
 * `transactionSync` and, when SQLite-backed, `sql.exec` (a key-value-backed object's `sql`
 * getter throws or is absent: 'durable-object-storage-kv'); an R2 bucket has
 * `createMultipartUpload`. Reading `sql` is the only property access with an effect, and it
 * has none on SQLite-backed storage.
 */
export function storageShape(v: unknown): StorageShape {
  if (v === null || typeof v !== 'object') return 'unknown';
  if (hasMethods(v, ['get', 'put', 'head', 'list', 'delete', 'openAppendable', 'close'])) return 'object-store';
  if (hasMethods(v, ['head', 'get', 'put', 'delete', 'list', 'createMultipartUpload'])) return 'r2-bucket';
  if (hasMethods(v, ['transactionSync'])) {
    let sql: unknown;
    try {
      sql = (v as { sql?: unknown }).sql;
    } catch {
      return 'durable-object-storage-kv';
    }
    return sql !== null && typeof sql === 'object' && typeof (sql as { exec?: unknown }).exec === 'function' ? 'durable-object-storage' : 'durable-object-storage-kv';
  }
  return 'unknown';
}

function refuse(where: string, what: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `${where} ${what}`, { details: { option: where.replace(/^.*option /, '') } });
}

const KV_ONLY =
  'is Durable Object storage without SQLite; dosql keeps its data in the SQLite storage API: declare the class under `new_sqlite_classes` in the wrangler migrations';

/** Table prefix of a database's hot tier in Durable Object storage: `dosql_` + the name, every character outside [A-Za-z0-9] escaped as `_xx` (injective, so two names never share tables). */
export function doTablePrefix(name: string): string {
  let out = 'dosql_';
  for (const ch of name) out += /[A-Za-z0-9]/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16).padStart(2, '0')}`;
  return out;
}

/** Checks that `v` can be the hot tier (option `where`); throws INVALID_ARGUMENT naming the shape it has instead. */
export function checkHotStorage(v: unknown, where: string): 'object-store' | 'durable-object-storage' {
  const shape = storageShape(v);
  if (shape === 'object-store' || shape === 'durable-object-storage') return shape;
  if (shape === 'durable-object-storage-kv') throw refuse(where, KV_ONLY);
  if (shape === 'r2-bucket') {
    throw refuse(where, 'is an R2 bucket; the hot tier holds the write-ahead log, which needs appends R2 does not have: pass the Durable Object\'s `ctx.storage` as `hot` and the bucket as `cold`');
  }
  throw refuse(where, `must be a Durable Object's storage (ctx.storage), or an ObjectStore, got ${shown(v)}`);
}

/** Checks that `v` can be the cold tier (option `where`). */
export function checkColdStorage(v: unknown, where: string): 'object-store' | 'r2-bucket' {
  const shape = storageShape(v);
  if (shape === 'object-store' || shape === 'r2-bucket') return shape;
  if (shape === 'durable-object-storage' || shape === 'durable-object-storage-kv') {
    throw refuse(where, 'is Durable Object storage; the cold tier goes to an R2 bucket (env.BUCKET) or an ObjectStore. Leave `cold` out to keep columnar runs in the hot tier');
  }
  throw refuse(where, `must be an R2 bucket binding (env.BUCKET) or an ObjectStore, got ${shown(v)}`);
}

/** The hot tier for database `name` over `v` (checked by checkHotStorage). */
export function hotStoreOf(v: unknown, name: string, where: string): ObjectStore {
  return checkHotStorage(v, where) === 'object-store' ? (v as ObjectStore) : new DurableObjectStore(v as DoSqlStorage, { tablePrefix: doTablePrefix(name) });
}

/**
 * The cold tier over `v` (checked by checkColdStorage). An R2 bucket gets `prefix` (a folder
 * of the bucket, ending in '/'); an ObjectStore is used as it is (it is the caller's folder).
 */
export function coldStoreOf(v: unknown, prefix: string, where: string): ObjectStore {
  return checkColdStorage(v, where) === 'object-store' ? (v as ObjectStore) : new R2ObjectStore(v as R2BucketLike, { prefix, bucketName: 'cold' });
}

/** A value described by its type only (never its toString: it may be the caller's). */
function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return typeof v;
  const keys = Object.keys(v).slice(0, 6);
  const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return `${typeof ctor === 'string' && ctor !== 'Object' ? `a ${ctor}` : 'an object'}${keys.length ? ` with keys ${keys.join(', ')}` : ' with no methods dosql knows'}`;
}
