// dosql iceberg <db> [--table T]: the Iceberg snapshots the cold tier published for each
// table (snapshot id, the dosql LSN it reflects, time, metadata file) and the locations to
// hand to other engines, e.g. DuckDB `iceberg_scan('<location>')` or Spark/Trino with a
// Hadoop catalog over the warehouse folder.
import { DoSQLError } from '../../errors.js';
import { boolOpt, choiceOpt, parseCommand, stringOpt } from '../args.js';
import { formatText, recordsResult } from '../format.js';
import { println, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { tableColumns, tableNames } from '../schema-info.js';
import { USAGE } from '../usage.js';

export async function icebergCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('iceberg', argv, { table: { type: 'string' }, format: { type: 'string', short: 'f' }, ...TAKE_OVER_OPTION }, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.iceberg);
    return 0;
  }
  const format = choiceOpt('iceberg', p, 'format', ['table', 'json', 'csv'] as const, 'table');
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over'), readonly: true });
  try {
    const only = stringOpt(p, 'table');
    if (only !== undefined && tableColumns(db, only) === undefined) throw new DoSQLError('NOT_FOUND', `iceberg: no such table: ${only}`, { details: { table: only } });
    const tables = only !== undefined ? [only] : tableNames(db);
    const rows: Record<string, string | number | null>[] = [];
    for (const t of tables) {
      for (const s of await db.icebergSnapshots(t)) {
        rows.push({ table: t, snapshot: s.snapshotId.toString(), lsn: s.lsn, time: new Date(s.timestampMs).toISOString(), metadata: s.metadataPath });
      }
    }
    const warehouse = db.warehousePath();
    if (format !== 'table') {
      io.stdout.write(formatText(recordsResult(['table', 'snapshot', 'lsn', 'time', 'metadata'], rows), format));
      return 0;
    }
    println(io.stdout, `warehouse: ${warehouse}`);
    if (rows.length === 0) {
      println(io.stdout, `no Iceberg snapshots yet${only !== undefined ? ` of ${only}` : ''}; publish with: dosql compact <db> --cold`);
      return 0;
    }
    io.stdout.write(formatText(recordsResult(['table', 'snapshot', 'lsn', 'time', 'metadata'], rows), 'table'));
    const latest = new Map<string, string>();
    for (const r of rows) latest.set(String(r.table), String(r.metadata));
    println(io.stdout);
    println(io.stdout, 'latest metadata per table (give it to an Iceberg reader, e.g. DuckDB iceberg_scan):');
    for (const [t, m] of latest) println(io.stdout, `  ${t}: ${m}`);
    return 0;
  } finally {
    await db.close();
  }
}
