// The data of the key-value benchmarks (bench/kv.ts, bench/compaction.ts and their CPU twins),
// as db_bench makes it: 16-byte zero-padded decimal keys, 100-byte values whose second half
// repeats the first (half compressible), keys in a seeded random order for the random phases.
import { Prng } from '../src/util/prng.js';

export const KEY_BYTES = 16;
export const VALUE_BYTES = 100;
/** Keys per write batch. */
export const BATCH = 1000;

/** Key number i as db_bench writes it. */
export const kvKey = (i: number): string => String(i).padStart(KEY_BYTES, '0');

/** `count` values of VALUE_BYTES, half printable random bytes, half their repeat. */
export function kvValues(r: Prng, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const v = new Uint8Array(VALUE_BYTES);
    for (let i = 0; i < VALUE_BYTES / 2; i++) v[i] = 32 + r.int(95);
    for (let i = VALUE_BYTES / 2; i < VALUE_BYTES; i++) v[i] = v[i - VALUE_BYTES / 2]!;
    out.push(v);
  }
  return out;
}

/** 0..n-1 in a random order (Fisher-Yates with `r`; a number seeds a new generator). */
export function shuffled(n: number, r: Prng | number): number[] {
  const rng = typeof r === 'number' ? new Prng(r) : r;
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}
