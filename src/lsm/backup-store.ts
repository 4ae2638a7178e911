// Backups of an engine into any ObjectStore (a folder through FsObjectStore, an R2 prefix such
// as the cold bucket's `_backups/`), and restores from them: docs/format/backup.md. A backup
// store holds many backups:
//   files/<tier>/<key>      data files (SSTables, columnar runs): immutable, so a file is copied
//                           once and shared by every later backup
//   <id>/manifest.bin       the manifest an engine opens on those files
//   <id>/snapshot.json      what the backup holds (its LSN, every file's size and SHA-256), last
// Loads in workerd: SHA-256 comes from Web Crypto.
import { asIoError, DoSQLError } from '../errors.js';
import { decodeManifest, encodeManifest } from '../manifest/manifest-format.js';
import type { ObjectStore } from '../storage/object-store.js';
import { planArchiveReplay } from './archive-replay.js';
import { writeRestoredManifest, type BackupFile, type BackupPlan } from './backup-files.js';

export const BACKUP_FORMAT = 'dosql-backup';
export const BACKUP_VERSION = 1;

/** What snapshot.json records (docs/format/backup.md). */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
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

/** What one backup run did. */
export interface StoreBackupResult {
  id: string;
  lsn: number;
  /** Data files the backup references, and how many of them this run copied. */
  files: number;
  copied: number;
  bytesCopied: number;
}

/** The engine side of a backup: a plan (held until released) and the stores its files are in. */
export interface BackupSource {
  backupPlan(): Promise<BackupPlan>;
  readonly stores: { hot: ObjectStore; cold: ObjectStore };
}

/** Lowercase hex SHA-256 of `data` (Web Crypto: Node and workerd alike). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  let s = '';
  for (const b of d) s += b.toString(16).padStart(2, '0');
  return s;
}

function fileKey(f: { tier: string; key: string }): string {
  return `files/${f.tier}/${f.key}`;
}

async function getOrThrow(store: ObjectStore, key: string, what: string, where: (key: string) => string): Promise<Uint8Array> {
  let r;
  try {
    r = await store.get(key);
  } catch (e) {
    throw asIoError('backup', 'get', where(key), e);
  }
  if (!r) throw new DoSQLError('NOT_FOUND', `backup: ${what} ${where(key)} is missing`, { details: { file: where(key) } });
  return r.data;
}

async function put(store: ObjectStore, key: string, data: Uint8Array, where: (key: string) => string): Promise<void> {
  try {
    await store.put(key, data);
  } catch (e) {
    throw asIoError('backup', 'put', where(key), e);
  }
}

const asIs = (key: string): string => key;

/** A backup id from a time: ISO 8601 in UTC with ':' as '-' (a folder name everywhere). */
function backupId(now: Date): string {
  return now.toISOString().replace(/:/g, '-');
}

/**
 * Writes a new backup of `source` into `out`, consistent at one LSN while writes continue.
 * With `incremental` (default true) a data file an earlier backup in `out` recorded, with the
 * same size, is not copied again. `where` names a key for messages (a folder's full path).
 * IO_ERROR for store failures.
 */
export async function writeBackup(
  source: BackupSource,
  out: ObjectStore,
  options: { database: string; incremental?: boolean; where?: (key: string) => string; now?: () => Date },
): Promise<StoreBackupResult> {
  const where = options.where ?? asIs;
  const known = options.incremental === false ? new Map<string, string>() : await knownFiles(out, where);
  const plan = await source.backupPlan();
  try {
    const { hot, cold } = source.stores;
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
      const data = await getOrThrow(f.tier === 'hot' ? hot : cold, f.key, 'data file', asIs);
      const digest = await sha256Hex(data);
      await put(out, key, data, where);
      copied++;
      bytesCopied += data.length;
      files.push({ ...f, sha256: digest });
    }
    const now = (options.now ?? (() => new Date()))();
    const id = backupId(now);
    const record: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      id,
      createdAt: now.toISOString(),
      database: options.database,
      lsn: plan.lsn,
      manifestVersion: plan.manifestVersion,
      epoch: plan.epoch,
      manifest: { size: plan.manifest.length, sha256: await sha256Hex(plan.manifest) },
      files,
    };
    await put(out, `${id}/manifest.bin`, plan.manifest, where);
    // Written last: a backup without its snapshot.json is incomplete and never restored.
    await put(out, `${id}/snapshot.json`, new TextEncoder().encode(JSON.stringify(record, null, 2)), where);
    return { id, lsn: plan.lsn, files: files.length, copied, bytesCopied };
  } finally {
    plan.release();
  }
}

/** SHA-256 of the data files earlier backups in `store` recorded, by file key. */
async function knownFiles(store: ObjectStore, where: (key: string) => string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of await listBackupIds(store)) {
    for (const f of (await readBackupManifest(store, id, where)).files) out.set(fileKey(f), f.sha256);
  }
  return out;
}

