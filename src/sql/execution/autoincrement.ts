// AUTOINCREMENT (https://sqlite.org/autoinc.html): a table declared with it never reuses a
// rowid. The largest rowid ever inserted is kept in the ordinary table sqlite_sequence(name,
// seq), one row per such table, created with the first AUTOINCREMENT table (plan-ddl.ts); a
// new automatic rowid is one more than the larger of that and the table's largest rowid.
// Being a table, it is versioned, branched and time-travelled like any other, and written in
// the inserting statement (undone with it; two transactions inserting into one table
// conflict on its row at commit).
import type { TableSchema } from '../catalog/schema.js';
import { columnDefaults } from '../rows/row-materializer.js';
import type { ExecEnv, Row } from './env.js';
import { TableReader } from './table-reader.js';
// A cycle (table-writer.ts reads sequenceOf): both only use the other at run time.
import { TableWriter } from './table-writer.js';

/** The name SQLite gives the sequence table. */
export const SEQUENCE_TABLE = 'sqlite_sequence';
/** Its CREATE statement as SQLite stores it. */
export const SEQUENCE_SQL = 'CREATE TABLE sqlite_sequence(name,seq)';

interface SequenceRow {
  readonly row: Row;
  readonly seq: bigint;
}

function sequenceTable(env: ExecEnv): TableSchema | undefined {
  return env.txn.catalog.findTable(SEQUENCE_TABLE);
}

/** sqlite_sequence's row for `table` (SQLite compares the name exactly), or undefined. */
async function findRow(env: ExecEnv, seqT: TableSchema, table: string): Promise<SequenceRow | undefined> {
  const reader = new TableReader(seqT, seqT.columns.length + 1, 0, columnDefaults(seqT));
  for await (const b of reader.scan(env)) {
    for (const r of b) {
      if (r[0] !== table) continue;
      const v = r[1];
      return { row: r, seq: typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.trunc(v)) : 0n };
    }
  }
  return undefined;
}

/** The largest rowid ever inserted into `t` as sqlite_sequence records it (0 when none): read at the start of an INSERT. */
export async function sequenceOf(env: ExecEnv, t: TableSchema): Promise<bigint> {
  const seqT = sequenceTable(env);
  if (!seqT) return 0n;
  return (await findRow(env, seqT, t.name))?.seq ?? 0n;
}

/**
 * Stores `seq` as `t`'s sqlite_sequence row, adding the row when missing. SQLite writes it at
 * the end of every INSERT into the table (sqlite3AutoincrementEnd), whether or not a row went
 * in: `seq` is the larger of the value read at the start and every rowid the statement tried.
 */
export async function writeSequence(env: ExecEnv, t: TableSchema, seq: bigint): Promise<void> {
  const seqT = sequenceTable(env);
  if (!seqT) return;
  const found = await findRow(env, seqT, t.name);
  if (found && found.seq === seq && found.row[1] === seq) return;
  const w = new TableWriter(seqT, env.txn.catalog.indexesOf(seqT.name), new TableReader(seqT, seqT.columns.length + 1, 0, columnDefaults(seqT)), []);
  if (found) {
    const next = found.row.slice();
    next[1] = seq;
    const rid = found.row[seqT.columns.length] as bigint;
    w.deleteIndexEntries(env, found.row, rid);
    w.putRow(env, next, rid, found.row);
    return;
  }
  const values: Row = [t.name, seq, null];
  const rid = await w.resolveRowid(env, values, undefined);
  values[seqT.columns.length] = rid;
  w.putRow(env, values, rid, null);
}

/** Deletes `table`'s sqlite_sequence row (DROP TABLE, as SQLite's sqlite3CodeDropTable). */
export async function forgetSequence(env: ExecEnv, table: string): Promise<void> {
  const seqT = sequenceTable(env);
  if (!seqT) return;
  const found = await findRow(env, seqT, table);
  if (!found) return;
  const w = new TableWriter(seqT, env.txn.catalog.indexesOf(seqT.name), new TableReader(seqT, seqT.columns.length + 1, 0, columnDefaults(seqT)), []);
  w.deleteRow(env, found.row);
}
