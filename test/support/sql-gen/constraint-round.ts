// A differential round over constraints that act: a random foreign-key schema (fk-gen.ts,
// every ON DELETE / ON UPDATE action, no deferred constraints), trigger schema
// (trigger-gen.ts: triggers writing other tables, RAISE, WHEN, INSTEAD OF on a view) or schema
// of generated columns, AUTOINCREMENT, expression and partial indexes (ddl-rest-gen.ts), then
// random statements over it. After each statement both engines must agree on its outcome
// and on every table. Mismatches are reported with the statements that led to them (not
// minimised: a later statement depends on the actions of the earlier ones).
import type { DifferentialOptions, DifferentialReport, Mismatch } from './differential.js';
import { attempt, describe, open, outcomeDiff } from './differential.js';
import { genRestSchema, genRestStatement } from './ddl-rest-gen.js';
import { genFkSchema, genFkStatement } from './fk-gen.js';
import type { Rng } from './random.js';
import { genTriggerSchema, genTriggerStatement } from './trigger-gen.js';

export async function constraintRound(rng: Rng, o: DifferentialOptions, round: number, steps: number, report: DifferentialReport, max: number): Promise<void> {
  const kind = rng.weighted<'fk' | 'trigger' | 'rest'>([
    [1, 'fk'],
    [1, 'trigger'],
    [1, 'rest'],
  ]);
  const fk = kind === 'fk' ? genFkSchema(rng, false) : undefined;
  const tr = kind === 'trigger' ? genTriggerSchema(rng) : undefined;
  const rest = kind === 'rest' ? genRestSchema(rng) : undefined;
  const setup = fk ? fk.statements : tr ? tr.statements : rest!.statements;
  const tables = fk ? fk.tables.map((t) => t.name) : tr ? tr.tables : rest!.tables;
  const next = (): string => (fk ? genFkStatement(rng, fk) : tr ? genTriggerStatement(rng) : genRestStatement(rng));
  report.schemas++;
  const a = await open(o.engineA);
  const b = await open(o.engineB);
  const history: string[] = [];
  const fail = (kind: Mismatch['kind'], sql: string, detail: string, da: string, db: string): void => {
    const m: Mismatch = { seed: o.seed, round, kind, sql, setup: [...history], minimised: false, detail, a: da, b: db };
    report.mismatches.push(m);
    o.onMismatch?.(m);
  };
  try {
    for (const sql of setup) {
      const [ra, rb] = [await attempt(a, sql, 'run', o.timeoutMs), await attempt(b, sql, 'run', o.timeoutMs)];
      const why = outcomeDiff(ra, rb, false);
      if (why !== undefined) return fail('setup', sql, why, describe(ra), describe(rb));
      history.push(sql);
    }
    for (let i = 0; i < steps && report.mismatches.length < max; i++) {
      const sql = next();
      const how = /^\s*(SELECT|PRAGMA foreign_key_check)/i.test(sql) ? 'query' : 'run';
      report.changes++;
      const [ra, rb] = [await attempt(a, sql, how, o.timeoutMs), await attempt(b, sql, how, o.timeoutMs)];
      if (!ra.ok && !rb.ok) report.bothFailed++;
      const why = outcomeDiff(ra, rb, false);
      if (why !== undefined) return fail(ra.ok && rb.ok ? (how === 'query' ? 'result' : 'changes') : 'error', sql, why, describe(ra), describe(rb));
      for (const t of tables) {
        const check = `SELECT * FROM ${t}`;
        const [ta, tb] = [await attempt(a, check, 'query', o.timeoutMs), await attempt(b, check, 'query', o.timeoutMs)];
        const tableWhy = outcomeDiff(ta, tb, false);
        if (tableWhy !== undefined) return fail('table', sql, `${t} after the statement: ${tableWhy}`, describe(ta), describe(tb));
      }
      history.push(sql);
    }
  } finally {
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
  }
}
