// The differential fuzzer's own checks: generators are deterministic and produce SQL that
// SQLite accepts, answers never depend on scan order (SQLite against SQLite with
// PRAGMA reverse_unordered_selects), comparison is strict about storage classes, and a broken
// engine is caught with a reproducible, minimised script.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SqlEngineAdapter } from '../../../scripts/slt/adapter.js';
import { openSqlite } from '../../../scripts/slt/sqlite-adapter.js';
import { formatMismatch, runDifferential } from './differential.js';
import { generateData, generateDml } from './dml-gen.js';
import { minimiseSetup } from './minimise.js';
import { INT, MIXED, REAL, REAL_FRACTION, TEXT, arithmeticOf, setSafe } from './model.js';
import { generateQuery } from './query-gen.js';
import { Rng, deriveSeed } from './random.js';
import { diffResults, sameValue } from './result-compare.js';
import { generateSchema } from './schema-gen.js';

/** Everything one round generates from a seed, as SQL text. */
function script(seed: number, steps: number): string[] {
  const rng = new Rng(seed);
  const schema = generateSchema(rng);
  const out = [...schema.ddl, ...generateData(rng, schema)];
  for (let i = 0; i < steps; i++) out.push(rng.chance(0.2) ? generateDml(rng, schema).sql : generateQuery(rng, schema).sql);
  return out;
}

describe('generators', () => {
  it('are deterministic per seed and differ across seeds', () => {
    expect(script(42, 50)).toEqual(script(42, 50));
    expect(script(42, 50)).not.toEqual(script(43, 50));
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
  });

  it('produce schemas, data and queries that SQLite accepts', () => {
    let queries = 0;
    let rejected = 0;
    let nonEmpty = 0;
    for (let round = 0; round < 30; round++) {
      const rng = new Rng(deriveSeed(7, round));
      const schema = generateSchema(rng);
      expect(schema.tables.length).toBeGreaterThanOrEqual(2);
      expect(schema.tables.length).toBeLessThanOrEqual(4);
      const db = new Database(':memory:');
      for (const s of schema.ddl) db.exec(s);
      for (const s of generateData(rng, schema)) db.exec(s);
      for (let i = 0; i < 100; i++) {
        const q = generateQuery(rng, schema);
        queries++;
        try {
          if (db.prepare(q.sql).all().length > 0) nonEmpty++;
        } catch {
          rejected++;
        }
      }
      db.close();
    }
    // Window calls are made invalid on purpose now and then (window-gen.ts: both engines must
    // reject them), about 1% of statements, more or less with the random stream.
    expect(rejected / queries).toBeLessThan(0.02);
    expect(nonEmpty / queries).toBeGreaterThan(0.4);
  });

  it('avoid the shapes SQLite fails on wrongly: aggregates only inside window calls of a GROUP BY-less SELECT', () => {
    // SQLite (3.53) pushes an outer WHERE / ON term into such a subquery and then fails with
    // "HAVING clause on a non-aggregate query"; query-gen.ts adds a plain aggregate to them.
    // The shape is rare: the generator of main made one in round 76 of this seed.
    const bogus: string[] = [];
    for (let round = 0; round < 80 && bogus.length === 0; round++) {
      const rng = new Rng(deriveSeed(11, round));
      const schema = generateSchema(rng);
      const db = new Database(':memory:');
      for (const s of schema.ddl) db.exec(s);
      for (let i = 0; i < 100; i++) {
        const q = generateQuery(rng, schema);
        try {
          db.prepare(q.sql).all();
        } catch (e) {
          if (String(e).includes('HAVING clause on a non-aggregate query')) bogus.push(q.sql);
        }
      }
      db.close();
    }
    expect(bogus).toEqual([]);
  });

  it('cover the required schema and query features', () => {
    const text = Array.from({ length: 30 }, (_, s) => script(deriveSeed(3, s), 120).join('\n')).join('\n');
    for (const feature of [
      'INTEGER PRIMARY KEY',
      'WITHOUT ROWID',
      'CREATE UNIQUE INDEX',
      ' DESC)',
      'NOT NULL',
      'DEFAULT ',
      ' LEFT JOIN ',
      ' CROSS JOIN ',
      ' USING (',
      ' GROUP BY ',
      ' HAVING ',
      'SELECT DISTINCT ',
      ' UNION ALL ',
      ' UNION SELECT',
      ' INTERSECT ',
      ' EXCEPT ',
      ' LIMIT ',
      ' OFFSET ',
      'EXISTS (SELECT',
      ' IN (SELECT',
      'count(DISTINCT ',
      'group_concat(',
      'total(',
      'avg(',
      ' BETWEEN ',
      ' LIKE ',
      'CASE ',
      'CAST(',
      'coalesce(',
      'INSERT OR REPLACE',
      'INSERT OR IGNORE',
      'ON CONFLICT(',
      'DO UPDATE SET',
      'UPDATE ',
      'DELETE FROM',
      '(-9223372036854775807 - 1)',
      "X'",
      'json_each(',
      'json_tree(',
      'json_extract(',
      '->> ',
      'json_array(',
      'json_valid(',
    ]) {
      expect(text, feature).toContain(feature);
    }
  });
});

