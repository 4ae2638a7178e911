// Worker-thread side of the Node executor: builds flush runs from a frozen memtable's
// shared arena and runs compactions, against its own FsObjectStore on the same folder.
// Protocol: { id, type: 'flush' | 'compact', ... } in; { id, ok: true, result } or
// { id, ok: false, error: { code, message, details } } out.
import { parentPort } from 'node:worker_threads';
import { FsObjectStore } from '../storage/fs-store.js';
import {
  BlockCache,
  deeperDataMayExist,
  emptyManifest,
  compressionsUsed,
  ensureCodec,
  FrozenEntrySource,
  RetainedPoints,
  RunBuilder,
  runCompaction,
  sortEntries,
  TableCache,
  writerOptionsForLevel,
  type Compaction,
  type CompressionName,
  type FileMeta,
  type FrozenEntries,
  type KeyRange,
} from '../lsm/executor-host.js';
import { DoSQLError } from '../errors.js';

export interface WorkerSetup {
  root: string;
  fsync: boolean;
  targetFileBytes: number;
  sstable: { blockSize: number; compression: CompressionName; compressionPerLevel: readonly CompressionName[]; bitsPerKey: number };
}

export type WorkerRequest =
  | { id: number; type: 'setup'; setup: WorkerSetup }
  | { id: number; type: 'flush'; frozen: FrozenEntries; epoch: number; firstFile: number; fileCount: number }
  | {
      id: number;
      type: 'compact';
      compaction: Omit<Compaction, 'inputFiles'> & { inputFiles: number[] };
      levels: FileMeta[][][];
      horizon: number;
      points: number[];
      fullHistoryTables?: number[];
      epoch: number;
      firstFile: number;
      fileCount: number;
      /** A subcompaction's key range (src/compaction/subcompaction.ts); the whole job when absent. */
      range?: KeyRange;
    };

let setup: WorkerSetup | null = null;
let store: FsObjectStore | null = null;
let tables: TableCache | null = null;

function numbers(first: number, count: number): () => number {
  let next = first;
  return () => {
    if (next >= first + count) throw new Error(`background worker: ran out of the ${count} reserved file numbers`);
    return next++;
  };
}

async function handle(msg: WorkerRequest): Promise<unknown> {
  if (msg.type === 'setup') {
    setup = msg.setup;
    for (const name of compressionsUsed(setup.sstable.compression, setup.sstable.compressionPerLevel)) await ensureCodec(name);
    store = new FsObjectStore(setup.root, { fsync: setup.fsync });
    tables = new TableCache(store, new BlockCache(16 * 1024 * 1024), 500);
    return null;
  }
  if (!setup || !store || !tables) throw new Error('background worker: not set up');
  if (msg.type === 'flush') {
    const src = new FrozenEntrySource(msg.frozen);
    const order = sortEntries(
      src,
      Array.from({ length: src.size }, (_, i) => i),
    );
    const builder = new RunBuilder({ store, epoch: msg.epoch, targetFileBytes: setup.targetFileBytes, sstable: writerOptionsForLevel(setup.sstable, 0), newFileNumber: numbers(msg.firstFile, msg.fileCount) });
    for (const e of order) builder.add(src.keyAt(e), src.valueAt(e));
    const files = await builder.finish();
    return { files, bytesWritten: builder.bytesWritten };
  }
  const c: Compaction = { ...msg.compaction, inputFiles: new Set(msg.compaction.inputFiles) };
  const state = { ...emptyManifest(), levels: msg.levels };
  return runCompaction(c, {
    store,
    tables,
    targetFileBytes: setup.targetFileBytes,
    sstable: setup.sstable,
    epoch: msg.epoch,
    newFileNumber: numbers(msg.firstFile, msg.fileCount),
    retained: new RetainedPoints(msg.horizon, msg.points, msg.fullHistoryTables ?? []),
    deeperDataMayExist: (uk) => deeperDataMayExist(state, c.outputLevel, uk),
    yieldEvery: 1 << 30,
    range: msg.range,
  });
}

parentPort!.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (result) => parentPort!.postMessage({ id: msg.id, ok: true, result }),
    (e: unknown) => {
      const err = e instanceof DoSQLError ? e : null;
      parentPort!.postMessage({
        id: msg.id,
        ok: false,
        error: { code: err?.code ?? 'IO_ERROR', message: e instanceof Error ? e.message : String(e), details: err?.details ?? {} },
      });
    },
  );
});
