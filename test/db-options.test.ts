// DB()'s options, checked by the one check both entries share (src/sql/api/db-options.ts):
// unknown keys, wrong types and storage objects of no known shape throw INVALID_ARGUMENT naming
// the option (issue 21: they were ignored and the data went to ./.dosql/<name>); the storage
// objects it knows (a Durable Object's SQLite storage, an R2 bucket, ObjectStores) hold the
// data in Node as in Workers; and a cold folder shared by two databases is refused.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError, MemoryObjectStore, type DBOptions } from '../src/index.js';
import type { LsmEngine } from '../src/lsm/engine.js';
import { imageCache, type SSTableImageCache } from '../src/cold/sstable-images.js';
import { checkDBArguments } from '../src/sql/api/host.js';
import { SqliteDoStorage } from './support/worker-sqlite-storage.js';
import { disposeWorkerStores, r2Bucket } from './support/worker-store-factories.js';

afterAll(disposeWorkerStores);

/** The error DB(name, options) throws at once (the check runs before any open). */
function refusal(options: unknown, runtime: 'node' | 'workerd' = 'node'): DoSQLError {
  try {
    if (runtime === 'node') DB('opts', options as DBOptions);
    else checkDBArguments('opts', options, 'workerd');
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    return e as DoSQLError;
  }
  throw new Error(`accepted: ${String(Object.keys(options as object))}`);
}

/** A key-value-backed Durable Object's storage: `sql` throws as workerd's does for classes not in new_sqlite_classes. */
const kvStorage = {
  get: async () => undefined,
  put: async () => undefined,
  delete: async () => false,
  list: async () => new Map(),
  transactionSync: <T>(fn: () => T): T => fn(),
  get sql(): never {
    throw new Error('SQL is not enabled for this Durable Object class.');
  },
};

describe('DB() options: unknown keys', () => {
  for (const runtime of ['node', 'workerd'] as const) {
    it(`${runtime}: an unknown top-level option names itself and the near miss`, () => {
      const e = refusal({ storage: 'memory', stroage: 'memory' }, runtime);
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(/unknown option stroage \(did you mean storage\?\)/);
      expect(e.details.option).toBe('stroage');
      expect(refusal({ storage: 'memory', migration: [] }, runtime).message).toMatch(/unknown option migration \(did you mean migrations\?\)/);
      expect(refusal({ storage: 'memory', colour: 'blue' }, runtime).message).toMatch(/unknown option colour; known: path, storage/);
    });
  }

  it('unknown keys inside option objects name their path', () => {
    expect(refusal({ storage: 'memory', compaction: { l0Trigger: 3 } }).message).toMatch(/unknown option compaction\.l0Trigger/);
    expect(refusal({ storage: 'memory', warehouse: { url: 'mem://x', pefix: 'p' } }).message).toMatch(/unknown option warehouse\.pefix \(did you mean prefix\?\)/);
    expect(refusal({ storage: 'memory', limits: { maxLenght: 10 } }).message).toMatch(/unknown option limits\.maxLenght \(did you mean maxLength\?\)/);
    expect(refusal({ storage: { hot: new MemoryObjectStore(), colde: new MemoryObjectStore() } }).message).toMatch(/unknown option storage\.colde \(did you mean cold\?\)/);
    expect(refusal({ storage: 'memory', migrations: { folder: 'm', recursive: true } }).message).toMatch(/unknown option migrations\.recursive/);
    expect(refusal({ storage: 'memory', migrations: [{ name: '001_a.sql', sql: '', checksum: 'x' }] }).message).toMatch(/unknown key checksum/);
  });
});

