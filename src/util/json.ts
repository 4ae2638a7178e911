// JSON.stringify replacers for values JSON cannot carry. Identity keys only: not a persisted format
// (the catalog's persisted form is in sql/catalog/schema.ts).

/** bigint → "<n>n", bytes → array of numbers: equal values give equal text. */
export function identityJson(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v;
}
