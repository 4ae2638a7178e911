// The shell's dot commands (sqlite3's shell.html): .tables, .schema, .timing, .mode/.format,
// .headers, .read, .import, .dump, .help, .quit. SQL and .read go back through the shell's
// feed (shell.ts), so a file read with .read may hold dot commands too.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import { parseCsv } from './csv-reader.js';
import { dumpDatabase } from './dump.js';
import { OUTPUT_FORMATS, type OutputFormat } from './format.js';
import { quoteIdent } from './infer-schema.js';
import { isTTY, println, type CliIO } from './io.js';
import { schemaEntries, tableColumns } from './schema-info.js';

export const SHELL_HELP = `.tables              list tables and views
.schema [T]          CREATE statements (of table T and its indexes)
.mode M              output mode: table, box, markdown, line, csv, json (arrow: IPC, to a pipe)
.headers on|off      header row in csv, box and markdown (default on)
.read FILE           run the SQL (and dot commands) in FILE
.import FILE TABLE   load CSV rows from FILE into TABLE (created from the header row if absent)
.dump [TABLE]        the database (or TABLE) as SQL text that sqlite3 loads
.timing on|off       print each statement's run time
.help                this text
.quit / .exit        leave (so does Ctrl-D)
SQL statements end with ';' and may span lines.`;

export interface ShellState {
  timing: boolean;
  format: OutputFormat;
  headers: boolean;
  /** Nested .read depth (a file that reads itself stops at a bound). */
  depth: number;
}

/** What a dot command needs from the shell. */
export interface ShellHost {
  readonly db: Database;
  readonly io: CliIO;
  readonly state: ShellState;
  /** Feeds lines of text through the shell (SQL and dot commands), as if typed. */
  feedText(text: string): Promise<void>;
}

const MAX_READ_DEPTH = 16;

function onOff(cmd: string, v: string | undefined): boolean {
  if (v !== 'on' && v !== 'off') throw new DoSQLError('INVALID_ARGUMENT', `shell: usage: ${cmd} on|off`);
  return v === 'on';
}

/** Splits a dot command line into words; "double" or 'single' quotes keep spaces in one word. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.trim().matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Runs a dot command; resolves to false for .quit. */
export async function dotCommand(line: string, host: ShellHost): Promise<boolean> {
  const { db, io, state } = host;
  const [cmd, ...args] = words(line);
  switch (cmd) {
    case '.quit':
    case '.exit':
      return false;
    case '.help':
      println(io.stdout, SHELL_HELP);
      return true;
    case '.tables': {
      const names = schemaEntries(db)
        .filter((e) => e.type === 'table' || e.type === 'view')
        .map((e) => e.name);
      if (names.length) println(io.stdout, names.join('  '));
      return true;
    }
    case '.schema': {
      const t = args[0]?.toLowerCase();
      for (const e of schemaEntries(db)) {
        if (e.auto || !e.sql) continue;
        if (t !== undefined && e.name.toLowerCase() !== t && e.table?.toLowerCase() !== t) continue;
        println(io.stdout, `${e.sql};`);
      }
      return true;
    }
    case '.timing':
      state.timing = onOff('.timing', args[0]);
      return true;
    case '.headers':
    case '.header':
      state.headers = onOff('.headers', args[0]);
      return true;
    case '.format':
    case '.mode': {
      const f = args[0] as OutputFormat | undefined;
      if (!f || !OUTPUT_FORMATS.includes(f)) throw new DoSQLError('INVALID_ARGUMENT', `shell: usage: .mode ${OUTPUT_FORMATS.join('|')}`);
      if (f === 'arrow' && isTTY(io.stdout)) throw new DoSQLError('INVALID_ARGUMENT', 'shell: .mode arrow writes binary IPC; run the shell with stdout redirected to a file or a pipe');
      state.format = f;
      return true;
    }
    case '.read': {
      if (args.length !== 1) throw new DoSQLError('INVALID_ARGUMENT', 'shell: usage: .read FILE');
      if (state.depth >= MAX_READ_DEPTH) throw new DoSQLError('LIMIT_EXCEEDED', `shell: .read nested more than ${MAX_READ_DEPTH} deep`);
      const file = resolve(io.cwd, args[0]!);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new DoSQLError('NOT_FOUND', `shell: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { details: { path: file } });
      }
      state.depth++;
      try {
        await host.feedText(text);
      } finally {
        state.depth--;
      }
      return true;
    }
    case '.import':
      await importCsv(host, args);
      return true;
    case '.dump':
      if (args.length > 1) throw new DoSQLError('INVALID_ARGUMENT', 'shell: usage: .dump [TABLE]');
      await dumpDatabase(db, (l) => println(io.stdout, l), args[0]);
      return true;
    default:
      throw new DoSQLError('INVALID_ARGUMENT', `shell: unknown command ${cmd}; .help lists them`);
  }
}

/**
 * sqlite3's `.import FILE TABLE` in CSV mode: when TABLE does not exist the first row names its
 * columns (all TEXT) and the rest are rows; otherwise every row is data. Empty fields are ''
 * (as sqlite3 imports them). All rows go in one transaction; a row of the wrong width fails it.
 */
async function importCsv(host: ShellHost, args: string[]): Promise<void> {
  if (args.length !== 2) throw new DoSQLError('INVALID_ARGUMENT', 'shell: usage: .import FILE TABLE');
  const file = resolve(host.io.cwd, args[0]!);
  const table = args[1]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DoSQLError('NOT_FOUND', `shell: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { details: { path: file } });
  }
  const records = parseCsv(text.replace(/^\uFEFF/, '')).map((r) => r.map((v) => v ?? ''));
  let columns = tableColumns(host.db, table);
  let rows = records;
  if (columns === undefined) {
    const header = records[0];
    if (!header) throw new DoSQLError('INVALID_ARGUMENT', `shell: ${file} is empty: no header row to create ${table} from`);
    columns = header;
    rows = records.slice(1);
    await host.db.exec(`CREATE TABLE ${quoteIdent(table)} (${header.map((c) => `${quoteIdent(c)} TEXT`).join(', ')})`);
  }
  const n = columns.length;
  const insert = `INSERT INTO ${quoteIdent(table)} VALUES (${columns.map(() => '?').join(', ')})`;
  await host.db.transaction(async (tx) => {
    for (const [i, r] of rows.entries()) {
      if (r.length !== n) throw new DoSQLError('INVALID_ARGUMENT', `shell: ${file} record ${i + 1}: ${r.length} values, ${table} has ${n} columns`, { details: { path: file, record: i + 1 } });
      await tx.run(insert, r);
    }
  });
}
