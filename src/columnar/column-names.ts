// Parquet column names (docs/format/columnar.md, "Column names"). A column's name in the
// schema is data — any string SQLite accepts ('..', 'a/b', 'x.y', '', 300 bytes, non-ASCII,
// '_dosql_lsn') — and is kept as is in the table's Iceberg schema. Inside a Parquet file the
// column gets a name every reader can use: Apache Iceberg's Avro-compatible form (Java
// Iceberg's AvroSchemaUtil.makeCompatibleName, which its Parquet writer applies and name-based
// readers such as icebird expect), made unique within the file. Readers that follow the
// Iceberg spec map columns by field id and never depend on these names.
import { RESERVED_PREFIX } from './format.js';
import type { ColumnDef } from './schema.js';

/**
 * The Parquet name of each column of `columns`, in order. Reserved (metadata) and `verbatimName` columns keep their names;
 * a user column gets {@link avroCompatibleName} of its name, with a leading `_dosql_` turned
 * into `_x5Fdosql_` (that prefix is reserved for metadata and shadow columns), an empty result
 * becoming `_`, and `_<field id>` appended (repeatedly) while the name is taken, compared
 * without regard to ASCII case. Names of letters, digits and `_` not starting with a digit
 * or `_dosql_` stay as they are. Every result is a fixed point of `avroCompatibleName`.
 */
export function parquetColumnNames(columns: readonly ColumnDef[]): string[] {
  const out = new Array<string>(columns.length);
  const taken = new Set<string>();
  columns.forEach((c, i) => {
    if (!c.reserved && !c.verbatimName) return;
    out[i] = c.name;
    taken.add(c.name.toLowerCase());
  });
  columns.forEach((c, i) => {
    if (out[i] !== undefined) return;
    let name = avroCompatibleName(c.name);
    if (name.startsWith(RESERVED_PREFIX)) name = `_x5F${name.slice(1)}`;
    if (name === '') name = '_';
    while (taken.has(name.toLowerCase())) name = `${name}_${c.fieldId}`;
    taken.add(name.toLowerCase());
    out[i] = name;
  });
  return out;
}

/**
 * Iceberg's Avro-compatible name, as icebird's `sanitize` spells it: ASCII letters, digits
 * and `_` stay; any other UTF-16 unit becomes `_x` and its code in upper-case hex; a leading
 * digit gets a `_` before it. ('a/b' -> 'a_x2Fb', '1st' -> '_1st', '日本' -> '_x65E5_x672C'.)
 */
export function avroCompatibleName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    const u = name.charCodeAt(i);
    const letter = (u >= 0x41 && u <= 0x5a) || (u >= 0x61 && u <= 0x7a);
    const digit = u >= 0x30 && u <= 0x39;
    if (letter || ch === '_' || (digit && i > 0)) out += ch;
    else if (digit) out += `_${ch}`;
    else out += `_x${u.toString(16).toUpperCase()}`;
  }
  return out;
}
