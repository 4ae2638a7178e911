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
// Input: batches of row arrays, or ColumnBatches (a column per loaded column, as a columnar
// reader decodes them) read straight into one reused row. Each row is encoded into reused
// buffers (src/sql/rows/bulk-row-encoder.ts) and rows in key order go from there into the
// SSTable writer, so the sorted case allocates nothing per row of its own. A missing rowid is
// one more than the largest so far (1 for the first), SQLite's rule.
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
import { compareBytes, compareRange, copyPrefix } from '../../util/bytes.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import { BulkRowEncoder } from '../rows/bulk-row-encoder.js';
import { columnDefaults } from '../rows/row-materializer.js';
import { indexColumnPositions, indexKey, indexValues } from '../rows/row-keys.js';
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
 * Rows given by column, as a columnar reader (Parquet) decodes them: `columns[k][r]` is row
 * r's value of the k-th loaded column. The loader reads them straight into the row it encodes,
 * without an array per row.
 */
export interface ColumnBatch {
  readonly rowCount: number;
  readonly columns: readonly ArrayLike<BindValue>[];
}

/** A batch of rows: row arrays (values for the loaded columns, in order) or a ColumnBatch. */
export type BulkBatch = readonly (readonly BindValue[])[] | ColumnBatch;

function isColumnBatch(b: BulkBatch): b is ColumnBatch {
  return !Array.isArray(b);
}

/**
 * Loads `batches` (rows of values for `columns`, in that order, as row arrays or column batches) into the empty `table` as one
 * commit. Errors: NOT_SUPPORTED when `bulkLoadFallback` gives a reason (or unsorted input does
 * not fit the chunks, see the header); CONSTRAINT_NOTNULL / CONSTRAINT_PRIMARYKEY /
 * CONSTRAINT_UNIQUE / MISMATCH / RANGE / LIMIT_EXCEEDED as INSERT raises them (nothing loaded);
 * WRITE_CONFLICT when the database changed after the check; NOT_FOUND for an unknown column.
 */
