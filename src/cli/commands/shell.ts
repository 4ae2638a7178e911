// dosql shell <db>: interactive SQL (node:readline). Statements end with ';' and may span
// lines; dot commands (.tables, .schema [T], .timing on|off, .format F, .help, .quit) take
// one line. History lives in ~/.dosql_history (not in the database folder, which belongs to
// the object store). With piped input the shell runs the script and returns 1 if any
// statement failed.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DoSQLError } from '../../errors.js';
import type { Database } from '../../sql/api/database.js';
import { boolOpt, parseCommand, stringOpt } from '../args.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../format.js';
import { isTTY, println, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { seconds } from '../progress.js';
import { executeStatement, printOutcome } from '../run-sql.js';
import { schemaEntries } from '../schema-info.js';
import { splitSql } from '../sql-split.js';
import { USAGE } from '../usage.js';

const HISTORY_LINES = 1000;

const HELP = `.tables              list tables and views
.schema [T]          CREATE statements (of table T and its indexes)
.timing on|off       print each statement's run time
.format F            output format: table, json or csv
.help                this text
.quit / .exit        leave (so does Ctrl-D)
SQL statements end with ';' and may span lines.`;

interface ShellState {
  timing: boolean;
  format: Exclude<OutputFormat, 'arrow'>;
}

function loadHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  // readline wants the newest entry first.
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_LINES).reverse();
}

/** Runs a dot command; returns false for .quit. */
function dotCommand(line: string, db: Database, state: ShellState, io: CliIO): boolean {
  const [cmd, ...args] = line.trim().split(/\s+/);
  switch (cmd) {
    case '.quit':
    case '.exit':
      return false;
    case '.help':
      println(io.stdout, HELP);
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
      if (args[0] !== 'on' && args[0] !== 'off') throw new DoSQLError('INVALID_ARGUMENT', 'shell: usage: .timing on|off');
      state.timing = args[0] === 'on';
      return true;
    case '.format':
    case '.mode': {
      const f = args[0] as OutputFormat | undefined;
      if (!f || f === 'arrow' || !OUTPUT_FORMATS.includes(f)) throw new DoSQLError('INVALID_ARGUMENT', 'shell: usage: .format table|json|csv');
      state.format = f;
      return true;
    }
    default:
      throw new DoSQLError('INVALID_ARGUMENT', `shell: unknown command ${cmd}; .help lists them`);
  }
}

function report(e: unknown, io: CliIO): void {
  if (e instanceof DoSQLError) println(io.stderr, `error: ${e.code}: ${e.message}`);
  else throw e;
}

export async function shellCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('shell', argv, { branch: { type: 'string' }, ...TAKE_OVER_OPTION }, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.shell);
    return 0;
  }
  const { db, path } = await openDatabase(io.cwd, p.positionals[0]!, { create: true, takeOver: boolOpt(p, 'take-over') });
  const interactive = isTTY(io.stdin);
  const historyFile = join(io.home, '.dosql_history');
  const state: ShellState = { timing: false, format: 'table' };
  let failed = false;
  const rl = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal: interactive && isTTY(io.stdout),
    history: interactive ? loadHistory(historyFile) : [],
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
  });
  try {
    const branch = stringOpt(p, 'branch');
    if (branch !== undefined) await db.checkout(branch);
    if (interactive) println(io.stdout, `dosql shell: ${path} (branch ${db.currentBranch()}). .help for help, .quit to leave.`);
    const prompt = (continuing: boolean): void => {
      if (!interactive) return;
      rl.setPrompt(continuing ? '   ...> ' : 'dosql> ');
      rl.prompt();
    };
    let buffer = '';
    prompt(false);
    for await (const line of rl) {
      if (interactive && line.trim()) {
        try {
          appendFileSync(historyFile, `${line.replace(/\n/g, ' ')}\n`);
        } catch {
          // History is a convenience: an unwritable home folder must not stop the shell.
        }
      }
      if (buffer === '' && line.trim().startsWith('.')) {
        try {
          if (!dotCommand(line, db, state, io)) break;
        } catch (e) {
          failed = true;
          report(e, io);
        }
        prompt(false);
        continue;
      }
      buffer = buffer ? `${buffer}\n${line}` : line;
      const { statements, rest } = splitSql(buffer);
      buffer = rest;
      for (const s of statements) {
        const t0 = performance.now();
        try {
          printOutcome(await executeStatement(db, s), state.format, io.stdout, io.stdout);
        } catch (e) {
          failed = true;
          report(e, io);
        }
        if (state.timing) println(io.stdout, `Run Time: ${seconds(performance.now() - t0)}`);
      }
      prompt(buffer !== '');
    }
    if (buffer.trim()) {
      println(io.stderr, 'error: incomplete statement at the end of the input (missing ;)');
      failed = true;
    }
    if (interactive) trimHistory(historyFile);
    return failed && !interactive ? 1 : 0;
  } finally {
    rl.close();
    await db.close();
  }
}

function trimHistory(file: string): void {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    if (lines.length > HISTORY_LINES) writeFileSync(file, `${lines.slice(-HISTORY_LINES).join('\n')}\n`);
  } catch {
    // see above
  }
}
