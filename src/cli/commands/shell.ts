// dosql shell <db>: interactive SQL (node:readline), like the sqlite3 and duckdb shells.
// Statements end with ';' and may span lines; dot commands (shell-commands.ts: .tables,
// .schema, .mode, .headers, .read, .import, .dump, .timing, .help, .quit) take one line.
// `-c SQL` runs SQL and leaves; `--readonly` opens without writing (a reader beside a writer). History lives in ~/.dosql_history (not in the database folder, which belongs to
// the object store). With piped input the shell runs the script and returns 1 if any
// statement failed.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DoSQLError } from '../../errors.js';
import type { Database } from '../../sql/api/database.js';
import { boolOpt, choiceOpt, parseCommand, sqliteStyleArgs, stringOpt } from '../args.js';
import { OUTPUT_FORMATS } from '../format.js';
import { isTTY, println, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { seconds } from '../progress.js';
import { executeStatement, printOutcome } from '../run-sql.js';
import { dotCommand, type ShellHost, type ShellState } from '../shell-commands.js';
import { splitSql } from '../sql-split.js';
import { USAGE } from '../usage.js';

const HISTORY_LINES = 1000;

const OPTIONS = {
  branch: { type: 'string' },
  command: { type: 'string', short: 'c', multiple: true },
  readonly: { type: 'boolean' },
  format: { type: 'string' },
  header: { type: 'boolean' },
  noheader: { type: 'boolean' },
  ...TAKE_OVER_OPTION,
} as const;

function loadHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  // readline wants the newest entry first.
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_LINES).reverse();
}

function report(e: unknown, io: CliIO): void {
  if (e instanceof DoSQLError) println(io.stderr, `error: ${e.code}: ${e.message}`);
  else throw e;
}

/** Lines in, statements and dot commands out: the shell's core, shared by the prompt, -c and .read. */
class Feeder implements ShellHost {
  buffer = '';
  failed = false;
  quit = false;

  constructor(
    readonly db: Database,
    readonly io: CliIO,
    readonly state: ShellState,
  ) {}

  async feedLine(line: string): Promise<void> {
    if (this.quit) return;
    if (this.buffer === '' && line.trim().startsWith('.')) {
      try {
        if (!(await dotCommand(line, this))) this.quit = true;
      } catch (e) {
        this.failed = true;
        report(e, this.io);
      }
      return;
    }
    this.buffer = this.buffer ? `${this.buffer}\n${line}` : line;
    const { statements, rest } = splitSql(this.buffer);
    this.buffer = rest;
    for (const s of statements) {
      const t0 = performance.now();
      try {
        // As sqlite3: a write prints nothing in the machine formats (its summary goes to stderr there).
        printOutcome(await executeStatement(this.db, s), this.state.format, this.io.stdout, this.state.format === 'table' ? this.io.stdout : this.io.stderr, this.state.headers);
      } catch (e) {
        this.failed = true;
        report(e, this.io);
      }
      if (this.state.timing) println(this.io.stdout, `Run Time: ${seconds(performance.now() - t0)}`);
    }
  }

  /** Text of several lines (a .read file, a -c argument); a last statement without ';' runs too. */
  async feedText(text: string): Promise<void> {
    const outer = this.buffer;
    this.buffer = '';
    for (const line of text.split(/\r?\n/)) await this.feedLine(line);
    if (this.buffer.trim()) await this.feedLine(';');
    this.buffer = outer;
  }
}

export async function shellCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('shell', sqliteStyleArgs(argv), OPTIONS, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.shell);
    return 0;
  }
  const format = choiceOpt('shell', p, 'format', OUTPUT_FORMATS, 'table');
  const readonly = boolOpt(p, 'readonly');
  const { db, path } = await openDatabase(io.cwd, p.positionals[0]!, { create: !readonly, takeOver: boolOpt(p, 'take-over'), readonly });
  const state: ShellState = { timing: false, format, headers: !boolOpt(p, 'noheader'), depth: 0 };
  const feeder = new Feeder(db, io, state);
  const commands = (p.values as Record<string, unknown>).command as string[] | undefined;
  if (commands?.length) {
    // duckdb's -c: run the text and leave.
    try {
      const branch = stringOpt(p, 'branch');
      if (branch !== undefined) await db.checkout(branch);
      for (const c of commands) await feeder.feedText(c);
      return feeder.failed ? 1 : 0;
    } finally {
      await db.close();
    }
  }
  const interactive = isTTY(io.stdin);
  const historyFile = join(io.home, '.dosql_history');
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
    if (interactive) println(io.stdout, `dosql shell: ${path}${readonly ? ' (read-only)' : ''} (branch ${db.currentBranch()}). .help for help, .quit to leave.`);
    const prompt = (continuing: boolean): void => {
      if (!interactive) return;
      rl.setPrompt(continuing ? '   ...> ' : 'dosql> ');
      rl.prompt();
    };
    prompt(false);
    for await (const line of rl) {
      if (interactive && line.trim()) {
        try {
          appendFileSync(historyFile, `${line.replace(/\n/g, ' ')}\n`);
        } catch {
          // History is a convenience: an unwritable home folder must not stop the shell.
        }
      }
      await feeder.feedLine(line);
      if (feeder.quit) break;
      prompt(feeder.buffer !== '');
    }
    if (feeder.buffer.trim()) {
      println(io.stderr, 'error: incomplete statement at the end of the input (missing ;)');
      feeder.failed = true;
    }
    if (interactive) trimHistory(historyFile);
    return feeder.failed && !interactive ? 1 : 0;
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