describe('DB() options: wrong types', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['durability', { durability: 'fast' }, /option durability must be one of 'full', 'normal', 'off', got "fast"/],
    ['retention', { retention: '7 days' }, /option retention must be a duration text/],
    ['retention (negative)', { retention: -1 }, /option retention/],
    ['memtableBytes', { memtableBytes: 0 }, /option memtableBytes must be an integer >= 1, got 0/],
    ['blockCacheBytes', { blockCacheBytes: -1 }, /option blockCacheBytes must be an integer >= 0, got -1/],
    ['imageCacheBytes', { imageCacheBytes: '16MiB' }, /option imageCacheBytes must be an integer >= 0/],
    ['timeoutMs', { timeoutMs: '10' }, /option timeoutMs must be a finite number >= 0/],
    ['hotDataMaxAge', { hotDataMaxAge: NaN }, /option hotDataMaxAge/],
    ['coldFromLevel', { coldFromLevel: 1.5 }, /option coldFromLevel must be an integer/],
    ['yieldEveryOps', { yieldEveryOps: -3 }, /option yieldEveryOps/],
    ['workerThreads', { workerThreads: 'yes' }, /option workerThreads must be a boolean/],
    ['clock', { clock: { now: 5 } }, /option clock must have a now\(\) method/],
    ['store', { store: {} }, /option store must be a Durable Object's storage \(ctx.storage\), or an ObjectStore/],
    ['compaction', { compaction: 4 }, /option compaction must be a plain object/],
    ['compaction.background', { compaction: { background: 'yes' } }, /option compaction\.background must be a boolean/],
    ['compaction triggers', { compaction: { l0CompactionTrigger: 10 } }, /l0CompactionTrigger <= l0SlowdownTrigger <= l0StopTrigger, got 10, 8, 12/],
    ['limits.maxLength', { limits: { maxLength: 0 } }, /option limits\.maxLength must be an integer >= 1/],
    ['warehouse.url', { warehouse: { url: 7 } }, /option warehouse\.url must be a string/],
    ['migrations', { migrations: 'migrations/' }, /option migrations must be an array of \{ name, sql \} or \{ folder \}/],
    ['migrations name', { migrations: [{ name: 'init.sql', sql: '' }] }, /migration name "init.sql" must be NNN_name.sql/],
    ['migrations versions', { migrations: [{ name: '001_a.sql', sql: '' }, { name: '1_b.sql', sql: '' }] }, /001_a.sql and 1_b.sql have the same version 1/],
    ['storage (string)', { storage: 'disk' }, /option storage must be one of 'fs', 'memory', got "disk"/],
  ];
  for (const [what, o, re] of cases) {
    it(`${what}: INVALID_ARGUMENT naming the option`, () => {
      const e = refusal({ ...(o.storage === undefined && o.store === undefined ? { storage: 'memory' } : {}), ...o });
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(re);
    });
  }

  it('options that say the same thing twice are refused', () => {
    expect(refusal({ store: new MemoryObjectStore(), storage: 'memory' }).message).toMatch(/store and storage both say where the data lives/);
    expect(refusal({ path: '/tmp/x', storage: { hot: new MemoryObjectStore() } }).message).toMatch(/option path is a folder, but storage or store puts the data elsewhere/);
    expect(refusal({ storage: { hot: new MemoryObjectStore() }, store: new MemoryObjectStore() }).message).toMatch(/store and storage both/);
  });
});

describe('DB() options: cache sizes', () => {
  /** Rows in a flushed SSTable, a point read and an aggregate over them; the engine's two caches after. */
  async function caches(options: DBOptions): Promise<{ answers: unknown[]; block: { bytes: number; capacity: number }; images: SSTableImageCache }> {
    const db = DB('caches', { storage: 'memory', ...options });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, v INTEGER)');
      await db.transaction(async (tx) => {
        for (let i = 0; i < 3000; i++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [i, i % 7, (i * 37) % 1001]);
      });
      const engine = await db.engine();
      await engine.flush();
      const answers = [await db.query('SELECT * FROM t WHERE id = 1234'), await db.query('SELECT g, count(*), sum(v) FROM t GROUP BY g ORDER BY g')];
      const tables = (engine as unknown as { tables: Parameters<typeof imageCache>[0] }).tables;
      const { bytes, capacity } = engine.stats().blockCache;
      return { answers, block: { bytes, capacity }, images: imageCache(tables) };
    } finally {
      await db.close();
    }
  }

  it('blockCacheBytes and imageCacheBytes size the engine\'s block cache and SSTable image cache; 0 keeps nothing, answers unchanged', async () => {
    const sized = await caches({ blockCacheBytes: 1 << 20, imageCacheBytes: 8 << 20 });
    expect(sized.block.capacity).toBe(1 << 20);
    expect(sized.block.bytes).toBeGreaterThan(0);
    expect(sized.images.capacityBytes).toBe(8 << 20);
    expect(sized.images.size).toBe(1);
    const none = await caches({ blockCacheBytes: 0, imageCacheBytes: 0 });
    expect(none.block).toEqual({ bytes: 0, capacity: 0 });
    expect(none.images.size).toBe(0);
    expect(none.answers).toEqual(sized.answers);
    expect(sized.answers[1]).toHaveLength(7);
  });
});

