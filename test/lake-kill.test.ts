// A short run of `npm run crash:lake-kill` (scripts/lake-kill-harness.ts): the lake as its own
// process (`dosql lake serve`'s server, its warehouse failing now and then) and the source
// processes (database with random DML + streamer over WebSocket) are SIGKILLed independently at
// random moments and restarted; icebird over loopback HTTP reads every lake table, which equals
// each source AS OF the lake's committed LSN, and after a drain the sources' heads. Seed 2 runs
// three source processes into the same tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeKillTrial } from '../scripts/lake-kill-harness.js';
import { warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

describe('lake exactly once under kill -9 (lake process and source processes killed independently)', () => {
  it('seed 1 (one source) and seed 2 (three sources), 4 kills each: every table equals the sources AS OF their committed LSNs, then the heads', async () => {
    let checks = 0;
    let lakeKills = 0;
    let sourceKills = 0;
    for (const [seed, sources] of [
      [1, 1],
      [2, 3],
    ] as const) {
      const res = await lakeKillTrial(w, seed, { kills: 4, maxKillMs: 1000, sources });
      expect(res.error ?? '', `seed ${seed}`).toBe('');
      expect(res.lakeKills + res.sourceKills).toBe(4);
      expect(res.head).toBeGreaterThan(0);
      checks += res.checks;
      lakeKills += res.lakeKills;
      sourceKills += res.sourceKills;
    }
    // Both kinds of process were killed (seeded: the schedule is fixed), and every table of
    // every source was checked after the kills and after the drain.
    expect(lakeKills).toBeGreaterThan(0);
    expect(sourceKills).toBeGreaterThan(0);
    expect(checks).toBeGreaterThanOrEqual(2 * 4 + 2 * 12);
  }, 600_000);
});
