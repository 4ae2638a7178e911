// The import loop of `dosql import` (commands/import.ts): rows of an ImportSource inserted in
// batched transactions, reporting ImportProgress (src/util/progress.ts) to the caller and to
// DB()'s `onProgress`. Each batch is its own transaction: a failure part-way leaves the
// batches committed before it, and `committed` says how many rows those were.
import type { Database } from '../sql/api/database.js';
import { progressOf } from '../sql/api/host.js';
import type { BindValue } from '../sql/api/values.js';
import type { ImportProgress, ProgressCallback } from '../util/progress.js';
import { quoteIdent } from './infer-schema.js';
import type { ImportSource } from './import-source.js';

/** Most parameters one INSERT statement binds (rows per statement = this / columns). */
const PARAMS_PER_STATEMENT = 2000;

/** Inserts `rows` in one transaction, as multi-row INSERTs. */
async function insertBatch(db: Database, table: string, columns: readonly string[], rows: readonly BindValue[][]): Promise<void> {
  const per = Math.max(1, Math.min(500, Math.floor(PARAMS_PER_STATEMENT / Math.max(1, columns.length))));
  const head = `INSERT INTO ${quoteIdent(table)}(${columns.map(quoteIdent).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const sqlFor = (n: number): string => head + Array.from({ length: n }, () => tuple).join(', ');
  const full = sqlFor(per);
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += per) {
      const part = rows.slice(i, i + per);
      await tx.run(part.length === per ? full : sqlFor(part.length), part.flat());
    }
  });
}

export interface ImportRunOptions {
  /** Rows per transaction. */
  batch: number;
  /** Hears ImportProgress after each committed batch and once at the end (`phase: 'done'`); throws are logged and ignored. */
  onProgress?: ProgressCallback;
}

/**
 * Inserts every row of `source` into `table` (file columns to `columns`, in order), `batch`
 * rows per transaction. Calls `progress.committed` as batches commit so a caller can say how
 * many rows a failure left behind. Returns the rows committed.
 */
export async function importInto(db: Database, table: string, columns: readonly string[], source: ImportSource, options: ImportRunOptions, progress: { committed: number } = { committed: 0 }): Promise<number> {
  const report = progressOf(db, options.onProgress);
  const event = (phase: ImportProgress['phase']): ImportProgress => ({
    operation: 'import',
    table,
    phase,
    rowsDone: progress.committed,
    rowsTotal: source.totalRows,
    // A reader's position may run ahead of the file size (decoded batches) only in theory: clamp.
    bytesDone: Math.min(source.bytesRead(), source.totalBytes),
    bytesTotal: source.totalBytes,
  });
  let pending: BindValue[][] = [];
  const commit = async (): Promise<void> => {
    await insertBatch(db, table, columns, pending);
    progress.committed += pending.length;
    pending = [];
  };
  for await (const rows of source.batches()) {
    for (const r of rows) {
      pending.push(r);
      if (pending.length >= options.batch) {
        await commit();
        report?.(event('import'));
      }
    }
  }
  if (pending.length) await commit();
  // The whole file is read: bytesDone is its size (a stream's position can lag its last chunk).
  report?.({ ...event('done'), bytesDone: source.totalBytes });
  return progress.committed;
}
