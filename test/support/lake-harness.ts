// Shared set-up of the lake tests: a warehouse folder served over loopback HTTP (icebird reads
// it as any outside engine would), source databases with the streamer's slot made at creation
// (their whole history stays readable), and "stream until caught up".
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCDC } from '../../src/cdc/index.js';
import { createLakehouseStreamer, type LakehouseStreamConfig, type LakehouseStreamer } from '../../src/cdc/lakehouse-streamer.js';
import type { LakeEndpoint } from '../../src/cdc/lake-protocol.js';
import { openLake, type Lake, type LakeOptions } from '../../src/lake/index.js';
import { DB } from '../../src/node/db.js';
import type { Database } from '../../src/sql/api/database.js';
import { FsObjectStore } from '../../src/storage/fs-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { MemoryObjectStore } from '../../src/storage/memory-store.js';
import { serveFolder, type StaticServer } from './static-server.js';

/** parquet-wasm's module bytes: a lake in a process without a database loads them itself. */
export const PARQUET_WASM = readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'));

export interface Warehouse {
  dir: string;
  server: StaticServer;
  store: FsObjectStore;
  close(): Promise<void>;
}

export async function warehouse(): Promise<Warehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'dosql-lake-'));
  const server = await serveFolder(dir);
  const store = new FsObjectStore(dir);
  return {
    dir,
    server,
    store,
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A lake on the warehouse (its own state in memory unless given), flushing only when told. */
export function lakeOn(w: Warehouse, o: Partial<LakeOptions> & { store?: ObjectStore } = {}): Promise<Lake> {
  const { store, ...rest } = o;
  return openLake({ warehouse: store ?? w.store, url: w.server.base, durability: 'off', flush: { auto: false }, state: new MemoryObjectStore(), parquetWasm: PARQUET_WASM, ...rest });
}

/** An in-memory source database whose lake slot exists from its first commit. */
export async function source(name: string, store?: ObjectStore): Promise<Database> {
  const db = DB(name, { ...(store ? { store } : { storage: 'memory' }), workerThreads: false, durability: 'off', retention: 'forever' });
  await createCDC(db).slots.createSlot('dosql-lake', 0n);
  return db;
}

export async function headLsn(db: Database): Promise<number> {
  return Number((await createCDC(db).stats()).headLSN);
}

/** Polls `f` until true (the streamer works in the background), up to `ms`. */
export async function until(f: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function streamer(db: Database, id: string, lake: LakeEndpoint, config: Partial<LakehouseStreamConfig> = {}): LakehouseStreamer {
  return createLakehouseStreamer({ cdc: db, config: { sourceDoId: id, lake, retry: { initialDelayMs: 1, maxDelayMs: 20, maxAttempts: 1000 }, ...config } });
}

/** Streams `db` into `lake` until every commit is acknowledged, flushes, waits for `committed`. */
export async function syncOnce(db: Database, id: string, lake: Lake, config: Partial<LakehouseStreamConfig> = {}): Promise<void> {
  const s = streamer(db, id, lake, config);
  await s.start();
  const head = await headLsn(db);
  await until(() => Number(s.getStatus().lastAckLSN) >= head || s.getStatus().state === 'error', 20_000, `${id} acknowledged up to ${head}`);
  if (s.getStatus().state === 'error') throw new Error(s.getStatus().lastError);
  await lake.flush();
  await s.waitCommitted(head);
  await s.stop();
}
