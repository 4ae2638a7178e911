// Gathering an operator's rows into one array: for subqueries and derived tables (collect),
// for statements that need every input row before acting (collectCharged), and for a result
// returned whole (collectResult), which is charged to the statement's memory budget and
// counted against its result caps while it grows.
import type { ExecEnv, Row } from './env.js';
import type { Operator } from './operators.js';
import { rowBytes } from './statement-guard.js';

/**
 * Every row of `op` for a statement that must have them all before it acts (INSERT ... SELECT,
 * UPDATE, DELETE), charged to the statement's memory budget as `what` (for the statement's life).
 */
export async function collectCharged(op: Operator, env: ExecEnv, what: string): Promise<Row[]> {
  const rows: Row[] = [];
  const guard = env.guard;
  for await (const b of op.run(env)) {
    for (const r of b) {
      guard.charge(rowBytes(r), what);
      rows.push(r);
    }
  }
  return rows;
}

/** Collects every row of an operator. */
export function collect(op: Operator, env: ExecEnv, cap = Infinity): Promise<Row[]> | Row[] {
  if (op.runOnce) {
    const r = op.runOnce(env);
    if (cap === Infinity) return r;
    return r instanceof Promise ? r.then((rows) => rows.slice(0, cap)) : r.slice(0, cap);
  }
  return collectAsync(op, env, cap);
}

async function collectAsync(op: Operator, env: ExecEnv, cap: number): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const b of op.run(env)) {
    for (const r of b) {
      rows.push(r);
      if (rows.length >= cap) return rows;
    }
  }
  return rows;
}

/**
 * Every row of a statement's result, charged to its memory budget and counted against its
 * result caps as it is collected (so an oversized result stops before it is all in memory).
 */
export function collectResult(op: Operator, env: ExecEnv): Row[] | Promise<Row[]> {
  if (op.runOnce) {
    const r = op.runOnce(env);
    return r instanceof Promise ? r.then((rows) => accountResult(rows, env)) : accountResult(r, env);
  }
  return collectResultAsync(op, env);
}

async function collectResultAsync(op: Operator, env: ExecEnv): Promise<Row[]> {
  const rows: Row[] = [];
  const guard = env.guard;
  for await (const b of op.run(env)) {
    for (const r of b) {
      const n = rowBytes(r);
      guard.charge(n, 'the result');
      guard.resultRow(n);
      rows.push(r);
    }
  }
  return rows;
}

/** Charges and counts rows a statement returns that were made whole (RETURNING, point lookups). */
export function accountResult(rows: Row[], env: ExecEnv): Row[] {
  const guard = env.guard;
  for (const r of rows) {
    const n = rowBytes(r);
    guard.charge(n, 'the result');
    guard.resultRow(n);
  }
  return rows;
}
