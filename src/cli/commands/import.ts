// dosql import <db> <file> --table T: streams a Parquet, CSV/TSV, JSON or NDJSON file into a
// table, creating it (schema inferred, or --schema / --create-sql) unless it exists, with a
// progress bar on a terminal. An empty table the bulk loader takes is loaded straight into
// SSTables as one commit (--load ingest, the default: src/sql/api/bulk-load.ts); otherwise, or
// with --load insert, in batched transactions (--batch rows each).
//
// With INSERTs each batch is its own transaction: a failure part-way leaves the batches
// committed before it (the error message says how many rows).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DoSQLError } from '../../errors.js';
import { boolOpt, choiceOpt, intOpt, parseCommand, stringOpt } from '../args.js';
import { createTableSql, quoteIdent } from '../infer-schema.js';
import { importInto, type ImportState } from '../import-run.js';
import { formatFromName, IMPORT_FORMATS, openCsv, openJson, type ImportFormat, type ImportSource } from '../import-source.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { openParquet } from '../parquet-source.js';
import { count, progressBar, seconds } from '../progress.js';
import { tableColumns } from '../schema-info.js';
import { USAGE } from '../usage.js';

const OPTIONS = {
  table: { type: 'string' },
  pk: { type: 'string' },
  schema: { type: 'string' },
  'create-sql': { type: 'string' },
  format: { type: 'string' },
  delimiter: { type: 'string' },
  'no-header': { type: 'boolean' },
  batch: { type: 'string' },
  load: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  ...TAKE_OVER_OPTION,
} as const;

/** Imports of at least this many rows end with a flush. */
const FLUSH_AFTER_ROWS = 50_000;

async function openSource(path: string, format: ImportFormat, delimiter: string | undefined, header: boolean): Promise<ImportSource> {
  switch (format) {
    case 'csv':
      return openCsv(path, { ...(delimiter !== undefined ? { delimiter } : {}), header });
    case 'tsv':
      return openCsv(path, { delimiter: delimiter ?? '\t', header });
    case 'json':
    case 'ndjson':
      return openJson(path, format);
    case 'parquet':
      return openParquet(path);
  }
}

/** `\t` and `tab` as a tab (shells make a literal tab awkward to type). */
function delimiterArg(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v === '\\t' || v.toLowerCase() === 'tab' ? '\t' : v;
}

/**
 * The table's columns each file column goes to. Named columns match case-insensitively;
 * a CSV without a header fills the table's first columns in order.
 */
function targetColumns(table: string, fileColumns: readonly string[], tableCols: readonly string[], positional: boolean): string[] {
  if (positional) {
    if (fileColumns.length > tableCols.length) throw new DoSQLError('INVALID_ARGUMENT', `import: the file has ${fileColumns.length} columns, table ${table} ${tableCols.length}`);
    return tableCols.slice(0, fileColumns.length);
  }
  const byName = new Map(tableCols.map((c) => [c.toLowerCase(), c]));
  const missing = fileColumns.filter((c) => !byName.has(c.toLowerCase()));
  if (missing.length) {
    throw new DoSQLError('INVALID_ARGUMENT', `import: table ${table} has no column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} (its columns: ${tableCols.join(', ')})`, { details: { table, missing } });
  }
  return fileColumns.map((c) => byName.get(c.toLowerCase())!);
}

