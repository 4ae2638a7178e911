// Full-text search for the SQL engine: loading this module registers the fts5 virtual table
// module and index method (fts-module.ts) and the auxiliary functions with the SQL layer (the
// DB() entries import it, as an SQLite build links fts5 in).
import { registerScalarFunction } from '../sql/functions/scalar.js';
import { FTS_FUNCTIONS } from './fts-functions.js';
import './fts-module.js';

for (const f of FTS_FUNCTIONS) registerScalarFunction(f);

export { tokenizerFor } from './tokenizer.js';
export { parseQuery } from './query-parse.js';
