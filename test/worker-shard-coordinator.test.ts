// The sharding coordinator running inside a Worker in workerd (test/support/shard-coordinator-entry.ts):
// createShardExecutor in the Worker over four DoSQL objects, cross-shard writes by two-phase
// commit with the coordinator log in R2. Routed, IN and scatter queries, a multi-shard INSERT,
// a row move and a reference-table write answer as one local database given the same statements.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

type Stmt = { sql: string; params?: unknown[]; kind: 'query' | 'run' | 'exec' };

describe('the shard coordinator inside a Worker', () => {
  let w: RunningWorker;
  const local = DB('worker-coordinator-oracle', { storage: 'memory' });

  beforeAll(async () => {
    w = await startWorker({ entrypoint: join(ROOT, 'test/support/shard-coordinator-entry.ts') });
  }, 120_000);
  afterAll(async () => {
    await w?.destroy();
    await local.close();
  });

  const run = async (statements: Stmt[]): Promise<{ rows?: Record<string, unknown>[]; changes?: number; queryType?: string; shards?: number }[]> => {
    const r = await w.post<{ results: { rows?: Record<string, unknown>[]; changes?: number; queryType?: string; shards?: number }[]; error?: unknown }>('/__shard/run', { statements });
    expect(r.body.error, JSON.stringify(r.body.error)).toBeUndefined();
    return r.body.results;
  };
  const oracle = async (s: Stmt): Promise<unknown> => {
    if (s.kind === 'exec') return local.exec(s.sql);
    if (s.kind === 'run') return (await local.run(s.sql, (s.params ?? []) as never)).changes;
    return local.query(s.sql, (s.params ?? []) as never);
  };
  const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

  it('routes, scatters and commits cross-shard writes atomically, answering as one database', async () => {
    const setup: Stmt[] = [
      { kind: 'exec', sql: 'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, country TEXT, score INTEGER)' },
      { kind: 'exec', sql: 'CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT)' },
      { kind: 'run', sql: "INSERT INTO countries VALUES ('us', 'USA'), ('fr', 'France')" },
      { kind: 'run', sql: `INSERT INTO users VALUES ${Array.from({ length: 30 }, (_, i) => `(${i + 1}, 'u${i % 7}', '${i % 3 ? 'us' : 'fr'}', ${(i * 37) % 50})`).join(', ')}` },
      { kind: 'run', sql: 'UPDATE users SET id = id + 100 WHERE id <= ?', params: [5] },
      { kind: 'run', sql: "UPDATE countries SET name = 'United States' WHERE code = 'us'" },
    ];
    const results = await run(setup);
    for (let i = 0; i < setup.length; i++) {
      const want = await oracle(setup[i]!);
      if (setup[i]!.kind === 'run') expect(results[i]!.changes, setup[i]!.sql).toBe(want);
    }
    const queries: Stmt[] = [
      { kind: 'query', sql: 'SELECT * FROM users WHERE id = ?', params: [17] },
      { kind: 'query', sql: 'SELECT id, name FROM users WHERE id IN (3, 9, 103, 27)' },
      { kind: 'query', sql: 'SELECT country, count(*) AS n, avg(score) AS a, max(name) AS m FROM users GROUP BY country ORDER BY country' },
      { kind: 'query', sql: 'SELECT id, score FROM users ORDER BY score DESC, id LIMIT 5 OFFSET 2' },
      { kind: 'query', sql: 'SELECT c.name, count(*) AS n FROM users u JOIN countries c ON c.code = u.country GROUP BY c.name' },
      { kind: 'query', sql: 'SELECT * FROM users' },
    ];
    const got = await run(queries);
    expect(got[0]!.queryType).toBe('single');
    expect(got[2]!.queryType).toBe('scatter');
    expect(got[2]!.shards).toBe(4);
    for (let i = 0; i < queries.length; i++) {
      const want = (await oracle(queries[i]!)) as unknown[];
      expect(sorted(got[i]!.rows!), queries[i]!.sql).toEqual(sorted(want));
    }
    // Nothing left prepared on any shard after the cross-shard writes.
    for (const s of ['cs-0', 'cs-1', 'cs-2', 'cs-3']) {
      const r = await w.post<{ rows: unknown[] }>(`/db/${s}/query`, { sql: 'PRAGMA prepared_xacts' });
      expect(r.body.rows, s).toEqual([]);
    }
  }, 120_000);
});
