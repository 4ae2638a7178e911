// Building blocks shared by the expression compilers (compile-*.ts): how a node's facts
// (sources read, subqueries, enclosing levels, constancy) combine from its operands.
import type { Compiled, Ev, SubqueryRef } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import type { Affinity } from '../types/affinity.js';
import type { SqlValue } from '../types/value.js';

/** The empty source set (shared: most nodes read no source of their own). */
export const NONE: ReadonlySet<number> = new Set();

export function union(a: ReadonlySet<number>, b: ReadonlySet<number>): ReadonlySet<number> {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}

/**
 * A node computed by `ev` from its operands `parts`: it reads what they read, needs their
 * subqueries, and is constant when they all are. No affinity or collation unless `extra` says.
 */
export function merge(parts: readonly Compiled[], ev: Ev, extra: Partial<Compiled> = {}): Compiled {
  let sources = NONE;
  let subs: SubqueryRef[] = [];
  let minOuter = Infinity;
  let constant = true;
  for (const p of parts) {
    sources = union(sources, p.sources);
    if (p.subqueries.length) subs = subs.concat(p.subqueries);
    minOuter = Math.min(minOuter, p.minOuterLevel);
    constant &&= p.constant;
  }
  return {
    ev,
    affinity: null,
    collation: undefined,
    explicitCollation: false,
    subqueries: subs,
    sources,
    minOuterLevel: minOuter,
    constant,
    ...extra,
  };
}

/** A constant value. */
export function literal(v: SqlValue): Compiled {
  return { ev: () => v, affinity: null, collation: undefined, explicitCollation: false, subqueries: [], sources: NONE, minOuterLevel: Infinity, constant: true };
}

/** `ev` with affinity `aff` applied to its result (none when null). */
export function convert(ev: Ev, aff: Affinity | null): Ev {
  if (aff === null) return ev;
  return (row, env) => ops.applyAffinity(ev(row, env), aff);
}
