// Distance metrics over Float32 vectors, the three the seeds and usearch share. Each is a
// distance (smaller is closer), so `ORDER BY vector_distance(...) ASC` finds nearest
// neighbours with any metric, and the values equal usearch's for the same metric
// (usearch `cos`, `ip`; `l2` here is the square root of usearch's `l2sq`, which orders the same):
//   cosine      1 − a·b / (|a|·|b|), in [0, 2]; 1 when either vector is all zeros (no direction)
//   euclidean   √Σ(aᵢ − bᵢ)²  (L2)
//   dot_product 1 − a·b  (usearch's inner-product distance; `1 - distance` is the dot product)
// Sums are taken in float64 so results do not depend on summation order beyond rounding.
import { DoSQLError } from '../errors.js';

export type Metric = 'cosine' | 'euclidean' | 'dot_product';

const ALIASES: Record<string, Metric> = {
  cosine: 'cosine',
  cos: 'cosine',
  euclidean: 'euclidean',
  l2: 'euclidean',
  dot_product: 'dot_product',
  dot: 'dot_product',
  ip: 'dot_product',
  inner_product: 'dot_product',
};

/** The metric a name denotes (any case; aliases cos, l2, dot, ip, inner_product); throws SQL_ERROR for others. */
export function parseMetric(name: unknown, where: string): Metric {
  const m = typeof name === 'string' ? ALIASES[name.toLowerCase()] : undefined;
  if (m === undefined) {
    throw new DoSQLError('SQL_ERROR', `vector: ${where}: unknown metric ${JSON.stringify(typeof name === 'bigint' ? String(name) : name)} (use 'cosine', 'euclidean' or 'dot_product')`, {
      details: { metric: typeof name === 'bigint' ? String(name) : name },
    });
  }
  return m;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 1;
  const d = 1 - ab / Math.sqrt(aa * bb);
  return d < 0 ? 0 : d;
}

export function euclideanDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** The distance between two vectors of equal length under `metric`. */
export function distance(metric: Metric, a: Float32Array, b: Float32Array): number {
  switch (metric) {
    case 'cosine':
      return cosineDistance(a, b);
    case 'euclidean':
      return euclideanDistance(a, b);
    case 'dot_product':
      return 1 - dot(a, b);
  }
}
