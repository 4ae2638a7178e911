// dosql sql <db> "<SQL>" [--as-of P] [--branch B] [--format table|json|csv|arrow]: runs the
// statements of the text in order and prints each result. With --as-of every statement
// reads the database as of that point, in one consistent read view (SELECT only). The
// database must exist unless --create is given (a mistyped path then fails, rather than
// creating an empty database).
import { readsOnly } from '../../sql/api/host.js';
import { createTimeTravelSession, type TimeTravelSession } from '../../sql/api/time-travel-session.js';
import { boolOpt, choiceOpt, parseAsOf, parseCommand, stringOpt } from '../args.js';
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
  ...TAKE_OVER_OPTION,
} as const;

export async function sqlCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('sql', argv, OPTIONS, { min: 2, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.sql);
    return 0;
  }
  const format = choiceOpt('sql', p, 'format', OUTPUT_FORMATS, 'table');
  const asOfText = stringOpt(p, 'as-of');
  const asOf = asOfText === undefined ? undefined : parseAsOf('sql', asOfText);
  const { statements, rest } = splitSql(p.positionals[1]!);
  if (rest) statements.push(rest);
  if (statements.length === 0) throw usageError('sql', 'sql: no SQL statement given');
  checkArrowSingle(statements, format);
  if (format === 'arrow' && isTTY(io.stdout)) throw usageError('sql', 'sql: --format arrow writes binary; redirect stdout to a file or a pipe');

  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: boolOpt(p, 'create'), takeOver: boolOpt(p, 'take-over'), readonly: statements.every((s) => readsOnly(s)) });
  let session: TimeTravelSession | undefined;
  try {
    const branch = stringOpt(p, 'branch');
    if (branch !== undefined) await db.checkout(branch);
    if (asOf) session = await createTimeTravelSession(db, { asOf });
    for (const s of statements) printOutcome(await executeStatement(db, s, session), format, io.stdout, io.stderr);
    return 0;
  } finally {
    await session?.close();
    await db.close();
  }
}
