// SQL values as dosql represents them in memory. Follows SQLite's five storage classes
// (https://sqlite.org/datatype3.html §2): NULL, INTEGER, REAL, TEXT, BLOB.
//
// INTEGER is always a bigint (exact over the whole signed 64-bit range) and REAL always a
// number, so `typeof` and text rendering can tell 1 from 1.0 the way SQLite does.

/** One SQL value: null, INTEGER (bigint, signed 64-bit), REAL (number), TEXT (string), BLOB (Uint8Array). */
export type SqlValue = null | bigint | number | string | Uint8Array;

/** SQLite's storage-class names, as `typeof()` returns them. */
export type StorageClass = 'null' | 'integer' | 'real' | 'text' | 'blob';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function storageClass(v: SqlValue): StorageClass {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
      return 'integer';
    case 'number':
      return 'real';
    case 'string':
      return 'text';
    default:
      return 'blob';
  }
}
