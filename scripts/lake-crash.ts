// npm run crash:lake -- [--trials N] [--seed S] [--sources K]
// The long run of the lake's exactly-once test under faults (test/support/lake-crash-trial.ts):
// N trials with one source, then N/4 with three sources into one set of tables. Ends with
// "N passed, N failed".
import { lakeCrashTrial } from '../test/support/lake-crash-trial.js';
import { warehouse } from '../test/support/lake-harness.js';
import { DB } from '../src/node/db.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const trials = Number(arg('trials', '100'));
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
// DB() loads the Parquet writer's wasm; the lake needs it too.
await DB('init', { storage: 'memory', workerThreads: false }).close();
const w = await warehouse();
const totals = { passed: 0, failed: 0, lakeKills: 0, streamerKills: 0, midFlush: 0, midMaintenance: 0, maintenance: 0, checks: 0, rows: 0, faults: 0, commits: 0 };
const t0 = Date.now();
const plan: { seed: number; sources: number }[] = [];
for (let t = 0; t < trials; t++) plan.push({ seed: seed0 + t, sources: 1 });
for (let t = 0; t < Math.ceil(trials / 4); t++) plan.push({ seed: seed0 + trials + t, sources: 3 });
for (const [i, p] of plan.entries()) {
  const r = await lakeCrashTrial(w, p.seed, { sources: p.sources, ...(p.sources > 1 ? { steps: 25 } : {}) });
  totals.lakeKills += r.kills.lake;
  totals.streamerKills += r.kills.streamer;
  totals.midFlush += r.kills.midFlush;
  totals.midMaintenance += r.kills.midMaintenance;
  totals.maintenance += r.maintenance;
  totals.checks += r.checks;
  totals.rows += r.rows;
  totals.faults += r.faults;
  totals.commits += r.commits;
  if (r.ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`trial ${i} (seed ${p.seed}, ${p.sources} source(s)) FAILED: ${r.error}`);
  }
  if ((i + 1) % 20 === 0) console.log(`  ${i + 1}/${plan.length} trials`);
}
await w.close();
console.log(`seeds ${seed0}.., ${plan.length} trials (${trials} with 1 source, ${plan.length - trials} with 3), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${totals.lakeKills} lake kills (${totals.midFlush} mid-flush, ${totals.midMaintenance} mid-compaction/cleanup), ${totals.streamerKills} streamer kills, ${totals.faults} injected store faults, ${totals.commits} Iceberg commits, ${totals.maintenance} compactions/cleanups completed`);
console.log(`${totals.checks} table checks against AS OF LSN, ${totals.rows} rows compared`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
