// The `dosql` command line: `main(argv)` runs one command and resolves to its exit code
// (0 success, 1 failure, 2 bad arguments). bin/dosql.js and `npm run dosql` call it; it
// also runs when this file is executed directly (`tsx src/cli/main.ts ...`).
//
// Failures print one line to stderr: `dosql: <CODE>: <message>` for a DoSQLError (its
// stable code, e.g. CORRUPTION, BUSY, NOT_FOUND), the usage text after a bad command line.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DoSQLError } from '../errors.js';
import { isUsageError, println, processIO, type CliIO } from './io.js';
import { OVERVIEW, USAGE, usageOf } from './usage.js';

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

// Loaded on use: a command pays only for its own dependencies (Arrow, Parquet, ...).
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  import: async () => (await import('./commands/import.js')).importCommand,
  sql: async () => (await import('./commands/sql.js')).sqlCommand,
  shell: async () => (await import('./commands/shell.js')).shellCommand,
  compact: async () => (await import('./commands/compact.js')).compactCommand,
  stats: async () => (await import('./commands/stats.js')).statsCommand,
  snapshots: async () => (await import('./commands/snapshots.js')).snapshotsCommand,
  branches: async () => (await import('./commands/snapshots.js')).branchesCommand,
  iceberg: async () => (await import('./commands/iceberg.js')).icebergCommand,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
  repair: async () => (await import('./commands/repair.js')).repairCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
  cdc: async () => (await import('./commands/cdc.js')).cdcCommand,
  lake: async () => (await import('./commands/lake.js')).lakeCommand,
  backup: async () => (await import('./commands/backup.js')).backupCommand,
  restore: async () => (await import('./commands/backup.js')).restoreCommand,
};

/**
 * Runs `dosql <argv...>` and resolves to the exit code; never rejects. `io` defaults to
 * the process's streams and working folder (tests pass their own).
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    println(io.stdout, topic !== undefined && USAGE[topic] ? USAGE[topic] : OVERVIEW);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    println(io.stdout, 'dosql 0.1.0');
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    println(io.stderr, `dosql: unknown command ${JSON.stringify(name)}\n\n${OVERVIEW}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (isUsageError(e)) {
      println(io.stderr, `dosql: ${e.message.replace(/^cli: /, '')}\n\nusage: ${usageOf(String(e.details.usage))}`);
      return 2;
    }
    if (e instanceof DoSQLError) {
      println(io.stderr, `dosql: ${e.code}: ${e.message}`);
      return 1;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    println(io.stderr, `dosql: unexpected error: ${process.env.DOSQL_DEBUG ? (err.stack ?? err.message) : err.message}`);
    return 1;
  }
}

/** True when this module is the process's entry script (not imported by bin/dosql.js or a test). */
function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2));
}
