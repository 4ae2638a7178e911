// The JSON operators (https://sqlite.org/json1.html#jptr): `j -> path` is the JSON text at
// path (carrying the JSON subtype), `j ->> path` its SQL value. The path may be abbreviated:
// `j -> 'key'`, `j -> 2` (an array index; negative counts from the end).
import type { Compiled } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import { subtypedCall } from './compile-subtype.js';

export function compileJsonArrow(op: '->' | '->>', json: Compiled, path: Compiled): Compiled {
  return subtypedCall(ops.jsonOperator(op), [json, path], {});
}
