// Row images of change events: the stored row bytes of a commit's op (new value or logged
// before image) decoded with the table's schema as of the commit, through the same code the
// table reader uses (sql/rows/row-materializer.ts), so an event's row equals what
// `SELECT * ... FOR SYSTEM_TIME AS OF LSN` returns. Decoded lazily, once, per image.
//
// Row JSON (docs/cdc.md, "Row JSON"), what raw `WALEntry.before/after` hold:
//   INTEGER  number when |v| <= 2^53 - 1, else its decimal string
//   REAL     number; +-Infinity as 9e999 / -9e999 (SQLite json1's convention)
//   TEXT     string        BLOB  {"$blob": "<base64>"}        NULL  null
import type { TableSchema } from '../sql/catalog/schema.js';
import { RowMaterializer } from '../sql/rows/row-materializer.js';
import type { JsValue } from '../sql/api/values.js';
import type { SqlValue } from '../sql/types/value.js';
import { toBase64 } from '../util/base64.js';
import { setOwn } from '../util/record.js';

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** UTF-8 JSON bytes whose `toString()` is the JSON text (so `JSON.parse(bytes)` works too). */
export class JsonBytes extends Uint8Array {
  override toString(): string {
    return utf8d.decode(this);
  }
}

const materializers = new WeakMap<TableSchema, RowMaterializer>();

function materializer(t: TableSchema): RowMaterializer {
  let m = materializers.get(t);
  if (!m) materializers.set(t, (m = new RowMaterializer(t)));
  return m;
}

/** One side of a row change: decoded on demand. */
export class RowImage {
  private values: SqlValue[] | undefined;
  private jsonBytes: JsonBytes | undefined;

  constructor(
    readonly table: TableSchema,
    /** The row's user key (branch, table, key tuple). */
    readonly uk: Uint8Array,
    /** Where its key tuple starts in `uk`. */
    readonly tupleStart: number,
    readonly branch: number,
    /** Stored row value (docs/format/row.md). */
    readonly bytes: Uint8Array,
  ) {}

  /** Column values in declared order, then the rowid (rowid tables). Throws CORRUPTION for damaged bytes. */
  sqlValues(): SqlValue[] {
    return (this.values ??= materializer(this.table).materialize(this.uk, this.bytes, this.branch));
  }

  /** Column name → value, as `DB().query` returns rows (bigint beyond ±2^53 even without safeIntegers: a stream must not fail on a value). */
  object(safeIntegers: boolean): Record<string, JsValue> {
    const v = this.sqlValues();
    const o: Record<string, JsValue> = {};
    const cols = this.table.columns;
    for (let i = 0; i < cols.length; i++) setOwn(o, cols[i]!.name, jsValue(v[i]!, safeIntegers));
    return o;
  }

  /** The row as UTF-8 JSON (see the header). */
  json(): JsonBytes {
    if (!this.jsonBytes) {
      const v = this.sqlValues();
      const cols = this.table.columns;
      let s = '{';
      for (let i = 0; i < cols.length; i++) s += (i ? ',' : '') + JSON.stringify(cols[i]!.name) + ':' + jsonValue(v[i]!);
      s += '}';
      const b = utf8.encode(s);
      this.jsonBytes = new JsonBytes(b.length);
      this.jsonBytes.set(b);
    }
    return this.jsonBytes;
  }

  /** The key as values: `[rowid]` for rowid tables, the PRIMARY KEY column values otherwise. */
  keyValues(safeIntegers: boolean): JsValue[] {
    const v = this.sqlValues();
    const t = this.table;
    if (!t.withoutRowid) return [jsValue(v[t.columns.length]!, safeIntegers)];
    return t.primaryKey.map((i) => jsValue(v[i]!, safeIntegers));
  }

  /** The key tuple bytes (docs/format/keys.md), without branch and table. */
  key(): Uint8Array {
    return this.uk.subarray(this.tupleStart);
  }
}

/** A SQL value for JavaScript: INTEGER as number when exact (or always bigint with safeIntegers). */
export function jsValue(v: SqlValue, safeIntegers: boolean): JsValue {
  if (typeof v !== 'bigint') return v;
  if (safeIntegers || v > 9007199254740991n || v < -9007199254740991n) return v;
  return Number(v);
}

/** One SQL value as row JSON text. */
export function jsonValue(v: SqlValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
      return v > 9007199254740991n || v < -9007199254740991n ? `"${v}"` : v.toString();
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? '9e999' : v < 0 ? '-9e999' : 'null';
    case 'string':
      return JSON.stringify(v);
    default:
      return `{"$blob":"${toBase64(v)}"}`;
  }
}
