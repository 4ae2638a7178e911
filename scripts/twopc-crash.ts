// npm run crash:2pc -- [--trials N] [--kills K] [--shards S] [--seed S] [--max-kill-ms M] [--max-seconds T]
// Two-phase commit under kill -9 (scripts/twopc-crash-harness.ts): per trial, S shard processes
// and a coordinator process running cross-shard bank transfers, K SIGKILLs of a random one of
// them at random moments (each restarted), then a recovery and the checks: total balance
// invariant, no transfer half-applied, every acknowledged transfer present, nothing left
// prepared. Ends with "N passed, N failed". With --max-seconds, starts no trial after T seconds.
import { twopcCrashTrial } from './twopc-crash-harness.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const trials = Number(arg('trials', '100'));
const kills = Number(arg('kills', '3'));
const shards = Number(arg('shards', '3'));
const maxKillMs = Number(arg('max-kill-ms', '1500'));
const maxSeconds = Number(arg('max-seconds', 'Infinity'));
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
const totals = { passed: 0, failed: 0, acked: 0, committed: 0, phaseKills: 0, kills: {} as Record<string, number>, errors: {} as Record<string, number> };
const t0 = Date.now();
let ran = 0;
for (let t = 0; t < trials && (Date.now() - t0) / 1000 < maxSeconds; t++) {
  ran++;
  const r = await twopcCrashTrial(seed0 + t, { shards, kills, maxKillMs });
  for (const [k, v] of Object.entries(r.kills)) totals.kills[k] = (totals.kills[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.failed)) totals.errors[k] = (totals.errors[k] ?? 0) + v;
  totals.acked += r.acked;
  totals.committed += r.committed;
  totals.phaseKills += r.phaseKills;
  if (r.ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`trial ${t} (seed ${seed0 + t}) FAILED: ${r.error}`);
  }
  if ((t + 1) % 10 === 0) console.log(`  ${t + 1}/${trials} trials, ${totals.acked} transfers acknowledged, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const killList = Object.entries(totals.kills).sort().map(([k, v]) => `${k} ${v}`).join(', ');
const killSum = Object.values(totals.kills).reduce((a, b) => a + b, 0);
console.log(`seeds ${seed0}..${seed0 + ran - 1}: ${ran} trials, ${shards} shards, ${killSum} SIGKILLs (${killList}; ${totals.phaseKills} sent as the coordinator reported 'prepared' or 'decided'), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${totals.acked} transfers acknowledged, ${totals.committed} found committed after recovery, transfers aborted by code: ${JSON.stringify(totals.errors)}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
