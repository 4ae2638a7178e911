// The engine's declared host interface for executors (EngineOptions.executor): where flushes
// and compactions burn their CPU. Executors outside the engine — Node's worker threads
// (src/node/worker-executor.ts, and src/node/background-worker.ts on the thread, which runs the
// jobs against its own store) and a Durable Object's alarms (src/worker/alarm-executor.ts) —
// import what they need from here only (test/layering.test.ts): the executor interface, the
// types its jobs carry, and the parts a job is made of. Re-exports only.
export { InlineExecutor, inlineExecutorWith, type InlineExecutorOptions, type BackgroundExecutor, type ExecutorFactory, type FlushOutput, type JobContext } from './background-executor.js';
export type { Memtable } from '../memtable/memtable.js';
export { FrozenEntrySource, sortEntries, type FrozenEntries } from '../memtable/entry-source.js';
export { RunBuilder } from '../compaction/run-builder.js';
export { runCompaction, type CompactionResult, type KeyRange } from '../compaction/compaction-job.js';
export { planSubcompactions, runSubcompactions } from '../compaction/subcompaction.js';
export { deeperDataMayExist, type Compaction } from '../compaction/compaction-picker.js';
export { RetainedPoints } from '../compaction/retention.js';
export { emptyManifest, type FileMeta, type ManifestState } from '../manifest/manifest-format.js';
export { BlockCache } from '../sstable/block-cache.js';
export { TableCache } from '../sstable/table-cache.js';
export { ensureCodec, type CompressionName } from '../sstable/compression.js';
export { compressionsUsed, writerOptionsForLevel } from '../sstable/level-compression.js';
