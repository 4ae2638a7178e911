// LsnPins (src/lsm/lsn-pins.ts) against a model: the read points it keeps for compaction and
// the count of open views equal a plain LSN -> count map's, whatever the order views at
// different LSNs are registered and released in (the common one - a view at each new latest
// LSN, released before the next - takes the count kept outside the map).
import { describe, expect, it } from 'vitest';
import { emptyManifest } from '../src/manifest/manifest-format.js';
import { LsnPins } from '../src/lsm/lsn-pins.js';
import { Prng } from '../src/util/prng.js';

describe('LsnPins: pinned read points equal a model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: random register / release of views at a few LSNs`, () => {
      const rnd = new Prng(seed);
      const pins = new LsnPins({ kind: 'lsns', count: 1 }, []);
      const model = new Map<number, number>();
      const open: number[] = [];
      const state = emptyManifest();
      let latest = 10;
      for (let step = 0; step < 3000; step++) {
        const r = rnd.int(10);
        if (r < 4 || open.length === 0) {
          // Mostly the latest LSN (autocommit), sometimes an older one still pinned or new.
          if (rnd.int(4) === 0) latest++;
          const lsn = rnd.int(5) === 0 ? 1 + rnd.int(latest) : latest;
          pins.registerView(lsn);
          model.set(lsn, (model.get(lsn) ?? 0) + 1);
          open.push(lsn);
        } else {
          const i = rnd.int(10) < 6 ? open.length - 1 : rnd.int(open.length);
          const lsn = open.splice(i, 1)[0]!;
          pins.releaseView(lsn);
          model.set(lsn, model.get(lsn)! - 1);
        }
        const want = [...model].filter(([, n]) => n > 0).map(([l]) => l).sort((a, b) => a - b);
        expect(pins.retainedPoints(state, latest + 100, 0).points).toEqual(want);
        expect(pins.openViews).toBe(open.length);
      }
    });
  }
});
