// The search sections of bench/RESULTS.md: vector top-k (bench/out/vector.json, bench/vector.ts)
// and full-text search (bench/out/fts.json, bench/fts.ts).

export interface VectorFile {
  n: number;
  dims: number;
  queries: number;
  k: number;
  rows: { engine: string; filter: string; build_s: number; qps: number; cpu_qps: number; recall_at_10: number }[];
}

export interface FtsFile {
  documents: number;
  queries: number;
  rows: { engine: string; load_s: number; index_bytes: number; p50_ms: number; p95_ms: number; mean_ms: number; cpu_ms: number }[];
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `command` names the run (as the other sections do). */
export function vectorSection(d: VectorFile, command: string): string {
  return [
    `## Vector search`,
    ``,
    `${command}: ${fmt(d.n)} vectors of ${d.dims} dimensions, ${d.queries} queries, k = ${d.k}; usearch and hnswlib-node as`,
    `libraries over the same vectors, dosql through SQL (its per-layer HNSW indexes, MVCC visibility, the join back to the`,
    `rows). Queries per second of wall time and of process CPU time; recall against exact search. Build: seconds to index`,
    `every vector (dosql: the HNSW indexes of its layers, built on the first search after the load and flush).`,
    ``,
    `| engine | filter | build s | q/s | q/CPU-s | recall@${d.k} |`,
    `| --- | --- | ---: | ---: | ---: | ---: |`,
    ...d.rows.map((r) => `| ${r.engine} | ${r.filter} | ${r.build_s > 0 ? r.build_s.toFixed(1) : ''} | ${fmt(r.qps)} | ${fmt(r.cpu_qps)} | ${r.recall_at_10.toFixed(3)} |`),
  ].join('\n');
}

export function ftsSection(d: FtsFile, command: string): string {
  const lite = d.rows.find((r) => r.engine.startsWith('sqlite'));
  const ours = d.rows.find((r) => r.engine.startsWith('dosql'));
  return [
    `## Full-text search`,
    ``,
    `${command}: ${fmt(d.documents)} documents (copies of vega-datasets' movies.json), ${d.queries} generated MATCH queries`,
    `ranked by bm25, the same on SQLite's FTS5 and dosql's fts5. Index bytes as stored; CPU ms per query of process time.`,
    ``,
    `| engine | load s | index bytes | p50 ms | p95 ms | mean ms | CPU ms / query |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...d.rows.map((r) => `| ${r.engine} | ${r.load_s.toFixed(1)} | ${fmt(r.index_bytes)} | ${r.p50_ms.toFixed(2)} | ${r.p95_ms.toFixed(2)} | ${r.mean_ms.toFixed(2)} | ${r.cpu_ms.toFixed(2)} |`),
    ...(lite && ours ? [``, `SQLite / dosql CPU per query: ${(lite.cpu_ms / ours.cpu_ms).toFixed(3)} (> 1: dosql ahead).`] : []),
  ].join('\n');
}