describe('value classes', () => {
  it('marks sets that may mix 1 and 1.0 as unsafe', () => {
    expect(setSafe(INT)).toBe(true);
    expect(setSafe(REAL)).toBe(true);
    expect(setSafe(MIXED)).toBe(true);
    expect(setSafe(INT | REAL)).toBe(false);
    expect(arithmeticOf(INT, INT)).toBe(INT);
    expect(arithmeticOf(INT, REAL_FRACTION)).toBe(REAL);
    expect(setSafe(arithmeticOf(MIXED, INT))).toBe(false);
    expect(setSafe(arithmeticOf(TEXT, TEXT))).toBe(false);
  });
});

describe('result comparison', () => {
  it('is exact about storage classes and tolerant of REAL rounding', () => {
    expect(sameValue(1n, 1)).toBe(false);
    expect(sameValue('1', 1n)).toBe(false);
    expect(sameValue(new Uint8Array([1]), new Uint8Array([1]))).toBe(true);
    expect(sameValue(new Uint8Array([1]), '\u0001')).toBe(false);
    expect(sameValue(0.1 + 0.2, 0.3)).toBe(true);
    expect(sameValue(1, 1 + 1e-9)).toBe(false);
    expect(sameValue(null, null)).toBe(true);
    expect(sameValue(null, 0n)).toBe(false);
  });

  it('compares unordered results as multisets and ordered ones row by row', () => {
    const a = [[1n], [2n], [2n]];
    expect(diffResults(a, [[2n], [1n], [2n]], false)).toBe(undefined);
    expect(diffResults(a, [[2n], [1n], [2n]], true)).toMatch(/row 0 differs/);
    expect(diffResults(a, [[1n], [1n], [2n]], false)).toMatch(/differs/);
    expect(diffResults(a, [[1n], [2n]], false)).toMatch(/row counts differ: 3 vs 2/);
  });
});

describe('minimiseSetup', () => {
  it('keeps only the statements the mismatch needs, and the tables they use', async () => {
    const setup = ['CREATE TABLE t0(a)', 'CREATE TABLE t1(b)', ...Array.from({ length: 20 }, (_, i) => `INSERT INTO t0 VALUES(${i})`)];
    const cut = await minimiseSetup(setup, 'SELECT * FROM t0', async (s) => s.includes('INSERT INTO t0 VALUES(7)') && s.includes('INSERT INTO t0 VALUES(13)'));
    expect(cut).toEqual(['CREATE TABLE t0(a)', 'INSERT INTO t0 VALUES(7)', 'INSERT INTO t0 VALUES(13)']);
    expect(await minimiseSetup(setup, 'SELECT 1', async () => false)).toBe(undefined);
  });
});

describe('runDifferential', () => {
  it('finds no mismatch between SQLite and itself', async () => {
    const report = await runDifferential({ seed: 11, queries: 600, engineA: 'sqlite', engineB: 'sqlite' });
    expect(report.mismatches.map(formatMismatch)).toEqual([]);
    expect(report.queries + report.changes).toBe(600);
    expect(report.changes).toBeGreaterThan(50);
  });

  it('asks only questions whose answer does not depend on scan order', async () => {
    for (const seed of [1, 2, 3]) {
      const report = await runDifferential({ seed, queries: 1500, engineA: 'sqlite', engineB: async () => openSqlite({ reverseUnorderedSelects: true }) });
      expect(report.mismatches.map(formatMismatch)).toEqual([]);
    }
  });

  it('catches an engine that returns integers as reals, with a runnable minimised script', async () => {
    const lossy = async (): Promise<SqlEngineAdapter> => {
      const db = openSqlite();
      return {
        ...db,
        async query(sql) {
          const r = await db.query(sql);
          return { columns: r.columns, rows: r.rows.map((row) => row.map((v) => (typeof v === 'bigint' && v > 10n ? Number(v) : v))) };
        },
      };
    };
    const found: string[] = [];
    const report = await runDifferential({ seed: 5, queries: 300, engineA: 'sqlite', engineB: lossy, maxMismatches: 1, onMismatch: (m) => found.push(m.kind) });
    // Row values and rowids both go through query(): the first symptom is a wrong result or a wrong table.
    expect(found).toHaveLength(1);
    expect(['result', 'table']).toContain(found[0]);
    const m = report.mismatches[0]!;
    expect(m.minimised).toBe(true);
    const text = formatMismatch(m);
    expect(text).toContain(`${m.sql};`);
    expect(text).toMatch(/-- engine A: .*\n-- engine B: /);
    // The script reproduces on a plain SQLite database: setup runs, the statement answers.
    const db = new Database(':memory:');
    for (const s of m.setup) {
      try {
        db.exec(s);
      } catch {
        // statements that failed in the run fail here too; they changed nothing then either
      }
    }
    const stmt = db.prepare(m.sql);
    expect(() => (stmt.reader ? stmt.all() : stmt.run())).not.toThrow();
    db.close();
  });
});
