// The import loop of `dosql import` (commands/import.ts): rows of an ImportSource, reporting
// ImportProgress (src/util/progress.ts) to the caller and to DB()'s `onProgress`.
//   - load 'ingest' (the default) into an empty table the bulk loader takes
//     (src/sql/api/bulk-load.ts): every row written straight into SSTables and committed at
//     once, or none (a failure leaves the table empty);
//   - otherwise (load 'insert', or a table it refuses: `fallback` says why) batched
//     transactions of INSERTs. Each batch is its own transaction: a failure part-way leaves the
//     batches committed before it, and `committed` says how many rows those were.
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import { bulkLoad, bulkLoadFallback, progressOf, type ColumnBatch } from '../sql/api/host.js';
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
  /** Rows per transaction (load 'insert'). */
  batch: number;
  /** 'ingest' (default): the bulk loader when the table allows it; 'insert': batched INSERTs. */
  load?: 'ingest' | 'insert';
  /**
   * A fresh source over the same file: the bulk loader found the rows unsorted beyond what it
   * sorts in memory and the rows go in by INSERT instead. Without it that case fails (NOT_SUPPORTED).
   */
  reopen?: () => Promise<ImportSource>;
  /** Hears ImportProgress after each committed batch and once at the end (`phase: 'done'`); throws are logged and ignored. */
  onProgress?: ProgressCallback;
}

/**
 * Inserts every row of `source` into `table` (file columns to `columns`, in order), `batch`
 * rows per transaction. Calls `progress.committed` as batches commit so a caller can say how
 * many rows a failure left behind. Returns the rows committed.
 */
export async function importInto(db: Database, table: string, columns: readonly string[], source: ImportSource, options: ImportRunOptions, progress: ImportState = { committed: 0 }): Promise<number> {
  if (options.load !== 'insert') {
    const why = await bulkLoadFallback(db, table, columns);
    if (why === null) {
      try {
        return await ingestInto(db, table, columns, source, options, progress);
      } catch (e) {
        if (!(e instanceof DoSQLError && e.code === 'NOT_SUPPORTED' && options.reopen)) throw e;
        progress.fallback = e.message;
        source = await options.reopen();
      }
    } else progress.fallback = why;
  }
  progress.path = 'insert';
  return insertInto(db, table, columns, source, options, progress);
}

/** What an import did: rows committed, the path taken and why the bulk loader was not. */
export interface ImportState {
  committed: number;
  path?: 'ingest' | 'insert';
  /** Why the rows went in by INSERT although load 'ingest' was asked for. */
  fallback?: string;
}

async function ingestInto(db: Database, table: string, columns: readonly string[], source: ImportSource, options: ImportRunOptions, progress: ImportState): Promise<number> {
  const report = progressOf(db, options.onProgress);
  let read = 0;
  const event = (phase: ImportProgress['phase'], rowsDone: number): ImportProgress => ({
    operation: 'import',
    table,
    phase,
    rowsDone,
    rowsTotal: source.totalRows,
    bytesDone: Math.min(source.bytesRead(), source.totalBytes),
    bytesTotal: source.totalBytes,
  });
  // A columnar source's batches go to the loader as they come: progress after each.
  async function* columnar(batches: AsyncGenerator<ColumnBatch>): AsyncGenerator<ColumnBatch> {
    for await (const b of batches) {
      yield b;
      read += b.rowCount;
      report?.(event('import', read));
    }
  }
  // Batches of `options.batch` rows, as the INSERT path commits them: progress after each.
  async function* counted(): AsyncGenerator<BindValue[][]> {
    let pending: BindValue[][] = [];
    for await (const rows of source.batches()) {
      for (const r of rows) {
        pending.push(r);
        if (pending.length >= options.batch) {
          const out = pending;
          pending = [];
          yield out;
          read += out.length;
          // Rows read and written to SSTables (they commit together at the end).
          report?.(event('import', read));
        }
      }
    }
    if (pending.length) yield pending;
  }
  progress.path = 'ingest';
  const res = await bulkLoad(db, table, columns, source.columnBatches ? columnar(source.columnBatches()) : counted());
  progress.committed = res.rows;
  report?.({ ...event('done', res.rows), bytesDone: source.totalBytes });
  return res.rows;
}

async function insertInto(db: Database, table: string, columns: readonly string[], source: ImportSource, options: ImportRunOptions, progress: ImportState): Promise<number> {
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
