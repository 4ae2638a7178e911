// What both DB() entries do once the options are checked (db-options.ts): turn `storage` /
// `store` into the hot and cold ObjectStores, place the Iceberg warehouse, and open the engine
// with the migrations applied before the handle serves anything. The Node entry adds folders,
// worker threads and its writer lease; the Workers entry its WebAssembly and defaults.
import type { Warehouse } from '../../cold/index.js';
import { DoSQLError } from '../../errors.js';
import { errorFields } from '../../util/log.js';
import { LsmEngine } from '../../lsm/engine.js';
import type { EngineOptions } from '../../lsm/engine-types.js';
import { claimColdStore, databaseIdentity } from '../../storage/cold-claim.js';
import { MemoryObjectStore } from '../../storage/memory-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { checkColdStorage, coldStoreOf, hotStoreOf } from '../../storage/store-shapes.js';
import type { ExternalHost, LocalFiles } from '../planner/external-tables.js';
import { Database, type DatabaseOptions } from './database.js';
import type { DBOptions } from './db-options.js';
import { migrate, type Migration } from './migrations.js';

/** A cold store apart from the hot one. */
export interface ColdTier {
  /** The store, once known: at once for an ObjectStore or an explicit coldPrefix, at open otherwise. */
  store?: ObjectStore;
  /** The folder of the R2 bucket it is in ('' for an ObjectStore). */
  prefix?: string;
  /** Makes the store from the database's identity (the default R2 folder `db/<name>/<identity>/`). */
  make?: (identity: string) => { store: ObjectStore; prefix: string };
}

/** The stores of a database that is not a folder. */
export interface Tiers {
  hot: ObjectStore;
  /** A separate cold store (claimed at open), or undefined: columnar runs stay in `hot`. */
  cold?: ColdTier;
}

/**
 * The stores `o.store` / `o.storage` name, or undefined when the database is a folder (Node's
 * default). Without `coldPrefix`, an R2 bucket's folder is `db/<name>/<identity>/`, the
 * identity being made at the database's first open and kept in its hot store
 * (docs/format/identity.md): Durable Objects that all call DB() with one name (one per tenant,
 * one bucket) then never share a folder.
 */
export function tiersOf(name: string, o: DBOptions): Tiers | undefined {
  if (o.store) return { hot: o.store };
  const s = o.storage;
  // SQLite's filename ':memory:' (c3ref/open): a private in-memory database, not a folder of that name.
  if (s === 'memory' || o.path === ':memory:') return { hot: new MemoryObjectStore() };
  if (s === undefined || s === 'fs') return undefined;
  const hot = hotStoreOf(s.hot, name, 'sql: DB(): option storage.hot');
  if (s.cold === undefined) return { hot };
  const where = 'sql: DB(): option storage.cold';
  const at = (prefix: string): { store: ObjectStore; prefix: string } => ({ store: coldStoreOf(s.cold, prefix, where), prefix });
  if (checkColdStorage(s.cold, where) === 'object-store') return { hot, cold: { store: s.cold as ObjectStore, prefix: '' } };
  if (s.coldPrefix !== undefined) return { hot, cold: at(s.coldPrefix) };
  return { hot, cold: { make: (identity) => at(`db/${name}/${identity}/`) } };
}

/**
 * Where the database's external tables are read (DatabaseOptions.external): `o.external`'s
 * buckets as ObjectStores at their root, the cold tier's bucket at its root (not the
 * database's folder: `r2://bucket/logs/*.parquet` names keys of the whole bucket), the
 * entry's local files (Node) and bounds (`maxBytes` defaults to `defaultMaxBytes`).
 */
