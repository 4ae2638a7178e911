// The scalar function registry: every built-in scalar function by lower-case name.
// changes(), last_insert_rowid() and total_changes() belong to the executor, and the
// date/time functions live in datetime*.ts, the JSON functions in json/. (https://sqlite.org/lang_corefunc.html)
import type { ScalarFunction } from './function-types.js';
import { JSON_FUNCTIONS } from './json/json-functions.js';
import { CORE_FUNCTIONS } from './scalar-core.js';
import { MATH_FUNCTIONS } from './scalar-math.js';
import { SLICE_FUNCTIONS } from './scalar-slice.js';
import { TEXT_FUNCTIONS } from './scalar-text.js';

export type { FunctionContext, ScalarFunction } from './function-types.js';
export { checkArity } from './function-types.js';

const registry = new Map<string, ScalarFunction>();
for (const fn of [...CORE_FUNCTIONS, ...TEXT_FUNCTIONS, ...SLICE_FUNCTIONS, ...MATH_FUNCTIONS, ...JSON_FUNCTIONS]) registry.set(fn.name, fn);

/**
 * The built-in scalar function called `name` (any case), or undefined when there is none
 * (the binder then reports "no such function"). Check the argument count with
 * `checkArity`; for min()/max() with one argument, look up the aggregate first.
 */
export function getScalarFunction(name: string): ScalarFunction | undefined {
  return registry.get(name) ?? registry.get(name.toLowerCase());
}

/**
 * Adds a scalar function from a layer above SQL (the vector functions, src/vector), as
 * sqlite3_create_function does for extensions. A second registration under a name replaces
 * the first, so modules can be reloaded.
 */
export function registerScalarFunction(fn: ScalarFunction): void {
  registry.set(fn.name.toLowerCase(), fn);
}

/** Names of all built-in scalar functions, sorted. */
export function scalarFunctionNames(): string[] {
  return [...registry.keys()].sort();
}
