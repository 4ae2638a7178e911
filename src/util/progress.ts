// Progress of long operations (issue 22): `db.compact({ onProgress })`, `DB(path, { onProgress })`
// and the importer report typed events. Counters only grow within one operation and its last
// event has done === total. A callback that throws is ignored (logged at warn as
// `progress-callback-error`): progress is advisory, and an exception thrown out of the middle
// of a compaction or an import batch would leave the caller unsure what was installed. This
// module has no `node:` import: it loads in workerd.
import { errorFields, type Logger } from './log.js';

/**
 * A compaction's progress: input files and bytes merged so far of those picked (`filesTotal`,
 * `bytesTotal`). `tier: 'cold'` merges everything into columnar runs; `hot` is a leveled or full
 * compaction. Reported per compaction job (a job runs on a worker thread in Node), so a full or
 * cold compaction reports 0 of N, then N of N; a balancing compaction runs jobs until the
 * levels are balanced and adds each picked job's inputs to the totals when it starts (the
 * totals may grow; the done counters never pass them). `phase: 'publish'` (after a cold
 * compaction) counts tables published as Iceberg snapshots in `tablesDone` of `tablesTotal`.
 */
export interface CompactProgress {
  operation: 'compact';
  tier: 'hot' | 'cold';
  phase: 'compact' | 'publish';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  tablesDone: number;
  tablesTotal: number;
}

/**
 * An import's progress: rows committed so far (`rowsTotal` when the file says, as Parquet
 * metadata does, else undefined) and bytes of the file read (`bytesTotal` its size).
 * The last event has `phase: 'done'` and, unless the import failed, bytesDone === bytesTotal.
 */
export interface ImportProgress {
  operation: 'import';
  table: string;
  phase: 'import' | 'done';
  rowsDone: number;
  rowsTotal: number | undefined;
  bytesDone: number;
  bytesTotal: number;
}

export type ProgressEvent = CompactProgress | ImportProgress;

/** Receives progress events; its return value is ignored, and so is anything it throws. */
export type ProgressCallback = (event: ProgressEvent) => void;

/**
 * One callback calling each of `callbacks` (undefined ones skipped) with the event, a throw
 * caught and logged to `logger` at warn. Undefined when there is nothing to call.
 */
export function progressReporter(callbacks: readonly (ProgressCallback | undefined)[], logger?: Logger): ProgressCallback | undefined {
  const fns = callbacks.filter((f): f is ProgressCallback => typeof f === 'function');
  if (fns.length === 0) return undefined;
  return (event) => {
    for (const f of fns) {
      try {
        f(event);
      } catch (e) {
        logger?.warn('progress-callback-error', { operation: event.operation, ...errorFields(e) });
      }
    }
  };
}
