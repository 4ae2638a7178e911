// Running compiled expressions (compiled.ts): the subqueries an expression needs are run
// first and their results put in env.sub, then the synchronous closure reads them. The
// fast paths skip the promise when an expression has no subqueries.
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled, SubqueryRef } from './compiled.js';
import type { ExecEnv, Row } from './env.js';
import { InSet } from './in-set.js';
import { rowBytes } from './statement-guard.js';
import * as ops from './value-ops.js';

/** Computes the results of `subs` for `row` into env.sub (cached when uncorrelated). */
export async function prepareSubqueries(subs: readonly SubqueryRef[], row: Row, env: ExecEnv): Promise<void> {
  for (const s of subs) {
    if (!s.correlated) {
      const hit = env.subCache.get(s.slot);
      if (hit !== undefined) {
        env.sub[s.slot] = hit;
        continue;
      }
    }
    const saved = env.outer[s.level];
    env.outer[s.level] = row;
    let res: unknown;
    try {
      if (s.kind === 'scalar') {
        const rows = await s.plan.run(env, 1);
        res = rows.length ? rows[0]![0]! : null;
      } else if (s.kind === 'row') {
        res = (await s.plan.run(env, 1))[0] ?? null;
      } else if (s.kind === 'exists') {
        res = (await s.plan.run(env, 1)).length > 0;
      } else {
        const rows = await s.plan.run(env);
        // The set is held until the next outer row (correlated) or the statement's end.
        let bytes = 0;
        for (const r of rows) bytes += rowBytes(r);
        env.guard.charge(bytes, 'an IN (SELECT ...) list');
        env.guard.release(env.subBytes.get(s.slot) ?? 0);
        env.subBytes.set(s.slot, bytes);
        res = new InSet(rows);
      }
    } finally {
      if (saved !== undefined) env.outer[s.level] = saved;
    }
    env.sub[s.slot] = res;
    if (!s.correlated) env.subCache.set(s.slot, res);
  }
}

/** Evaluates `c` on `row`, preparing its subqueries first when it has any. */
export function evaluate(c: Compiled, row: Row, env: ExecEnv): SqlValue | Promise<SqlValue> {
  if (c.subqueries.length === 0) return c.ev(row, env);
  return prepareSubqueries(c.subqueries, row, env).then(() => c.ev(row, env));
}

/** Evaluates `c` on `row` keeping the value's subtype (Compiled.evSubtype), preparing subqueries first. */
export function evaluateSubtyped(c: Compiled, row: Row, env: ExecEnv): MaybeSubtyped | Promise<MaybeSubtyped> {
  const f = c.evSubtype ?? c.ev;
  if (c.subqueries.length === 0) return f(row, env);
  return prepareSubqueries(c.subqueries, row, env).then(() => f(row, env));
}


/** Keeps the rows for which every predicate is true (NULL counts as false). */
export async function filterRows(rows: Row[], preds: readonly Compiled[], env: ExecEnv): Promise<Row[]> {
  if (preds.length === 0) return rows;
  const out: Row[] = [];
  const needsAsync = preds.some((p) => p.subqueries.length > 0);
  for (const r of rows) {
    let ok = true;
    for (const p of preds) {
      const v = needsAsync ? await evaluate(p, r, env) : p.ev(r, env);
      if (ops.toBool(v) !== true) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(r);
  }
  return out;
}

/** True when every predicate is true on `row` (NULL counts as false); a promise only once a predicate with subqueries is reached. */
export function predicatesPass(preds: readonly Compiled[], row: Row, env: ExecEnv): boolean | Promise<boolean> {
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i]!;
    if (p.subqueries.length) return predicatesPassAsync(preds, i, row, env);
    if (ops.toBool(p.ev(row, env)) !== true) return false;
  }
  return true;
}

async function predicatesPassAsync(preds: readonly Compiled[], from: number, row: Row, env: ExecEnv): Promise<boolean> {
  for (let i = from; i < preds.length; i++) {
    if (ops.toBool(await evaluate(preds[i]!, row, env)) !== true) return false;
  }
  return true;
}
