// Building an SSTable image (src/cold/sstable-images.ts) is part of the statement that needs
// it: the build ticks the statement guard, so a statement interrupted while it builds stops
// with INTERRUPTED instead of running on, and the image it left half-built is not cached — the
// next query builds it whole and answers as SQLite does.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { SSTableImageCache } from '../src/cold/sstable-images.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';

describe('SSTable image build and the statement guard', () => {
  it('an interrupt during the build stops the statement; the next one answers whole', async () => {
    const db = DB('image-interrupt', { storage: 'memory' });
    const lite = new Database(':memory:');
    const ddl = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, c TEXT)';
    await db.exec(ddl);
    lite.exec(ddl);
    const rows: [number, number, string][] = Array.from({ length: 60_000 }, (_, i) => [i, (i * 7919) % 1000, `c${i % 13}`]);
    await db.transaction(async (tx) => {
      for (const r of rows) await tx.run('INSERT INTO t VALUES (?, ?, ?)', r);
    });
    const ins = lite.prepare('INSERT INTO t VALUES (?, ?, ?)');
    lite.transaction(() => rows.forEach((r) => ins.run(...r)))();
    await (await db.engine()).flush();
    const sql = 'SELECT c, count(*), sum(a), max(a) FROM t GROUP BY c ORDER BY c';
    // Count the guard ticks the build makes (none before the build ticked).
    let ticked = 0;
    const image = SSTableImageCache.prototype.image;
    SSTableImageCache.prototype.image = function (this: SSTableImageCache, ...args: Parameters<typeof image>) {
      const tick = args[5];
      if (tick) args[5] = (n: number) => ((ticked += n), tick(n));
      return image.apply(this, args);
    };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0);
    try {
      await expect(db.query(sql, [], { signal: ac.signal })).rejects.toMatchObject({ code: 'INTERRUPTED' });
    } finally {
      SSTableImageCache.prototype.image = image;
    }
    expect(ticked).toBeGreaterThan(0);
    const runs = columnarStats.runs;
    expect(await db.query(sql)).toEqual(lite.prepare(sql).all());
    expect(columnarStats.runs - runs).toBe(1);
    lite.close();
    await db.close();
  });
});
