// CAST(expr AS type): a forced conversion to the affinity of the type name, unlike affinity,
// which only converts when no information is lost. (https://sqlite.org/lang_expr.html
// "CAST expressions"; sqlite3VdbeMemCast in vdbemem.c)
import { affinityOfDeclaredType, type Affinity } from './affinity.js';
import { realSameAsInt, realToInt64, toBlob, toInt64, toReal, toText } from './convert.js';
import { ATOF_REAL, atof, atoi64, type NumberSlot } from './numeric-text.js';
import { utf8Decode } from './utf8.js';
import type { SqlValue } from './value.js';

const slot: NumberSlot = { real: 0, int: 0n };

/** CAST(v AS typeName): the affinity of the type name (datatype3.html §3.1) decides. */
export function castTo(v: SqlValue, typeName: string): SqlValue {
  return castToAffinity(v, affinityOfDeclaredType(typeName));
}

/**
 * sqlite3VdbeMemCast: a forced conversion. INTEGER truncates REALs and saturates; NUMERIC
 * keeps INTEGER/REAL and reads TEXT/BLOB by prefix ('12abc' → 12, '1e3' → 1000, 'x' → 0);
 * REAL; TEXT renders numbers and reinterprets BLOB bytes as UTF-8; BLOB takes the UTF-8
 * bytes of the text form. NULL stays NULL.
 */
export function castToAffinity(v: SqlValue, affinity: Affinity): SqlValue {
  if (v === null) return null;
  switch (affinity) {
    case 'INTEGER':
      return toInt64(v);
    case 'REAL':
      return toReal(v);
    case 'NUMERIC':
      if (typeof v === 'bigint' || typeof v === 'number') return v;
      return numerify(typeof v === 'string' ? v : utf8Decode(v));
    case 'TEXT':
      return toText(v);
    case 'BLOB':
      return toBlob(v);
  }
}

/** sqlite3VdbeMemNumerify for TEXT. */
function numerify(text: string): bigint | number {
  const rc = atof(text, slot);
  const real = slot.real;
  if ((rc & ATOF_REAL) === 0 && atoi64(text, slot) < 2) return slot.int;
  const asInt = realToInt64(real);
  if (realSameAsInt(real)) return asInt;
  return real;
}
