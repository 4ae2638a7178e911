// npm run crash:lake-kill -- [--trials N] [--kills K] [--sources S] [--seed S] [--max-kill-ms M]
//                           [--fault-rate P] [--max-seconds T]
// The lake's exactly-once test under real kill -9 (scripts/lake-kill-harness.ts): per trial, the
// lake process (`dosql lake serve`'s server, its warehouse failing at rate P) and S source
// processes (database + streamer over WebSocket) run side by side; K times one of them, chosen
// at random, is SIGKILLed at a random moment and restarted; icebird's reads of every lake table
// are checked against each source AS OF the lake's committed position, and after a drain
// against the heads. Ends with "N passed, N failed". With --max-seconds, starts no trial after
// T seconds (the totals say how many ran).
import { DB } from '../src/node/db.js';
import { warehouse } from '../test/support/lake-harness.js';
import { lakeKillTrial } from './lake-kill-harness.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const trials = Number(arg('trials', '100'));
const kills = Number(arg('kills', '6'));
const sources = Number(arg('sources', '1'));
const maxKillMs = Number(arg('max-kill-ms', '1500'));
const faultRate = Number(arg('fault-rate', '0.03'));
const maxSeconds = Number(arg('max-seconds', 'Infinity'));
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
// DB() loads the Parquet writer's wasm; the lake opened for the checks needs it too.
await DB('init', { storage: 'memory', workerThreads: false }).close();
const w = await warehouse();
const totals = { passed: 0, failed: 0, lakeKills: 0, sourceKills: 0, midFlush: 0, flushes: 0, faults: 0, checks: 0, behind: 0, rows: 0, lsns: 0 };
const t0 = Date.now();
let ran = 0;
for (let t = 0; t < trials && (Date.now() - t0) / 1000 < maxSeconds; t++) {
  ran++;
  const res = await lakeKillTrial(w, seed0 + t, { kills, maxKillMs, sources, faultRate });
  totals.lakeKills += res.lakeKills;
  totals.sourceKills += res.sourceKills;
  totals.midFlush += res.midFlush;
  totals.flushes += res.flushes;
  totals.faults += res.faults;
  totals.checks += res.checks;
  totals.behind += res.behind;
  totals.rows += res.rows;
  totals.lsns += res.head;
  if (res.ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`trial ${t} (seed ${seed0 + t}) FAILED: ${res.error}`);
  }
  if ((t + 1) % 10 === 0) console.log(`  ${t + 1}/${trials} trials, ${totals.lakeKills + totals.sourceKills} kills, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
await w.close();
console.log(`seeds ${seed0}..${seed0 + ran - 1}, ${sources} source process(es): ${ran} trials, ${totals.lakeKills} SIGKILLs of the lake process (${totals.midFlush} mid-flush), ${totals.sourceKills} SIGKILLs of a source process, ${totals.flushes} flushes finished before a kill, ${totals.faults} injected warehouse faults, source heads summing to ${totals.lsns} LSNs, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${totals.checks} icebird table checks against AS OF LSN (${totals.behind} at a committed position below the source's head), ${totals.rows} rows compared`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
