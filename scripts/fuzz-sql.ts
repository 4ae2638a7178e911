// npm run fuzz:sql -- [--queries N] [--seed S] [--engine dosql|sqlite|sqlite-reverse]
//                     [--per-schema N] [--max-mismatches-shown N] [--no-minimise]
//
// Differential SQL fuzzing (test/support/sql-gen): random schemas, data, queries and data
// changes run on SQLite (better-sqlite3, engine A) and on --engine (engine B, default dosql);
// prints progress, then the first mismatches as runnable SQL scripts, then
// "N statements, N mismatches". Exit code 1 when there are mismatches, 2 for bad arguments.
// `sqlite-reverse` (SQLite with PRAGMA reverse_unordered_selects) checks the generator itself:
// any mismatch there is a query whose answer depends on scan order.
import { openSqlite } from './slt/sqlite-adapter.js';
import type { SqlEngineAdapter } from './slt/adapter.js';
import { formatMismatch, runDifferential, type EngineSpec } from '../test/support/sql-gen/differential.js';

const ENGINES: Record<string, EngineSpec> = {
  dosql: 'dosql',
  sqlite: 'sqlite',
  'sqlite-reverse': async (): Promise<SqlEngineAdapter> => openSqlite({ reverseUnorderedSelects: true }),
};

function usage(problem: string): never {
  console.error(`fuzz:sql: ${problem}`);
  console.error('usage: npm run fuzz:sql -- [--queries N] [--seed S] [--engine dosql|sqlite|sqlite-reverse] [--per-schema N] [--max-mismatches-shown N] [--no-minimise]');
  process.exit(2);
}

const args = process.argv.slice(2);
let queries = 1000;
let seed = 1;
let engine = 'dosql';
let perSchema = 150;
let shown = 5;
let minimise = true;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const num = (): number => {
    const n = Number(args[++i]);
    return Number.isInteger(n) && n >= 0 ? n : usage(`${a} needs a non-negative integer`);
  };
  if (a === '--queries') queries = num();
  else if (a === '--seed') seed = num();
  else if (a === '--engine') engine = args[++i] ?? usage('--engine needs a value');
  else if (a === '--per-schema') perSchema = Math.max(1, num());
  else if (a === '--max-mismatches-shown') shown = num();
  else if (a === '--no-minimise') minimise = false;
  else usage(`unknown argument ${a}`);
}
const engineB = ENGINES[engine] ?? usage(`unknown engine "${engine}"`);

const t0 = Date.now();
let lastReport = 0;
const report = await runDifferential({
  seed,
  queries,
  engineA: 'sqlite',
  engineB,
  statementsPerSchema: perSchema,
  minimise,
  maxMismatches: Math.max(shown, 20),
  onProgress(done, mismatches) {
    if (done >= queries || Date.now() - lastReport > 2000) {
      lastReport = Date.now();
      console.log(`  ${done}/${queries} statements, ${mismatches} mismatches, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  },
  onMismatch(m) {
    console.log(`  mismatch: ${m.kind}: ${m.detail}`);
  },
}).catch((e: unknown) => {
  console.error(`fuzz:sql: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});

for (const m of report.mismatches.slice(0, shown)) console.log(`\n${formatMismatch(m)}`);
console.log('');
console.log(`seed ${seed}, engine sqlite vs ${engine}: ${report.schemas} schemas, ${report.queries} queries, ${report.changes} data changes, ${report.bothFailed} rejected by both, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${report.queries + report.changes} statements, ${report.mismatches.length} mismatches${report.mismatches.length >= Math.max(shown, 20) ? ' (stopped early)' : ''}`);
process.exitCode = report.mismatches.length > 0 ? 1 : 0;
