// What the engine writes to its structured log (EngineOptions.logger, src/util/log.ts), in one
// place so the event names and fields operators filter on are listed together
// (docs/operations.md, "Logging"). Completed work is info; its start is debug.
import type { Logger } from '../util/log.js';
import type { EngineEvent } from './engine-types.js';
import type { RecoveredWal } from './recovery.js';

/** Logs a flush or compaction event (the engine's `onEvent` stream). */
export function logEngineEvent(log: Logger, e: EngineEvent): void {
  switch (e.type) {
    case 'flush-start':
      return log.debug('flush-start', { memtableBytes: e.memtableBytes });
    case 'flush-end':
      // A flush turns one frozen memtable into L0 files.
      return log.info('flush', { filesIn: 1, filesOut: e.files, bytesOut: e.bytes, ms: e.ms });
    case 'compaction-start':
      return log.debug('compaction-start', { kind: e.kind, level: e.level, outputLevel: e.outputLevel, filesIn: e.inputFiles });
    case 'compaction-end':
      return log.info('compaction', { kind: e.kind, filesIn: e.inputFiles, filesOut: e.outputFiles, bytesIn: e.bytesRead, bytesOut: e.bytesWritten, droppedVersions: e.droppedVersions, ms: e.ms });
  }
}

/** Logs a finished open: the epoch claimed and what WAL recovery replayed. */
export function logOpen(log: Logger, o: { store: string; epoch: number; rec: RecoveredWal; lastLsn: number; ms: number }): void {
  const torn = o.rec.ends.filter((e) => e.stop === 'torn-tail').length;
  log.info('open', { store: o.store, epoch: o.epoch, walSegments: o.rec.ranges.length, commitsReplayed: o.rec.commits, tornTails: torn, lastLsn: o.lastLsn, ms: o.ms });
}
