// A seeded random workload for the lake tests: four tables of different key kinds (a rowid
// table without a key, INTEGER PRIMARY KEY, WITHOUT ROWID TEXT key, BLOB key), inserts, updates
// (key changes among them), deletes, UPSERTs, multi-statement transactions, one ADD COLUMN (a NULL
// or a constant default), and a few values of another type than their column's.
import type { Database } from '../../src/sql/api/database.js';
import { Prng } from '../../src/util/prng.js';

export const LAKE_TABLES = ['a', 'b', 'c', 'd'];

export async function createTables(db: Database): Promise<void> {
  await db.exec('CREATE TABLE a(x INT, y TEXT)');
  await db.exec('CREATE TABLE b(id INTEGER PRIMARY KEY, n INT, r REAL, s TEXT)');
  await db.exec('CREATE TABLE c(code TEXT PRIMARY KEY, n INT) WITHOUT ROWID');
  await db.exec('CREATE TABLE d(k BLOB PRIMARY KEY, v TEXT)');
}

/** One random statement. `altered` tells whether b.extra exists. */
function statement(r: Prng, i: number, altered: boolean): [string, unknown[]] {
  const n = (): unknown => (r.chance(0.05) ? 'not a number' : r.chance(0.05) ? 1.5 : r.int(1000));
  const s = (): unknown => (r.chance(0.05) ? new Uint8Array([1, 2, r.int(255)]) : `s${r.int(50)}-${i}`);
  const key = r.int(30);
  switch (r.int(14)) {
    case 0:
      return ['INSERT INTO a VALUES (?, ?)', [n(), s()]];
    case 1:
      return ['UPDATE a SET y = ? WHERE rowid = ?', [s(), 1 + r.int(20)]];
    case 2:
      return ['DELETE FROM a WHERE rowid = ?', [1 + r.int(20)]];
    case 3:
    case 4:
      return altered && r.chance(0.5) ? ['INSERT OR REPLACE INTO b(id, n, r, s, extra) VALUES (?, ?, ?, ?, ?)', [key, n(), r.next() * 100, s(), r.int(9)]] : ['INSERT OR REPLACE INTO b(id, n, r, s) VALUES (?, ?, ?, ?)', [key, n(), r.int(5), s()]];
    case 5:
      return ['UPDATE b SET n = ?, s = ? WHERE id = ?', [n(), s(), key]];
    case 6:
      return ['UPDATE OR REPLACE b SET id = id + 7 WHERE id = ?', [key]]; // a key change
    case 7:
      return ['DELETE FROM b WHERE id = ?', [key]];
    case 8:
      return ['INSERT INTO c VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET n = excluded.n', [`k${key}`, n()]];
    case 9:
      return ['DELETE FROM c WHERE code = ?', [`k${key}`]];
    case 10:
      return ['UPDATE OR REPLACE c SET code = ? WHERE code = ?', [`k${r.int(30)}`, `k${key}`]];
    case 11:
      return ['INSERT OR REPLACE INTO d VALUES (?, ?)', [new Uint8Array([key, 0, 255 - key]), s()]];
    case 12:
      return ['DELETE FROM d WHERE k = ?', [new Uint8Array([key, 0, 255 - key])]];
    default:
      return altered ? ['UPDATE b SET extra = ? WHERE id % 3 = ?', [r.int(100), key % 3]] : ['UPDATE b SET r = r + 1 WHERE id % 4 = ?', [key % 4]];
  }
}

/** Runs transaction `i` of the workload (1-4 statements); returns whether b.extra exists after it. */
export async function step(db: Database, r: Prng, i: number, altered: boolean, alterAt: number, withDefault: boolean): Promise<boolean> {
  if (i === alterAt && !altered) {
    await db.exec(withDefault ? 'ALTER TABLE b ADD COLUMN extra INT DEFAULT 42' : 'ALTER TABLE b ADD COLUMN extra INT');
    return true;
  }
  await db.transaction(async (tx) => {
    for (let j = 0, k = 1 + r.int(4); j < k; j++) {
      const [sql, params] = statement(r, i, altered);
      await tx.run(sql, params as never);
    }
  });
  return altered;
}

export { Prng };
