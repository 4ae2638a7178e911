// Range scans of a secondary index (`c BETWEEN ? AND ?`, `c > ?`, ...) against SQLite
// (better-sqlite3 is the oracle): random rows of mixed types (integers, reals, text, blobs,
// NULL; SQLite orders NULL < numbers < text < blobs and so does the key encoding), random
// bounds and operators, before and after a flush and with later updates and deletes in the
// memtable over the flushed rows; the plan must read the index.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

type V = number | string | Buffer | null;

function randomValue(r: Prng): V {
  switch (r.int(7)) {
    case 0:
      return null;
    case 1:
      return `${r.int(30)}`;
    case 2:
      return ['a', 'b', 'abc', 'B', ''][r.int(5)]!;
    case 3:
      return Buffer.from([r.int(4)]);
    case 4:
      return r.int(30) + 0.5;
    default:
      return r.int(30) - 5;
  }
}

function bound(r: Prng): V {
  const v = randomValue(r);
  return v === null && r.chance(0.8) ? r.int(30) : v;
}

const norm = (rows: unknown[]): string[] => rows.map((x) => JSON.stringify(x, (_k, v: unknown) => (v && typeof v === 'object' && 'type' in v && (v as { type: string }).type === 'Buffer' ? `blob:${(v as unknown as { data: number[] }).data.join(',')}` : v instanceof Uint8Array ? `blob:${[...v].join(',')}` : v))).sort();

