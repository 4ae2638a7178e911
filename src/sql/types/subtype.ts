// Value subtypes (https://sqlite.org/c3ref/value_subtype.html): a tag a function may attach to
// its result for the function that consumes it. SQLite's JSON functions tag the JSON text they
// return with 'J' (74), so `json_array(json('[1]'))` nests the array instead of quoting it as a
// string. A subtype lives only while a value passes directly from one expression to another
// (through CASE, COALESCE, CAST AS TEXT and the like); a value stored in a row or read back
// from a subquery's columns has none.
import type { SqlValue } from './value.js';

/** json1's subtype, ASCII 'J'. */
export const JSON_SUBTYPE = 74;

/** TEXT carrying a subtype. */
export class Subtyped {
  constructor(
    readonly value: string,
    readonly subtype: number,
  ) {}
}

/** What a subtype-aware expression yields: a plain value, or TEXT with its subtype. */
export type MaybeSubtyped = SqlValue | Subtyped;

/** The plain value. */
export function plain(v: MaybeSubtyped): SqlValue {
  return v instanceof Subtyped ? v.value : v;
}

/** JSON text tagged as such. */
export function jsonText(text: string): Subtyped {
  return new Subtyped(text, JSON_SUBTYPE);
}

export function isJsonText(v: MaybeSubtyped): v is Subtyped {
  return v instanceof Subtyped && v.subtype === JSON_SUBTYPE;
}
