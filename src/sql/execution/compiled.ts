// The contract between the planner and the operators. The planner compiles each expression
// into a `Compiled`: a synchronous closure over a row plus what the planner learned about it
// (affinity, collation, which sources and enclosing levels it reads). Subqueries inside it
// are `SubqueryRef`s whose plans (`SubPlan`) execution runs before the closure (evaluate.ts),
// so the closures stay cheap and execution never plans anything itself.
import type { KeyValue } from '../../mvcc/key-codec.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import type { ExecEnv, Row } from './env.js';

/** A compiled expression's closure: its value on `row` (subquery results already in env.sub). */
export type Ev = (row: Row, env: ExecEnv) => SqlValue;

/** A planned subquery whose result the caller computes before evaluating the expression. */
export interface SubqueryRef {
  /** Where its result goes: env.sub[slot] (a value, a boolean for EXISTS, an InSet for IN, the first row or null for 'row'). */
  readonly slot: number;
  readonly kind: 'scalar' | 'exists' | 'in' | 'row';
  readonly plan: SubPlan;
  /** References a column of an enclosing query: re-run per outer row. */
  readonly correlated: boolean;
  /** Nesting level of the scope the subquery sits in (its outer row goes to env.outer[level]). */
  readonly level: number;
}

/** What execution needs from a planned SELECT (implemented by planner/plan-select.ts). */
export interface SubPlan {
  readonly columnCount: number;
  readonly affinities: readonly (Affinity | null)[];
  readonly collations: readonly (Collation | undefined)[];
  /** Minimum nesting level referenced from inside (Infinity when uncorrelated). */
  readonly minOuterLevel: number;
  /** Enclosing-query columns referenced from inside: [level, source index] pairs. */
  readonly outerRefs: readonly (readonly [number, number])[];
  run(env: ExecEnv, limit?: number): Row[] | Promise<Row[]>;
  /**
   * The rows in batches as they are made, for a consumer that may stop early (a derived
   * table or CTE scanned by the outermost loop of a join under a LIMIT). Undefined when the
   * plan can only produce all of its rows at once.
   */
  stream?(env: ExecEnv): AsyncGenerator<Row[]>;
  /** Only the rows of one primary key (history leaves: a key lookup instead of a scan). */
  runKey?(env: ExecEnv, key: readonly KeyValue[]): Promise<Row[]>;
  /** Per result column, the subtype every TEXT value of it carries (a scalar subquery passes it on). */
  readonly subtypes?: readonly (number | undefined)[];
}

export interface Compiled {
  readonly ev: Ev;
  /** Affinity for comparisons: a column's, a CAST's; null means none. */
  readonly affinity: Affinity | null;
  /** Collation of a column reference, or explicit COLLATE. */
  readonly collation: Collation | undefined;
  readonly explicitCollation: boolean;
  readonly subqueries: readonly SubqueryRef[];
  /** Sources of the current scope that are referenced (by ScopeSource.index). */
  readonly sources: ReadonlySet<number>;
  /** Lowest enclosing level referenced (Infinity if none). */
  readonly minOuterLevel: number;
  /** No row, parameter-free of subqueries, deterministic: may be folded. */
  readonly constant: boolean;
  /** The expression is a plain column reference to this row position. */
  readonly columnIndex?: number;
  /**
   * The value with its subtype (types/subtype.ts), for the consumers that read subtypes (the
   * JSON functions): set on expressions whose value can carry one (a JSON function's result, a
   * CASE or COALESCE choosing one, json_each's value column). Undefined: never subtyped.
   */
  readonly evSubtype?: (row: Row, env: ExecEnv) => MaybeSubtyped;
  /** Every TEXT value this yields carries this subtype (so it can be restored after passing through a row). */
  readonly resultSubtype?: number;
}
