// Harnesses that put the Cloudflare stores through the ObjectStore conformance suite in Node:
// DurableObjectStore over better-sqlite3 (the same SQL the Durable Object runs), and
// R2ObjectStore over miniflare's R2 simulator (workerd's own R2 implementation, reached from
// Node over async HTTP through a small Worker: r2-http-bucket.ts says why not through
// miniflare's synchronous binding proxy). One miniflare instance serves the whole file; each
// harness gets its own key prefix.
import { Miniflare } from 'miniflare';
import { DurableObjectStore } from '../../src/storage/do-store.js';
import { R2ObjectStore, type R2BucketLike } from '../../src/storage/r2-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { SqliteDoStorage } from './worker-sqlite-storage.js';
import { httpR2Bucket, R2_HTTP_BINDING, R2_HTTP_WORKER } from './r2-http-bucket.js';

export interface StoreHarness {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

let mf: Miniflare | undefined;
let bucket: Promise<R2BucketLike> | undefined;
let nextPrefix = 0;

/** The shared miniflare R2 bucket (started on first use). */
export async function r2Bucket(): Promise<R2BucketLike> {
  if (!bucket) {
    process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
    const m = new Miniflare({ modules: true, script: R2_HTTP_WORKER, r2Buckets: [R2_HTTP_BINDING], host: '127.0.0.1' });
    mf = m;
    bucket = m.ready.then(() => httpR2Bucket(m));
  }
  return bucket;
}

/** Stops the shared miniflare instance (call from afterAll). */
export async function disposeWorkerStores(): Promise<void> {
  const m = mf;
  mf = undefined;
  bucket = undefined;
  await m?.dispose();
}

export const workerStoreFactories: { name: string; make: () => Promise<StoreHarness> }[] = [
  {
    name: 'DurableObjectStore (SQLite, small chunks)',
    make: async () => {
      const sqlite = new SqliteDoStorage();
      // Tiny chunks so every test also crosses chunk boundaries.
      const store = new DurableObjectStore(sqlite, { chunkBytes: 64, appendCoalesceBytes: 16 });
      return { store, cleanup: async () => (await store.close(), sqlite.close()) };
    },
  },
  {
    name: 'R2ObjectStore (miniflare R2)',
    make: async () => {
      const b = await r2Bucket();
      const prefix = `conf${nextPrefix++}/`;
      const store = new R2ObjectStore(b, { prefix, bucketName: 'test' });
      return {
        store,
        cleanup: async () => {
          const listing = await b.list({ prefix });
          if (listing.objects.length) await b.delete(listing.objects.map((o) => o.key));
        },
      };
    },
  },
];
