// Row values over CapnWeb: what SQL stores, INTEGER as number (bigint past 2^53 or with
// safeIntegers), BLOB as a plain Uint8Array on both ends.

/** A value in a row or a parameter. */
export type RpcValue = null | number | bigint | string | Uint8Array;
export type RpcRow = Record<string, RpcValue>;

/**
 * `rows` with every BLOB a plain Uint8Array: Node's CapnWeb decodes bytes as a Buffer (a
 * subclass, which prints and compares differently), and a Buffer from nodejs_compat would be
 * sent in its toJSON() form.
 */
export function plainRows<T extends RpcRow[] | RpcRow | undefined>(rows: T): T {
  const fix = (r: RpcRow): void => {
    for (const k of Object.keys(r)) {
      const v = r[k];
      if (v instanceof Uint8Array && v.constructor !== Uint8Array) r[k] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    }
  };
  if (Array.isArray(rows)) for (const r of rows) fix(r);
  else if (rows) fix(rows as RpcRow);
  return rows;
}
