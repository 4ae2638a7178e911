// The right side of `x IN (SELECT ...)`, materialised once per statement (uncorrelated) or per
// outer row (correlated) by evaluate.ts, and probed by the compiled IN expression.
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { Row } from './env.js';
import * as ops from './value-ops.js';

/** The subquery's first column: its non-NULL values, and whether a NULL was among them. */
export class InSet {
  readonly values: SqlValue[] = [];
  hasNull = false;
  private cache = new Map<string, Map<unknown, true>>();

  constructor(rows: readonly Row[]) {
    for (const r of rows) {
      const v = r[0]!;
      if (v === null) this.hasNull = true;
      else this.values.push(v);
    }
  }

  contains(v: SqlValue, rightAff: Affinity | null, coll: Collation): boolean {
    const key = `${rightAff}:${coll}`;
    let m = this.cache.get(key);
    if (!m) {
      m = new Map();
      for (const w of this.values) m.set(ops.hashKey(rightAff ? ops.applyAffinity(w, rightAff) : w, coll), true);
      this.cache.set(key, m);
    }
    return m.has(ops.hashKey(v, coll));
  }
}
