// dosql sql <db> ["<SQL>" | -c SQL | < script.sql] [--as-of P] [--branch B] [--format F]
// [--readonly] [--noheader]: runs the statements of the text in order and prints each result. With --as-of every statement
// reads the database as of that point, in one consistent read view (SELECT only). The
// database must exist unless --create is given (a mistyped path then fails, rather than
// creating an empty database).
import { readsOnly } from '../../sql/api/host.js';
import { createTimeTravelSession, type TimeTravelSession } from '../../sql/api/time-travel-session.js';
import { boolOpt, choiceOpt, parseAsOf, parseCommand, sqliteStyleArgs, stringOpt } from '../args.js';
import { OUTPUT_FORMATS } from '../format.js';
import { isTTY, println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { checkArrowSingle, executeStatement, printOutcome } from '../run-sql.js';
import { splitSql } from '../sql-split.js';
import { USAGE } from '../usage.js';

const OPTIONS = {
  'as-of': { type: 'string' },
  branch: { type: 'string' },
  format: { type: 'string', short: 'f' },
  create: { type: 'boolean' },
  command: { type: 'string', short: 'c' },
  readonly: { type: 'boolean' },
  header: { type: 'boolean' },
  noheader: { type: 'boolean' },
  ...TAKE_OVER_OPTION,
} as const;

/** All of stdin as text (SQL piped in: `dosql sql db < script.sql`). */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function sqlCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('sql', sqliteStyleArgs(argv), OPTIONS, { min: 1, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.sql);
    return 0;
  }
  const format = choiceOpt('sql', p, 'format', OUTPUT_FORMATS, 'table');
  const asOfText = stringOpt(p, 'as-of');
  const asOf = asOfText === undefined ? undefined : parseAsOf('sql', asOfText);
  // The SQL: the second argument, -c (duckdb's), or stdin (sqlite3's) when neither is given or it is '-'.
  const given = stringOpt(p, 'command');
  if (given !== undefined && p.positionals[1] !== undefined) throw usageError('sql', 'sql: give the SQL as an argument or with -c, not both');
  const arg = given ?? p.positionals[1];
  const text = arg === undefined || arg === '-' ? (isTTY(io.stdin) ? '' : await readAll(io.stdin)) : arg;
  const { statements, rest } = splitSql(text);
  if (rest) statements.push(rest);
  if (statements.length === 0) throw usageError('sql', 'sql: no SQL statement given');
  checkArrowSingle(statements, format);
  if (format === 'arrow' && isTTY(io.stdout)) throw usageError('sql', 'sql: --format arrow writes binary; redirect stdout to a file or a pipe');

  // --readonly opens as a reader whatever the statements: a write then fails with READ_ONLY.
  const readonly = boolOpt(p, 'readonly') || statements.every((s) => readsOnly(s));
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: boolOpt(p, 'create') && !boolOpt(p, 'readonly'), takeOver: boolOpt(p, 'take-over'), readonly, ...(boolOpt(p, 'readonly') ? { mustExist: true } : {}) });
  const headers = !boolOpt(p, 'noheader');
  let session: TimeTravelSession | undefined;
  try {
    const branch = stringOpt(p, 'branch');
    if (branch !== undefined) await db.checkout(branch);
    if (asOf) session = await createTimeTravelSession(db, { asOf });
    for (const s of statements) printOutcome(await executeStatement(db, s, session), format, io.stdout, io.stderr, headers);
    return 0;
  } finally {
    await session?.close();
    await db.close();
  }
}