describe('DB() options: cold caches', () => {
  /** Rows moved to columnar runs, then an analytic query and point reads over them; the cold tier's caches after. */
  async function coldCaches(options: DBOptions): Promise<{ answers: unknown[]; caches: ReturnType<LsmEngine['cold']['caches']> }> {
    const db = DB('cold-caches', { storage: 'memory', ...options });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, s TEXT)');
      await db.transaction(async (tx) => {
        for (let i = 0; i < 20_000; i++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [i, i % 11, `text value ${(i * 7919) % 20_000}`]);
      });
      await db.compact({ tier: 'cold' });
      const answers: unknown[] = [await db.query('SELECT g, count(*), count(DISTINCT s) FROM t GROUP BY g ORDER BY g')];
      const get = db.prepare('SELECT s FROM t WHERE id = ?');
      for (let i = 0; i < 200; i++) answers.push(await get.get((i * 9973) % 20_000));
      return { answers, caches: (await db.engine()).cold.caches() };
    } finally {
      await db.close();
    }
  }

  it('coldCacheBytes bounds the decoded columns and row groups kept; answers unchanged', async () => {
    const small = await coldCaches({ coldCacheBytes: 64 * 1024 });
    expect(small.caches.columns.capacity).toBe(64 * 1024);
    expect(small.caches.groups.capacity).toBe(64 * 1024);
    expect(small.caches.columns.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(small.caches.groups.bytes).toBeLessThanOrEqual(64 * 1024);
    const roomy = await coldCaches({});
    expect(roomy.caches.groups.capacity).toBe(256 * 1024 * 1024);
    // The same reads keep more than the small budget when they may: the bound is what held it.
    expect(roomy.caches.columns.bytes + roomy.caches.groups.bytes).toBeGreaterThan(2 * 64 * 1024);
    expect(small.answers).toEqual(roomy.answers);
    expect(small.answers[0]).toHaveLength(11);
  });

  it('refuses a cold cache of 0 bytes', () => {
    expect(refusal({ storage: 'memory', coldCacheBytes: 0 }).message).toMatch(/option coldCacheBytes must be an integer >= 1, got 0/);
  });
});

