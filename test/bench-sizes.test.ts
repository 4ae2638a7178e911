// `bench all --scale X`: every benchmark's size arguments scale, row and op counts no lower
// than 1,000, corpus multipliers (fts --copies) no lower than 1 — a smoke run at 0.01 once
// asked fts for 1,000 copies of movies.json (3.2M documents).
import { describe, expect, it } from 'vitest';
import { ALL_BENCHES, ALL_SIZES, sizesFor } from '../bench/run.js';

describe('bench all sizes', () => {
  it('scale multiplies each size; counts floor at 1,000 and multipliers at 1', () => {
    expect(sizesFor('fts', 0.01)).toEqual(['--copies', '1']);
    expect(sizesFor('fts', 2)).toEqual(['--copies', String(ALL_SIZES.fts[0]![1] * 2)]);
    expect(sizesFor('kv', 0.0001)).toEqual(['--n', '1000']);
    expect(sizesFor('kv', 1)).toEqual(['--n', '1000000']);
    for (const name of ALL_BENCHES) for (const [, n] of ALL_SIZES[name]) expect(n).toBeGreaterThan(0);
  });
});
