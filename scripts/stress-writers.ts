// npm run stress:writers -- [--runs N] [--ms MS] [--durability full|normal] [--executor worker|inline|both] [--api engine|sql] [--seed S]
// Two processes write one database folder, fencing each other at every reopen (issue 13,
// item 1); after each run one open must succeed and hold every acknowledged write, and no
// write reported FENCED may be present. Runs alternate between SIGKILL and a clean close, and
// (with --executor both, the default) between worker-thread and inline flushes and compactions.
// Ends with "N passed, N failed, N unopenable".
import type { Durability } from '../src/lsm/engine.js';
import { writersRun } from './writers-harness.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const runs = Number(arg('runs', '50'));
const ms = Number(arg('ms', '3000'));
const durability = arg('durability', 'full') as Durability;
const executor = arg('executor', 'both');
const api = arg('api', 'engine') as 'engine' | 'sql';
const seed0 = Number(arg('seed', String(Date.now() % 100000)));
let passed = 0;
let failed = 0;
let unopenable = 0;
const totals = { opens: 0, busy: 0, acked: 0, fenced: 0, commitUnknown: 0, unknown: 0, fencedPresent: 0, unknownPresent: 0 };
const t0 = Date.now();
for (let r = 0; r < runs; r++) {
  const exec = executor === 'both' ? (Math.floor(r / 2) % 2 === 0 ? 'worker' : 'inline') : (executor as 'worker' | 'inline');
  const res = await writersRun({ ms, kill: r % 2 === 0, durability, executor: exec, seed: seed0 + r, api });
  for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += res[k];
  if (!res.opened) unopenable++;
  if (res.ok) passed++;
  else {
    failed++;
    console.log(`run ${r} (seed ${seed0 + r}, ${exec}) FAILED: ${res.problems.slice(0, 5).join('; ')}`);
  }
  console.log(`  run ${r + 1}/${runs}: ${res.opens} opens, ${res.busy} busy, ${res.acked} acknowledged, ${res.fenced} FENCED, ${res.commitUnknown} COMMIT_UNKNOWN + ${res.unknown} in flight at the end (${res.unknownPresent} present)${res.ok ? '' : ' FAILED'}`);
}
console.log(`api ${api}, durability ${durability}, executor ${executor}, seeds ${seed0}..${seed0 + runs - 1}, ${ms} ms per run, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${totals.opens} opens (${totals.busy} BUSY), ${totals.acked} acknowledged batches checked, ${totals.fenced} FENCED (${totals.fencedPresent} present), ${totals.commitUnknown} COMMIT_UNKNOWN + ${totals.unknown} in flight at the end (${totals.unknownPresent} of these present)`);
console.log(`${passed} passed, ${failed} failed, ${unopenable} unopenable`);
process.exit(failed === 0 ? 0 : 1);
