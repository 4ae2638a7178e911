// The Node entry of repair: a database folder (or any ObjectStore) in, a report out
// (src/lsm/repair.ts). `dosql repair <db> [--apply]` prints it.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DoSQLError } from '../errors.js';
import { FsObjectStore } from '../storage/fs-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { repairStore, type RepairOptions, type RepairReport } from '../lsm/repair.js';

export type { ManifestReport, RepairOptions, RepairReport } from '../lsm/repair.js';

/**
 * Checks a database whose latest manifest (or a file it references) may be damaged — every
 * manifest version present, each one's data files (SSTables by footer and every block
 * checksum, columnar runs by existence and size) and the WAL it would replay — and reports the
 * newest version that verifies and the LSNs falling back to it would lose. Changes nothing
 * unless `apply`: then it fences any writer and writes a new manifest version from that one,
 * after which the database opens again (docs/format/manifest.md, "Repair").
 *
 * `db` is a database folder (as `DB(name, { path })` uses) or the hot-tier store. Throws
 * NOT_FOUND when it holds no database, INVALID_ARGUMENT for a path that is a file,
 * CORRUPTION when `apply` finds no version to fall back to, BUSY if a writer raced with
 * `apply`, IO_ERROR from the store.
 */
export async function repair(db: string | ObjectStore, options: RepairOptions = {}): Promise<RepairReport> {
  if (typeof db !== 'string') return repairStore(db, options);
  const folder = resolve(db);
  if (!existsSync(folder)) throw new DoSQLError('NOT_FOUND', `repair: no database at ${folder}`, { details: { path: folder } });
  if (!statSync(folder).isDirectory()) throw new DoSQLError('INVALID_ARGUMENT', `repair: ${folder} is a file; a database is a folder`, { details: { path: folder } });
  const store = new FsObjectStore(folder);
  try {
    return await repairStore(store, options);
  } finally {
    await store.close();
  }
}
