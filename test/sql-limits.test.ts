// Resource limits and interruption (docs/limits.md): unbounded queries stream or stop with a
// typed error instead of exhausting memory or the stack; answers SQLite gives are checked
// against better-sqlite3.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const lite = new Database(':memory:');

async function sameAsSqlite(sql: string): Promise<void> {
  const db = DB('limits', { storage: 'memory' });
  try {
    expect(await db.query(sql), sql).toEqual(lite.prepare(sql).all());
  } finally {
    await db.close();
  }
}

describe('recursive CTEs stream, so LIMIT stops an unbounded recursion (issue 13 item 6)', () => {
  const C = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)';
  it.each([
    `${C} SELECT x FROM c LIMIT 5`,
    `${C} SELECT x FROM c LIMIT 5 OFFSET 300`,
    `${C} SELECT x * 2 AS y FROM c WHERE x % 7 = 0 LIMIT 4`,
    `${C} SELECT x FROM (SELECT x FROM c) LIMIT 3`,
    `${C} SELECT x FROM c UNION ALL SELECT 0 LIMIT 5`,
    `${C} SELECT (SELECT x FROM c LIMIT 1 OFFSET 9) AS tenth`,
    `${C} SELECT count(*) AS n, sum(x) AS s FROM (SELECT x FROM c LIMIT 20)`,
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x + 1 FROM c) SELECT x FROM c LIMIT 5',
    'WITH RECURSIVE f(a, b) AS (SELECT 0, 1 UNION ALL SELECT b, a + b FROM f) SELECT a FROM f LIMIT 10',
  ])('%s', async (sql) => {
    await sameAsSqlite(sql);
  });
});
