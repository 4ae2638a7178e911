// Runs one compaction: merges the input runs, drops versions no retained read point can
// see (and tombstones with nothing older left to hide), and writes the survivors as a new
// run of SSTables. The rule and its proof: docs/compaction.md.
import type { ObjectStore } from '../storage/object-store.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { KIND_DELETE, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import type { SSTableWriterOptions } from '../sstable/sstable-writer.js';
import type { TableCache } from '../sstable/table-cache.js';
import { compareRange } from '../util/bytes.js';
import { yieldToEventLoop } from '../util/async.js';
import type { Compaction } from './compaction-picker.js';
import type { RetainedPoints } from './retention.js';
import { RunBuilder } from './run-builder.js';
import { runIterator } from './run-iterator.js';

export interface CompactionJobOptions {
  store: ObjectStore;
  tables: TableCache;
  targetFileBytes: number;
  sstable: SSTableWriterOptions;
  newFileNumber: () => number;
  retained: RetainedPoints;
  /** True when a level below the output level may hold versions of `uk`. */
  deeperDataMayExist: (uk: Uint8Array) => boolean;
  /** Entries between yields to the event loop. Default 4096. */
  yieldEvery?: number;
  /** Checked between slices; when true the job stops and throws `aborted`. */
  aborted?: () => boolean;
}

export interface CompactionResult {
  outputs: FileMeta[];
  bytesRead: number;
  bytesWritten: number;
  entriesIn: number;
  entriesOut: number;
  /** Versions dropped because no retained read point sees them. */
  droppedVersions: number;
  /** Tombstones dropped at the bottom (nothing older left to hide). */
  droppedTombstones: number;
  ms: number;
}

interface Pending {
  key: Uint8Array;
  value: Uint8Array;
  kind: number;
}

export async function runCompaction(c: Compaction, o: CompactionJobOptions): Promise<CompactionResult> {
  const t0 = Date.now();
  const builder = new RunBuilder({ store: o.store, targetFileBytes: o.targetFileBytes, sstable: o.sstable, newFileNumber: o.newFileNumber });
  const merged = new MergingIterator(c.runs.map((run) => runIterator(o.tables, run)));
  let bytesRead = 0;
  for (const run of c.runs) for (const f of run) bytesRead += f.size;
  let entriesIn = 0;
  let droppedVersions = 0;
  let droppedTombstones = 0;
  const yieldEvery = o.yieldEvery ?? 4096;

  // The versions kept so far for the current user key, newest first.
  let group: Pending[] = [];
  let groupUk: Uint8Array | null = null;
  let nextLsn = Infinity; // LSN of the next newer version of the current user key in the input

  const flushGroup = (): void => {
    if (groupUk === null) return;
    // A tombstone that is the oldest surviving version hides nothing if no deeper level can
    // hold the key: reads at any point see "absent" with or without it.
    if (group.length > 0 && group[group.length - 1]!.kind === KIND_DELETE && !o.deeperDataMayExist(groupUk)) {
      while (group.length > 0 && group[group.length - 1]!.kind === KIND_DELETE) {
        group.pop();
        droppedTombstones++;
      }
    }
    for (const p of group) builder.add(p.key, p.value);
    group = [];
  };

  try {
    let p = merged.seekToFirst();
    if (p) await p;
    while (merged.valid()) {
      const k = merged.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (groupUk === null || ukLen !== groupUk.length || compareRange(k, 0, ukLen, groupUk, 0, ukLen) !== 0) {
        flushGroup();
        groupUk = k.slice(0, ukLen);
        nextLsn = Infinity;
      }
      const lsn = trailerLsn(k);
      if (o.retained.keep(lsn, nextLsn)) group.push({ key: k.slice(), value: merged.value(), kind: trailerKind(k) });
      else droppedVersions++;
      nextLsn = lsn;
      entriesIn++;
      p = merged.next();
      if (p) await p;
      if (entriesIn % yieldEvery === 0) {
        await yieldToEventLoop();
        if (o.aborted?.()) throw new Error('compaction aborted');
      }
    }
    flushGroup();
    const outputs = await builder.finish();
    return {
      outputs,
      bytesRead,
      bytesWritten: builder.bytesWritten,
      entriesIn,
      entriesOut: builder.entries,
      droppedVersions,
      droppedTombstones,
      ms: Date.now() - t0,
    };
  } finally {
    merged.close();
  }
}
