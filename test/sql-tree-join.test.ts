// Joins the nested loop cannot run (RIGHT and FULL joins, a parenthesised join on the right
// side) go through TreeJoinOp, whose ON conditions the planner compiles over the whole join
// tree. better-sqlite3 is the oracle: the same tables, the same queries, the same rows,
// including ON and WHERE conditions with correlated and uncorrelated subqueries.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const SETUP = [
  'CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER, s TEXT)',
  'CREATE TABLE b(id INTEGER PRIMARY KEY, x INTEGER, y INTEGER)',
  'CREATE TABLE c(id INTEGER PRIMARY KEY, z INTEGER)',
  "INSERT INTO a VALUES (1, 10, 'p'), (2, 20, 'q'), (3, NULL, 'r'), (4, 20, NULL), (5, 50, 'Q')",
  'INSERT INTO b VALUES (1, 10, 1), (2, 20, 2), (3, 30, NULL), (4, NULL, 4), (6, 20, 6)',
  'INSERT INTO c VALUES (1, 10), (2, 30), (4, 20), (7, NULL)',
];

const QUERIES = [
  'SELECT a.id, b.id FROM a RIGHT JOIN b ON a.x = b.x ORDER BY 1, 2',
  'SELECT a.id, b.id FROM a FULL JOIN b ON a.x = b.x ORDER BY 1, 2',
  'SELECT a.id, b.id FROM a FULL OUTER JOIN b ON a.x = b.x AND b.y > 1 ORDER BY 1, 2',
  'SELECT a.id, b.id, c.id FROM a LEFT JOIN (b JOIN c ON b.id = c.id) ON a.x = b.x ORDER BY 1, 2, 3',
  'SELECT a.id, b.id, c.id FROM a RIGHT JOIN b ON a.x = b.x FULL JOIN c ON c.z = b.x ORDER BY 1, 2, 3',
  'SELECT a.id, b.id FROM a RIGHT JOIN b USING (id) ORDER BY 1, 2',
  'SELECT a.id, b.id FROM a NATURAL FULL JOIN b ORDER BY 1, 2',
  // Subqueries in ON: uncorrelated, correlated with either side, EXISTS and IN.
  'SELECT a.id, b.id FROM a RIGHT JOIN b ON a.x = (SELECT max(z) FROM c WHERE c.id = b.id) ORDER BY 1, 2',
  'SELECT a.id, b.id FROM a FULL JOIN b ON a.x = b.x AND a.x IN (SELECT z FROM c) ORDER BY 1, 2',
  'SELECT a.id, b.id FROM a FULL JOIN b ON a.id = b.id AND EXISTS (SELECT 1 FROM c WHERE c.z = a.x) ORDER BY 1, 2',
  'SELECT a.id, b.id FROM a RIGHT JOIN b ON a.id = b.id AND NOT EXISTS (SELECT 1 FROM c WHERE c.id = b.id) ORDER BY 1, 2',
  // WHERE over the tree, with a subquery.
  'SELECT a.id, b.id FROM a FULL JOIN b ON a.x = b.x WHERE b.y IS NULL OR b.y < (SELECT count(*) FROM c) ORDER BY 1, 2',
  // Aggregates and DISTINCT above a tree join.
  'SELECT b.x, count(a.id), count(*) FROM a RIGHT JOIN b ON a.x = b.x GROUP BY b.x ORDER BY 1',
  'SELECT DISTINCT a.x, b.x FROM a FULL JOIN b ON a.x = b.x ORDER BY 1, 2',
];

/** The tree join inside a correlated subquery, reading the outer row (EXPLAIN does not show subquery plans). */
const NESTED = [
  'SELECT t.id, (SELECT count(*) FROM a FULL JOIN b ON a.x = b.x WHERE b.y = t.id OR a.id = t.id) FROM c t ORDER BY 1',
  'SELECT t.id FROM c t WHERE EXISTS (SELECT 1 FROM a RIGHT JOIN b ON a.x = b.x AND a.id = t.id WHERE a.id IS NOT NULL) ORDER BY 1',
  'SELECT t.id, (SELECT sum(a.id) FROM a FULL JOIN b ON a.x = b.x AND b.id = t.id) FROM c t ORDER BY 1',
];

describe('RIGHT, FULL and parenthesised joins (TreeJoinOp)', () => {
  it('give the rows SQLite gives', async () => {
    const lite = new Database(':memory:');
    const db = DB('tree-join', { storage: 'memory' });
    for (const s of SETUP) {
      lite.exec(s);
      await db.exec(s);
    }
    for (const q of QUERIES) {
      const explain = (await db.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`)).map((r) => r.detail).join('\n');
      expect(explain, q).toContain('NESTED LOOP JOIN (materialised)');
      expect(await db.prepare(q).raw().all(), q).toEqual(lite.prepare(q).raw().all());
    }
    for (const q of NESTED) expect(await db.prepare(q).raw().all(), q).toEqual(lite.prepare(q).raw().all());
    await db.close();
  });
});
