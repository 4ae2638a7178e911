// dosql snapshots <db> and dosql branches <db>: list (table, json or csv), create and
// delete named snapshots and branches. LSNs shown are what `--as-of lsn:N` takes; snapshot
// names what `--as-of snapshot:NAME` takes.
import { DoSQLError } from '../../errors.js';
import { boolOpt, choiceOpt, parseCommand, stringOpt, type ParsedCommand } from '../args.js';
import { formatText, recordsResult } from '../format.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { USAGE } from '../usage.js';

const when = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

function formatOf(command: string, p: ParsedCommand): 'table' | 'json' | 'csv' {
  return choiceOpt(command, p, 'format', ['table', 'json', 'csv'] as const, 'table');
}

export async function snapshotsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('snapshots', argv, { format: { type: 'string', short: 'f' }, create: { type: 'boolean' }, name: { type: 'string' }, delete: { type: 'string' }, ...TAKE_OVER_OPTION }, { min: 1, max: 2 });
  if (p.values.help) {
    println(io.stdout, USAGE.snapshots);
    return 0;
  }
  const format = formatOf('snapshots', p);
  const create = boolOpt(p, 'create');
  const del = stringOpt(p, 'delete');
  // `--create NAME` reads NAME as a second positional (parseArgs booleans take no value).
  if (p.positionals.length > 1 && !create) throw usageError('snapshots', `snapshots: unexpected argument ${JSON.stringify(p.positionals[1])}`);
  if (create && del !== undefined) throw usageError('snapshots', 'snapshots: --create and --delete together');
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over'), readonly: !create && del === undefined });
  try {
    if (create) {
      const s = await db.createSnapshot(p.positionals[1] ?? stringOpt(p, 'name'));
      println(io.stdout, `created snapshot ${s.name} at LSN ${s.lsn} on ${s.branch}`);
      return 0;
    }
    if (del !== undefined) {
      await db.deleteSnapshot(del);
      println(io.stdout, `deleted snapshot ${del}`);
      return 0;
    }
    const rows = (await db.listSnapshots()).map((s) => ({ name: s.name, branch: s.branch, lsn: s.lsn, created: when(s.createdAt) }));
    io.stdout.write(formatText(recordsResult(['name', 'branch', 'lsn', 'created'], rows), format));
    return 0;
  } finally {
    await db.close();
  }
}

export async function branchesCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand(
    'branches',
    argv,
    { format: { type: 'string', short: 'f' }, create: { type: 'string' }, from: { type: 'string' }, delete: { type: 'string' }, force: { type: 'boolean' }, ...TAKE_OVER_OPTION },
    { min: 1, max: 1 },
  );
  if (p.values.help) {
    println(io.stdout, USAGE.branches);
    return 0;
  }
  const format = formatOf('branches', p);
  const create = stringOpt(p, 'create');
  const del = stringOpt(p, 'delete');
  if (create !== undefined && del !== undefined) throw usageError('branches', 'branches: --create and --delete together');
  if (stringOpt(p, 'from') !== undefined && create === undefined) throw usageError('branches', 'branches: --from goes with --create');
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over'), readonly: create === undefined && del === undefined });
  try {
    if (create !== undefined) {
      const from = stringOpt(p, 'from');
      const b = await db.branch(create, from === undefined ? {} : { from });
      println(io.stdout, `created branch ${b.name} at LSN ${b.baseLsn}`);
      return 0;
    }
    if (del !== undefined) {
      await db.deleteBranch(del, { force: boolOpt(p, 'force') });
      println(io.stdout, `deleted branch ${del}`);
      return 0;
    }
    const rows = (await db.listBranches()).map((b) => ({ name: b.name, parent: b.parent, 'base lsn': b.parent === null ? null : b.baseLsn, created: when(b.createdAt), merged: b.merged }));
    io.stdout.write(formatText(recordsResult(['name', 'parent', 'base lsn', 'created', 'merged'], rows), format));
    return 0;
  } catch (e) {
    if (e instanceof DoSQLError && e.code === 'INVALID_ARGUMENT' && /unmerged/.test(e.message)) println(io.stderr, 'hint: --force deletes it anyway');
    throw e;
  } finally {
    await db.close();
  }
}
