// FOR SYSTEM_TIME ALL with the primary key bound reads only that key's versions: same rows as
// filtering the whole history, on main, on a branch (layered) and for WITHOUT ROWID tables.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

const COLS = 'id, v, _dosql_version, _dosql_valid_from, _dosql_valid_to';

describe('history of one key', () => {
  it('equals the filtered full history, and EXPLAIN shows a key search', async () => {
    const db = DB('hk', { storage: 'memory', retention: 'forever' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE w(a TEXT, b INTEGER, v, PRIMARY KEY (a, b)) WITHOUT ROWID');
    const r = new Prng(11);
    const step = async (): Promise<void> => {
      const id = 1 + r.int(20);
      const k = r.int(3);
      if (k === 0) await db.run('DELETE FROM t WHERE id = ?', [id]);
      else await db.run('INSERT OR REPLACE INTO t VALUES (?, ?)', [id, `v${r.int(1000)}`]);
      await db.run('INSERT OR REPLACE INTO w VALUES (?, ?, ?)', [`a${r.int(3)}`, r.int(3), r.int(50)]);
    };
    for (let i = 0; i < 150; i++) await step();
    const check = async (): Promise<void> => {
      const all = await db.query(`SELECT ${COLS} FROM t FOR SYSTEM_TIME ALL ORDER BY id, _dosql_version`);
      for (let id = 0; id <= 21; id++) {
        const one = await db.query(`SELECT ${COLS} FROM t FOR SYSTEM_TIME ALL WHERE id = ? ORDER BY _dosql_version`, [id]);
        expect(one).toEqual(all.filter((x) => x.id === BigInt(id) || x.id === id));
      }
      const wall = await db.query('SELECT a, b, v, _dosql_version FROM w FOR SYSTEM_TIME ALL ORDER BY a, b, _dosql_version');
      for (const a of ['a0', 'a1', 'a2']) {
        for (let b = 0; b < 3; b++) {
          const one = await db.query('SELECT a, b, v, _dosql_version FROM w FOR SYSTEM_TIME ALL WHERE b = ? AND a = ? ORDER BY _dosql_version', [b, a]);
          expect(one).toEqual(wall.filter((x) => x.a === a && Number(x.b) === b));
        }
      }
    };
    await check();
    const plan = await db.query<{ detail: string }>('EXPLAIN QUERY PLAN SELECT * FROM t FOR SYSTEM_TIME ALL WHERE id = 5');
    expect(plan.map((p) => p.detail).join('\n')).toContain('USING PRIMARY KEY (all versions of one key)');
    await db.branch('b');
    await db.checkout('b');
    for (let i = 0; i < 60; i++) await step();
    await check();
    await db.close();
  });
});
