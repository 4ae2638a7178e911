// Per-operator profiles (db.query(sql, params, { profile: true }) and EXPLAIN ANALYZE), as
// SQLite's .scanstats and DuckDB's EXPLAIN ANALYZE: on known data every operator's row counts
// are exact — each expected count is asked of better-sqlite3 on the same data, not taken from
// dosql.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError, type OperatorProfile } from '../src/index.js';

const SCHEMA = 'CREATE TABLE a (id INTEGER PRIMARY KEY, x INT); CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT, y INT)';
const db = DB('profile', { storage: 'memory' });
const oracle = new Database(':memory:');
const count = (sql: string): number => (oracle.prepare(sql).pluck().get() as number);

beforeAll(async () => {
  await db.exec(SCHEMA);
  oracle.exec(SCHEMA);
  for (let i = 1; i <= 20; i++) {
    await db.run('INSERT INTO a VALUES (?, ?)', [i, i % 5]);
    oracle.prepare('INSERT INTO a VALUES (?, ?)').run(i, i % 5);
  }
  for (let i = 1; i <= 100; i++) {
    await db.run('INSERT INTO b VALUES (?, ?, ?)', [i, (i % 20) + 1, i]);
    oracle.prepare('INSERT INTO b VALUES (?, ?, ?)').run(i, (i % 20) + 1, i);
  }
});
afterAll(async () => {
  await db.close();
  oracle.close();
});

/** The row whose detail is `detail`, and the chain of its ancestors up to the root. */
function chain(ops: OperatorProfile[], detail: string): OperatorProfile[] {
  const start = ops.find((o) => o.detail === detail || o.detail.startsWith(`${detail} `));
  expect(start, `no operator ${detail} in ${JSON.stringify(ops)}`).toBeDefined();
  const out = [start!];
  while (out.at(-1)!.parent !== 0) out.push(ops[out.at(-1)!.parent - 1]!);
  return out;
}

const JOIN = 'SELECT a.id, b.id FROM a JOIN b ON b.a_id = a.id WHERE a.x = 2 AND b.y > 30';

describe('per-operator profiles', () => {
  it('counts the scans, the filters and the join of a hash join exactly', async () => {
    const rows = await db.query(JOIN, undefined, { profile: true });
    const ops = rows.operators;
    const total = count(`SELECT count(*) FROM (${JOIN})`);
    expect(rows.length).toBe(total);
    // a: scanned once, filtered by a.x = 2.
    const [scanA, filterA, joinFromA] = chain(ops, 'SCAN a');
    expect(scanA).toMatchObject({ operator: 'Scan', loops: 1, rowsOut: count('SELECT count(*) FROM a') });
    expect(filterA).toMatchObject({ operator: 'Filter', rowsIn: count('SELECT count(*) FROM a'), rowsOut: count('SELECT count(*) FROM a WHERE x = 2') });
    expect(joinFromA!.operator).toBe('Join');
    // b: read once for the hash table, its own condition applied as it is read, then probed
    // once per a row that passed, the probes yielding the joined rows.
    const [scanB, pushedB, probeB, join, project] = chain(ops, 'SCAN b');
    expect(scanB).toMatchObject({ operator: 'Scan', loops: 1, rowsOut: count('SELECT count(*) FROM b') });
    expect(pushedB).toMatchObject({ operator: 'Filter', rowsIn: count('SELECT count(*) FROM b'), rowsOut: count('SELECT count(*) FROM b WHERE y > 30') });
    expect(probeB).toMatchObject({ operator: 'Filter', loops: count('SELECT count(*) FROM a WHERE x = 2'), rowsOut: total });
    expect(join).toMatchObject({ operator: 'Join', loops: 1, rowsOut: total });
    expect(project).toMatchObject({ operator: 'Project', parent: 0, loops: 1, rowsIn: total, rowsOut: total });
    for (const o of ops.filter((x) => x.timeMs !== null)) {
      expect(o.timeMs!).toBeGreaterThanOrEqual(0);
      expect(o.selfMs!).toBeLessThanOrEqual(o.timeMs!);
    }
  });

  it('counts index lookups per outer row, and leaves the cached plan of the same text alone', async () => {
    await db.exec('CREATE INDEX b_a ON b (a_id)');
    oracle.exec('CREATE INDEX b_a ON b (a_id)');
    const q = 'SELECT a.id, b.y FROM a JOIN b ON b.a_id = a.id WHERE a.x = 3';
    const plain = await db.query(q);
    const first = await db.query(q, undefined, { profile: true });
    const second = await db.query(q, undefined, { profile: true });
    expect(first.operators.map((o) => [o.operator, o.loops, o.rowsIn, o.rowsOut])).toEqual(second.operators.map((o) => [o.operator, o.loops, o.rowsIn, o.rowsOut]));
    const search = first.operators.find((o) => o.operator === 'Search')!;
    expect(search.detail).toContain('b_a');
    // One lookup per a row with x = 3, reading b's rows for those a_id.
    expect(search.loops).toBe(count('SELECT count(*) FROM a WHERE x = 3'));
    expect(search.rowsOut).toBe(count('SELECT count(*) FROM b WHERE a_id IN (SELECT id FROM a WHERE x = 3)'));
    expect(first.operators[0]!.rowsOut).toBe(count(`SELECT count(*) FROM (${q})`));
    // The unprofiled plan still answers the same.
    expect(await db.query(q)).toEqual(plain);
    expect([...first]).toEqual(plain);
  });

  it('counts sort, aggregate and limit', async () => {
    const q = 'SELECT x, count(*) AS n FROM a WHERE id > 3 GROUP BY x ORDER BY x LIMIT 3';
    const ops = (await db.query(q, undefined, { profile: true })).operators;
    const agg = ops.find((o) => o.operator === 'Aggregate')!;
    expect(agg.rowsIn).toBe(count('SELECT count(*) FROM a WHERE id > 3'));
    expect(agg.rowsOut).toBe(count('SELECT count(DISTINCT x) FROM a WHERE id > 3'));
    expect(ops.find((o) => o.operator === 'Sort')!.rowsOut).toBe(count('SELECT count(DISTINCT x) FROM a WHERE id > 3'));
    expect(ops[0]).toMatchObject({ operator: 'Limit', rowsOut: 3 });
  });

  it('answers EXPLAIN ANALYZE with the same rows in SQL', async () => {
    const rows = await db.query<Record<string, unknown>>(`EXPLAIN ANALYZE ${JOIN}`);
    const api = (await db.query(JOIN, undefined, { profile: true })).operators;
    expect(Object.keys(rows[0]!)).toEqual(['id', 'parent', 'operator', 'detail', 'loops', 'rows_in', 'rows_out', 'time_ms', 'self_ms']);
    expect(rows.map((r) => [r.id, r.parent, r.operator, r.detail, r.loops, r.rows_in, r.rows_out])).toEqual(api.map((o) => [o.id, o.parent, o.operator, o.detail, o.loops, o.rowsIn, o.rowsOut]));
    const err = await db.query("EXPLAIN ANALYZE INSERT INTO a VALUES (99, 1)").catch((e: unknown) => e);
    expect((err as DoSQLError).code).toBe('NOT_SUPPORTED');
    expect(await db.query('SELECT count(*) AS n FROM a WHERE id = 99')).toEqual([{ n: 0 }]);
  });
});
