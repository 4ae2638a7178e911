// The last step of a commit: its operations become memtable entries keyed by internal key
// (user key, LSN, kind; docs/format/keys.md). Shared by the write path, after the WAL append,
// and by recovery, replaying the WAL at open.
import type { Memtable } from '../memtable/memtable.js';
import { KIND_PUT, writeTrailer } from '../mvcc/internal-key.js';
import type { CommitRecord } from './wal-format.js';

const EMPTY = new Uint8Array(0);

/** Inserts one commit's operations into `mt`; `trailer` is scratch space of TRAILER_SIZE bytes. */
export function applyCommit(mt: Memtable, c: CommitRecord, trailer: Uint8Array): void {
  for (const op of c.ops) {
    writeTrailer(trailer, 0, c.lsn, op.kind);
    mt.add(op.userKey, op.kind === KIND_PUT ? op.value! : EMPTY, trailer);
  }
}
