// The fate of WAL records a writer appended just before it found itself fenced
// (docs/format/wal.md, "Fencing and the outcome of a write").
//
// The writer that fenced us replays our segment when it opens and records, in its first
// manifest, how far it read: a seal `{ key, end }` for each segment it replayed (or no seals
// when it replayed nothing). Every later open replays our segment only up to that seal. So a
// record ending at or before the seal is committed; one after it, or in a segment the seal
// list does not name, never will be. That manifest is the first one of a newer epoch after
// our last manifest version; until it exists (the new writer is still opening, or died
// before writing it) the outcome is not decided yet.
import { decodeManifest } from '../manifest/manifest-format.js';
import { latestManifestVersion, manifestKey } from '../manifest/version-set.js';
import type { ObjectStore } from '../storage/object-store.js';

export type AppendOutcome = 'committed' | 'not-committed' | 'unknown';

/** Delays (ms) between looks for the new writer's first manifest. */
const RETRY_DELAYS_MS = [0, 10, 30, 100, 250];

/**
 * Outcome of each record of a fenced writer's last group: `ends[i]` is the byte offset where
 * record i ends in `segment`. `epoch` is ours, `version` a manifest version we wrote (the
 * newer epoch's first manifest comes after it). Never throws: a store failure means unknown.
 */
export async function fencedAppendOutcome(store: ObjectStore, o: { epoch: number; version: number; segment: string; ends: readonly number[] }): Promise<AppendOutcome[]> {
  const all = (x: AppendOutcome): AppendOutcome[] => o.ends.map(() => x);
  for (const delay of RETRY_DELAYS_MS) {
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    let found;
    try {
      found = await firstManifestAfter(store, o.epoch, o.version);
    } catch {
      return all('unknown');
    }
    if (found === 'gone') return all('unknown');
    if (found === null) continue;
    const seal = found.walSeals.find((s) => s.key === o.segment);
    return o.ends.map((end) => (seal !== undefined && end <= seal.end ? 'committed' : 'not-committed'));
  }
  return all('unknown');
}

/**
 * The first manifest after `version` written by an epoch other than ours; null if none is
 * written yet; 'gone' if it was written but is unreadable now (collected, or damaged).
 */
async function firstManifestAfter(store: ObjectStore, epoch: number, version: number): Promise<{ walSeals: { key: string; end: number }[] } | null | 'gone'> {
  for (let v = version + 1; ; v++) {
    const key = manifestKey(v);
    const r = await store.get(key);
    if (!r) return (await latestManifestVersion(store)) > v ? 'gone' : null;
    let m;
    try {
      m = decodeManifest(r.data, key);
    } catch {
      return 'gone';
    }
    // Our own update that landed before the new writer loaded the manifest.
    if (m.epoch === epoch) continue;
    return m.epoch > epoch ? m : 'gone';
  }
}
