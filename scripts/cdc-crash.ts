// npm run crash:cdc -- --trials N [--kills K] [--seed S]
// Change data capture under kill -9: per trial, K kills of a child that writes and consumes a
// replication slot into an fsynced sink, a draining run, then the checks of
// scripts/cdc-crash-harness.ts. Ends with "N passed, N failed".
import { cdcCrashTrial } from './cdc-crash-harness.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const trials = Number(arg('trials', '20'));
const killsPerTrial = Number(arg('kills', '3'));
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
const totals = { kills: 0, acked: 0, events: 0, passed: 0, failed: 0, maxLag: 0, netEmpty: 0 };
const phases: Record<string, number> = {};
const t0 = Date.now();
for (let t = 0; t < trials; t++) {
  const res = await cdcCrashTrial(seed0 + t, { kills: killsPerTrial });
  totals.kills += res.kills;
  totals.acked += res.acked;
  totals.events += res.events;
  totals.netEmpty += res.netEmpty;
  totals.maxLag = Math.max(totals.maxLag, res.maxLag);
  for (const [p, n] of Object.entries(res.phases)) phases[p] = (phases[p] ?? 0) + n;
  if (res.ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`trial ${t} (seed ${seed0 + t}) FAILED: ${res.error}`);
  }
  if ((t + 1) % 10 === 0) console.log(`  ${t + 1}/${trials} trials, ${totals.kills} kills, ${totals.acked} acknowledged commits`);
}
console.log(`seeds ${seed0}..${seed0 + trials - 1}: ${trials} trials, ${totals.kills} kills, ${totals.acked} acknowledged commits, ${totals.events} events checked (${totals.netEmpty} acknowledged commits had no net row change, so no events), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`consumer phase at the kill: ${Object.entries(phases).map(([p, n]) => `${p} ${n}`).join(', ')}; the sink was at most ${totals.maxLag} acknowledged commits behind at a kill`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
