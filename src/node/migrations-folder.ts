// A folder of migrations for DB({ migrations: { folder } }) and `dosql migrate`: every
// `NNN_name.sql` file in it (not its sub-folders), read as UTF-8. Other files (a README) are
// left alone; a `.sql` file whose name is not `NNN_name.sql` is refused, since a misnamed
// migration silently skipped would leave the schema behind.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DoSQLError } from '../errors.js';
import type { Migration } from '../sql/api/migrations.js';

const FILE_NAME = /^\d{1,9}_[A-Za-z0-9][A-Za-z0-9_.-]*\.sql$/;

/** The migrations in `folder`, by name. NOT_FOUND when the folder does not exist; INVALID_ARGUMENT for a misnamed `.sql` file or text that is not UTF-8. */
export async function readMigrationsFolder(folder: string): Promise<Migration[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DoSQLError('NOT_FOUND', `migrate: no migrations folder ${folder}`, { details: { path: folder } });
    if (code === 'ENOTDIR') throw new DoSQLError('INVALID_ARGUMENT', `migrate: ${folder} is a file, not a folder of migrations`, { details: { path: folder } });
    throw new DoSQLError('IO_ERROR', `migrate: cannot read ${folder}: ${(e as Error).message}`, { cause: e, details: { path: folder } });
  }
  const out: Migration[] = [];
  for (const e of entries.filter((x) => x.isFile() && x.name.toLowerCase().endsWith('.sql')).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!FILE_NAME.test(e.name)) throw new DoSQLError('INVALID_ARGUMENT', `migrate: ${join(folder, e.name)}: a migration is named NNN_name.sql (digits, '_', then letters, digits, '_', '-', '.')`, { details: { path: join(folder, e.name) } });
    const bytes = await readFile(join(folder, e.name));
    let sql: string;
    try {
      sql = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new DoSQLError('INVALID_ARGUMENT', `migrate: ${join(folder, e.name)} is not UTF-8 text`, { details: { path: join(folder, e.name) } });
    }
    out.push({ name: e.name, sql: sql.replace(/^\uFEFF/, '') });
  }
  return out;
}
