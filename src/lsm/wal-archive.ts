// The WAL archive: byte-identical copies of retained segments in the cold store under
// `_archive/` + the segment's key (seed 003's layout), so change data capture can catch up
// after the hot tier has moved on. Same format and checksums as the hot segment, so the log
// reader reads a copy exactly as it reads the original. docs/format/wal.md, "Archive".
import { asIoError, corruption, DoSQLError } from '../errors.js';
import type { WalHistoryEntry } from '../manifest/manifest-format.js';
import type { ObjectStore } from '../storage/object-store.js';
import { archiveKey } from './wal-retention.js';

/**
 * Copies bytes [0, end) of the entry's hot segment to the cold store, create-if-absent, and
 * returns the copy's key. A copy that already exists with the same length (a retry after a
 * crash between the copy and the manifest edit) is accepted. Throws CORRUPTION when the hot
 * segment is shorter than `end`, IO_ERROR for store failures.
 */
export async function archiveSegment(hot: ObjectStore, cold: ObjectStore, h: WalHistoryEntry): Promise<string> {
  const key = archiveKey(h.key);
  let r;
  try {
    r = await hot.get(h.key, { range: { offset: 0, length: h.end } });
  } catch (e) {
    throw asIoError('wal', 'get', h.key, e);
  }
  if (!r || r.data.length < h.end) throw corruption('wal', h.key, r?.data.length ?? 0, `segment to archive is shorter than its recorded end ${h.end}`);
  try {
    await cold.put(key, r.data, { condition: { ifNoneMatch: '*' } });
  } catch (e) {
    if (!(e instanceof DoSQLError && e.code === 'PRECONDITION_FAILED')) throw asIoError('wal', 'put', key, e);
    const existing = await cold.head(key).catch((x: unknown) => {
      throw asIoError('wal', 'head', key, x);
    });
    if (!existing || existing.size !== h.end) throw corruption('wal', key, 0, `an archive copy of ${existing?.size ?? 0} bytes exists where ${h.end} were expected`);
  }
  return key;
}
