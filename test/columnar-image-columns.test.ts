// An SSTable image (src/cold/sstable-images.ts) holds the columns queries have asked for: a
// query's first read decodes its own columns (and the slot counts) only, a later query adds
// the columns it needs by reading the file again, and every answer is SQLite's. Before, the
// first analytic query decoded every column of the table, whichever it read.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { imageCache } from '../src/cold/sstable-images.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';
import { Prng } from '../src/util/prng.js';

describe('SSTable images decode the columns queries read', () => {
  it('bytes held grow with the columns asked for; answers equal SQLite at each step', async () => {
    const db = DB('image-columns', { storage: 'memory' });
    const lite = new Database(':memory:');
    const ddl = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT, d TEXT)';
    await db.exec(ddl);
    lite.exec(ddl);
    const r = new Prng(17);
    const rows = Array.from({ length: 20_000 }, (_, i) => [i, r.chance(0.1) ? null : r.int(1000) - 500, r.int(10_000) / 8, `c${r.int(40)}`, `a long text value number ${r.int(5000)}`]);
    const ins = 'INSERT INTO t VALUES (?, ?, ?, ?, ?)';
    await db.transaction(async (tx) => {
      for (const row of rows) await tx.run(ins, row);
    });
    const lins = lite.prepare(ins);
    lite.transaction(() => rows.forEach((row) => lins.run(...row)))();
    const engine = await db.engine();
    await engine.flush();
    const cache = imageCache((engine as unknown as { tables: Parameters<typeof imageCache>[0] }).tables);
    const held: number[] = [];
    for (const sql of [
      'SELECT count(*), sum(a), min(a) FROM t',
      'SELECT count(*), sum(a) FROM t WHERE a > 100',
      'SELECT c, count(*), sum(a) FROM t GROUP BY c ORDER BY c',
      'SELECT d, count(*) FROM t GROUP BY d ORDER BY 2 DESC, 1 LIMIT 5',
      'SELECT count(DISTINCT d), count(DISTINCT c), max(id) FROM t',
    ]) {
      const runs = columnarStats.runs;
      expect(await db.query(sql)).toEqual(lite.prepare(sql).all());
      expect(columnarStats.runs - runs).toBe(1);
      held.push(cache.usedBytes);
    }
    // a alone, then nothing new, then c (short texts), then d (long texts), then nothing new but id.
    expect(held[0]).toBeGreaterThan(0);
    expect(held[1]).toBe(held[0]);
    expect(held[2]).toBeGreaterThan(held[1]!);
    expect(held[3]! - held[2]!).toBeGreaterThan(held[2]! - held[1]!);
    expect(held[4]).toBeGreaterThanOrEqual(held[3]!);
    // Every column asked for once: the same images as a cache that decoded them all at once.
    const all = 'SELECT count(*), sum(a), min(b), count(DISTINCT c), count(DISTINCT d) FROM t WHERE b > 10';
    const runs = columnarStats.runs;
    expect(await db.query(all)).toEqual(lite.prepare(all).all());
    expect(columnarStats.runs - runs).toBe(1);
    lite.close();
    await db.close();
  });
});
