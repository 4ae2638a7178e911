// dosql against SQLite on random schemas, data, queries and data changes
// (test/support/sql-gen): 20 seeds x 150 statements. Each mismatch prints a runnable script
// (minimised setup, the statement, both engines' answers); rerun one with
// `npm run fuzz:sql -- --seed S --queries 150 --per-schema 150`.
import { describe, expect, it } from 'vitest';
import { loadDosql } from '../scripts/slt/dosql-adapter.js';
import { formatMismatch, runDifferential } from './support/sql-gen/differential.js';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const STATEMENTS = 150;

describe('dosql agrees with SQLite on random SQL', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    // Fails (does not skip) with a message naming what is missing while the SQL API is incomplete.
    await loadDosql();
    const report = await runDifferential({
      seed,
      queries: STATEMENTS,
      statementsPerSchema: STATEMENTS,
      engineA: 'sqlite',
      engineB: 'dosql',
      maxMismatches: 1,
      minimiseBudget: 60,
      timeoutMs: 20_000,
    });
    expect(report.mismatches.map(formatMismatch)).toEqual([]);
    expect(report.queries + report.changes).toBe(STATEMENTS);
  });
});
