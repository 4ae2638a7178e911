import type { FileMeta } from '../manifest/manifest-format.js';
import { ConcatenatingIterator } from '../sstable/concatenating-iterator.js';
import type { TableCache } from '../sstable/table-cache.js';
import type { InternalIterator } from '../util/internal-iterator.js';

/** Iterator over one sorted run of SSTables, opening files lazily. */
export function runIterator(tables: TableCache, run: readonly FileMeta[], readaheadBytes = 256 * 1024): InternalIterator {
  return new ConcatenatingIterator(run, (f) => {
    const r = tables.get(f);
    return r instanceof Promise ? r.then((reader) => reader.iterator({ readaheadBytes })) : r.iterator({ readaheadBytes });
  });
}
