// npm run crash:lake-kill -- [--trials N] [--kills K] [--seed S] [--max-kill-ms M] [--max-seconds T]
// The lake's exactly-once test under real kill -9 (scripts/lake-kill-harness.ts): per trial, K
// SIGKILLs of a child process hosting the source database, its streamer and the lake, at random
// moments, a draining run, and icebird's reads of every lake table checked against the source AS
// OF the lake's committed position. Ends with "N passed, N failed". With --max-seconds, starts no
// trial after T seconds (the totals say how many ran).
import { DB } from '../src/node/db.js';
import { warehouse } from '../test/support/lake-harness.js';
import { lakeKillTrial } from './lake-kill-harness.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const trials = Number(arg('trials', '100'));
const kills = Number(arg('kills', '4'));
const maxKillMs = Number(arg('max-kill-ms', '1500'));
const maxSeconds = Number(arg('max-seconds', 'Infinity'));
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
// DB() loads the Parquet writer's wasm; the lake opened for the checks needs it too.
await DB('init', { storage: 'memory', workerThreads: false }).close();
const w = await warehouse();
const totals = { passed: 0, failed: 0, kills: 0, midFlush: 0, flushes: 0, checks: 0, behind: 0, rows: 0, lsns: 0 };
const t0 = Date.now();
let ran = 0;
for (let t = 0; t < trials && (Date.now() - t0) / 1000 < maxSeconds; t++) {
  ran++;
  const res = await lakeKillTrial(w, seed0 + t, { kills, maxKillMs });
  totals.kills += res.kills;
  totals.midFlush += res.midFlush;
  totals.flushes += res.flushes;
  totals.checks += res.checks;
  totals.behind += res.behind;
  totals.rows += res.rows;
  totals.lsns += res.head;
  if (res.ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`trial ${t} (seed ${seed0 + t}) FAILED: ${res.error}`);
  }
  if ((t + 1) % 10 === 0) console.log(`  ${t + 1}/${trials} trials, ${totals.kills} kills, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
await w.close();
console.log(`seeds ${seed0}..${seed0 + ran - 1}: ${ran} trials, ${totals.kills} SIGKILLs of the source+streamer+lake process (${totals.midFlush} mid-flush), ${totals.flushes} flushes finished before a kill, source heads summing to ${totals.lsns} LSNs, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${totals.checks} icebird table checks against AS OF LSN (${totals.behind} at a committed position below the source's head), ${totals.rows} rows compared`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