export function externalHostOf(o: DBOptions, files: LocalFiles | undefined, defaultMaxBytes?: number): ExternalHost {
  const e = o.external ?? {};
  const buckets: Record<string, ObjectStore> = {};
  for (const [name, b] of Object.entries(e.buckets ?? {})) buckets[name] = coldStoreOf(b, '', `sql: DB(): option external.buckets.${name}`);
  const cold = typeof o.storage === 'object' ? o.storage.cold : undefined;
  const maxBytes = e.maxBytes ?? defaultMaxBytes;
  return {
    buckets,
    ...(cold !== undefined ? { coldBucket: coldStoreOf(cold, '', 'sql: DB(): option storage.cold') } : {}),
    ...(files ? { files } : {}),
    ...(e.fetch ? { fetch: e.fetch } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(e.timeoutMs !== undefined ? { timeoutMs: e.timeoutMs } : {}),
    ...(e.maxFiles !== undefined ? { maxFiles: e.maxFiles } : {}),
  };
}

function notOpen(): never {
  throw new DoSQLError('INVALID_ARGUMENT', 'sql: the cold tier\'s folder is known once the database is open: await db.open() first');
}

/**
 * The Iceberg warehouse: `o.warehouse` over the defaults — in a separate cold store under
 * 'warehouse' (URL `r2://dosql-cold/<cold folder>warehouse`: set warehouse.url to your
 * bucket's), else in the hot store under 'cold/warehouse' (URL `folderUrl` for folders,
 * `mem://<name>/...` otherwise). A cold folder made at open is read through getters.
 */
export function warehouseOf(name: string, o: DBOptions, tiers: Tiers, folderUrl?: (prefix: string) => string): Warehouse {
  const w = o.warehouse ?? {};
  const cold = w.store === undefined ? tiers.cold : undefined;
  const prefix = w.prefix ?? (cold ? 'warehouse' : 'cold/warehouse');
  const namespace = w.namespace ?? 'default';
  if (cold) {
    return {
      get store(): ObjectStore {
        return cold.store ?? notOpen();
      },
      prefix,
      get url(): string {
        return w.url ?? `r2://dosql-cold/${cold.prefix ?? notOpen()}${prefix}`;
      },
      namespace,
    };
  }
  const url = w.url ?? (folderUrl && !w.store ? folderUrl(prefix) : `mem://${name}/${prefix}`);
  return { store: w.store ?? tiers.hot, prefix, url, namespace };
}

export interface OpenPlan {
  name: string;
  tiers: Tiers;
  warehouse: Warehouse;
  /** Engine options besides the stores. */
  engine: Omit<EngineOptions, 'store' | 'coldStore'>;
  sql: DatabaseOptions;
  /** The migrations to apply at open (read then: Node reads its folder), if any. */
  migrations?: () => Promise<readonly Migration[]>;
}

/**
 * The open of a database: makes the cold store's default folder from the database's identity,
 * claims a separate cold store (before the engine lists it for orphans), opens the engine, applies pending migrations through a handle of its own, and
 * resolves to the engine only then, so the handle's first statement sees the migrated schema.
 * A failed migration closes the engine and fails the open (the database stays at the version
 * of the last migration that committed).
 */
export function engineOpener(plan: OpenPlan): () => Promise<LsmEngine> {
  return async () => {
    const { hot, cold } = plan.tiers;
    if (cold && !cold.store) Object.assign(cold, cold.make!(await databaseIdentity(hot)));
    // A reader writes nothing: the writer's first open claimed the cold store.
    if (cold && !plan.engine.readOnly) await claimColdStore(hot, cold.store!, 'sql: DB()');
    let engine: LsmEngine;
    try {
      engine = await LsmEngine.open({ ...plan.engine, store: hot, ...(cold ? { coldStore: cold.store! } : {}) });
    } catch (e) {
      plan.engine.logger?.error('open-failed', { database: plan.name, ...errorFields(e) });
      throw e;
    }
    if (plan.migrations) {
      try {
        const list = await plan.migrations();
        await migrate(new Database(() => Promise.resolve(engine), plan.name, plan.warehouse, plan.sql), list);
      } catch (e) {
        await engine.close().catch(() => undefined);
        throw e;
      }
    }
    return engine;
  };
}