describe('secondary index range scans', () => {
  for (const seed of [1, 2, 3]) {
    it(`equal SQLite's answers (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const db = DB(`ixr${seed}`, { storage: 'memory' });
      const lite = new Database(':memory:');
      const ddl = ['CREATE TABLE t(id INTEGER PRIMARY KEY, s REAL, n TEXT, g)', 'CREATE INDEX t_s ON t(s)', 'CREATE INDEX t_g ON t(g, s)'];
      for (const d of ddl) {
        await db.exec(d);
        lite.exec(d);
      }
      const write = async (sql: string, params: V[]): Promise<void> => {
        await db.run(sql, params.map((p) => (Buffer.isBuffer(p) ? new Uint8Array(p) : p)));
        lite.prepare(sql).run(...params);
      };
      for (let i = 0; i < 300; i++) await write('INSERT INTO t VALUES (?, ?, ?, ?)', [i, randomValue(r), `n${i}`, r.int(3)]);
      const ops = ['>', '>=', '<', '<='];
      const check = async (phase: string): Promise<void> => {
        for (let q = 0; q < 60; q++) {
          let sql: string;
          let params: V[];
          const kind = r.int(4);
          if (kind === 0) {
            sql = 'SELECT id, s, n FROM t WHERE s BETWEEN ? AND ?';
            params = [bound(r), bound(r)];
          } else if (kind === 1) {
            sql = `SELECT id, s FROM t WHERE s ${r.pick(ops)} ?`;
            params = [bound(r)];
          } else if (kind === 2) {
            sql = `SELECT id, s FROM t WHERE s ${r.pick(['>', '>='])} ? AND s ${r.pick(['<', '<='])} ?`;
            params = [bound(r), bound(r)];
          } else {
            sql = `SELECT id, g, s FROM t WHERE g = ? AND s ${r.pick(ops)} ?`;
            params = [r.int(3), bound(r)];
          }
          const plan = JSON.stringify(await db.query(`EXPLAIN QUERY PLAN ${sql}`, params.map((p) => (Buffer.isBuffer(p) ? new Uint8Array(p) : p))));
          expect(plan, sql).toContain('USING INDEX');
          const got = await db.query(sql, params.map((p) => (Buffer.isBuffer(p) ? new Uint8Array(p) : p)));
          const want = lite.prepare(sql).all(...params);
          expect(norm(got), `${phase}: ${sql} ${JSON.stringify(params)}`).toEqual(norm(want));
        }
      };
      await check('memtable');
      await (await db.engine()).flush();
      await check('flushed');
      for (let i = 0; i < 60; i++) {
        if (r.chance(0.3)) await write('DELETE FROM t WHERE id = ?', [r.int(300)]);
        else await write('UPDATE t SET s = ? WHERE id = ?', [randomValue(r), r.int(300)]);
      }
      await check('flushed + memtable changes');
      await db.close();
      lite.close();
    });
  }
});

// The rows an index range names are read in batches (one snapshot of the engine's sources per
// batch, neighbouring rows from one block: lsm/multi-get.ts): every version of a row must
// still come from the right place — memtable over SSTables, newer files over older, the
// statement's own uncommitted writes, past LSNs, a branch over its base — for rowid and
// WITHOUT ROWID tables (text keys), with ranges longer than one batch.
describe('index range rows read in batches', () => {
  for (const seed of [11, 12]) {
    it(`equal SQLite's answers over flushed versions, own writes, AS OF and a branch (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const db = DB(`ixb${seed}`, { storage: 'memory', retention: 'forever' });
      const lite = new Database(':memory:');
      const ddl = ['CREATE TABLE t(id INTEGER PRIMARY KEY, s REAL, n TEXT)', 'CREATE INDEX t_s ON t(s)', 'CREATE TABLE w(k TEXT PRIMARY KEY, s, v) WITHOUT ROWID', 'CREATE INDEX w_s ON w(s)'];
      for (const d of ddl) {
        await db.exec(d);
        lite.exec(d);
      }
      const engine = await db.engine();
      const sVal = (): V => (r.chance(0.1) ? null : r.chance(0.2) ? `${r.int(40)}` : r.int(40) + (r.chance(0.5) ? 0.5 : 0));
      const change = (): [string, V[]] => {
        const k = r.int(5);
        if (k === 0) return ['DELETE FROM t WHERE id = ?', [r.int(1200)]];
        if (k === 1) return ['INSERT OR REPLACE INTO t VALUES (?, ?, ?)', [r.int(1200), sVal(), `m${r.int(1000)}`]];
        if (k === 2) return ['UPDATE w SET s = ?, v = ? WHERE k = ?', [sVal(), r.int(100), `k${r.int(300)}`]];
        if (k === 3) return ['DELETE FROM w WHERE k = ?', [`k${r.int(300)}`]];
        return ['UPDATE t SET s = ?, n = ? WHERE id = ?', [sVal(), `u${r.int(1000)}`, r.int(1200)]];
      };
      const queries = (): [string, V[]] => {
        const [tbl, cols] = r.chance(0.6) ? ['t', 'id, s, n'] : ['w', 'k, s, v'];
        const lo = r.int(40);
        return r.chance(0.7) ? [`SELECT ${cols} FROM ${tbl}§ WHERE s BETWEEN ? AND ?`, [lo, lo + r.int(30)]] : [`SELECT ${cols} FROM ${tbl}§ WHERE s >= ?`, [lo]];
      };
      const check = async (target: Database.Database, from: string, n: number, run: (sql: string, p: V[]) => Promise<unknown[]> = (sql, p) => db.query(sql, p)): Promise<void> => {
        for (let q = 0; q < n; q++) {
          const [sql, params] = queries();
          if (from === '') expect(JSON.stringify(await db.query(`EXPLAIN QUERY PLAN ${sql.replace('§', '')}`, params))).toContain('USING INDEX');
          const got = await run(sql.replace('§', from), params);
          expect(norm(got), `${sql.replace('§', from)} ${JSON.stringify(params)}`).toEqual(norm(target.prepare(sql.replace('§', '')).all(...params)));
        }
      };
      // 900 rows of t in three flushed transactions (s has ~23 rows per value: ranges span batches).
      for (let part = 0; part < 3; part++) {
        await db.transaction(async (tx) => {
          for (let i = part * 300; i < part * 300 + 300; i++) {
            const row: V[] = [i, sVal(), `n${i}`];
            await tx.run('INSERT INTO t VALUES (?, ?, ?)', row);
            lite.prepare('INSERT INTO t VALUES (?, ?, ?)').run(...row);
            if (i % 3 === 0) {
              const wr: V[] = [`k${i / 3}`, sVal(), i];
              await tx.run('INSERT INTO w VALUES (?, ?, ?)', wr);
              lite.prepare('INSERT INTO w VALUES (?, ?, ?)').run(...wr);
            }
          }
        });
        await engine.flush();
      }
      const points: { lsn: number; lite: Database.Database }[] = [];
      const changes = async (n: number, target: Database.Database = lite): Promise<void> => {
        for (let k = 0; k < n; k++) {
          const [sql, p] = change();
          await db.run(sql, p);
          target.prepare(sql).run(...p);
          if (k % 40 === 39) await engine.flush();
          if (target === lite && k % 50 === 49) points.push({ lsn: engine.lastVisibleLsn, lite: new Database(lite.serialize()) });
        }
      };
      await check(lite, '', 20);
      await changes(150);
      await check(lite, '', 25);
      // The statement's transaction's own writes, not yet committed, over committed rows.
      await db.transaction(async (tx) => {
        lite.exec('BEGIN');
        for (let k = 0; k < 40; k++) {
          const [sql, p] = change();
          await tx.run(sql, p);
          lite.prepare(sql).run(...p);
          if (k % 10 === 9) await check(lite, '', 4, (s, p2) => tx.query(s, p2));
        }
        lite.exec('COMMIT');
      });
      await check(lite, '', 10);
      for (const p of points) await check(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 6);
      // A branch over flushed and unflushed main rows, with changes of its own.
      await db.branch('b');
      const liteB = new Database(lite.serialize());
      await changes(60);
      await db.checkout('b');
      await changes(60, liteB);
      await check(liteB, '', 15);
      await engine.flush();
      await check(liteB, '', 10);
      await db.checkout('main');
      await check(lite, '', 10);
      await check(liteB, " FOR SYSTEM_TIME AS OF BRANCH 'b'", 8);
      await db.close();
      lite.close();
    });
  }
});
