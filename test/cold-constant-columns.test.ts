// A cold run's column chunk whose statistics say every row holds one value (min = max and no
// NULL for an integer column, or every value NULL; src/cold/cold-group.ts constantOf) is not
// decoded for a point read: neither a value column nor the LSN and kind system columns. The
// statistics must be read exactly: a column with one value and some NULLs, one with two
// values, a group whose rows come from several commits (several LSNs) or hold tombstones are
// decoded. Lookups now and FOR SYSTEM_TIME AS OF each commit answer as a model of the rows.
import { describe, expect, it } from 'vitest';
import { DB, type TransactionHandle } from '../src/index.js';
import { coldDecodeStats } from '../src/cold/cold-group.js';

type Row = [number, number, number | null, null, number, string];
const ROWS = 1200;

function row(id: number): Row {
  // k: one value; z: one value and NULLs; n: only NULL; w: two values; s: one string.
  return [id, 7, id % 3 === 0 ? null : 7, null, id < ROWS / 2 ? 1 : 2, 'x'];
}

describe('cold point reads of constant column chunks', () => {
  it('answer exactly now and AS OF each commit, and skip the pages of constant columns', async () => {
    const db = DB('constcols', { storage: 'memory', retention: 'forever' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, z INTEGER, n INTEGER, w INTEGER, s TEXT)');
    const engine = await db.engine();
    // Model: the table after each commit.
    const states: { lsn: number; rows: Map<number, Row> }[] = [];
    const live = new Map<number, Row>();
    const commit = async (f: (tx: TransactionHandle) => Promise<void>): Promise<void> => {
      await db.transaction(f);
      states.push({ lsn: engine.lastVisibleLsn, rows: new Map(live) });
    };
    const get = async (id: number, from = ''): Promise<unknown[]> => db.prepare(`SELECT * FROM t${from} WHERE id = ?`).raw().all(id);
    const check = async (): Promise<void> => {
      for (let id = -1; id <= ROWS; id += 7) {
        const want = live.get(id);
        expect(await get(id), `id ${id}`).toEqual(want ? [want] : []);
      }
      for (const s of states) {
        for (let id = 0; id < ROWS; id += 37) {
          const want = s.rows.get(id);
          expect(await get(id, ` FOR SYSTEM_TIME AS OF LSN ${s.lsn}`), `id ${id} AS OF ${s.lsn}`).toEqual(want ? [want] : []);
        }
      }
    };
    // One commit: one LSN in the run's group (a constant LSN chunk).
    await commit(async (tx) => {
      for (let id = 0; id < ROWS; id += 2) {
        live.set(id, row(id));
        await tx.run('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', row(id));
      }
    });
    await db.compact({ tier: 'cold' });
    const pages = coldDecodeStats.pages;
    expect(await get(4)).toEqual([row(4)]);
    // z and w are decoded (one page each, s a string); k, n, the LSN, kind and slot counts are not.
    expect(coldDecodeStats.pages - pages).toBe(3);
    await check();
    // Several commits, updates and deletes: the second run's group has several LSNs, both kinds.
    for (let c = 0; c < 3; c++) {
      await commit(async (tx) => {
        for (let id = 1 + c; id < ROWS; id += 6) {
          const v: Row = [...row(id)];
          v[4] = 10 + c;
          live.set(id, v);
          await tx.run('INSERT OR REPLACE INTO t VALUES (?, ?, ?, ?, ?, ?)', v);
        }
        for (let id = c * 10; id < ROWS; id += 50) {
          if (!live.has(id)) continue;
          live.delete(id);
          await tx.run('DELETE FROM t WHERE id = ?', [id]);
        }
      });
    }
    await db.compact({ tier: 'cold' });
    await check();
    await db.close();
  }, 120_000);
});
