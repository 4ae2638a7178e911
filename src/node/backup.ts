// Backups of a database into a folder or an ObjectStore, and restores from them (seed 003,
// "Backup & Recovery"; format in docs/format/backup.md, store logic in src/lsm/backup-store.ts).
// A folder is read and written through FsObjectStore, so a folder backup and an R2 `_backups/`
// prefix hold the same objects under the same keys.
//
// A restore checks every file's SHA-256 before it writes anything (CORRUPTION naming the file),
// then lays the files out as the database had them. With `asOf` before the backup's LSN every
// table is rewound to its rows as of that LSN (the history the backup holds, down to its
// retention horizon); with `asOf` after it the commits in between are replayed from the WAL
// archive (`archive`: the database's folder or cold store; src/lsm/archive-replay.ts), which
// reaches past the time-travel retention.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DoSQLError } from '../errors.js';
import { listBackupIds, restoreFiles, verifyBackupIn, writeBackup, type BackupManifest } from '../sql/api/host.js';
import type { BackupResult, Database } from '../sql/api/database.js';
import type { JsValue } from '../sql/api/values.js';
import { FsObjectStore } from '../storage/fs-store.js';
import type { ObjectStore } from '../storage/object-store.js';

export type { BackupManifest };

/** A backup location: a folder path, or an ObjectStore (an R2 prefix such as `_backups/`). */
export type BackupTarget = string | ObjectStore;

function storeOf(target: BackupTarget): { store: ObjectStore; where: (key: string) => string; label: string } {
  if (typeof target !== 'string') return { store: target, where: (k) => k, label: '' };
  const dir = resolve(target);
  return { store: new FsObjectStore(dir), where: (k) => join(dir, k), label: dir };
}

/**
 * Backs `db` up into the folder `target` (created if absent) as a new backup, consistent at one
 * LSN while writes continue. With `incremental` (the default) data files already in the folder,
 * with the size and SHA-256 an earlier backup recorded, are not copied again; `incremental:
 * false` copies every file. READ_ONLY on a read-only handle (back up from the writer).
 */
export async function backup(db: Database, target: string, options: { incremental?: boolean } = {}): Promise<BackupResult> {
  const { store, where, label } = storeOf(target);
  const r = await writeBackup(await db.engine(), store, { database: db.name, where, ...(options.incremental !== undefined ? { incremental: options.incremental } : {}) });
  return { ...r, path: join(label, r.id) };
}

/** The complete backups in the folder `folder` (those with a snapshot.json), oldest first. */
export function listBackups(folder: string): string[] {
  const dir = resolve(folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n !== 'files' && existsSync(join(dir, n, 'snapshot.json')))
    .sort();
}

/** The complete backups in `source` (a folder or an ObjectStore), oldest first. */
export function listBackupsIn(source: BackupTarget): Promise<string[]> {
  return listBackupIds(storeOf(source).store);
}

/**
 * Checks every file of backup `id` (default: the newest) in `folder` (or an ObjectStore)
 * against its recorded size and SHA-256. Resolves to the backup's record; CORRUPTION naming the
 * first file that differs, NOT_FOUND naming a missing one.
 */
export async function verifyBackup(folder: BackupTarget, id?: string): Promise<BackupManifest> {
  const { store, where } = storeOf(folder);
  return (await verifyBackupIn(store, id, where)).record;
}

/** Options of restore(). */
export interface RestoreOptions {
  /** The new folder to restore into; it must not hold a database. */
  to: string;
  /** The backup's id; default the newest. */
  id?: string;
  /**
   * The LSN to restore to: at most the backup's to rewind within the history it holds, or past
   * it with `archive`. Default the backup's LSN.
   */
  asOf?: number;
  /** Where the WAL archive (`_archive/wal/`) is: the database's folder, or its cold store. */
  archive?: BackupTarget;
}

/**
 * Restores backup `id` (default: the newest) from `source` (a folder or an ObjectStore) into the
 * folder `to`, which must not hold a database. Every file (and, past the backup, every archived
 * WAL record) is verified first. With `asOf` the result is the database as of that LSN. Resolves
 * to the restored database, open. INVALID_ARGUMENT for a bad `asOf` or an occupied `to`;
 * NOT_FOUND when the archive lacks a commit up to `asOf`.
 */
export async function restoreInto(open: (name: string, path: string) => Database, source: BackupTarget, options: RestoreOptions): Promise<Database> {
  const { store, where } = storeOf(source);
  const dest = resolve(options.to);
  if (existsSync(join(dest, 'manifest'))) throw new DoSQLError('INVALID_ARGUMENT', `backup: ${dest} already holds a database; restore into a new folder`, { details: { path: dest } });
  const asOf = options.asOf;
  if (asOf !== undefined && (!Number.isSafeInteger(asOf) || asOf < 0)) {
    throw new DoSQLError('INVALID_ARGUMENT', `backup: asOf must be an LSN (a non-negative integer), got ${String(asOf)}`);
  }
  // The folder is made only once every file has been verified.
  const m = await restoreFiles(store, () => ({ hot: new FsObjectStore(dest) }), {
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(asOf !== undefined ? { replayTo: asOf } : {}),
    ...(options.archive !== undefined ? { archive: storeOf(options.archive).store } : {}),
    where,
  });
  const db = open(m.database.replace(/[^A-Za-z0-9_.-]/g, '_') || 'restored', dest);
  await db.open();
  if (asOf !== undefined && asOf < m.lsn) await rewind(db, asOf);
  return db;
}

/**
 * Makes every table's rows those it had as of `lsn` (one transaction; the schema must not have
 * changed since). INSERT ... SELECT cannot read FOR SYSTEM_TIME, so the rows are read first.
 */
async function rewind(db: Database, lsn: number): Promise<void> {
  const tables = (await db.query<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map((t) => t.name);
  const past = new Map<string, Record<string, JsValue>[]>();
  for (const t of tables) past.set(t, await db.query(`SELECT * FROM ${quoted(t)} FOR SYSTEM_TIME AS OF LSN ${lsn}`, undefined, { safeIntegers: true }));
  await db.transaction(async (tx) => {
    for (const t of tables) {
      await tx.run(`DELETE FROM ${quoted(t)}`);
      const rows = past.get(t)!;
      if (rows.length === 0) continue;
      const cols = Object.keys(rows[0]!);
      const insert = `INSERT INTO ${quoted(t)} (${cols.map(quoted).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
      for (const r of rows) await tx.run(insert, cols.map((c) => r[c]!));
    }
  });
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
