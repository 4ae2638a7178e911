// Differential test: values share a group key exactly when SQLite's GROUP BY puts them in
// one group (under each collation).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Collation } from './compare.js';
import { groupKey, groupKeyCollated, valuesEqualForGrouping } from './group-key.js';
import { SAMPLE_VALUES } from './value-samples.js';
import type { SqlValue } from './value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

const VALUES: SqlValue[] = [
  ...SAMPLE_VALUES, 1, 1n, -0, 0n, 2 ** 60, 2n ** 60n, 2n ** 60n + 1n, -(2 ** 63), 'a', 'A', 'a ', 'A  ', '\u0000x',
  new Uint8Array([0, 0x78]), new Uint8Array([0x61]), 'abc', new Uint8Array([0x61, 0x62, 0x63]), 1.5, '1.5', 12n, '12',
];

function partition(keys: readonly unknown[]): number[][] {
  const groups = new Map<unknown, number[]>();
  keys.forEach((k, i) => {
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}

describe('groupKey', () => {
  for (const collation of ['BINARY', 'NOCASE', 'RTRIM'] as Collation[]) {
    it(`partitions values as GROUP BY x COLLATE ${collation}`, () => {
      db.exec('DROP TABLE IF EXISTS g; CREATE TABLE g(id INTEGER PRIMARY KEY, x)');
      const ins = db.prepare('INSERT INTO g VALUES (?, ?)');
      VALUES.forEach((v, i) => ins.run(i, v));
      const rows = db.prepare(`SELECT group_concat(id) FROM (SELECT id, x FROM g ORDER BY id) GROUP BY x COLLATE ${collation}`).pluck().all() as string[];
      const want = rows.map((r) => r.split(',').map(Number)).sort((a, b) => a[0]! - b[0]!);
      const got = partition(VALUES.map((v) => groupKeyCollated(v, collation)));
      expect(got).toEqual(want);
    });
  }

  it('documented equalities', () => {
    expect(groupKey(1n)).toBe(groupKey(1.0));
    expect(groupKey(-0)).toBe(groupKey(0n));
    expect(groupKey('a')).not.toBe(groupKey(new Uint8Array([0x61])));
    expect(groupKey(2 ** 53 + 0.5 * 0)).toBe(groupKey(2n ** 53n));
    expect(valuesEqualForGrouping('a', 'A', 'NOCASE')).toBe(true);
    expect(valuesEqualForGrouping('a', 'A')).toBe(false);
    expect(valuesEqualForGrouping(null, null)).toBe(true);
  });
});
