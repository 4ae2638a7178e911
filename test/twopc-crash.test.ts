// A short run of `npm run crash:2pc` (scripts/twopc-crash-harness.ts): three shard processes
// (dosql databases in their own folders behind HTTP) and a coordinator process running
// cross-shard bank transfers, SIGKILLed at random moments and right as the coordinator reports
// 'prepared' or 'decided', restarted, then recovered and checked: the total balance is
// invariant, no transfer is half-applied, every acknowledged transfer is present, nothing stays
// prepared and the coordinator log is empty.
import { describe, expect, it } from 'vitest';
import { twopcCrashTrial } from '../scripts/twopc-crash-harness.js';

describe('two-phase commit under kill -9 (shards and coordinator in separate processes)', () => {
  it('seeds 1-2, 4 kills each: invariant total, nothing half-applied, every acknowledged transfer present', async () => {
    let acked = 0;
    let kills = 0;
    for (const seed of [1, 2]) {
      const r = await twopcCrashTrial(seed, { shards: 3, kills: 4, maxKillMs: 800 });
      expect(r.error ?? '', `seed ${seed}`).toBe('');
      expect(r.ok).toBe(true);
      // Every acknowledged transfer is among those committed (checked one by one in the trial).
      expect(r.committed).toBeGreaterThanOrEqual(r.acked);
      acked += r.acked;
      kills += Object.values(r.kills).reduce((a, b) => a + b, 0);
    }
    expect(kills).toBe(8);
    expect(acked).toBeGreaterThan(0);
  }, 400_000);
});
