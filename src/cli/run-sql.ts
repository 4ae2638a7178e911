// Runs one SQL statement for `dosql sql` and the shell and prints its result in the chosen
// format: rows for SELECT / RETURNING / EXPLAIN, else a line with the rows changed and the
// commit's LSN (the number `--as-of lsn:N` takes).
import type { Writable } from 'node:stream';
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import type { TimeTravelSession } from '../sql/api/time-travel-session.js';
import type { JsValue } from '../sql/api/values.js';
import { formatArrow } from './format-arrow.js';
import { formatText, type OutputFormat, type ResultSet } from './format.js';

export type StatementOutcome = { readonly kind: 'rows'; readonly result: ResultSet } | { readonly kind: 'change'; readonly changes: number; readonly lsn: number };

/**
 * Executes `sql` on `db` (or, read-only, in a time-travel `session`). Rows come back with
 * INTEGER as bigint, so INTEGER and REAL print apart.
 */
export async function executeStatement(db: Database, sql: string, session?: TimeTravelSession): Promise<StatementOutcome> {
  if (session) {
    const objs = await session.query<Record<string, JsValue>>(sql, undefined, { safeIntegers: true });
    // The session returns objects: the column list comes from the first row, or, with no
    // rows, from planning the query on the current schema.
    let columns: string[];
    if (objs.length) columns = Object.keys(objs[0]!);
    else {
      try {
        columns = db.prepare(sql).columns().map((c) => c.name);
      } catch {
        columns = [];
      }
    }
    return { kind: 'rows', result: { columns, rows: objs.map((o) => columns.map((c) => o[c] ?? null)) } };
  }
  const st = db.prepare(sql);
  if (st.reader) {
    const rows = await st.safeIntegers().raw().all<JsValue[]>();
    return { kind: 'rows', result: { columns: st.columns().map((c) => c.name), rows } };
  }
  const r = await st.run();
  return { kind: 'change', changes: r.changes, lsn: r.lsn };
}

/** Writes an outcome: rows in `format` to `out`; a change summary to `out` for the table format, to `info` otherwise (keeps machine output clean). */
export function printOutcome(o: StatementOutcome, format: OutputFormat, out: Writable, info: Writable, headers = true): void {
  if (o.kind === 'change') {
    (format === 'table' ? out : info).write(`changes: ${o.changes}, lsn: ${o.lsn}\n`);
    return;
  }
  if (format === 'arrow') out.write(formatArrow(o.result));
  else out.write(formatText(o.result, format, headers));
}

/** Refuses Arrow output for more than one result set (one IPC stream per output). */
export function checkArrowSingle(statements: readonly string[], format: OutputFormat): void {
  if (format === 'arrow' && statements.length > 1) {
    throw new DoSQLError('INVALID_ARGUMENT', 'cli: --format arrow writes one result set; run one statement at a time');
  }
}
