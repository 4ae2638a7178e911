// Result sets as Apache Arrow IPC stream bytes, for `--format arrow` and `.mode arrow`:
// `dosql sql db "SELECT ..." --format arrow > out.arrows` is readable by pyarrow, DuckDB
// (`read_arrow` extension), polars and apache-arrow's `tableFromIPC`. The encoder is the one
// the API (`stmt.arrow()`) and the Worker use (src/util/arrow-result.ts; types in docs/arrow.md).
import { resultToArrowStream } from '../util/arrow-result.js';
import type { ResultSet } from './format.js';

/**
 * The IPC stream bytes of `r` (rows as the CLI reads them: INTEGER as bigint). A repeated
 * column name gets `:2`, `:3`, ... (Arrow fields are looked up by name).
 */
export function formatArrow(r: ResultSet): Uint8Array {
  return resultToArrowStream(r.columns, r.rows);
}
