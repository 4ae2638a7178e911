// The hot delta's WHERE masks are kept with the decoded delta (src/sql/execution/columnar-delta.ts):
// a columnar aggregate repeated over an unchanged delta does not filter the delta again. The
// mask must follow the delta exactly: after a new commit (in the memtable), a flush, a cold
// compaction, under FOR SYSTEM_TIME AS OF an earlier LSN, on a branch whose base is cold, and
// for other literals or literal classes, every answer equals SQLite's on the same data, and a
// repeat of the same query over the same delta reuses its mask.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';
import { deltaMaskStats } from '../src/sql/execution/columnar-delta.js';
import { Prng } from '../src/util/prng.js';

const day = (n: number): string => `2001-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')} ${String(n % 24).padStart(2, '0')}:00`;

describe('merge-on-read: the hot delta mask kept per delta', () => {
  it('is reused over an unchanged delta and never stale after commits, flushes, compactions, AS OF and branches', async () => {
    const r = new Prng(7);
    const schema = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, c TEXT)';
    const db = DB('dm', { storage: 'memory', retention: 'forever' });
    const lite = new Database(':memory:');
    await db.exec(schema);
    lite.exec(schema);
    const run = async (sql: string, params: unknown[], target: Database.Database = lite): Promise<void> => {
      await db.query(sql, params as never);
      target.prepare(sql).run(...(params as never[]));
    };
    const rows = Array.from({ length: 2000 }, (_, i) => [i, r.int(100), day(r.int(5000))]);
    await db.transaction(async (tx) => {
      for (const row of rows) await tx.run('INSERT INTO t VALUES (?, ?, ?)', row);
    });
    for (const row of rows) lite.prepare('INSERT INTO t VALUES (?, ?, ?)').run(...row);
    await db.compact({ tier: 'cold' });
    const engine = await db.engine();
    const changes = async (n: number, target: Database.Database = lite): Promise<void> => {
      for (let k = 0; k < n; k++) {
        const x = r.int(3);
        if (x === 0) await run('UPDATE t SET c = ?, a = ? WHERE id = ?', [day(r.int(5000)), r.int(100), r.int(2000)], target);
        else if (x === 1) await run('INSERT OR REPLACE INTO t VALUES (?, ?, ?)', [2000 + r.int(300), r.int(100), day(r.int(5000))], target);
        else await run('DELETE FROM t WHERE id = ?', [r.int(2300)], target);
      }
    };
    const QS: [string, unknown[]][] = [
      ["SELECT count(*), sum(a) FROM t WHERE c >= '2001-03-01' AND c < '2001-04-01'", []],
      ["SELECT count(*), max(a) FROM t WHERE c >= '2001-05-01' AND c < '2001-07-15' AND a > 40", []],
      ["SELECT count(*) FROM t WHERE c LIKE '2001-03%' OR a = 7", []],
      // One prepared statement (one plan) over several bound literals and literal classes.
      ['SELECT count(*) FROM t WHERE c >= ? AND c < ?', ['2001-03-01', '2001-04-01']],
      ['SELECT count(*) FROM t WHERE c >= ? AND c < ?', ['2001-05-01', '2001-06-01']],
      ['SELECT count(*) FROM t WHERE c >= ? AND c < ?', ['2001-03-01', '2001-04-01']],
      ['SELECT count(*), sum(a) FROM t WHERE a > ?', [40]],
      ['SELECT count(*), sum(a) FROM t WHERE a > ?', [60]],
      ['SELECT count(*), sum(a) FROM t WHERE a > ?', [40.5]],
      ['SELECT count(*), sum(a) FROM t WHERE a > ?', [39.5]],
      ['SELECT count(*), sum(a) FROM t WHERE a > ?', [40]],
    ];
    const statements = new Map<string, ReturnType<typeof db.prepare>>();
    /** Every query twice (the second over the same delta reuses its mask), each answer SQLite's. */
    const check = async (target: Database.Database, from = ''): Promise<void> => {
      for (const [q, params] of QS) {
        const sql = q.replace(' FROM t', ` FROM t${from}`);
        const want = target.prepare(q).raw().all(...(params as never[]));
        let stmt = statements.get(sql);
        if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
        const runs = columnarStats.runs;
        const merged = columnarStats.merged;
        const label = `${sql} ${JSON.stringify(params)}`;
        expect(await stmt.raw().all(...(params as never[])), label).toEqual(want);
        expect(columnarStats.runs - runs, `columnar path for ${label}`).toBe(1);
        expect(columnarStats.merged - merged, `hot delta for ${label}`).toBe(1);
        const computed = deltaMaskStats.computed;
        expect(await stmt.raw().all(...(params as never[])), `${label} (again)`).toEqual(want);
        expect(deltaMaskStats.computed, `mask kept for ${label}`).toBe(computed);
      }
    };
    await changes(40);
    await check(lite);
    const past = { lsn: engine.lastVisibleLsn, lite: new Database(lite.serialize()) };
    // One more commit in the memtable: the same queries see it.
    for (let k = 0; k < 6; k++) {
      await changes(1);
      await check(lite);
    }
    await engine.flush();
    await check(lite);
    await changes(20);
    await check(past.lite, ` FOR SYSTEM_TIME AS OF LSN ${past.lsn}`);
    await check(lite);
    await db.branch('b');
    const liteB = new Database(lite.serialize());
    await db.checkout('b');
    await changes(15, liteB);
    await check(liteB);
    await db.checkout('main');
    await check(lite);
    await changes(10);
    await db.compact({ tier: 'cold' });
    await changes(10);
    await check(lite);
    await check(liteB, " FOR SYSTEM_TIME AS OF BRANCH 'b'");
    await db.close();
  }, 120_000);
});
