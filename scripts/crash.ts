// npm run crash -- --trials N [--durability full|normal] [--seed S]
// Kills a committing child process at random moments and checks recovery. Ends with
// "N passed, N failed".
import { crashTrial } from './crash-harness.js';
import type { Durability } from '../src/lsm/engine.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const trials = Number(arg('trials', '20'));
const durability = arg('durability', 'full') as Durability;
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
let passed = 0;
let failed = 0;
let acked = 0;
let kills = 0;
let midCompaction = 0;
const t0 = Date.now();
for (let t = 0; t < trials; t++) {
  const res = await crashTrial(seed0 + t, { durability });
  acked += res.acked;
  kills += res.rounds;
  midCompaction += res.midCompaction;
  if (res.ok) passed++;
  else {
    failed++;
    console.log(`trial ${t} (seed ${seed0 + t}) FAILED: ${res.error}`);
  }
  if ((t + 1) % 10 === 0) console.log(`  ${t + 1}/${trials} trials, ${acked} acknowledged batches checked`);
}
console.log(`durability ${durability}, seeds ${seed0}..${seed0 + trials - 1}, ${acked} acknowledged batches checked, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${kills} kills, ${midCompaction} landed mid-compaction`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
