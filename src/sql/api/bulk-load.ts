// Bulk load of an empty table straight into sorted runs (`dosql import`, bench/flights.ts): rows
// are encoded exactly as INSERT stores them (type affinity, row encoding, key encoding, index
// entries), checked (NOT NULL, PRIMARY KEY and UNIQUE), sorted and written as SSTables at one
// commit LSN, then ingested by one manifest edit (src/lsm/ingest.ts), as RocksDB's
// IngestExternalFile. Either every row is loaded or none: a constraint failure deletes the
// files written so far and commits nothing.
//
// The fast path is for the plain case; `bulkLoadFallback` names why a table is not one, and
// the caller then inserts in batched transactions instead (src/cli/import-run.ts):
//   - the table is not empty on main, or the handle is on a branch;
//   - triggers (SQL or programmatic), foreign keys, CHECK constraints, generated columns,
//     AUTOINCREMENT, conflict clauses (ON CONFLICT / OR ...), indexes on expressions, partial
//     indexes or index methods (FTS, vectors), a missing column whose DEFAULT is not a constant;
//   - change data capture would miss the rows: a replication slot, an open log reader, or the
//     WAL archive (an ingest is logged as an empty commit, docs/format/wal.md "Ingested commits").
// Input order: rows sorted by primary key (or rowid, as an automatic rowid always is) stream
// into one run with bounded memory; unsorted rows are sorted in chunks of CHUNK_ROWS, which
// must not interleave (NOT_SUPPORTED otherwise, nothing loaded: insert instead). Index entries
// are sorted in chunks too; each chunk is its own run (L0), and a UNIQUE index's input must fit
// in one chunk.
//
// Commits of other handles wait while the load runs (it holds the commit lock to write its
// files at the reserved LSN); a commit between the emptiness check and the lock fails the load
// with WRITE_CONFLICT (retry).
import { DoSQLError } from '../../errors.js';
import { encodeUserKey, KIND_PUT, MAIN_BRANCH, makeInternalKey } from '../../mvcc/internal-key.js';
import type { IngestContext, IngestedRun } from '../../lsm/ingest.js';
import { compareBytes } from '../../util/bytes.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import { columnDefaults, encodeRowValue } from '../rows/row-materializer.js';
import { indexColumnPositions, indexKey, indexValues, rowKey } from '../rows/row-keys.js';
import { checkLength } from '../types/length-limit.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from '../types/value.js';
import * as ops from '../execution/value-ops.js';
import { commitLogKey, COMMIT_LOG_VALUE } from './commit-log.js';
import { databaseParts, type Database } from './database.js';
import { toSqlValue, type BindValue } from './values.js';

/** Rows (and index entries) sorted in memory at a time. */
const CHUNK_ROWS = 1 << 18;
/** Rows arriving in key order are written on after this many (see the loop). */
const SORTED_FLUSH_ROWS = 4096;
const EMPTY = new Uint8Array(0);

export interface BulkLoadOptions {
  /** Rows (and index entries) sorted in memory at a time (default 262,144): bounds memory. */
  chunkRows?: number;
}

export interface BulkLoadResult {
  rows: number;
  /** The commit LSN of every loaded row. */
  lsn: number;
  /** SSTables written and the level they went to (0: L0). */
  files: number;
  level: number;
}

/**
 * Why `table` cannot be bulk loaded from `columns` (a reason for a log line), or null when it
 * can. Reads the table (one row at most) on the handle's branch.
 */
export async function bulkLoadFallback(db: Database, table: string, columns: readonly string[]): Promise<string | null> {
  const { core } = databaseParts(db);
  const engine = await core.eng();
  if (core.branchId !== MAIN_BRANCH) return 'the handle is on a branch';
  if (engine.readOnly) return 'the database is open read-only';
  if (engine.log.slots().length > 0 || engine.log.pins > 0 || engine.log.archiving) return 'change data capture reads the log (replication slots, readers or the WAL archive)';
  if (core.rowTriggers) return 'programmatic row triggers are attached';
  const name = quote(table);
  // A statement refreshes the handle's schema (another handle may have changed it).
  const nonEmpty = (await db.query(`SELECT 1 AS x FROM ${name} LIMIT 1`)).length > 0;
  const cat = core.currentCatalog();
  const t = cat.findTable(table);
  if (!t) throw new DoSQLError('NOT_FOUND', `sql: no such table: ${table}`, { details: { table } });
  if (nonEmpty) return `table ${t.name} is not empty`;
  return shapeReason(t, cat.indexesOf(t.name), cat.triggersOf(t.name).length, columns);
}

