// The `dosql/d1` subpath: a D1-compatible binding on dosql (d1-binding.ts). Only named re-exports.
export { d1, D1Database, D1PreparedStatement, type D1Meta, type D1Result, type D1ExecResult, type D1Value } from './d1-binding.js';
