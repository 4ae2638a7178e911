// Random stored values and their SQL literals. Values stay inside their column kind's classes
// (see model.ts): integral REALs never go into untyped columns. Reals are dyadic (k/4) so that
// sums are exact whatever the order and print the same in any shortest-digits renderer.
// Small domains make duplicates, join matches and constraint conflicts common.
import type { SqlValue } from '../../../src/sql/types/value.js';
import { INT64_MIN } from '../../../src/sql/types/value.js';
import type { ColumnKind, ColumnModel } from './model.js';
import type { Rng } from './random.js';

/** `key`: the column is in a primary key or unique index, so values come from a tiny domain. */
export type ValueMode = 'plain' | 'key';

const BIG_INTS: readonly bigint[] = [
  2147483647n,
  2147483648n,
  -2147483649n,
  4294967296n,
  9007199254740993n,
  4611686018427387904n,
  -4611686018427387905n,
  9223372036854775807n,
  INT64_MIN,
];

export const TEXT_POOL: readonly string[] = ['', 'a', 'A', 'b', 'ab', 'abc', 'Abc', 'ABC', 'a%c', 'a_c', ' x ', 'x y', 'zz', '10', '9', '-3', '1.5', '1e3', '0x10', 'héllo', 'HÉLLO', 'naïve', 'NULL', "it's"];
const KEY_TEXTS: readonly string[] = ['a', 'b', 'c', 'd', 'e', 'A', 'B', 'ab', '10', ''];
const BLOBS: readonly Uint8Array[] = [new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0x61]), new Uint8Array([0x61, 0x62]), new Uint8Array([0xff, 0x00]), new Uint8Array([0x31, 0x30])];

/** A random value for a column, as a literal (sometimes spelled as text the column's affinity converts). */
export function literalFor(rng: Rng, col: Pick<ColumnModel, 'kind' | 'wide' | 'notNull'>, mode: ValueMode): string {
  if (rng.chance(col.notNull ? 0.02 : 0.12)) return 'NULL';
  return sqlLiteral(valueOf(rng, col.kind, col.wide, mode));
}

export function valueOf(rng: Rng, kind: ColumnKind, wide: boolean, mode: ValueMode): SqlValue {
  const key = mode === 'key';
  switch (kind) {
    case 'int':
      if (!key && rng.chance(0.08)) return String(smallInt(rng)); // INTEGER affinity stores it as an integer
      return key ? BigInt(rng.int(0, 15)) : intValue(rng, wide);
    case 'real':
      if (rng.chance(0.1)) return intValue(rng, false); // REAL affinity stores it as a real
      return dyadic(rng, 40);
    case 'text':
      if (key) return rng.pick(KEY_TEXTS);
      if (rng.chance(0.1)) return intValue(rng, false); // TEXT affinity stores it as text
      return rng.pick(TEXT_POOL);
    case 'mixed':
      if (key) return rng.chance(0.6) ? BigInt(rng.int(0, 9)) : rng.pick(KEY_TEXTS);
      return rng.weighted<() => SqlValue>([
        [4, () => intValue(rng, wide)],
        [2, () => fraction(rng)],
        [3, () => rng.pick(TEXT_POOL)],
        [1, () => rng.pick(BLOBS)],
      ])();
  }
}

function smallInt(rng: Rng): number {
  return rng.int(-3, 12);
}

function intValue(rng: Rng, wide: boolean): bigint {
  return rng.weighted<() => bigint>([
    [7, () => BigInt(smallInt(rng))],
    [2, () => BigInt(rng.int(-1000, 1000))],
    [wide ? 2 : 0, () => rng.pick(BIG_INTS)],
  ])();
}

/** k/4 for |k| <= range: integral or not, exact in binary. */
function dyadic(rng: Rng, range: number): number {
  const v = rng.int(-range, range) / 4;
  return v === 0 ? 0 : v;
}

/** A REAL with a fractional part: (2k+1)/4. */
function fraction(rng: Rng): number {
  return (2 * rng.int(-20, 20) + 1) / 4;
}

/** SQL literal for a value: reals always with a point or exponent, INT64_MIN as an expression. */
export function sqlLiteral(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v === INT64_MIN ? '(-9223372036854775807 - 1)' : v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(1) : String(v);
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  return `X'${Buffer.from(v).toString('hex').toUpperCase()}'`;
}
