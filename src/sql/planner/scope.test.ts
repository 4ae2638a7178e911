// Name resolution cost: resolving every column of a wide source (what `SELECT *` does) must
// look at each column a bounded number of times, not once per resolution (which made a
// 100,000-column SELECT * take most of a minute).
import { describe, expect, it } from 'vitest';
import { Scope, type SourceColumn } from './scope.js';

describe('Scope.resolve', () => {
  it('resolves all n columns of a source with O(n) column reads', () => {
    const n = 20_000;
    const cols: SourceColumn[] = Array.from({ length: n }, (_, i) => ({ name: `C${i}`, affinity: null, collation: 'BINARY', hidden: false }));
    let reads = 0;
    const counted = new Proxy(cols, {
      get(target, key, recv) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, recv) as unknown;
      },
    });
    const scope = new Scope(undefined, 0);
    scope.addSource('t', counted);
    for (let i = 0; i < n; i++) expect(scope.resolve(i % 2 ? 't' : undefined, `c${i}`)?.index).toBe(i);
    expect(reads).toBeLessThan(4 * n);
  });

  it('keeps SQLite rules: first of duplicate names, ambiguity across sources, rowid aliases', () => {
    const col = (name: string, hidden = false): SourceColumn => ({ name, affinity: null, collation: 'BINARY', hidden });
    const scope = new Scope(undefined, 0);
    scope.addSource('a', [col('x'), col('X'), col('rowid', true)], 2);
    scope.addSource('b', [col('y'), col('x')]);
    expect(scope.resolve('a', 'x')?.index).toBe(0);
    expect(scope.resolve(undefined, 'y')?.index).toBe(3);
    expect(scope.resolve(undefined, 'oid')?.index).toBe(2);
    expect(() => scope.resolve(undefined, 'x')).toThrow(/ambiguous column name: x/);
    expect(scope.resolve(undefined, 'zz')).toBeUndefined();
  });
});
