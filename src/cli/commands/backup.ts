// dosql backup <db> <folder> [--full] and dosql restore <folder> <to> [--id ID] [--as-of lsn:N]:
// backups into a folder and restores from one (src/node/backup.ts, docs/operations.md). A
// backup is taken by the writer, so like every writing command it refuses (BUSY) a database a
// live process has open unless --take-over; back up from the application with db.backup().
import { DoSQLError } from '../../errors.js';
import { listBackups, verifyBackup } from '../../node/backup.js';
import { restore } from '../../node/db.js';
import { boolOpt, parseCommand, stringOpt } from '../args.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { resolve } from 'node:path';
import { USAGE } from '../usage.js';

export async function backupCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('backup', argv, { full: { type: 'boolean' }, list: { type: 'boolean' }, verify: { type: 'boolean' }, ...TAKE_OVER_OPTION }, { min: 1, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.backup);
    return 0;
  }
  if (boolOpt(p, 'list') || boolOpt(p, 'verify')) {
    const folder = resolve(io.cwd, p.positionals[0]!);
    if (boolOpt(p, 'verify')) {
      const m = await verifyBackup(folder, p.positionals[1]);
      println(io.stdout, `backup ${m.id} verified: LSN ${m.lsn}, ${m.files.length} files`);
      return 0;
    }
    for (const id of listBackups(folder)) println(io.stdout, id);
    return 0;
  }
  if (p.positionals.length < 2) throw usageError('backup', 'backup: give the database and the backup folder');
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over') });
  try {
    const r = await db.backup(resolve(io.cwd, p.positionals[1]!), { incremental: !boolOpt(p, 'full') });
    println(io.stdout, JSON.stringify(r));
    return 0;
  } finally {
    await db.close();
  }
}

export async function restoreCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('restore', argv, { id: { type: 'string' }, 'as-of': { type: 'string' }, archive: { type: 'string' } }, { min: 2, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.restore);
    return 0;
  }
  const asOfText = stringOpt(p, 'as-of');
  let asOf: number | undefined;
  if (asOfText !== undefined) {
    const m = /^(?:lsn:)?(\d+)$/.exec(asOfText);
    if (!m) throw usageError('restore', `restore: --as-of takes lsn:N, got ${JSON.stringify(asOfText)}`);
    asOf = Number(m[1]);
  }
  const id = stringOpt(p, 'id');
  const archive = stringOpt(p, 'archive');
  const db = await restore(resolve(io.cwd, p.positionals[0]!), {
    to: resolve(io.cwd, p.positionals[1]!),
    ...(id !== undefined ? { id } : {}),
    ...(asOf !== undefined ? { asOf } : {}),
    ...(archive !== undefined ? { archive: resolve(io.cwd, archive) } : {}),
  });
  try {
    const lsn = (await db.engine()).lastVisibleLsn;
    println(io.stdout, JSON.stringify({ restored: resolve(io.cwd, p.positionals[1]!), lsn }));
    return 0;
  } catch (e) {
    throw e instanceof DoSQLError ? e : new DoSQLError('IO_ERROR', `restore: ${String(e)}`);
  } finally {
    await db.close();
  }
}
