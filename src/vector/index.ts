// Vector search for the SQL engine: the distance functions and vector_top_k(), registered with the SQL layer's
// scalar function registry when this module loads (the DB() entries import it, as SQLite
// extensions register with sqlite3_create_function).
import { registerScalarFunction } from '../sql/functions/scalar.js';
import { registerTableFunction } from '../sql/functions/table-functions.js';
import { VECTOR_FUNCTIONS } from './sql-functions.js';
import { VECTOR_KNN_ROWIDS, VECTOR_TOP_K } from './top-k.js';
import { registerSelectRewriter } from '../sql/planner/virtual-tables.js';
import { rewriteNearestNeighbour } from './plan-rewrite.js';

for (const f of VECTOR_FUNCTIONS) registerScalarFunction(f);
registerTableFunction(VECTOR_TOP_K);
registerTableFunction(VECTOR_KNN_ROWIDS);
registerSelectRewriter(rewriteNearestNeighbour);

export { VECTOR_FUNCTIONS } from './sql-functions.js';
export { distance, parseMetric, type Metric } from './distance.js';
export { toVector, toBlob, toJson } from './vector-blob.js';
export { nearest, type Neighbour } from './versioned-index.js';
export { layerIndexes, layerIndexStats, layerIndexesIdle } from './layer-stats.js';
export type { LayerIndexInfo, LayerIndexStats } from './layer-registry.js';
export { setGraphCodec, type GraphCodec, type UsearchIndex } from './hnsw-backend.js';
