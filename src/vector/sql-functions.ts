// The vector SQL functions. NULL in any vector argument gives NULL (as SQLite's scalar
// functions do); anything else that is not a vector is an error (vector-blob.ts).
//   vector_distance(a, b [, metric])   metric 'cosine' (default), 'euclidean'/'l2', 'dot_product'
//   vector_distance_cos(a, b), cosine_distance(a, b)       1 − cos(a, b)
//   vector_distance_l2(a, b), euclidean_distance(a, b), l2_distance(a, b)
//   vector_distance_dot(a, b)                               1 − a·b
//   dot_product(a, b), cosine_similarity(a, b)              the similarities themselves
//   vector(json) / vector32(json)   Float32 BLOB from JSON text (a BLOB is checked and returned)
//   vector_to_json(v) / vector_extract(v)                   JSON text of a vector
//   vector_dims(v)                                          its number of dimensions
// Names follow libSQL (vector32, vector_extract, vector_distance_cos/_l2) and pgvector
// (cosine_distance, l2_distance) so queries written for either read naturally.
import type { ScalarFunction } from '../sql/functions/function-types.js';
import type { SqlValue } from '../sql/types/value.js';
import { cosineDistance, distance, dot, euclideanDistance, parseMetric, type Metric } from './distance.js';
import { checkSameDimensions, toBlob, toJson, toVector } from './vector-blob.js';

function fn(name: string, minArgs: number, maxArgs: number, call: (args: readonly SqlValue[]) => SqlValue): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call: (args) => call(args) };
}

/** Reads both vector arguments of `name`, or undefined when either is NULL. */
function pair(name: string, args: readonly SqlValue[]): [Float32Array, Float32Array] | undefined {
  if (args[0] === null || args[1] === null) return undefined;
  const a = toVector(args[0], `${name}() argument 1`);
  const b = toVector(args[1], `${name}() argument 2`);
  checkSameDimensions(a, b, name);
  return [a, b];
}

function binary(name: string, f: (a: Float32Array, b: Float32Array) => number): ScalarFunction {
  return fn(name, 2, 2, (args) => {
    const p = pair(name, args);
    return p ? f(p[0], p[1]) : null;
  });
}

function metricDistance(name: string, metric: Metric): ScalarFunction {
  return binary(name, (a, b) => distance(metric, a, b));
}

const vectorDistance = fn('vector_distance', 2, 3, (args) => {
  const metric: Metric = args.length > 2 && args[2] !== null ? parseMetric(args[2], 'vector_distance() argument 3') : 'cosine';
  const p = pair('vector_distance', args);
  return p ? distance(metric, p[0], p[1]) : null;
});

function constructor(name: string): ScalarFunction {
  return fn(name, 1, 1, (args) => (args[0] === null ? null : toBlob(toVector(args[0], `${name}() argument 1`))));
}

function toJsonFn(name: string): ScalarFunction {
  return fn(name, 1, 1, (args) => (args[0] === null ? null : toJson(toVector(args[0], `${name}() argument 1`))));
}

/** Every vector function, for the scalar function registry. */
export const VECTOR_FUNCTIONS: readonly ScalarFunction[] = [
  vectorDistance,
  binary('vector_distance_cos', cosineDistance),
  binary('cosine_distance', cosineDistance),
  binary('cosine_similarity', (a, b) => 1 - cosineDistance(a, b)),
  binary('vector_distance_l2', euclideanDistance),
  binary('euclidean_distance', euclideanDistance),
  binary('l2_distance', euclideanDistance),
  metricDistance('vector_distance_dot', 'dot_product'),
  binary('dot_product', dot),
  constructor('vector'),
  constructor('vector32'),
  toJsonFn('vector_to_json'),
  toJsonFn('vector_extract'),
  fn('vector_dims', 1, 1, (args) => (args[0] === null ? null : BigInt(toVector(args[0], 'vector_dims() argument 1').length))),
];
