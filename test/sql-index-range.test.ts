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