export async function bulkLoad(db: Database, table: string, columns: readonly string[], batches: AsyncIterable<BulkBatch>, options: BulkLoadOptions = {}): Promise<BulkLoadResult> {
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
  const affinities = t.columns.map((col) => col.affinity);
  const positions = indexes.map((ix) => indexColumnPositions(t, ix));
  const maxLength = core.limits.maxLength;
  const branch = MAIN_BRANCH;

  let rows = 0;
  const res = await engine.ingest(async (c: IngestContext): Promise<IngestedRun[]> => {
    if (engine.lastVisibleLsn !== checkedLsn) throw new DoSQLError('WRITE_CONFLICT', `sql: bulk load into ${t.name}: the database changed since the load checked the table was empty; retry`, { details: { table: t.name } });
    const lsn = c.lsn;
    const runs: IngestedRun[] = [];
    const tableRun = c.newRun();
    // The last internal key written to tableRun (every key carries the same trailer, and user
    // keys are self-delimiting: internal keys compare as their user keys do).
    let lastKey = new Uint8Array(128);
    let lastKeyLen = -1;
    /** The last key written is the encoder's previous row key (enc.prevKey), not the copy in lastKey. */
    let lastIsPrev = false;
    /** Rows held for sorting: internal keys and values (copies). */
    let chunk: { key: Uint8Array; value: Uint8Array }[] = [];
    let chunkSorted = true;
    /** The last chunk came sorted and later rows so far too: they skip the chunk. */
    let streaming = false;
    let idx: IndexEntry[] = [];
    let idxChunks = 0;
    /** Largest rowid so far (the next automatic rowid is one more), null before any; a number while it is a safe integer. */
    let maxRowid: bigint | number | null = null;
    const uniqueIx = indexes.some((ix) => ix.unique);
    const enc = new BulkRowEncoder(t, branch, lsn);
    /** The row being loaded: columns in declared order, then the rowid (rowid tables). Reused. */
    const values: SqlValue[] = defaults.slice();
    values.push(null);
    /** Per position of `values`: 1 when it holds an INTEGER as a JS number (see `setValue`). */
    const ints = new Uint8Array(ncols + 1);
    /** Positions not loaded from the input: reset to their default before each row. */
    const untargeted: number[] = [];
    for (let i = 0; i < ncols; i++) if (!target.includes(i)) untargeted.push(i);
    /** Positions of NOT NULL columns other than the rowid alias (the checks per row). */
    const notNull: number[] = [];
    for (let i = 0; i < ncols; i++) if (t.columns[i]!.notNull && i !== t.rowidAlias) notNull.push(i);

    const keepLast = (key: Uint8Array, len: number): void => {
      if (len > lastKey.length) lastKey = new Uint8Array(len * 2);
      copyPrefix(lastKey, key, len);
      lastKeyLen = len;
      lastIsPrev = false;
    };
    const flushRows = (): void => {
      if (chunk.length === 0) return;
      if (!chunkSorted) chunk.sort((a, b) => compareBytes(a.key, b.key));
      for (let i = 1; i < chunk.length; i++) if (compareBytes(chunk[i - 1]!.key, chunk[i]!.key) === 0) throw pkError(t);
      if (lastKeyLen >= 0) {
        const first = chunk[0]!.key;
        const cmp = compareRange(first, 0, first.length, lastKey, 0, lastKeyLen);
        if (cmp === 0) throw pkError(t);
        if (cmp < 0) throw new DoSQLError('NOT_SUPPORTED', `sql: bulk load into ${t.name}: rows are not sorted by primary key across chunks of ${chunkRows}; insert them instead`, { details: { table: t.name } });
      }
      for (const e of chunk) tableRun.add(e.key, e.value);
      const last = chunk[chunk.length - 1]!.key;
      keepLast(last, last.length);
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

    /** Loads `values` (the loaded columns set, affinity applied): rowid, NOT NULL, encoding, placement, index entries. */
    const loadRow = (): void => {
      let rowid: bigint | number | null = null;
      if (!t.withoutRowid) {
        const alias = t.rowidAlias;
        let v: SqlValue = alias >= 0 ? values[alias]! : null;
        if (v !== null && typeof v !== 'bigint' && !(typeof v === 'number' && ints[alias] === 1)) {
          v = ops.applyAffinity(v, 'INTEGER');
          if (typeof v !== 'bigint') throw new DoSQLError('MISMATCH', `sql: datatype mismatch (rowid of ${t.name} must be an integer)`);
        }
        if (v === null) {
          if (maxRowid === null) v = 1;
          else if (typeof maxRowid === 'number') v = maxRowid < Number.MAX_SAFE_INTEGER ? maxRowid + 1 : BigInt(maxRowid) + 1n;
          else {
            if (maxRowid >= INT64_MAX) throw new DoSQLError('SQL_ERROR', `sql: database or disk is full (no rowid left in ${t.name})`);
            v = maxRowid + 1n;
          }
        }
        // v is a bigint or a safe integer held as a number (never -0: setValue's rule).
        if (maxRowid === null || v > maxRowid) maxRowid = v as bigint | number;
        rowid = v as bigint | number;
        if (alias >= 0) {
          values[alias] = v;
          ints[alias] = typeof v === 'number' ? 1 : 0;
        }
        values[ncols] = v;
      }
      for (let n = 0; n < notNull.length; n++) {
        const i = notNull[n]!;
        const col = t.columns[i]!;
        if (values[i] === null) throw new DoSQLError('CONSTRAINT_NOTNULL', `sql: NOT NULL constraint failed: ${t.name}.${col.name}`, { details: { table: t.name, column: col.name, conflictAction: 'ABORT' } });
      }
      enc.encode(values, rowid, ints);
      const value = enc.value;
      // The message only for an error: a template string per row is an allocation per row.
      if (value.pos > maxLength) checkLength(value.pos, maxLength, `a row of ${t.name}`);
      const key = enc.key;
      const prev = enc.prevKey;
      if (streaming && chunk.length === 0 && (lastIsPrev ? compareRange(key.buf, 0, key.pos, prev.buf, 0, prev.pos) : compareRange(key.buf, 0, key.pos, lastKey, 0, lastKeyLen)) > 0) {
        // Still in key order after a sorted chunk: straight to the run from the encoder's
        // buffers. The next row compares with this key where the encoder keeps it (prevKey).
        tableRun.add(key.buf, value.buf, key.pos, value.pos);
        lastIsPrev = true;
      } else {
        // The last key written may be in the encoder's prevKey, which the next row overwrites.
        if (lastIsPrev) keepLast(prev.buf, prev.pos);
        streaming = false;
        const k = key.toBytes();
        if (chunkSorted && chunk.length > 0 && compareBytes(chunk[chunk.length - 1]!.key, k) >= 0) chunkSorted = false;
        chunk.push({ key: k, value: value.toBytes() });
      }
      if (indexes.length > 0) {
        // Index keys are built from bigints as INSERT builds them.
        for (let i = 0; i < ncols; i++) {
          if (ints[i] === 1) {
            values[i] = BigInt(values[i] as number);
            ints[i] = 0;
          }
        }
        if (typeof rowid === 'number') rowid = BigInt(rowid);
        values[ncols] = rowid;
      }
      for (let k = 0; k < indexes.length; k++) {
        const ix = indexes[k]!;
        const pos = positions[k]!;
        let prefix = 0;
        if (ix.unique) {
          const vals = indexValues(t, ix, values, pos);
          if (!vals.some((v) => v === null)) prefix = encodeUserKey(branch, ix.id, vals).length;
        }
        idx.push({ key: indexKey(branch, t, ix, values, rowid as bigint | null, pos), prefix, ix });
      }
      rows++;
    };
    /** After each row: sorted input streams on in small chunks (less to hold: the GC's work); unsorted input is sorted in chunks of chunkRows. */
    const afterRow = async (): Promise<void> => {
      if (chunk.length >= chunkRows || (chunkSorted && chunk.length >= SORTED_FLUSH_ROWS)) flushRows();
      if (idx.length >= chunkRows) await flushIndex();
    };
    /** The smallest chunk afterRow may flush. */
    const flushAt = Math.min(chunkRows, SORTED_FLUSH_ROWS);
    const resetUntargeted = (): void => {
      for (let u = 0; u < untargeted.length; u++) {
        values[untargeted[u]!] = defaults[untargeted[u]!]!;
        ints[untargeted[u]!] = 0;
      }
    };
    /**
     * Sets loaded column `ci` from input `v` (row `rows`, column `column`) as INSERT would bind
     * it and apply the column's affinity, except that a safe integer given as a number stays a
     * number (ints[ci] = 1) where the affinity would keep its bigint (not TEXT or REAL): no
     * BigInt per integer. -0 becomes 0, as BigInt(-0) is 0n. A bigint in that range is held as
     * that number too (one representation for the encoder's fast integer path).
     */
    const setValue = (ci: number, v: BindValue, column: string): void => {
      const aff = affinities[ci]!;
      if (typeof v === 'number' && Number.isSafeInteger(v) && aff !== 'TEXT' && aff !== 'REAL') {
        values[ci] = v === 0 ? 0 : v;
        ints[ci] = 1;
      } else if (typeof v === 'bigint' && aff !== 'TEXT' && aff !== 'REAL' && v >= MIN_SAFE_BIG && v <= MAX_SAFE_BIG) {
        // A bigint inside ±(2^53 - 1) is the same INTEGER held as a number (never -0).
        values[ci] = Number(v);
        ints[ci] = 1;
      } else {
        values[ci] = ops.applyAffinity(bound(v, rows, column), aff);
        ints[ci] = 0;
      }
    };

    for await (const batch of batches) {
      if (isColumnBatch(batch)) {
        // Columns straight into the reused row: no array per row.
        const cols = batch.columns;
        if (cols.length !== target.length) throw new DoSQLError('INVALID_ARGUMENT', `sql: bulk load into ${t.name}: a batch has ${cols.length} columns, expected ${target.length}`);
        for (let r = 0; r < batch.rowCount; r++) {
          resetUntargeted();
          for (let k = 0; k < target.length; k++) {
            setValue(target[k]!, cols[k]![r], columns[k]!);
          }
          loadRow();
          if (chunk.length >= flushAt || idx.length >= chunkRows) await afterRow();
        }
      } else {
        for (const input of batch) {
          resetUntargeted();
          for (let k = 0; k < target.length; k++) {
            setValue(target[k]!, input[k], columns[k]!);
          }
          loadRow();
          if (chunk.length >= flushAt || idx.length >= chunkRows) await afterRow();
        }
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

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG;

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
