// A short run of `npm run crash`: real child processes killed with SIGKILL mid-commit.
import { describe, expect, it } from 'vitest';
import { crashTrial } from '../scripts/crash-harness.js';

describe('crash recovery (SIGKILL of a committing process)', () => {
  for (const [seed, durability] of [
    [11, 'full'],
    [12, 'normal'],
    [13, 'full'],
  ] as const) {
    it(`seed ${seed}, durability ${durability}: acknowledged batches survive, in-flight ones are all-or-nothing`, async () => {
      const res = await crashTrial(seed, { durability, rounds: 2 });
      expect(res.error).toBeUndefined();
      expect(res.ok).toBe(true);
      expect(res.acked).toBeGreaterThan(0);
    });
  }
});
