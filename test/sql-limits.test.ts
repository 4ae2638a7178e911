// Resource limits and interruption (docs/limits.md): unbounded queries stream or stop with a
// typed error instead of exhausting memory or the stack; answers SQLite gives are checked
// against better-sqlite3.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));

type Outcome = { ok: true; value: unknown } | { error: { name: string; code?: string; reason?: unknown } };

/**
 * Runs a scenario of test/support/limits-child.ts in its own process with a small heap: without
 * the limits it never returns (killed after `killMs`) or dies out of memory, and this says so.
 */
function runChild(scenario: string, heapMb = 256, killMs = 60_000): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', join(here, 'support', 'limits-child.ts'), scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), killMs);
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(new Error(`scenario ${scenario} did not finish within ${killMs} ms (it hangs)`));
      if (signal) return reject(new Error(`scenario ${scenario} died by ${signal} (out of memory?): ${err.slice(-600)}`));
      if (code !== 0) return reject(new Error(`scenario ${scenario} crashed (exit ${code}): ${err.slice(-600)}`));
      resolve((JSON.parse(out.trim().split('\n').pop()!) as { outcomes: Outcome[] }).outcomes);
    });
  });
}

const interrupted = (reason: 'timeout' | 'abort'): Outcome => ({ error: { name: 'DoSQLError', code: 'INTERRUPTED', reason } });

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

describe('statement timeout and interruption (issue 13 item 7)', () => {
  it('every entry point stops a statement that never ends at its timeoutMs, and undoes its writes', async () => {
    const o = await runChild('entryPoints');
    expect(o.slice(0, 9)).toEqual(Array(9).fill(interrupted('timeout')));
    // Only the exec script's first INSERT (before the interrupted one) is left.
    expect(o[9]).toEqual({ ok: true, value: [{ n: 1 }] });
  });

  it('an AbortSignal stops a running statement, and one already aborted refuses to start', async () => {
    expect(await runChild('abort')).toEqual([interrupted('abort'), interrupted('abort')]);
  });

  it("the database's default timeout applies when a call gives none", async () => {
    expect(await runChild('dbDefault')).toEqual([interrupted('timeout'), { ok: true, value: [{ two: 2 }] }]);
  });

  it('count(*) over a 3-way cross join of 3,000 rows streams in a 192 MB heap and is stopped by its timeout', async () => {
    expect(await runChild('crossJoin', 192)).toEqual([interrupted('timeout'), { ok: true, value: [{ n: 3000 }] }]);
  });

  it('refuses a malformed timeout or signal', async () => {
    const db = DB('limits', { storage: 'memory' });
    await expect(db.query('SELECT 1', [], { timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.query('SELECT 1', [], { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.close();
  });
});
