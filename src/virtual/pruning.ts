// Deciding from partition values and row-group statistics alone what cannot match a WHERE
// (external-refs.ts hands over `column op constant` conjuncts). Comparisons follow SQLite's:
// the constant is first converted by the column's affinity (datatype3.html §4.2), then
// compared in SQLite's order across storage classes (NULL < numbers < text < blob). A NULL
// constant matches nothing. Only what is proven unmatched is skipped.
import type { ExternalPredicate } from '../sql/planner/external-tables.js';
import { applyComparisonAffinity, comparisonAffinity, type Affinity } from '../sql/types/affinity.js';
import { compareValues } from '../sql/types/compare.js';
import type { SqlValue } from '../sql/types/value.js';

function converted(p: ExternalPredicate, affinity: Affinity): SqlValue[] {
  const a = comparisonAffinity(affinity, undefined);
  return p.values.map((v) => applyComparisonAffinity(v, a));
}

/** Whether a row whose column holds `value` can satisfy `p`. */
export function valueMayMatch(p: ExternalPredicate, affinity: Affinity, value: SqlValue): boolean {
  if (value === null) return false;
  return rangeMayMatch(p, affinity, value, value);
}

/** Whether some value in [min, max] (SQLite order) can satisfy `p`. */
export function rangeMayMatch(p: ExternalPredicate, affinity: Affinity, min: SqlValue, max: SqlValue): boolean {
  const vs = converted(p, affinity);
  const one = (v: SqlValue, op: ExternalPredicate['op']): boolean => {
    if (v === null) return false;
    switch (op) {
      case '=':
      case 'in':
        return compareValues(min, v) <= 0 && compareValues(v, max) <= 0;
      case '<':
        return compareValues(min, v) < 0;
      case '<=':
        return compareValues(min, v) <= 0;
      case '>':
        return compareValues(max, v) > 0;
      case '>=':
        return compareValues(max, v) >= 0;
    }
  };
  return p.op === 'in' ? vs.some((v) => one(v, 'in')) : one(vs[0] ?? null, p.op);
}
