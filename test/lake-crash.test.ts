// Exactly once under faults (issue 16): the short variant of `npm run crash:lake` — streamers and
// lakes killed at random moments (mid-flush among them), a warehouse store that fails and loses
// acknowledgements, three sources into one table. See test/support/lake-crash-trial.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeCrashTrial } from './support/lake-crash-trial.js';
import { warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

describe('lake exactly once under faults', () => {
  it('one source, 12 trials: no missing row, no duplicate, no resurrected delete', async () => {
    const totals = { lake: 0, streamer: 0, midFlush: 0, checks: 0, faults: 0 };
    for (let seed = 1; seed <= 12; seed++) {
      const t = await lakeCrashTrial(w, seed);
      expect(t.error ?? '', `seed ${seed}`).toBe('');
      totals.lake += t.kills.lake;
      totals.streamer += t.kills.streamer;
      totals.midFlush += t.kills.midFlush;
      totals.checks += t.checks;
      totals.faults += t.faults;
    }
    expect(totals.lake).toBeGreaterThan(5);
    expect(totals.midFlush).toBeGreaterThan(2);
    expect(totals.streamer).toBeGreaterThan(5);
    expect(totals.faults).toBeGreaterThan(10);
  });

  it('three sources into one set of tables, 4 trials', async () => {
    for (let seed = 101; seed <= 104; seed++) {
      const t = await lakeCrashTrial(w, seed, { sources: 3, steps: 25 });
      expect(t.error ?? '', `seed ${seed}`).toBe('');
    }
  });
});
