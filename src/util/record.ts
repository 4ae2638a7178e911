// Plain objects keyed by arbitrary names: result rows keyed by column name, named parameters.
// `o[k] = v` does not store an own property for every k: for `__proto__` it runs
// Object.prototype's accessor (a primitive value is dropped, an object becomes the prototype),
// and where the intrinsics are frozen, assigning an inherited read-only name such as `toString`
// throws. Names that exist on Object.prototype are therefore defined, not assigned, so a
// column called `__proto__`, `constructor` or `toString` keeps its value as an ordinary own,
// enumerable property (JSON.stringify and Object.keys see it). better-sqlite3 drops a
// `__proto__` column; SQLite itself accepts any column name, so dosql keeps it.

/** True when assigning `k` on a plain object could do something other than store an own property. */
export function isInheritedName(k: string): boolean {
  return k in Object.prototype;
}

/** Stores `v` under `k` as an own enumerable data property, whatever `k` is. */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (isInheritedName(k)) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** True when every key can be assigned with `o[k] = v` (the fast path for building many records). */
export function assignableKeys(keys: readonly string[]): boolean {
  for (const k of keys) if (isInheritedName(k)) return false;
  return true;
}

/**
 * A plain object (prototype Object.prototype) with `keys[j]` mapped to `value(j)`; a repeated
 * key keeps its last value, as better-sqlite3 does for repeated column names. Pass
 * `assignable = assignableKeys(keys)`, computed once per result set.
 */
export function recordOf<V>(keys: readonly string[], value: (j: number) => V, assignable: boolean): Record<string, V> {
  const o: Record<string, V> = {};
  if (assignable) for (let j = 0; j < keys.length; j++) o[keys[j]!] = value(j);
  else for (let j = 0; j < keys.length; j++) setOwn(o, keys[j]!, value(j));
  return o;
}

/** `Object.hasOwn` (ES2022) for the lookups of named parameters: inherited names never count. */
export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}
