// npm run crash:lake-kill -- [--trials N] [--kills K] [--sources S] [--seed S] [--max-kill-ms M]
//                           [--fault-rate P] [--max-seconds T] [--seeds A,B,…]
//                           [--stall-seconds N] [--drain-cap-seconds C] [--heartbeat-ms H]
// The lake's exactly-once test under real kill -9 (scripts/lake-kill-harness.ts): per trial, the
// lake process (`dosql lake serve`'s server, its warehouse failing at rate P) and S source
// processes (database + streamer over WebSocket) run side by side; K times one of them, chosen
// at random, is SIGKILLed at a random moment and restarted; icebird's reads of every lake table
// are checked against each source AS OF the lake's committed position, and after a drain
// against the heads. Ends with "N passed, N failed". With --max-seconds, starts no trial after
// T seconds (the totals say how many ran). With --seeds, runs exactly those seeds. The final drain
// fails on no progress on either side for N s (default 60: a stall, printed with both sides'
// timelines) or on C s in all (default 1800); the totals give its longest time and longest
// stretch without progress. --heartbeat-ms sets the streamers' heartbeat (default 1000; a lake
// silent for twice it is dropped and reconnected — small values provoke reconnects mid-drain).
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
const stallSeconds = Number(arg('stall-seconds', '60'));
const drainCapSeconds = Number(arg('drain-cap-seconds', '1800'));
const heartbeatMs = Number(arg('heartbeat-ms', '1000'));
const seedList = arg('seeds', '') ? arg('seeds', '').split(',').map(Number) : null;
const seedOf = (t: number): number => seedList?.[t] ?? seed0 + t;
const nTrials = seedList ? seedList.length : trials;
// DB() loads the Parquet writer's wasm; the lake opened for the checks needs it too.
await DB('init', { storage: 'memory', workerThreads: false }).close();
const w = await warehouse();
const totals = { passed: 0, failed: 0, lakeKills: 0, sourceKills: 0, midFlush: 0, flushes: 0, faults: 0, checks: 0, behind: 0, rows: 0, lsns: 0, drainMaxMs: 0, drainGapMs: 0, drainMs: 0, drainRetries: 0, drainsRetried: 0, drainsPaused: 0, drainFlushOk: 0, drainFlushErr: 0 };
const drainErrors = new Map<string, number>();
const t0 = Date.now();
let ran = 0;
for (let t = 0; t < nTrials && (Date.now() - t0) / 1000 < maxSeconds; t++) {
  ran++;
  const seed = seedOf(t);
  const started = Date.now();
  const res = await lakeKillTrial(w, seed, { kills, maxKillMs, sources, faultRate, stallSeconds, drainCapSeconds, heartbeatMs });
  totals.lakeKills += res.lakeKills;
  totals.sourceKills += res.sourceKills;
  totals.midFlush += res.midFlush;
  totals.flushes += res.flushes;
  totals.faults += res.faults;
  totals.checks += res.checks;
  totals.behind += res.behind;
  totals.rows += res.rows;
  totals.lsns += res.head;
  totals.drainMs += res.drainMs;
  totals.drainMaxMs = Math.max(totals.drainMaxMs, res.drainMs);
  totals.drainGapMs = Math.max(totals.drainGapMs, res.drainMaxGapMs);
  totals.drainRetries += res.drainRetries;
  if (res.drainRetries > 0) totals.drainsRetried++;
  if (res.drainPaused) totals.drainsPaused++;
  totals.drainFlushOk += res.drainFlushes.ok;
  totals.drainFlushErr += res.drainFlushes.err;
  for (const e of res.drainErrors) drainErrors.set(e, (drainErrors.get(e) ?? 0) + 1);
  console.log(`trial ${t} seed ${seed}: ${res.ok ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s (drain ${(res.drainMs / 1000).toFixed(1)} s, longest without progress ${(res.drainMaxGapMs / 1000).toFixed(1)} s; kills lake ${res.lakeKills} (${res.midFlush} mid-flush) / source ${res.sourceKills}, head ${res.head}; drain: flushes ${res.drainFlushes.ok} ok / ${res.drainFlushes.err} failed, streamer retries ${res.drainRetries}${res.drainPaused ? ', paused' : ''}${res.drainErrors.length ? `, errors ${JSON.stringify(res.drainErrors)}` : ''})`);
  if (res.ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`trial ${t} (seed ${seed}) FAILED: ${res.error}`);
  }
  if ((t + 1) % 10 === 0) console.log(`  ${t + 1}/${nTrials} trials, ${totals.lakeKills + totals.sourceKills} kills, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
await w.close();
console.log(`seeds ${seedList ? seedList.slice(0, ran).join(',') : `${seed0}..${seed0 + ran - 1}`}, ${sources} source process(es): ${ran} trials, ${totals.lakeKills} SIGKILLs of the lake process (${totals.midFlush} mid-flush), ${totals.sourceKills} SIGKILLs of a source process, ${totals.flushes} flushes finished before a kill, ${totals.faults} injected warehouse faults, source heads summing to ${totals.lsns} LSNs, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${totals.checks} icebird table checks against AS OF LSN (${totals.behind} at a committed position below the source's head), ${totals.rows} rows compared`);
console.log(`final drains: ${(totals.drainMs / 1000).toFixed(0)} s in all, longest ${(totals.drainMaxMs / 1000).toFixed(1)} s, longest stretch without progress ${(totals.drainGapMs / 1000).toFixed(1)} s (stall limit ${stallSeconds} s); flushes ${totals.drainFlushOk} ok / ${totals.drainFlushErr} failed; ${totals.drainsPaused} drains with a streamer paused, ${totals.drainsRetried} with streamer retries (${totals.drainRetries} in all)`);
for (const [e, n] of drainErrors) console.log(`  drain streamer error in ${n} trial(s): ${e}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
