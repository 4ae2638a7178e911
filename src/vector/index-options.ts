// The options of `CREATE INDEX i ON t USING VECTOR (col) WITH (dimensions = 384, metric =
// 'cosine', m = 16, ef_construction = 200, ef_search = 64)`, read back from the index's stored
// statement. Defaults follow usearch (connectivity 16, expansion_add 128, expansion_search 64).
import { DoSQLError } from '../errors.js';
import type { IndexSchema } from '../sql/catalog/schema.js';
import { parseOne } from '../sql/parser/index.js';
import { parseMetric, type Metric } from './distance.js';

export interface VectorIndexOptions {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
}

function optError(ix: string, message: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `vector: index ${ix}: ${message}`, { details: { index: ix } });
}

const cache = new Map<string, VectorIndexOptions>();

/** The options of a VECTOR index; throws SQL_ERROR "vector: index ...: ..." for missing or bad ones. */
export function vectorIndexOptions(ix: IndexSchema): VectorIndexOptions {
  const hit = cache.get(ix.sql);
  if (hit) return hit;
  const stmt = parseOne(ix.sql).statement;
  if (stmt.kind !== 'createIndex') throw optError(ix.name, 'stored definition is not CREATE INDEX');
  if (stmt.columns.length !== 1) throw optError(ix.name, 'a vector index has exactly one column');
  const raw = new Map<string, unknown>();
  for (const o of stmt.options ?? []) {
    const v = o.value;
    const value = v.kind === 'literal' ? (v as { value: unknown }).value : v.kind === 'unary' && (v as { op: string }).op === '-' ? undefined : undefined;
    if (value === undefined) throw optError(ix.name, `option ${o.key} must be a literal`);
    raw.set(o.key.toLowerCase(), value);
  }
  const int = (key: string, dflt: number | undefined, min: number, max: number): number => {
    const v = raw.has(key) ? raw.get(key) : dflt;
    if (v === undefined) throw optError(ix.name, `option ${key} is required`);
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw optError(ix.name, `option ${key} must be an integer in [${min}, ${max}]`);
    return n;
  };
  for (const k of raw.keys()) if (!['dimensions', 'dims', 'metric', 'm', 'ef_construction', 'ef_search'].includes(k)) throw optError(ix.name, `unknown option ${k}`);
  const dims = raw.has('dims') && !raw.has('dimensions') ? int('dims', undefined, 1, 65536) : int('dimensions', undefined, 1, 65536);
  const o: VectorIndexOptions = {
    dimensions: dims,
    metric: raw.has('metric') ? parseMetric(raw.get('metric'), `index ${ix.name}`) : 'cosine',
    m: int('m', 16, 2, 256),
    efConstruction: int('ef_construction', 128, 1, 10000),
    efSearch: int('ef_search', 64, 1, 10000),
  };
  if (cache.size > 256) cache.clear();
  cache.set(ix.sql, o);
  return o;
}