function shapeReason(t: TableSchema, indexes: readonly IndexSchema[], triggers: number, columns: readonly string[]): string | null {
  if (t.temp) return 'a TEMP table';
  if (triggers > 0) return `table ${t.name} has triggers`;
  if (t.foreignKeys.length > 0) return `table ${t.name} has foreign keys`;
  if (t.checks.length > 0) return `table ${t.name} has CHECK constraints`;
  if (t.autoincrement) return `table ${t.name} is AUTOINCREMENT`;
  if (t.pkConflict) return `table ${t.name} has a conflict clause`;
  for (const c of t.columns) {
    if (c.generated) return `column ${c.name} is generated`;
    if (c.notNullConflict) return `column ${c.name} has a conflict clause`;
  }
  for (const ix of indexes) {
    if (ix.using || ix.where || ix.onConflict || ix.columns.some((c) => c.expr)) return `index ${ix.name} is partial, on an expression, has a conflict clause or a method`;
  }
  const given = new Set(columns.map((c) => c.toLowerCase()));
  const defaults = columnDefaults(t);
  for (let i = 0; i < t.columns.length; i++) {
    const c = t.columns[i]!;
    if (given.has(c.name.toLowerCase()) || i === t.rowidAlias || !c.defaultExpr) continue;
    if (defaults[i] === null && !(c.defaultExpr.kind === 'literal' && c.defaultExpr.value === null)) return `column ${c.name} has a DEFAULT that is not a constant`;
  }
  return null;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One index entry waiting to be sorted; `prefix` > 0: bytes of its indexed values (UNIQUE). */
interface IndexEntry {
  key: Uint8Array;
  prefix: number;
  ix: IndexSchema;
}

/**
 * Loads `batches` (rows of values for `columns`, in that order) into the empty `table` as one
 * commit. Errors: NOT_SUPPORTED when `bulkLoadFallback` gives a reason (or unsorted input does
 * not fit the chunks, see the header); CONSTRAINT_NOTNULL / CONSTRAINT_PRIMARYKEY /
 * CONSTRAINT_UNIQUE / MISMATCH / RANGE / LIMIT_EXCEEDED as INSERT raises them (nothing loaded);
 * WRITE_CONFLICT when the database changed after the check; NOT_FOUND for an unknown column.
 */
export async function bulkLoad(db: Database, table: string, columns: readonly string[], batches: AsyncIterable<readonly (readonly BindValue[])[]>, options: BulkLoadOptions = {}): Promise<BulkLoadResult> {
  const chunkRows = Math.max(1, options.chunkRows ?? CHUNK_ROWS);
  const { core } = databaseParts(db);
  const engine = await core.eng();
  const checkedLsn = engine.lastVisibleLsn;
  const reason = await bulkLoadFallback(db, table, columns);
  if (reason) throw new DoSQLError('NOT_SUPPORTED', `sql: bulk load into ${table}: ${reason}`, { details: { table, reason } });
  const cat = core.currentCatalog();
  const t = cat.findTable(table)!;
  const indexes = cat.indexesOf(t.name);
  const ncols = t.columns.length;
  const target = columns.map((c) => {
    const i = t.columns.findIndex((col) => col.name.toLowerCase() === c.toLowerCase());
    if (i < 0) throw new DoSQLError('NOT_FOUND', `sql: table ${t.name} has no column named ${c}`, { details: { table: t.name, column: c } });
    return i;
  });
  const defaults = columnDefaults(t).map((v, i) => ops.applyAffinity(v, t.columns[i]!.affinity));
  const positions = indexes.map((ix) => indexColumnPositions(t, ix));
  const maxLength = core.limits.maxLength;
  const branch = MAIN_BRANCH;

  let rows = 0;
  const res = await engine.ingest(async (c: IngestContext): Promise<IngestedRun[]> => {
    if (engine.lastVisibleLsn !== checkedLsn) throw new DoSQLError('WRITE_CONFLICT', `sql: bulk load into ${t.name}: the database changed since the load checked the table was empty; retry`, { details: { table: t.name } });
    const lsn = c.lsn;
    const runs: IngestedRun[] = [];
    const tableRun = c.newRun();
    let lastKey: Uint8Array | null = null;
    let chunk: { key: Uint8Array; value: Uint8Array }[] = [];
    let chunkSorted = true;
    /** The last chunk came sorted and later rows so far too: they skip the chunk. */
    let streaming = false;
    let idx: IndexEntry[] = [];
    let idxChunks = 0;
    let nextRowid = 1n;
    const uniqueIx = indexes.some((ix) => ix.unique);

    const flushRows = (): void => {
      if (chunk.length === 0) return;
      if (!chunkSorted) chunk.sort((a, b) => compareBytes(a.key, b.key));
      for (let i = 1; i < chunk.length; i++) if (compareBytes(chunk[i - 1]!.key, chunk[i]!.key) === 0) throw pkError(t);
      if (lastKey && compareBytes(chunk[0]!.key, lastKey) <= 0) {
        if (compareBytes(chunk[0]!.key, lastKey) === 0) throw pkError(t);
        throw new DoSQLError('NOT_SUPPORTED', `sql: bulk load into ${t.name}: rows are not sorted by primary key across chunks of ${chunkRows}; insert them instead`, { details: { table: t.name } });
      }
      for (const e of chunk) tableRun.add(makeInternalKey(e.key, lsn, KIND_PUT), e.value);
      lastKey = chunk[chunk.length - 1]!.key;
      streaming = chunkSorted && chunk.length >= Math.min(SORTED_FLUSH_ROWS, chunkRows);
      chunk = [];
      chunkSorted = true;
    };
    const flushIndex = async (): Promise<void> => {
      if (idx.length === 0) return;
      if (uniqueIx && idxChunks > 0) throw new DoSQLError('NOT_SUPPORTED', `sql: bulk load into ${t.name}: a UNIQUE index's entries exceed one chunk of ${chunkRows}; insert the rows instead`, { details: { table: t.name } });
      idxChunks++;
      idx.sort((a, b) => compareBytes(a.key, b.key));
      for (let i = 1; i < idx.length; i++) {
        const a = idx[i - 1]!;
        const b = idx[i]!;
        if (b.prefix > 0 && a.ix === b.ix && a.prefix === b.prefix && compareBytes(a.key.subarray(0, a.prefix), b.key.subarray(0, b.prefix)) === 0) throw uniqueError(t, b.ix);
      }
      const run = c.newRun();
      for (const e of idx) run.add(makeInternalKey(e.key, lsn, KIND_PUT), EMPTY);
      runs.push(await run.finish());
      idx = [];
    };

    for await (const batch of batches) {
      for (const input of batch) {
        const values: SqlValue[] = defaults.slice();
        values.push(null);
        for (let k = 0; k < target.length; k++) {
          const ci = target[k]!;
          values[ci] = ops.applyAffinity(bound(input[k], rows, columns[k]!), t.columns[ci]!.affinity);
        }
        let rowid: bigint | null = null;
        if (!t.withoutRowid) {
          let v: SqlValue = t.rowidAlias >= 0 ? values[t.rowidAlias]! : null;
          if (v !== null && typeof v !== 'bigint') {
            v = ops.applyAffinity(v, 'INTEGER');
            if (typeof v !== 'bigint') throw new DoSQLError('MISMATCH', `sql: datatype mismatch (rowid of ${t.name} must be an integer)`);
          }
          if (v === null) {
            if (nextRowid > INT64_MAX) throw new DoSQLError('SQL_ERROR', `sql: database or disk is full (no rowid left in ${t.name})`);
            v = nextRowid;
          }
          if (v >= nextRowid) nextRowid = v + 1n;
          rowid = v;
          if (t.rowidAlias >= 0) values[t.rowidAlias] = v;
          values[ncols] = v;
        }
        for (let i = 0; i < ncols; i++) {
          const col = t.columns[i]!;
          if (col.notNull && values[i] === null && i !== t.rowidAlias) throw new DoSQLError('CONSTRAINT_NOTNULL', `sql: NOT NULL constraint failed: ${t.name}.${col.name}`, { details: { table: t.name, column: col.name, conflictAction: 'ABORT' } });
        }
        const value = encodeRowValue(t, values);
        checkLength(value.length, maxLength, `a row of ${t.name}`);
        const key = rowKey(branch, t, values, rowid);
        if (streaming && chunk.length === 0 && compareBytes(key, lastKey!) > 0) {
          // Still in key order after a sorted chunk: straight to the run, nothing held.
          tableRun.add(makeInternalKey(key, lsn, KIND_PUT), value);
          lastKey = key;
        } else {
          streaming = false;
          if (chunkSorted && chunk.length > 0 && compareBytes(chunk[chunk.length - 1]!.key, key) >= 0) chunkSorted = false;
          chunk.push({ key, value });
        }
        for (let k = 0; k < indexes.length; k++) {
          const ix = indexes[k]!;
          const pos = positions[k]!;
          let prefix = 0;
          if (ix.unique) {
            const vals = indexValues(t, ix, values, pos);
            if (!vals.some((v) => v === null)) prefix = encodeUserKey(branch, ix.id, vals).length;
          }
          idx.push({ key: indexKey(branch, t, ix, values, rowid, pos), prefix, ix });
        }
        rows++;
        // Sorted input streams on in small chunks (less to hold: the GC's work); unsorted input
        // is sorted in chunks of chunkRows.
        if (chunk.length >= chunkRows || (chunkSorted && chunk.length >= SORTED_FLUSH_ROWS)) flushRows();
        if (idx.length >= chunkRows) await flushIndex();
      }
    }
    flushRows();
    await flushIndex();
    runs.push(await tableRun.finish());
    if (rows > 0) {
      // The commit log row every SQL commit writes (AS OF TIMESTAMP maps this load to its LSN).
      const log = c.newRun();
      log.add(makeInternalKey(commitLogKey(branch, c.timestamp), lsn, KIND_PUT), COMMIT_LOG_VALUE);
      runs.push(await log.finish());
    }
    return runs;
  });
  return { rows, lsn: res.lsn, files: res.files, level: res.level };
}

/** toSqlValue, with the common types inline: the error's "where" is built only for an error. */
function bound(v: BindValue, row: number, column: string): SqlValue {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808 ? BigInt(v) : v;
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) return v;
      break;
  }
  return toSqlValue(v, `row ${row + 1}, column ${column}`);
}

function pkError(t: TableSchema): DoSQLError {
  const cols = t.withoutRowid || t.rowidAlias < 0 ? t.primaryKey.map((i) => `${t.name}.${t.columns[i]!.name}`) : [`${t.name}.${t.columns[t.rowidAlias]!.name}`];
  const what = cols.length ? cols.join(', ') : `${t.name}.rowid`;
  return new DoSQLError('CONSTRAINT_PRIMARYKEY', `sql: UNIQUE constraint failed: ${what}`, { details: { table: t.name, constraint: 'PRIMARY KEY', conflictAction: 'ABORT' } });
}

function uniqueError(t: TableSchema, ix: IndexSchema): DoSQLError {
  const what = ix.columns.map((ic) => `${t.name}.${t.columns.find((col) => col.id === ic.columnId)?.name ?? '?'}`).join(', ');
  return new DoSQLError('CONSTRAINT_UNIQUE', `sql: UNIQUE constraint failed: ${what}`, { details: { table: t.name, index: ix.name, conflictAction: 'ABORT' } });
}
