// Data files (SSTables, columnar runs) found in the stores at open, and the collection of
// those no manifest references: the output of a flush or compaction that crashed, or of a
// writer that was fenced, before its manifest update (docs/format/manifest.md, "File names").
import { asIoError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { parseSstKey } from '../compaction/run-builder.js';
import { COLD_RUN_PREFIX, parseColdRunKey } from '../cold/index.js';

export interface DataFile {
  key: string;
  /** Writer epoch that wrote it (0 for names from before epoch-qualified names). */
  epoch: number;
  number: number;
  tier: 'hot' | 'cold';
}

/** SSTables in `store` and columnar runs in `coldStore`, with the epoch and number their names carry. */
export async function listDataFiles(store: ObjectStore, coldStore: ObjectStore): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const k of await listKeys(store, 'sst/')) {
    const id = parseSstKey(k);
    if (id) out.push({ key: k, ...id, tier: 'hot' });
  }
  for (const k of await listKeys(coldStore, COLD_RUN_PREFIX)) {
    const id = parseColdRunKey(k);
    if (id) out.push({ key: k, ...id, tier: 'cold' });
  }
  return out;
}

/**
 * Deletes the files of earlier epochs that `live` does not hold. Files of this epoch or a newer
 * one are never touched: a newer writer's files may not be in any manifest yet. Failures are
 * ignored (the next open retries).
 */
export async function deleteOrphans(files: readonly DataFile[], live: ReadonlySet<string>, epoch: number, store: ObjectStore, coldStore: ObjectStore): Promise<number> {
  let n = 0;
  for (const f of files) {
    if (f.epoch >= epoch || live.has(f.key)) continue;
    await (f.tier === 'cold' ? coldStore : store).delete(f.key).then(
      () => n++,
      () => undefined,
    );
  }
  return n;
}

async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  try {
    return (await store.list(prefix)).map((o) => o.key);
  } catch (e) {
    throw asIoError('engine', 'list', prefix, e);
  }
}
