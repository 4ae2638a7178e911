// A short run of `npm run crash:cdc`: a child process writing and consuming a replication slot
// into an fsynced sink is killed with SIGKILL 5 times, then drains; every acknowledged commit's
// events are in the sink exactly once, and the sink equals a fresh read of the stream from
// LSN 0 and, replayed, each table.
import { describe, expect, it } from 'vitest';
import { cdcCrashTrial } from '../scripts/cdc-crash-harness.js';

describe('change data capture under kill -9 (writer and consumer in a SIGKILLed child)', () => {
  it('seed 7, 5 kills: exactly once from the slot, nothing from an unacknowledged commit that did not survive', async () => {
    const res = await cdcCrashTrial(7, { kills: 5, maxKillMs: 1000 });
    expect(res.error).toBeUndefined();
    expect(res.ok).toBe(true);
    expect(res.kills).toBe(5);
    expect(res.acked).toBeGreaterThan(0);
    expect(res.events).toBeGreaterThan(res.acked);
  }, 120_000);
});
