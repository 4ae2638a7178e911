// accumulateExcept and accumulate + retract (aggregating a row group less the rows a hot delta
// supersedes, without a mask) against accumulate with the equivalent mask, on random integer
// and double chunks.
import { describe, expect, it } from 'vitest';
import type { ColumnChunk } from '../../cold/index.js';
import { Prng } from '../../util/prng.js';
import { accumulate, accumulateExcept, retract, retractable, type Group } from './columnar-kernels.js';

const OPS = ['count', 'sum', 'avg', 'min', 'max'];

function group(outputs: number): Group {
  return { key: [], n: 0, aggs: Array.from({ length: outputs }, () => ({ n: 0, sum: 0, err: 0, big: false, min: Infinity, max: -Infinity })) };
}

describe('accumulateExcept', () => {
  it('equals accumulate under the mask of the excepted rows, or declines', async () => {
    const r = new Prng(7);
    let declined = 0;
    let exact = 0;
    for (let t = 0; t < 400; t++) {
      const n = 1 + r.int(60);
      const int = r.chance(0.6);
      const values = Float64Array.from({ length: n }, () => (int ? r.int(20) - 10 : (r.int(2000) - 1000) / 7));
      const nulls = r.chance(0.5) ? Uint8Array.from({ length: n }, () => (r.chance(0.2) ? 1 : 0)) : null;
      const chunk: ColumnChunk = { kind: 'num', values, nulls, int, bytes: 0 };
      const except = Int32Array.from([...new Set(Array.from({ length: r.int(Math.min(n, 8)) }, () => r.int(n)))].sort((a, b) => a - b));
      const ops = [OPS[r.int(OPS.length)]!, OPS[r.int(OPS.length)]!];
      const args = [chunk, chunk];
      const got = group(2);
      if (!accumulateExcept(got, n, args, ops, except)) {
        declined++;
        expect(got).toEqual(group(2));
        // Declined only for a double summed or an extreme held by excepted rows alone.
        const kept = [...values.keys()].filter((i) => !except.includes(i) && !(nulls && nulls[i])).map((i) => values[i]!);
        const all = [...values.keys()].filter((i) => !(nulls && nulls[i])).map((i) => values[i]!);
        const lost = (f: (a: number[]) => number, op: string): boolean => ops.includes(op) && all.length > 0 && !kept.includes(f(all));
        expect((!int && (ops.includes('sum') || ops.includes('avg'))) || lost((a) => Math.min(...a), 'min') || lost((a) => Math.max(...a), 'max')).toBe(true);
        continue;
      }
      exact++;
      const mask = new Uint8Array(n).fill(1);
      for (const e of except) mask[e] = 0;
      const want = group(2);
      accumulate({ ids: null, groups: [want] }, n, mask, args);
      expect(got.n).toBe(want.n);
      got.aggs.forEach((a, k) => {
        const w = want.aggs[k]!;
        expect(a.n, `n of ${ops[k]}`).toBe(w.n);
        if (a.n === 0) return;
        if (ops[k] === 'min') expect(a.min).toBe(w.min);
        if (ops[k] === 'max') expect(a.max).toBe(w.max);
        if (int && (ops[k] === 'sum' || ops[k] === 'avg')) expect(a.sum).toBe(w.sum);
      });
    }
    expect(declined).toBeGreaterThan(20);
    expect(exact).toBeGreaterThan(200);
  });

  it('retract after accumulate equals accumulate under the mask, per group', () => {
    const r = new Prng(8);
    let checked = 0;
    for (let t = 0; t < 300; t++) {
      const n = 1 + r.int(80);
      const L = 1 + r.int(5);
      const int = r.chance(0.7);
      const values = Float64Array.from({ length: n }, () => (int ? r.int(50) - 25 : r.int(2000) / 7));
      const nulls = r.chance(0.5) ? Uint8Array.from({ length: n }, () => (r.chance(0.2) ? 1 : 0)) : null;
      const chunk: ColumnChunk = { kind: 'num', values, nulls, int, bytes: 0 };
      const ids = Int32Array.from({ length: n }, () => r.int(L));
      const except = Int32Array.from([...new Set(Array.from({ length: r.int(Math.min(n, 10)) }, () => r.int(n)))].sort((a, b) => a - b));
      const ops = [OPS[r.int(OPS.length)]!, 'count'];
      const args = [chunk, chunk];
      if (!retractable(args, ops)) {
        expect(ops[0] === 'min' || ops[0] === 'max' || (!int && (ops[0] === 'sum' || ops[0] === 'avg'))).toBe(true);
        continue;
      }
      const got = Array.from({ length: L }, () => group(2));
      accumulate({ ids, groups: got }, n, null, args);
      retract({ ids, groups: got }, args, except);
      const mask = new Uint8Array(n).fill(1);
      for (const e of except) mask[e] = 0;
      const want = Array.from({ length: L }, () => group(2));
      accumulate({ ids, groups: want }, n, mask, args);
      for (let l = 0; l < L; l++) {
        expect(got[l]!.n).toBe(want[l]!.n);
        for (let k = 0; k < 2; k++) {
          expect(got[l]!.aggs[k]!.n).toBe(want[l]!.aggs[k]!.n);
          if (int) expect(got[l]!.aggs[k]!.sum).toBe(want[l]!.aggs[k]!.sum);
        }
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});
