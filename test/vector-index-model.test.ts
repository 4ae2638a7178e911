// The MVCC vector index against exact search (model-based): random inserts, updates (vector
// changed or set NULL) and deletes, with flushes, compactions and cold compactions between
// them, a branch that diverges; at checkpoints the top k from vector_top_k() — now, in
// time-travel sessions AS OF random earlier LSNs (before and after the index was first built),
// on the branch and back on main — must equal `ORDER BY vector_distance(...) LIMIT k` over
// the rows of the same read point. usearch is loaded here (Node), so the HNSW path is tested;
// the exact fallback answers reads older than the index's base LSN.
import { describe, expect, it } from 'vitest';
import { DB, createTimeTravelSession, lsn } from '../src/index.js';
import { Rng } from './support/sql-gen/random.js';

const DIMS = 8;
const blob = (v: readonly number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

type Querier = { query<T>(sql: string, params?: unknown[]): Promise<T[]> };
type Hit = { id: number; distance: number };

async function compareAt(q: Querier, metric: string, vec: Uint8Array, k: number, where: string): Promise<void> {
  const got = await q.query<Hit>(`SELECT id, distance FROM vector_top_k('ix', ?, ?)`, [vec, k]);
  const want = await q.query<Hit>(`SELECT id, vector_distance(e, ?, '${metric}') AS distance FROM d WHERE e IS NOT NULL ORDER BY distance, id LIMIT ?`, [vec, k]);
  expect(got.map((h) => h.id), where).toEqual(want.map((h) => h.id));
  got.forEach((h, i) => expect(h.distance, where).toBeCloseTo(want[i]!.distance, 5));
  // The seed's form, which the planner answers with the index (one ORDER BY term; the oracle above has two).
  const planned = await q.query<Hit>(`SELECT id, vector_distance(e, ?, '${metric}') AS distance FROM d WHERE e IS NOT NULL ORDER BY distance LIMIT ?`, [vec, k]);
  expect(planned.map((h) => h.id), `${where} (planned)`).toEqual(want.map((h) => h.id));
  // Filtered: the WHERE's rows become the allowed rowids (broad, ~10%, and very selective filters).
  // With an index on tag (seed 2), the comparisons below are read from its key range (index-filter.ts).
  for (const filter of ['tag < 8', 'tag = 3', 'id % 50 = 7', 'tag BETWEEN 2 AND 6', 'tag >= 7', '5 > tag', 'tag > 2 AND tag <= 4 AND e IS NOT NULL', 'tag = 3.0', 'tag > 99']) {
    const exactRows = await q.query<Hit>(`SELECT id FROM d WHERE e IS NOT NULL AND ${filter} ORDER BY vector_distance(e, ?, '${metric}'), id LIMIT ?`, [vec, k]);
    const viaIndex = await q.query<Hit>(`SELECT id FROM d WHERE ${filter} ORDER BY vector_distance(e, ?, '${metric}') LIMIT ?`, [vec, k]);
    expect(viaIndex.map((h) => h.id), `${where} (filter ${filter})`).toEqual(exactRows.map((h) => h.id));
  }
}

describe('vector index under MVCC', () => {
  for (const [seed, metric] of [
    [1, 'cosine'],
    [2, 'euclidean'],
  ] as const) {
    it(`top k equals exact search now, AS OF past LSNs and on a branch (seed ${seed}, ${metric})`, async () => {
      const rng = new Rng(seed);
      const db = DB(`vim-${seed}`, { storage: 'memory', memtableBytes: 16 * 1024 });
      await db.exec(`CREATE TABLE d (id INTEGER PRIMARY KEY, e BLOB, tag INTEGER)`);
      await db.exec(`CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = ${DIMS}, metric = '${metric}', m = 16, ef_construction = 200, ef_search = 200)`);
      if (seed === 2) await db.exec('CREATE INDEX it ON d (tag)');
      const vec = (): number[] => Array.from({ length: DIMS }, () => rng.float() * 2 - 1);
      const lsns: number[] = [];
      const step = async (): Promise<void> => {
        const id = rng.int(1, 250);
        const x = rng.float();
        let r;
        if (x < 0.55) r = await db.run('INSERT OR REPLACE INTO d VALUES (?, ?, ?)', [id, blob(vec()), rng.int(0, 9)]);
        else if (x < 0.75) r = await db.run('UPDATE d SET e = ? WHERE id = ?', [rng.chance(0.1) ? null : blob(vec()), id]);
        else r = await db.run('DELETE FROM d WHERE id = ?', [id]);
        lsns.push(r.lsn);
        const y = rng.float();
        const engine = await db.engine();
        if (y < 0.03) await engine.flush();
        else if (y < 0.045) await db.compact();
        else if (y < 0.05) await db.compact({ tier: 'cold' });
      };
      for (let i = 0; i < 150; i++) await step();
      const checkpoint = async (label: string): Promise<void> => {
        const qv = blob(vec());
        const k = rng.int(1, 12);
        await compareAt(db as unknown as Querier, metric, qv, k, `${label}: now`);
        for (let t = 0; t < 3; t++) {
          const at = rng.pick(lsns);
          const s = await createTimeTravelSession(db, { asOf: lsn(at) });
          try {
            await compareAt(s as unknown as Querier, metric, qv, k, `${label}: AS OF ${at}`);
          } finally {
            await s.close();
          }
        }
      };
      for (let round = 0; round < 6; round++) {
        await checkpoint(`round ${round}`);
        for (let i = 0; i < 60; i++) await step();
      }
      // A transaction sees its own uncommitted vectors.
      await db.transaction(async (tx) => {
        await tx.run('INSERT OR REPLACE INTO d VALUES (999, ?, 0)', [blob(Array.from({ length: DIMS }, () => 0.5))]);
        await compareAt(tx as unknown as Querier, metric, blob(Array.from({ length: DIMS }, () => 0.5)), 3, 'in a transaction');
      });
      await db.branch('side');
      await db.checkout('side');
      for (let i = 0; i < 80; i++) await step();
      await checkpoint('branch side');
      await db.checkout('main');
      await checkpoint('back on main');
      await db.close();
    }, 120_000);
  }

  it('the planner uses the index for ORDER BY vector_distance(...) LIMIT k, and only where that is exact', async () => {
    const db = DB('vim-plan', { storage: 'memory' });
    await db.exec("CREATE TABLE documents (id INTEGER PRIMARY KEY, content TEXT, category TEXT, embedding BLOB); CREATE INDEX ie ON documents USING VECTOR (embedding) WITH (dimensions = 2, metric = 'cosine')");
    const plan = async (sql: string): Promise<string> => (await db.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, [blob([1, 0])])).map((r) => r.detail).join('\n');
    expect(await plan('SELECT id, vector_distance(embedding, ?) AS distance FROM documents ORDER BY distance ASC LIMIT 10')).toMatch(/SCAN vector_knn_rowids[\s\S]*SEARCH documents USING INTEGER PRIMARY KEY/);
    expect(await plan('SELECT id FROM documents WHERE embedding IS NOT NULL ORDER BY vector_distance(embedding, ?) LIMIT 5')).toMatch(/SCAN vector_knn_rowids[\s\S]*SEARCH documents USING INTEGER PRIMARY KEY/);
    // A filter: the index searches among the rows passing it.
    expect(await plan("SELECT id FROM documents WHERE category = 'a' ORDER BY vector_distance(embedding, ?) LIMIT 5")).toMatch(/SCAN vector_knn_rowids/);
    // Another metric than the index's, or no LIMIT: an exact scan.
    expect(await plan("SELECT id FROM documents ORDER BY vector_distance(embedding, ?, 'l2') LIMIT 5")).not.toMatch(/vector_knn_rowids/);
    expect(await plan('SELECT id FROM documents ORDER BY vector_distance(embedding, ?)')).not.toMatch(/vector_knn_rowids/);
    await db.close();
  });

  it('errors name the index and the problem', async () => {
    const db = DB('vim-err', { storage: 'memory' });
    await db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, e BLOB)');
    await db.exec("CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = 3, metric = 'cosine')");
    await db.exec('CREATE INDEX plain ON d (e)');
    await expect(db.query("SELECT * FROM vector_top_k('ix', vector('[1,2]'), 3)")).rejects.toThrow(/^vector: index ix has 3 dimensions, the query vector 2/);
    await expect(db.query("SELECT * FROM vector_top_k('plain', vector('[1,2,3]'), 3)")).rejects.toThrow(/no such vector index: plain/);
    await db.exec("CREATE INDEX bad ON d USING VECTOR (e) WITH (metric = 'cosine')");
    await expect(db.query("SELECT * FROM vector_top_k('bad', vector('[1,2,3]'), 3)")).rejects.toThrow(/index bad: option dimensions is required/);
    await db.close();
  });
});
