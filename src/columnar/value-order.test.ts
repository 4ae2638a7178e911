// compareValues against SQLite's own ORDER BY (better-sqlite3 as the oracle).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import type { ColumnValue } from './schema.js';
import { compareKeys, compareValues } from './value-order.js';

function sample(rng: Prng): ColumnValue {
  switch (rng.int(6)) {
    case 0:
      return null;
    case 1:
      return rng.pick([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n, 2n ** 53n + 1n, 0n, -1n, BigInt(rng.int(100) - 50)]);
    case 2:
      return rng.pick([-0, 0.5, -1.5, 2 ** 53, 2 ** 63, -(2 ** 63), 1e300, -Infinity, Infinity, rng.int(100) - 50 + rng.next()]);
    case 3:
      return rng.pick(['', 'a', 'B', 'é', '\uffff', '😀', 'a\u0000', 'ab', String.fromCharCode(0xe000)]);
    default:
      return rng.bytes(rng.int(3));
  }
}

describe('compareValues', () => {
  it('sorts like SQLite ORDER BY (NULL < numbers < text < blob, exact int/real order)', () => {
    const rng = new Prng(11);
    const db = new Database(':memory:');
    db.defaultSafeIntegers(true);
    db.exec('CREATE TABLE t (i INTEGER, v)');
    const values = Array.from({ length: 400 }, () => sample(rng));
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    values.forEach((v, i) => insert.run(BigInt(i), v));
    const sqlite = (db.prepare('SELECT i FROM t ORDER BY v, i').all() as { i: bigint }[]).map((r) => Number(r.i));
    const ours = values.map((v, i) => ({ v, i })).sort((a, b) => compareValues(a.v, b.v) || a.i - b.i).map((x) => x.i);
    // Position by position the values must be equal (ties such as -0 and 0 may swap).
    expect(ours.map((i, p) => compareValues(values[i]!, values[sqlite[p]!]!))).toEqual(ours.map(() => 0));
  });

  it('orders key tuples element by element, a prefix first', () => {
    expect(compareKeys([1n, 'a'], [1n, 'b'])).toBeLessThan(0);
    expect(compareKeys([1n], [1n, null])).toBeLessThan(0);
    expect(compareKeys([2n ** 53n + 1n], [2 ** 53])).toBeGreaterThan(0);
    expect(compareKeys([1.5], [1n])).toBeGreaterThan(0);
    expect(compareKeys(['\uffff'], ['😀'])).toBeLessThan(0); // UTF-8 order, not UTF-16
  });
});
