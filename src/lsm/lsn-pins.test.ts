import { describe, expect, it } from 'vitest';
import { emptyManifest } from '../manifest/manifest-format.js';
import { LsnPins } from './lsn-pins.js';
import { Prng } from '../util/prng.js';

// Released views keep an idle entry (LsnPins.releaseView): retained points and the open-view
// count must still be exactly those of the views open now, against a multiset model.
describe('LsnPins views', () => {
  it('retains exactly the LSNs of open views through register/release churn', () => {
    const pins = new LsnPins({ kind: 'lsns', count: 0 }, []);
    const state = emptyManifest();
    const model = new Map<number, number>();
    const rng = new Prng(11);
    for (let step = 0; step < 3000; step++) {
      const lsn = 1 + rng.int(40);
      if (rng.int(2) === 0 || (model.get(lsn) ?? 0) === 0) {
        pins.registerView(lsn);
        model.set(lsn, (model.get(lsn) ?? 0) + 1);
      } else {
        pins.releaseView(lsn);
        model.set(lsn, model.get(lsn)! - 1);
      }
      // A release of a view never registered changes nothing.
      if (step % 97 === 0) pins.releaseView(1000 + step);
      // Nor does a second release of an idle one.
      const idle = 1 + rng.int(40);
      if ((model.get(idle) ?? 0) === 0) pins.releaseView(idle);
      const open = [...model].filter(([, n]) => n > 0).map(([l]) => l).sort((a, b) => a - b);
      const retained = pins.retainedPoints(state, 100, 0);
      expect(retained.points).toEqual(open);
      expect(pins.openViews).toBe([...model.values()].reduce((a, b) => a + b, 0));
      for (let l = 1; l <= 41; l++) expect(retained.allows(l)).toBe(open.includes(l));
    }
  });
});
