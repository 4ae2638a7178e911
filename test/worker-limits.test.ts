// Limits of the Worker in workerd (docs/limits.md): a statement that never ends is stopped by
// the object's default timeout and every other database keeps answering; a recursive CTE
// under LIMIT streams; responses are capped; open interactive transactions are capped.
// The timeout and caps are lowered by vars so the test runs in seconds; their defaults are
// checked on readConfig.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/worker/config.js';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

type Result = { columns: string[]; rows: Record<string, unknown>[] };
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

const NEVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x < 0';

describe('Worker limits in workerd', () => {
  let w: RunningWorker;

  beforeAll(async () => {
    w = await startWorker({ vars: { DOSQL_STATEMENT_TIMEOUT_MS: '1000', DOSQL_MAX_RESULT_ROWS: '1000', DOSQL_MAX_OPEN_TRANSACTIONS: '2' } });
  });

  afterAll(async () => {
    await w?.destroy();
  });

  it('defaults: a 30 s statement timeout, 100,000 rows and 16 MiB per response, 32 open transactions', () => {
    const c = readConfig({} as Parameters<typeof readConfig>[0]);
    expect([c.statementTimeoutMs, c.maxResultRows, c.maxResultBytes, c.maxOpenTransactions]).toEqual([30_000, 100_000, 16 * 1024 * 1024, 32]);
    expect([c.maxStatementMemoryBytes, c.maxLength]).toEqual([32 * 1024 * 1024, 16 * 1024 * 1024]);
    // Every cache of the object fits its 128 MB: 16 MiB each (the cold ones had a fixed 256 MiB).
    expect([c.blockCacheBytes, c.imageCacheBytes, c.coldCacheBytes]).toEqual([16 * 1024 * 1024, 16 * 1024 * 1024, 16 * 1024 * 1024]);
    const set = readConfig({ DOSQL_IMAGE_CACHE_BYTES: '0', DOSQL_COLD_CACHE_BYTES: '1048576' } as unknown as Parameters<typeof readConfig>[0]);
    expect([set.imageCacheBytes, set.coldCacheBytes]).toEqual([0, 1048576]);
  });

  it('a recursive CTE under LIMIT returns 1..5 (it streams)', async () => {
    const r = await w.post<Result>('/db/lim/query', { sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 5' });
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([1, 2, 3, 4, 5].map((x) => ({ x })));
  });

  it('stops a statement that never ends at the default timeout (408 INTERRUPTED) while other databases answer', async () => {
    const stuck = w.post<ErrorBody>('/db/lim/query', { sql: NEVER });
    // Another tenant is served while the statement runs (it yields to the event loop).
    const other = await w.post<Result>('/db/other/query', { sql: 'SELECT 42 AS answer' });
    expect(other.status).toBe(200);
    expect(other.body.rows).toEqual([{ answer: 42 }]);
    const r = await stuck;
    expect(r.status).toBe(408);
    expect(r.body.error).toMatchObject({ code: 'INTERRUPTED', details: { reason: 'timeout', timeoutMs: 1000 } });
    const after = await w.post<Result>('/db/lim/query', { sql: 'SELECT 1 AS one' });
    expect(after.body.rows).toEqual([{ one: 1 }]);
  });

  it('count(*) over a 3-way cross join of 3,000 rows is stopped by the timeout, and the object keeps serving', async () => {
    const ins = await w.post('/db/lim/exec', {
      sql: "CREATE TABLE t(x INTEGER PRIMARY KEY, s TEXT); INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) SELECT x, printf('row %d', x) FROM c",
    });
    expect(ins.status).toBe(200);
    const r = await w.post<ErrorBody>('/db/lim/query', { sql: 'SELECT count(*) AS n FROM t a, t b, t c' });
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe('INTERRUPTED');
    expect((await w.post<Result>('/db/lim/query', { sql: 'SELECT count(*) AS n FROM t' })).body.rows).toEqual([{ n: 3000 }]);
  });

  it('caps the rows of one response (400 LIMIT_EXCEEDED), across the statements of a batch too', async () => {
    const ok = await w.post<Result>('/db/lim/query', { sql: 'SELECT x FROM t WHERE x <= 1000' });
    expect(ok.status).toBe(200);
    expect(ok.body.rows.length).toBe(1000);
    const big = await w.post<ErrorBody>('/db/lim/query', { sql: 'SELECT * FROM t' });
    expect(big.status).toBe(400);
    expect(big.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'maxResultRows', max: 1000 } });
    const batch = await w.post<ErrorBody>('/db/lim/batch', { statements: [{ sql: 'SELECT x FROM t WHERE x <= 600' }, { sql: 'SELECT x FROM t WHERE x <= 600' }] });
    expect(batch.status).toBe(400);
    expect(batch.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'maxResultRows', index: 1 } });
  });

  it('caps open interactive transactions (429 BUSY) and frees a slot on commit', async () => {
    const begin = () => w.post<{ txId: string } & ErrorBody>('/db/lim/transaction', { action: 'begin' });
    const a = await begin();
    const b = await begin();
    expect([a.status, b.status]).toEqual([201, 201]);
    const c = await begin();
    expect(c.status).toBe(429);
    expect(c.body.error).toMatchObject({ code: 'BUSY', details: { limit: 'maxOpenTransactions', max: 2 } });
    expect((await w.post('/db/lim/transaction', { action: 'commit', txId: a.body.txId })).status).toBe(200);
    const d = await begin();
    expect(d.status).toBe(201);
    await w.post('/db/lim/transaction', { action: 'rollback', txId: b.body.txId });
    await w.post('/db/lim/transaction', { action: 'rollback', txId: d.body.txId });
  });

  it('a chain of views up to the depth limit plans and runs in workerd (no stack overflow below the limit)', async () => {
    const sql = ['CREATE VIEW v0 AS SELECT 1 AS x'];
    for (let i = 1; i < 149; i++) sql.push(`CREATE VIEW v${i} AS SELECT x + 1 AS x FROM v${i - 1}`);
    expect((await w.post('/db/deep/exec', { sql: sql.join(';\n') })).status).toBe(200);
    const r = await w.post<Result>('/db/deep/query', { sql: 'SELECT x FROM v148' });
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([{ x: 149 }]);
    const deeper = await w.post<ErrorBody>('/db/deep/query', { sql: `WITH ${Array.from({ length: 600 }, (_, i) => (i === 0 ? 'c0 AS (SELECT 1 AS x)' : `c${i} AS (SELECT x FROM c${i - 1})`)).join(', ')} SELECT x FROM c599` });
    expect(deeper.status).toBe(400);
    expect(deeper.body.error.code).toBe('LIMIT_EXCEEDED');
  });
});
