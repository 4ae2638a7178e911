// Vector indexes per immutable layer (src/vector/layer-registry.ts): one HNSW beside each
// SSTable / columnar run holding the table's rows, built when a flush or compaction writes the
// layer (once the index has been searched), dropped when compaction removes the layer, shared
// by branches whose base reads the layer; answers stay equal to exact search throughout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import type { LsmEngine } from '../src/lsm/engine.js';
import { layerIndexes, layerIndexesIdle, layerIndexStats } from '../src/vector/index.js';
import { Rng } from './support/sql-gen/random.js';

const DIMS = 4;
const blob = (v: readonly number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
type Hit = { id: number };

/** File numbers of the current manifest version. */
function liveFiles(engine: LsmEngine): { number: number; tier: string }[] {
  return engine.manifest.levels.flat(2).map((f) => ({ number: f.number, tier: f.tier }));
}

describe('vector indexes per immutable layer', () => {
  it('one index per layer at flush, dropped with its layer at compaction, rebuilt for the output; answers exact', async () => {
    const rng = new Rng(7);
    const vec = (): Uint8Array => blob(Array.from({ length: DIMS }, () => rng.float() * 2 - 1));
    const db = DB('vli-1', { storage: 'memory' });
    await db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, e BLOB)');
    await db.exec(`CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = ${DIMS}, metric = 'euclidean')`);
    const engine = await db.engine();
    const check = async (label: string): Promise<void> => {
      const q = vec();
      const got = await db.query<Hit>('SELECT id FROM vector_top_k(\'ix\', ?, 5)', [q]);
      const want = await db.query<Hit>("SELECT id FROM d WHERE e IS NOT NULL ORDER BY vector_distance(e, ?, 'l2'), id LIMIT 5", [q]);
      expect(got.map((h) => h.id), label).toEqual(want.map((h) => h.id));
    };
    for (let i = 1; i <= 50; i++) await db.run('INSERT INTO d VALUES (?, ?)', [i, vec()]);
    await check('memtable only'); // searched exactly; the index is now watched
    expect(layerIndexes(engine)).toEqual([]);

    await engine.flush();
    await layerIndexesIdle(engine);
    let ixs = layerIndexes(engine);
    expect(ixs.map((x) => x.entries)).toEqual([50]);
    expect(ixs.map((x) => x.file)).toEqual(liveFiles(engine).map((f) => f.number));
    expect(layerIndexStats(engine)).toMatchObject({ built: 1, dropped: 0, loaded: 0 });
    await check('one layer');

    for (let i = 1; i <= 20; i++) await db.run('UPDATE d SET e = ? WHERE id = ?', [vec(), i]);
    for (let i = 41; i <= 45; i++) await db.run('DELETE FROM d WHERE id = ?', [i]);
    await engine.flush();
    await layerIndexesIdle(engine);
    ixs = layerIndexes(engine);
    // The second layer holds the 20 updated versions (its tombstones hold no vector).
    expect(ixs.map((x) => x.entries)).toEqual([50, 20]);
    expect(ixs.map((x) => x.file).sort()).toEqual(liveFiles(engine).map((f) => f.number).sort());
    expect(layerIndexStats(engine)).toMatchObject({ built: 2, dropped: 0, loaded: 0 });
    await check('two layers, superseded and deleted versions in the older');

    const before = ixs.map((x) => x.file);
    await db.compact({ full: true });
    await layerIndexesIdle(engine);
    ixs = layerIndexes(engine);
    const live = liveFiles(engine);
    expect(live.some((f) => before.includes(f.number))).toBe(false);
    expect(ixs.map((x) => x.file).sort()).toEqual(live.map((f) => f.number).sort());
    expect(layerIndexStats(engine).dropped).toBe(2);
    expect(layerIndexStats(engine).built).toBe(2 + live.length);
    await check('after compaction');

    await db.compact({ tier: 'cold' });
    await layerIndexesIdle(engine);
    ixs = layerIndexes(engine);
    // d's rows moved to a columnar run (the hot files left hold other tables' keys): indexed as it was written.
    const cold = liveFiles(engine).filter((f) => f.tier === 'cold');
    expect(cold.length).toBeGreaterThan(0);
    expect(ixs.filter((x) => x.tier === 'cold').map((x) => x.file).sort()).toEqual(cold.map((f) => f.number).sort());
    expect(ixs.every((x) => liveFiles(engine).some((f) => f.number === x.file))).toBe(true);
    await check('after cold compaction');
    await db.close();
  });

  it('a branch reuses the indexes of the layers its base reads; its own layers get their own', async () => {
    const rng = new Rng(8);
    const vec = (): Uint8Array => blob(Array.from({ length: DIMS }, () => rng.float() * 2 - 1));
    const db = DB('vli-2', { storage: 'memory' });
    await db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, e BLOB)');
    await db.exec(`CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = ${DIMS}, metric = 'cosine')`);
    const engine = await db.engine();
    for (let i = 1; i <= 40; i++) await db.run('INSERT INTO d VALUES (?, ?)', [i, vec()]);
    await engine.flush();
    const check = async (label: string): Promise<void> => {
      const q = vec();
      const got = await db.query<Hit>('SELECT id FROM d ORDER BY vector_distance(e, ?) LIMIT 6', [q]);
      const want = await db.query<Hit>('SELECT id FROM d WHERE e IS NOT NULL ORDER BY vector_distance(e, ?), id LIMIT 6', [q]);
      expect(got.map((h) => h.id), label).toEqual(want.map((h) => h.id));
    };
    await check('main');
    await layerIndexesIdle(engine);
    expect(layerIndexStats(engine).built).toBe(1);
    await db.branch('side');
    await db.checkout('side');
    await check('side, no writes');
    // The branch reads main's layer as of its base: the same index, nothing built.
    expect(layerIndexStats(engine).built).toBe(1);
    for (let i = 1; i <= 10; i++) await db.run('UPDATE d SET e = ? WHERE id = ?', [vec(), i]);
    await engine.flush();
    await layerIndexesIdle(engine);
    await check('side, own layer');
    const ixs = layerIndexes(engine);
    expect(ixs.length).toBe(2);
    const own = ixs.find((x) => x.branch !== 0)!;
    expect(own.entries).toBe(10);
    expect(ixs.find((x) => x.branch === 0)!.entries).toBe(40);
    await db.checkout('main');
    await check('main again');
    await db.close();
  });

  it('a filter on an indexed column: read from the index range when small, tested per candidate when broad; answers exact', async () => {
    const rng = new Rng(9);
    const vec = (): number[] => Array.from({ length: DIMS }, () => rng.float() * 2 - 1);
    const db = DB('vli-3', { storage: 'memory' });
    await db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, tag INTEGER, e BLOB); CREATE INDEX it ON d (tag)');
    await db.exec(`CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = ${DIMS}, metric = 'cosine')`);
    const engine = await db.engine();
    const N = 6000;
    for (let i = 0; i < N; i += 500) {
      await db.run(`INSERT INTO d VALUES ${Array.from({ length: 500 }, () => '(?, ?, ?)').join(', ')}`, Array.from({ length: 500 }, (_, j) => [i + j, rng.int(0, 9), blob(vec())]).flat());
      if (i === 3000) await engine.flush();
    }
    // tag < 5 and tag >= 3 hold more than 2048 rows (tested per candidate); tag = 3 and the BETWEEN fewer (read whole).
    const filters = ['tag < 5', 'tag >= 3', 'tag = 3', 'tag BETWEEN 4 AND 5', 'tag > 8.5'];
    const check = async (q: { query<T>(sql: string, p?: unknown[]): Promise<T[]> }, label: string): Promise<void> => {
      for (const f of filters) {
        const v = blob(vec());
        const got = await q.query<Hit>(`SELECT id FROM d WHERE ${f} ORDER BY vector_distance(e, ?) LIMIT 10`, [v]);
        const want = await q.query<Hit>(`SELECT id FROM d WHERE e IS NOT NULL AND ${f} ORDER BY vector_distance(e, ?), id LIMIT 10`, [v]);
        expect(got.map((h) => h.id), `${label}: ${f}`).toEqual(want.map((h) => h.id));
      }
    };
    await check(db as unknown as { query<T>(sql: string, p?: unknown[]): Promise<T[]> }, 'two layers and the memtable');
    for (let i = 0; i < 300; i++) await db.run('UPDATE d SET tag = ?, e = ? WHERE id = ?', [rng.int(0, 9), blob(vec()), rng.int(0, N - 1)]);
    await engine.flush();
    await check(db as unknown as { query<T>(sql: string, p?: unknown[]): Promise<T[]> }, 'after updates');
    await db.transaction(async (tx) => {
      for (let i = 0; i < 50; i++) await tx.run('UPDATE d SET tag = ? WHERE id = ?', [rng.int(0, 9), rng.int(0, N - 1)]);
      await check(tx as unknown as { query<T>(sql: string, p?: unknown[]): Promise<T[]> }, 'own writes');
    });
    await db.close();
  }, 60_000);

  describe('stored beside their layer (docs/format/vector-index.md)', () => {
    const root = mkdtempSync(join(tmpdir(), 'dosql-vli-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('a reopened database loads the layer indexes instead of rebuilding; a corrupt or missing object is rebuilt, named in the stats', async () => {
      const rng = new Rng(10);
      const vec = (): Uint8Array => blob(Array.from({ length: DIMS }, () => rng.float() * 2 - 1));

      const queries = Array.from({ length: 8 }, vec);
      const answers = async (db: ReturnType<typeof DB>): Promise<number[][]> => {
        const out: number[][] = [];
        for (const q of queries) {
          const got = (await db.query<Hit>('SELECT id FROM d ORDER BY vector_distance(e, ?) LIMIT 5', [q])).map((h) => h.id);
          const want = (await db.query<Hit>('SELECT id FROM d WHERE e IS NOT NULL ORDER BY vector_distance(e, ?), id LIMIT 5', [q])).map((h) => h.id);
          expect(got).toEqual(want);
          out.push(got);
        }
        return out;
      };
      let db = DB('vli', { path: root });
      await db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, e BLOB)');
      await db.exec(`CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = ${DIMS}, metric = 'cosine')`);
      let engine = await db.engine();
      for (let i = 1; i <= 60; i++) await db.run('INSERT INTO d VALUES (?, ?)', [i, vec()]);
      await engine.flush();
      for (let i = 1; i <= 30; i++) await db.run('UPDATE d SET e = ? WHERE id = ?', [vec(), i * 2]);
      await engine.flush();
      const first = await answers(db);
      await layerIndexesIdle(engine);
      expect(layerIndexStats(engine)).toMatchObject({ built: 2, saved: 2, loaded: 0 });
      const store = engine.stores.hot;
      const objects = (await store.list('vix/')).map((o) => o.key).sort();
      expect(objects.length).toBe(2);
      await db.close();

      db = DB('vli', { path: root });
      engine = await db.engine();
      expect(await answers(db)).toEqual(first);
      expect(layerIndexStats(engine)).toMatchObject({ built: 0, loaded: 2, corrupt: [] });
      await db.close();

      // One object with a flipped byte in its vectors, the other deleted: both rebuilt, the corrupt one named.
      db = DB('vli', { path: root });
      const s2 = (await db.engine()).stores.hot;
      const bytes = (await s2.get(objects[0]!))!.data.slice();
      bytes[bytes.length >> 1] ^= 0x40;
      await s2.put(objects[0]!, bytes);
      await s2.delete(objects[1]!);
      await db.close();
      db = DB('vli', { path: root });
      engine = await db.engine();
      expect(await answers(db)).toEqual(first);
      expect(layerIndexStats(engine)).toMatchObject({ built: 2, loaded: 0, saved: 2, corrupt: [objects[0]] });
      await db.close();

      // Compaction drops the layers, their indexes and their objects.
      db = DB('vli', { path: root });
      engine = await db.engine();
      await answers(db);
      await db.compact({ full: true });
      await layerIndexesIdle(engine);
      const after = (await engine.stores.hot.list('vix/')).map((o) => o.key);
      expect(after.some((k) => objects.includes(k))).toBe(false);
      expect(after.length).toBe(layerIndexes(engine).length);
      expect(await answers(db)).toEqual(first);
      await db.close();
    }, 60_000);
  });
});
