// Backups of a database into a folder, and restores from them (seed 003, "Backup & Recovery";
// format in docs/format/backup.md). A backup folder holds many backups:
//   <folder>/files/<tier>/<key>          data files (SSTables, columnar runs): immutable, so a
//                                        file is copied once and shared by every later backup
//   <folder>/<id>/manifest.bin           the manifest an engine opens on those files
//   <folder>/<id>/snapshot.json          what the backup holds: its LSN, the manifest's and
//                                        every file's size and SHA-256, written last
// `id` is the backup's time, ISO 8601 with ':' as '-' (a folder name everywhere).
//
// A backup is consistent at one LSN while writes go on: the engine checkpoints, then the files
// of one manifest version are copied while that version stays referenced (src/lsm/backup-files.ts).
// A restore checks every file's SHA-256 before it writes anything (CORRUPTION naming the file),
// then lays the files out as the database had them; with `asOf` it then rewinds every table to
// its rows as of that LSN (the history the backup holds, down to its retention horizon).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DoSQLError } from '../errors.js';
import { writeRestoredManifest, type BackupFile } from '../lsm/backup-files.js';
import type { BackupResult, Database } from '../sql/api/database.js';
import type { JsValue } from '../sql/api/values.js';
import { FsObjectStore } from '../storage/fs-store.js';
import type { ObjectStore } from '../storage/object-store.js';

const FORMAT = 'dosql-backup';
const VERSION = 1;

/** What snapshot.json records (docs/format/backup.md). */
export interface BackupManifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  id: string;
  createdAt: string;
  database: string;
  /** Every commit with LSN <= lsn is in the backup, and none after. */
  lsn: number;
  manifestVersion: number;
  epoch: number;
  manifest: { size: number; sha256: string };
  files: (BackupFile & { sha256: string })[];
}


function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function fileKey(f: { tier: string; key: string }): string {
  return `files/${f.tier}/${f.key}`;
}

async function getOrThrow(store: ObjectStore, key: string, what: string): Promise<Uint8Array> {
  const r = await store.get(key);
  if (!r) throw new DoSQLError('NOT_FOUND', `backup: ${what} ${key} is missing`, { details: { file: key } });
  return r.data;
}

/**
 * Backs `db` up into the folder `target` (created if absent) as a new backup, consistent at one
 * LSN while writes continue. With `incremental` (the default) data files already in the folder,
 * with the size and SHA-256 an earlier backup recorded, are not copied again; `incremental:
 * false` copies every file. READ_ONLY on a read-only handle (back up from the writer).
 */
export async function backup(db: Database, target: string, options: { incremental?: boolean } = {}): Promise<BackupResult> {
  const engine = await db.engine();
  const folder = resolve(target);
  const out = new FsObjectStore(folder);
  const known = options.incremental === false ? new Map<string, string>() : knownFiles(folder);
  const plan = await engine.backupPlan();
  try {
    const { hot, cold } = engine.stores;
    let copied = 0;
    let bytesCopied = 0;
    const files: BackupManifest['files'] = [];
    for (const f of plan.files) {
      const key = fileKey(f);
      const have = known.get(key);
      if (have !== undefined && (await out.head(key))?.size === f.size) {
        files.push({ ...f, sha256: have });
        continue;
      }
      const data = await getOrThrow(f.tier === 'hot' ? hot : cold, f.key, 'data file');
      const digest = sha256(data);
      await out.put(key, data);
      copied++;
      bytesCopied += data.length;
      files.push({ ...f, sha256: digest });
    }
    const id = new Date().toISOString().replace(/:/g, '-');
    const manifest: BackupManifest = {
      format: FORMAT,
      version: VERSION,
      id,
      createdAt: new Date().toISOString(),
      database: db.name,
      lsn: plan.lsn,
      manifestVersion: plan.manifestVersion,
      epoch: plan.epoch,
      manifest: { size: plan.manifest.length, sha256: sha256(plan.manifest) },
      files,
    };
    await out.put(`${id}/manifest.bin`, plan.manifest);
    // Written last: a backup without its snapshot.json is incomplete and never restored.
    await out.put(`${id}/snapshot.json`, new TextEncoder().encode(JSON.stringify(manifest, null, 2)));
    return { id, path: join(folder, id), lsn: plan.lsn, files: files.length, copied, bytesCopied };
  } finally {
    plan.release();
  }
}

