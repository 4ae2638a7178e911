// Result sets as Apache Arrow IPC stream bytes (apache-arrow), for `--format arrow`:
// `dosql sql db "SELECT ..." --format arrow > out.arrows` is readable by pyarrow, DuckDB
// (`read_arrow` extension), polars and apache-arrow's `tableFromIPC`.
//
// SQLite-style columns may mix types, so each column's Arrow type comes from its values:
// all INTEGER -> Int64, numbers (INTEGER and REAL) -> Float64, all TEXT -> Utf8, all BLOB ->
// Binary, only NULLs -> Null, any other mix -> Utf8 of the values' text.
import { Binary, Float64, Int64, Null, Table, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { JsValue } from '../sql/api/values.js';
import { valueText, type ResultSet } from './format.js';
import { setOwn } from '../util/record.js';

function columnVector(values: JsValue[]): Vector {
  let ints = 0;
  let reals = 0;
  let texts = 0;
  let blobs = 0;
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'bigint') ints++;
    else if (typeof v === 'number') reals++;
    else if (typeof v === 'string') texts++;
    else blobs++;
  }
  const kinds = [ints, reals, texts, blobs].filter((k) => k > 0).length;
  let type: DataType;
  let data: unknown[] = values;
  if (kinds === 0) type = new Null();
  else if (ints > 0 && kinds === 1) type = new Int64();
  else if ((ints > 0 || reals > 0) && texts === 0 && blobs === 0) {
    type = new Float64();
    data = values.map((v) => (v === null ? null : Number(v)));
  } else if (texts > 0 && kinds === 1) type = new Utf8();
  else if (blobs > 0 && kinds === 1) type = new Binary();
  else {
    type = new Utf8();
    data = values.map((v) => valueText(v));
  }
  return vectorFromArray(data, type);
}

/** The IPC stream bytes of `r`. Duplicate column names get a `_2`, `_3`, ... suffix (Arrow fields are looked up by name). */
export function formatArrow(r: ResultSet): Uint8Array {
  const cols: Record<string, Vector> = {};
  const seen = new Map<string, number>();
  r.columns.forEach((name, i) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    setOwn(cols, n === 1 ? name : `${name}_${n}`, columnVector(r.rows.map((row) => row[i] ?? null)));
  });
  return tableToIPC(new Table(cols), 'stream');
}
