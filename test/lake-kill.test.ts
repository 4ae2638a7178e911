// A short run of `npm run crash:lake-kill` (scripts/lake-kill-harness.ts): a child process hosting
// a source database with random DML, its createLakehouseStreamer and the lake (folder warehouse,
// FsObjectStore) is SIGKILLed at random moments and restarted; icebird over loopback HTTP reads
// every lake table, which equals the source AS OF the lake's committed LSN, and after a drain the
// source's head.
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

describe('lake exactly once under kill -9 (source, streamer and lake in a SIGKILLed child)', () => {
  it('seeds 1-2, 3 kills each: every table equals the source AS OF its committed LSN, then the head', async () => {
    let checks = 0;
    let behind = 0;
    for (const seed of [1, 2]) {
      const res = await lakeKillTrial(w, seed, { kills: 3, maxKillMs: 1000 });
      expect(res.error ?? '', `seed ${seed}`).toBe('');
      expect(res.kills).toBe(3);
      expect(res.head).toBeGreaterThan(0);
      checks += res.checks;
      behind += res.behind;
    }
    // The checks after the kills saw a lake behind its source: AS OF compared something other than the head.
    expect(checks).toBeGreaterThanOrEqual(16);
    expect(behind).toBeGreaterThan(0);
  }, 400_000);
});