/** SHA-256 of the data files earlier backups in `folder` recorded, by file key. */
function knownFiles(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of listBackups(folder)) {
    for (const f of readBackupManifest(folder, id).files) out.set(fileKey(f), f.sha256);
  }
  return out;
}

/** The complete backups in `folder` (those with a snapshot.json), oldest first. */
export function listBackups(folder: string): string[] {
  const dir = resolve(folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n !== 'files' && existsSync(join(dir, n, 'snapshot.json')))
    .sort();
}

function readBackupManifest(folder: string, id: string): BackupManifest {
  const file = join(resolve(folder), id, 'snapshot.json');
  let m: BackupManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `backup: ${file} is not readable JSON`, { cause: e, details: { file } });
  }
  if (m.format !== FORMAT) throw new DoSQLError('CORRUPTION', `backup: ${file} is not a dosql backup (format ${JSON.stringify(m.format)})`, { details: { file } });
  if (m.version !== VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `backup: ${file} has format version ${m.version}; this dosql reads version ${VERSION}`, { details: { file } });
  return m;
}

/**
 * Checks every file of backup `id` (default: the newest) in `folder` against its recorded size
 * and SHA-256. Resolves to the backup's record; CORRUPTION naming the first file that differs,
 * NOT_FOUND naming a missing one.
 */
export async function verifyBackup(folder: string, id?: string): Promise<BackupManifest> {
  const dir = resolve(folder);
  const which = id ?? listBackups(dir).at(-1);
  if (which === undefined) throw new DoSQLError('NOT_FOUND', `backup: no backup in ${dir}`, { details: { path: dir } });
  const m = readBackupManifest(dir, which);
  const store = new FsObjectStore(dir);
  const check = async (key: string, size: number, digest: string): Promise<Uint8Array> => {
    const data = await getOrThrow(store, key, 'backup file');
    if (data.length !== size || sha256(data) !== digest) {
      throw new DoSQLError('CORRUPTION', `backup: ${join(dir, key)} is damaged: its SHA-256 or size differs from the one recorded in ${which}/snapshot.json`, { details: { file: join(dir, key), backup: which } });
    }
    return data;
  };
  await check(`${which}/manifest.bin`, m.manifest.size, m.manifest.sha256);
  for (const f of m.files) await check(fileKey(f), f.size, f.sha256);
  return m;
}

/**
 * Restores backup `id` (default: the newest) from `folder` into the folder `to`, which must not
 * hold a database. Every file is verified first (verifyBackup). With `asOf` (an LSN no later than
 * the backup's, and no older than its retention horizon) every table is then rewound to its rows
 * as of that LSN, in one transaction. Resolves to the restored database, open.
 */
export async function restoreInto(open: (name: string, path: string) => Database, folder: string, options: { to: string; id?: string; asOf?: number }): Promise<Database> {
  const m = await verifyBackup(folder, options.id);
  const dest = resolve(options.to);
  if (existsSync(join(dest, 'manifest'))) throw new DoSQLError('INVALID_ARGUMENT', `backup: ${dest} already holds a database; restore into a new folder`, { details: { path: dest } });
  if (options.asOf !== undefined && (!Number.isInteger(options.asOf) || options.asOf < 0 || options.asOf > m.lsn)) {
    throw new DoSQLError('INVALID_ARGUMENT', `backup: asOf must be an LSN from 0 to the backup's ${m.lsn}, got ${String(options.asOf)}`);
  }
  const src = new FsObjectStore(resolve(folder));
  const out = new FsObjectStore(dest);
  for (const f of m.files) await out.put(f.key, await getOrThrow(src, fileKey(f), 'backup file'));
  await writeRestoredManifest(out, await getOrThrow(src, `${m.id}/manifest.bin`, 'backup file'), m.manifestVersion, m.epoch);
  const db = open(m.database.replace(/[^A-Za-z0-9_.-]/g, '_') || 'restored', dest);
  await db.open();
  if (options.asOf !== undefined && options.asOf < m.lsn) await rewind(db, options.asOf);
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
