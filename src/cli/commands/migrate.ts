// dosql migrate <db> <folder> [--branch B]: applies the pending migrations of a folder of
// `NNN_name.sql` files (src/sql/api/migrations.ts: in version order, each in its own
// transaction, recorded with its SHA-256 in `_dosql_migrations`), creating the database if the
// folder holds none. dosql migrate <db> --status [<folder>]: lists the migrations recorded
// (and, given the folder, those pending, drifted, missing or out of order) without changing
// anything. --branch runs either on a branch: what a branch applies stays on the branch.
import { migrate, migrationStatus } from '../../sql/api/migrations.js';
import { readMigrationsFolder } from '../../node/migrations-folder.js';
import { resolve } from 'node:path';
import { boolOpt, choiceOpt, parseCommand, stringOpt } from '../args.js';
import { formatText, recordsResult } from '../format.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { USAGE } from '../usage.js';

const OPTIONS = { status: { type: 'boolean' }, branch: { type: 'string' }, format: { type: 'string', short: 'f' }, ...TAKE_OVER_OPTION } as const;

export async function migrateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('migrate', argv, OPTIONS, { min: 1, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.migrate);
    return 0;
  }
  const status = boolOpt(p, 'status');
  const folder = p.positionals[1];
  if (!status && folder === undefined) throw usageError('migrate', 'migrate: give the folder of migrations, or --status');
  if (!status && p.values.format !== undefined) throw usageError('migrate', 'migrate: --format goes with --status');
  const format = choiceOpt('migrate', p, 'format', ['table', 'json', 'csv'] as const, 'table');
  // Read the files first: a bad folder fails before the database is opened (or created).
  const files = folder === undefined ? undefined : await readMigrationsFolder(resolve(io.cwd, folder));
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: !status, takeOver: boolOpt(p, 'take-over') });
  try {
    const branch = stringOpt(p, 'branch');
    if (branch !== undefined) await db.checkout(branch);
    const on = branch === undefined ? '' : ` on branch ${branch}`;
    if (status) {
      const rows = (await migrationStatus(db, files)).map((m) => ({ version: m.version, name: m.name, state: m.state, applied_at: m.appliedAt ?? null, sha256: m.checksum.slice(0, 16) }));
      io.stdout.write(formatText(recordsResult(['version', 'name', 'state', 'applied_at', 'sha256'], rows), format));
      return 0;
    }
    const r = await migrate(db, files!);
    for (const name of r.applied) println(io.stdout, `applied ${name}${on}`);
    println(io.stdout, r.applied.length ? `at version ${r.version}${on} (${r.applied.length} applied now)` : `up to date at version ${r.version}${on}`);
    return 0;
  } finally {
    await db.close();
  }
}
