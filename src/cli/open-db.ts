// Opens the database a command names: `<db>` is a folder path, opened with
// `DB(basename, { path })` (src/node/db.ts). Commands that only read refuse a folder that
// holds no database instead of creating one there, and open it read-only (`readonly: true`: no
// writer epoch, so a live application's writer is never fenced, and any number of readers run
// beside it). A command that writes refuses (BUSY) a database another live process has open:
// opening it would make the CLI the writer and fence that process. `--take-over` opens it anyway.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DoSQLError } from '../errors.js';
import { DB, type DBOptions } from '../node/db.js';
import { liveWriter } from '../node/writer-lease.js';
import type { Database } from '../sql/api/database.js';

export interface OpenedDb {
  readonly db: Database;
  /** Absolute folder path. */
  readonly path: string;
}

/**
 * True when `folder` holds a dosql database: its manifest folder exists
 * (docs/format/manifest.md: `manifest/<version>.manifest`).
 */
export function isDatabaseFolder(folder: string): boolean {
  return existsSync(resolve(folder, 'manifest'));
}

/** A name DB() accepts, from the folder's name (the name only appears in messages). */
function dbName(folder: string): string {
  const n = basename(folder).replace(/[^A-Za-z0-9_.-]/g, '_');
  return n === '' || n === '.' || n === '..' ? 'db' : n;
}

/** The option every command that opens a database takes (parseCommand spec). */
export const TAKE_OVER_OPTION = { 'take-over': { type: 'boolean' } } as const;

/**
 * Opens `<db>` relative to `cwd` and waits for the open, so a locked (BUSY, FENCED) or
 * corrupt (CORRUPTION) database fails here with its DoSQLError. With `create: false`,
 * throws NOT_FOUND naming the path when the folder holds no database. Throws BUSY, naming
 * the holder, when a live process holds the folder's writer lease, unless `takeOver` or
 * `readonly` (the command only reads: opened read-only, it fences no one; `create` is ignored).
 */
export async function openDatabase(cwd: string, arg: string, options: { create: boolean; takeOver?: boolean; durability?: DBOptions['durability']; readonly?: boolean; mustExist?: boolean }): Promise<OpenedDb> {
  const path = resolve(cwd, arg);
  if (existsSync(path) && !statSync(path).isDirectory()) {
    throw new DoSQLError('INVALID_ARGUMENT', `cli: ${path} is a file; a database is a folder`, { details: { path } });
  }
  if ((!options.create || options.mustExist) && !isDatabaseFolder(path)) {
    // The hint sqlite3 and duckdb give by creating the file: here creating is explicit, so a
    // mistyped path never leaves an empty database behind.
    const what = existsSync(path) ? `${path} is a folder without a database` : `no database at ${path}`;
    throw new DoSQLError('NOT_FOUND', `cli: ${what}; create one with \`dosql sql ${arg} --create "CREATE TABLE ..."\` or \`dosql shell ${arg}\``, { details: { path } });
  }
  if (options.readonly && isDatabaseFolder(path)) {
    // A reader claims nothing: the writer's lease does not concern it.
    const db = DB(dbName(path), { path, readonly: true });
    try {
      await db.open();
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    return { db, path };
  }
  const holder = options.takeOver ? undefined : liveWriter(path);
  if (holder) {
    const beat = ((Date.now() - holder.heartbeatAt) / 1000).toFixed(1);
    throw new DoSQLError(
      'BUSY',
      `cli: ${path} is open in another live process (pid ${holder.pid} on ${holder.hostname}, since ${new Date(holder.startedAt).toISOString()}, heartbeat ${beat} s ago); ` +
        'opening it here would make this command the writer and fail that process\'s writes with FENCED. Close it first, or pass --take-over to take over anyway',
      { details: { path, pid: holder.pid, hostname: holder.hostname, startedAt: holder.startedAt, heartbeatAt: holder.heartbeatAt } },
    );
  }
  const db = DB(dbName(path), { path, ...(options.durability ? { durability: options.durability } : {}) });
  try {
    await db.open();
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
  return { db, path };
}