/** The complete backups in `store` (those with a snapshot.json), oldest first. */
export async function listBackupIds(store: ObjectStore): Promise<string[]> {
  let listing;
  try {
    listing = await store.list('');
  } catch (e) {
    throw asIoError('backup', 'list', '', e);
  }
  const ids = new Set<string>();
  for (const o of listing) {
    const m = /^([^/]+)\/snapshot\.json$/.exec(o.key);
    if (m && m[1] !== 'files') ids.add(m[1]!);
  }
  return [...ids].sort();
}

/** Backup `id`'s snapshot.json. CORRUPTION for unreadable JSON or another format. */
export async function readBackupManifest(store: ObjectStore, id: string, where: (key: string) => string = asIs): Promise<BackupManifest> {
  const key = `${id}/snapshot.json`;
  const file = where(key);
  const data = await getOrThrow(store, key, 'backup record', where);
  let m: BackupManifest;
  try {
    m = JSON.parse(new TextDecoder().decode(data)) as BackupManifest;
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `backup: ${file} is not readable JSON`, { cause: e, details: { file } });
  }
  if (m.format !== BACKUP_FORMAT) throw new DoSQLError('CORRUPTION', `backup: ${file} is not a dosql backup (format ${JSON.stringify(m.format)})`, { details: { file } });
  if (m.version !== BACKUP_VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `backup: ${file} has format version ${m.version}; this dosql reads version ${BACKUP_VERSION}`, { details: { file } });
  return m;
}

/**
 * Checks every file of backup `id` (default: the newest) in `store` against its recorded size
 * and SHA-256, and resolves to the backup's record with the verified bytes. CORRUPTION naming
 * the first file that differs, NOT_FOUND naming a missing one or an empty store.
 */
export async function verifyBackupIn(
  store: ObjectStore,
  id: string | undefined,
  where: (key: string) => string = asIs,
): Promise<{ record: BackupManifest; manifest: Uint8Array; files: Map<string, Uint8Array> }> {
  const which = id ?? (await listBackupIds(store)).at(-1);
  if (which === undefined) throw new DoSQLError('NOT_FOUND', `backup: no backup in ${where('')}`, { details: { path: where('') } });
  const record = await readBackupManifest(store, which, where);
  const check = async (key: string, size: number, digest: string): Promise<Uint8Array> => {
    const data = await getOrThrow(store, key, 'backup file', where);
    if (data.length !== size || (await sha256Hex(data)) !== digest) {
      throw new DoSQLError('CORRUPTION', `backup: ${where(key)} is damaged: its SHA-256 or size differs from the one recorded in ${which}/snapshot.json`, { details: { file: where(key), backup: which } });
    }
    return data;
  };
  const manifest = await check(`${which}/manifest.bin`, record.manifest.size, record.manifest.sha256);
  const files = new Map<string, Uint8Array>();
  for (const f of record.files) files.set(fileKey(f), await check(fileKey(f), f.size, f.sha256));
  return { record, manifest, files };
}

/**
 * Lays backup `id` of `src` out in the empty stores `stores()` makes once everything is verified (hot: SSTables, manifest, WAL; cold:
 * columnar runs, default the hot store) after verifying every file (verifyBackupIn). With
 * `replayTo` past the backup's LSN the commits in between come from the WAL archive in
 * `archive` (archive-replay.ts; NOT_FOUND when it lacks one): the engine that opens `dest`
 * replays them. Resolves to the backup's record.
 */
export async function restoreFiles(
  src: ObjectStore,
  stores: () => { hot: ObjectStore; cold?: ObjectStore },
  options: { id?: string; replayTo?: number; archive?: ObjectStore; where?: (key: string) => string },
): Promise<BackupManifest> {
  const { record, manifest, files } = await verifyBackupIn(src, options.id, options.where);
  let bytes = manifest;
  let epoch = record.epoch;
  const replayTo = options.replayTo ?? record.lsn;
  // Plan (and so read and check) the archive before writing anything.
  const replay = replayTo > record.lsn ? await planArchiveReplay(archiveOrThrow(options.archive, replayTo, record.lsn), record.lsn, replayTo) : undefined;
  const dest = stores();
  for (const f of record.files) await put(f.tier === 'cold' ? (dest.cold ?? dest.hot) : dest.hot, f.key, files.get(fileKey(f))!, asIs);
  if (replay) {
    for (const s of replay.segments) await put(dest.hot, s.key, s.data, asIs);
    const state = decodeManifest(manifest, `${record.id}/manifest.bin`);
    state.walSeals = replay.seals;
    bytes = encodeManifest(state);
    // The engine that opens `dest` claims epoch + 1: newer than every replayed segment's, so its
    // own segments never take one of their keys.
    epoch = Math.max(epoch, replay.maxEpoch);
  }
  await writeRestoredManifest(dest.hot, bytes, record.manifestVersion, epoch);
  return record;
}

function archiveOrThrow(archive: ObjectStore | undefined, asOf: number, lsn: number): ObjectStore {
  if (archive) return archive;
  throw new DoSQLError('INVALID_ARGUMENT', `backup: LSN ${asOf} is after the backup's ${lsn}: pass the WAL archive (option archive: the database's folder or cold store) to restore past it`);
}