describe("DB() options: path ':memory:'", () => {
  it("is an in-memory database as SQLite's filename ':memory:' is: no folder of that name, nothing kept across handles", async () => {
    const before = existsSync(':memory:');
    const a = DB('mem', { path: ':memory:' });
    await a.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    expect(await a.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
    await a.close();
    expect(existsSync(':memory:')).toBe(before);
    const b = DB('mem', { path: ':memory:' });
    expect(await b.query("SELECT count(*) AS n FROM sqlite_schema WHERE name = 't'")).toEqual([{ n: 0 }]);
    await b.close();
  });
});

describe('DB() options: storage objects by shape', () => {
  it('refuses storage objects of no known shape, naming what they are', async () => {
    const bucket = await r2Bucket();
    expect(refusal({ storage: {} }).message).toMatch(/option storage\.hot is required/);
    expect(refusal({ storage: { hot: {} } }).message).toMatch(/option storage\.hot must be a Durable Object's storage \(ctx.storage\), or an ObjectStore, got an object with no methods/);
    expect(refusal({ storage: { hot: new Map() } }).message).toMatch(/option storage\.hot must be .* got a Map/);
    expect(refusal({ storage: { hot: bucket } }).message).toMatch(/option storage\.hot is an R2 bucket; the hot tier holds the write-ahead log/);
    expect(refusal({ storage: { hot: kvStorage } }).message).toMatch(/option storage\.hot is Durable Object storage without SQLite; .*new_sqlite_classes/);
    const sqlite = new SqliteDoStorage();
    expect(refusal({ storage: { hot: new MemoryObjectStore(), cold: sqlite } }).message).toMatch(/option storage\.cold is Durable Object storage; the cold tier goes to an R2 bucket/);
    expect(refusal({ storage: { hot: new MemoryObjectStore(), cold: 'r2://bucket' } }).message).toMatch(/option storage\.cold must be an R2 bucket binding \(env.BUCKET\) or an ObjectStore, got string/);
    expect(refusal({ storage: { hot: sqlite, coldPrefix: 'a/' } }).message).toMatch(/coldPrefix is given without storage\.cold/);
    expect(refusal({ storage: { hot: sqlite, cold: bucket, coldPrefix: 'no-slash' } }).message).toMatch(/coldPrefix must be '' or a folder ending in '\/'/);
    expect(refusal({ storage: { hot: sqlite, cold: bucket, coldPrefix: 'a//b/' } }).message).toMatch(/coldPrefix must be/);
    expect(refusal({ storage: { hot: kvStorage } }, 'workerd').details.option).toBe('storage.hot');
    sqlite.close();
  });

  it('Node: storage { hot: Durable Object storage, cold: R2 } holds the data there (not in ./.dosql), across a reopen, with columnar runs in R2', async () => {
    const bucket = await r2Bucket();
    const sqlite = new SqliteDoStorage();
    const name = `shape-${Date.now().toString(36)}`;
    const open = () => DB(name, { storage: { hot: sqlite, cold: bucket, coldPrefix: `t/${name}/` }, retention: 'forever' });
    const db = open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 50; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, `v${i}`]);
    await db.compact({ tier: 'cold' });
    await db.close();
    expect(existsSync(`.dosql/${name}`)).toBe(false);
    const tables = sqlite.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining([`dosql_shape_2d${name.slice(6)}_objects`]));
    const cold = (await bucket.list({ prefix: `t/${name}/` })).objects.map((o) => o.key);
    expect(cold).toContain(`t/${name}/dosql-owner.json`);
    expect(cold.some((k) => k.startsWith(`t/${name}/cold/runs/`))).toBe(true);
    expect(cold.some((k) => k.startsWith(`t/${name}/warehouse/default/t/metadata/`))).toBe(true);
    const again = open();
    expect(await again.query('SELECT count(*) AS n, sum(id) AS s FROM t')).toEqual([{ n: 50, s: (49 * 50) / 2 }]);
    await again.close();
    sqlite.close();
  });

  it('two databases that share a name and a bucket get their own cold folders by default', async () => {
    const bucket = await r2Bucket();
    const a = new SqliteDoStorage();
    const b = new SqliteDoStorage();
    const dbs = [a, b].map((hot) => DB('tenant', { storage: { hot, cold: bucket } }));
    for (const [i, db] of dbs.entries()) {
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)');
      await db.run('INSERT INTO t VALUES (1, ?)', [`db${i}`]);
      await db.compact({ tier: 'cold' });
    }
    for (const [i, db] of dbs.entries()) expect(await db.query('SELECT who FROM t')).toEqual([{ who: `db${i}` }]);
    const owners = (await bucket.list({ prefix: 'db/tenant/' })).objects.map((o) => o.key).filter((k) => k.endsWith('/dosql-owner.json'));
    expect(owners).toHaveLength(2);
    await Promise.all(dbs.map((db) => db.close()));
    a.close();
    b.close();
  });

  it('a cold folder that belongs to another database is refused before anything is written to it', async () => {
    const shared = new MemoryObjectStore();
    const first = DB('same', { storage: { hot: new MemoryObjectStore(), cold: shared }, retention: 'forever' });
    await first.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await first.run('INSERT INTO t VALUES (1)');
    await first.compact({ tier: 'cold' });
    const before = (await shared.list('')).map((o) => `${o.key}:${o.etag}`);
    const second = DB('same', { storage: { hot: new MemoryObjectStore(), cold: shared } });
    const e = await second.query('SELECT 1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code).toBe('INVALID_ARGUMENT');
    expect((e as DoSQLError).message).toMatch(/the cold tier memory belongs to another database/);
    expect((await shared.list('')).map((o) => `${o.key}:${o.etag}`)).toEqual(before);
    expect(await first.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 1 }]);
    await first.close();
    await second.close();
  });
});

describe('DB() options: what Workers cannot do', () => {
  it('workerd refuses a folder, worker threads, a migrations folder and no storage at all, saying what to pass', () => {
    expect(refusal({ path: '/data' }, 'workerd').message).toMatch(/option path is not available in Workers: Workers have no file system: pass storage: \{ hot: ctx.storage, cold: env.BUCKET \}/);
    expect(refusal({ storage: 'memory', workerThreads: true }, 'workerd').message).toMatch(/option workerThreads is not available in Workers/);
    expect(refusal({}, 'workerd').message).toMatch(/Workers have no file system: pass storage: \{ hot: ctx.storage/);
    expect(refusal({ storage: 'fs' }, 'workerd').message).toMatch(/option storage 'fs' is not available in Workers/);
    expect(refusal({ storage: 'memory', migrations: { folder: '.do/migrations' } }, 'workerd').message).toMatch(/migrations \{ folder \} reads files, which Workers cannot: pass the files as \[\{ name, sql \}\]/);
    expect(() => checkDBArguments('opts', { storage: 'memory', migrations: [] }, 'workerd')).not.toThrow();
  });
});