export async function importCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('import', argv, OPTIONS, { min: 2, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.import);
    return 0;
  }
  const table = stringOpt(p, 'table');
  if (!table) throw usageError('import', 'import: --table is required');
  const schema = stringOpt(p, 'schema');
  const createSql = stringOpt(p, 'create-sql');
  if (schema !== undefined && createSql !== undefined) throw usageError('import', 'import: give --schema or --create-sql, not both');
  const pk = (stringOpt(p, 'pk') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const batch = intOpt('import', p, 'batch', 10_000);
  const file = resolve(io.cwd, p.positionals[1]!);
  const format = choiceOpt('import', p, 'format', IMPORT_FORMATS, formatFromName(file) ?? ('' as ImportFormat));
  if (!format) throw usageError('import', `import: cannot tell the format of ${p.positionals[1]} from its name; give --format ${IMPORT_FORMATS.join('|')}`);
  if (!existsSync(file)) throw new DoSQLError('NOT_FOUND', `import: no such file: ${file}`, { details: { path: file } });
  if (!statSync(file).isFile()) throw new DoSQLError('INVALID_ARGUMENT', `import: ${file} is not a file`, { details: { path: file } });
  const header = !boolOpt(p, 'no-header');
  const load = choiceOpt('import', p, 'load', ['ingest', 'insert'] as const, 'ingest');

  const source = await openSource(file, format, delimiterArg(stringOpt(p, 'delimiter')), header);
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: true, takeOver: boolOpt(p, 'take-over') });
  let committed = 0;
  try {
    const existing = tableColumns(db, table);
    const created = existing === undefined;
    let tableCols: string[];
    if (existing !== undefined) {
      tableCols = existing;
      if (schema !== undefined || createSql !== undefined) throw new DoSQLError('INVALID_ARGUMENT', `import: table ${table} already exists; --schema and --create-sql only create new tables`, { details: { table } });
      if (pk.length) println(io.stderr, `note: table ${table} exists; --pk ignored`);
    } else {
      const pkCols = pk.map((c) => {
        const found = source.columns.find((s) => s.toLowerCase() === c.toLowerCase());
        if (!found && schema === undefined && createSql === undefined) throw usageError('import', `import: --pk ${c}: the file has no such column (${source.columns.join(', ')})`);
        return found ?? c;
      });
      if (createSql !== undefined) await db.exec(createSql);
      else if (schema !== undefined) await db.exec(`CREATE TABLE ${quoteIdent(table)}(${schema}${pkCols.length ? `, PRIMARY KEY(${pkCols.map(quoteIdent).join(', ')})` : ''})`);
      else await db.exec(createTableSql(table, source.columns, source.types, pkCols));
      const made = tableColumns(db, table);
      if (!made) throw new DoSQLError('INVALID_ARGUMENT', `import: --create-sql did not create table ${table}`, { details: { table } });
      tableCols = made;
    }
    const retargetTo = created && schema === undefined && createSql === undefined ? source.columns : tableCols;
    if (source.retarget) source.retarget(retargetTo);
    const columns = targetColumns(table, source.columns, tableCols, format !== 'parquet' && format !== 'json' && format !== 'ndjson' && !header);

    const byRows = source.totalRows !== undefined;
    const bar = progressBar(io.stderr, {
      total: byRows ? source.totalRows! : source.totalBytes,
      format: `importing ${table} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
      enabled: !boolOpt(p, 'quiet'),
      payload: { rows: '0', rate: '0' },
    });
    const t0 = performance.now();
    const state: ImportState = { committed: 0 };
    try {
      await importInto(db, table, columns, source, {
        batch,
        load,
        reopen: async () => {
          const again = await openSource(file, format, delimiterArg(stringOpt(p, 'delimiter')), header);
          if (again.retarget) again.retarget(retargetTo);
          return again;
        },
        onProgress: (e) => {
          if (e.operation !== 'import') return;
          const s = (performance.now() - t0) / 1000;
          bar.update(byRows ? e.rowsDone : e.bytesDone, { rows: count(e.rowsDone), rate: count(s > 0 ? e.rowsDone / s : 0) });
        },
      }, state);
      // A large import goes to SSTables now rather than staying in the WAL, which every later
      // open would replay; a small one is not worth starting the flush workers for.
      if (state.path === 'insert' && state.committed >= FLUSH_AFTER_ROWS) await (await db.engine()).flush();
    } finally {
      committed = state.committed;
      bar.stop();
    }
    const ms = performance.now() - t0;
    if (load === 'ingest' && state.fallback) println(io.stderr, `note: rows inserted in transactions (${state.fallback})`);
    println(io.stdout, `imported ${count(committed)} rows into ${table}${created ? ' (created)' : ''} in ${seconds(ms)} (${count(committed / Math.max(ms / 1000, 1e-3))} rows/s)`);
    return 0;
  } catch (e) {
    if (committed > 0) println(io.stderr, `import stopped: the first ${count(committed)} rows were committed`);
    throw e;
  } finally {
    await db.close();
  }
}
