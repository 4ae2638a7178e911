// Schema migrations: numbered SQL files (`001_init.sql`, `002_add_tasks.sql`, ...) applied in
// version order, once per database (and per branch: the record is an ordinary table, so a
// migration applied on a branch is recorded on that branch only). Each migration runs in its
// own transaction together with its record in `_dosql_migrations`, so a migration is applied
// whole or not at all: a failing one leaves the database at the previous version.
//
// Drift (as Flyway's validate): the record keeps a SHA-256 of each applied file; a file edited
// after it was applied, renamed, removed, or a new file numbered below the latest applied one is
// MIGRATION_DRIFT, never silently re-run or skipped. Text is compared with CRLF read as LF, so
// a checkout with other line endings is not drift.
//
// Async safety: two handles migrating one database at once both try the first pending
// migration; the record's primary key makes the second commit a WRITE_CONFLICT, after which it
// reloads its schema, re-reads the record and finds the migration applied.
import { DoSQLError } from '../../errors.js';
import { parse } from '../parser/index.js';
import { isPlainObject } from './arguments.js';
import { describeValue } from './bind-params.js';
import { databaseParts, type Database } from './database.js';

/** One migration: its file name (`NNN_name.sql`, NNN its version) and its SQL (a script of statements). */
export interface Migration {
  name: string;
  sql: string;
}

/** One migration as `migrationStatus` reports it. */
export interface MigrationStatus {
  version: number;
  name: string;
  /**
   * `applied`: recorded, and the file (if given) matches; `pending`: given, not applied;
   * `drift`: recorded with another name or text than the file given; `missing`: recorded but
   * not among the files given; `out-of-order`: given, not applied, numbered below an applied one.
   */
  state: 'applied' | 'pending' | 'drift' | 'missing' | 'out-of-order';
  /** SHA-256 of the text (hex): the recorded one for applied migrations, else the file's. */
  checksum: string;
  /** When it was applied (CURRENT_TIMESTAMP of its transaction), for recorded migrations. */
  appliedAt?: string;
}

/** The table recording applied migrations. */
export const MIGRATIONS_TABLE = '_dosql_migrations';

const FILE_NAME = /^(\d{1,9})_([A-Za-z0-9][A-Za-z0-9_.-]*)\.sql$/;
const CREATE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`;
/** Attempts when another handle applies the same migration concurrently (WRITE_CONFLICT). */
const CONFLICT_RETRIES = 5;

interface Parsed extends Migration {
  version: number;
}

/**
 * Checks a list of migrations (names `NNN_name.sql`, SQL text, versions distinct); throws
 * INVALID_ARGUMENT prefixed by `where` naming the bad entry. Order in the list does not matter.
 */
export function checkMigrations(list: unknown, where: string): asserts list is readonly Migration[] {
  if (!Array.isArray(list)) throw new DoSQLError('INVALID_ARGUMENT', `${where} must be an array of { name, sql }, got ${describeValue(list)}`);
  const seen = new Map<number, string>();
  list.forEach((m: unknown, i) => {
    if (!isPlainObject(m) || typeof m.name !== 'string' || typeof m.sql !== 'string') {
      throw new DoSQLError('INVALID_ARGUMENT', `${where}[${i}] must be { name: string, sql: string }, got ${describeValue(m)}`);
    }
    for (const k of Object.keys(m)) if (k !== 'name' && k !== 'sql') throw new DoSQLError('INVALID_ARGUMENT', `${where}[${i}]: unknown key ${k} (a migration is { name, sql })`);
    const f = FILE_NAME.exec(m.name);
    if (!f) throw new DoSQLError('INVALID_ARGUMENT', `${where}[${i}]: migration name ${JSON.stringify(m.name.slice(0, 80))} must be NNN_name.sql (digits, '_', then letters, digits, '_', '-', '.')`);
    const v = Number(f[1]);
    const other = seen.get(v);
    if (other !== undefined) throw new DoSQLError('INVALID_ARGUMENT', `${where}: migrations ${other} and ${m.name} have the same version ${v}`);
    seen.set(v, m.name);
  });
}

function parsed(list: readonly Migration[], where: string): Parsed[] {
  checkMigrations(list, where);
  return list.map((m) => ({ name: m.name, sql: m.sql, version: Number(FILE_NAME.exec(m.name)![1]) })).sort((a, b) => a.version - b.version);
}

/** SHA-256 of the migration's text (CRLF read as LF), hex. */
export async function migrationChecksum(sql: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(sql.replace(/\r\n/g, '\n')));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

interface Applied {
  version: number;
  name: string;
  checksum: string;
  appliedAt: string;
}

async function appliedOf(db: Database): Promise<Applied[]> {
  await db.open();
  if (!databaseParts(db).core.currentCatalog().objects().some((o) => o.type === 'table' && o.name.toLowerCase() === MIGRATIONS_TABLE)) return [];
  return db.query<Applied>(`SELECT version, name, checksum, applied_at AS appliedAt FROM ${MIGRATIONS_TABLE} ORDER BY version`);
}

/** Every recorded and given migration with its state, in version order. */
async function statusOf(db: Database, given: readonly Parsed[]): Promise<MigrationStatus[]> {
  const applied = await appliedOf(db);
  const top = applied.length ? applied[applied.length - 1]!.version : 0;
  const byVersion = new Map(given.map((m) => [m.version, m]));
  const out: MigrationStatus[] = [];
  for (const a of applied) {
    const m = byVersion.get(a.version);
    byVersion.delete(a.version);
    const state = !m ? 'missing' : m.name !== a.name || (await migrationChecksum(m.sql)) !== a.checksum ? 'drift' : 'applied';
    out.push({ version: a.version, name: a.name, state, checksum: a.checksum, appliedAt: a.appliedAt });
  }
  for (const m of byVersion.values()) out.push({ version: m.version, name: m.name, state: m.version < top ? 'out-of-order' : 'pending', checksum: await migrationChecksum(m.sql) });
  return out.sort((a, b) => a.version - b.version);
}

/**
 * The state of each migration on the handle's checked-out branch, in version order: those
 * recorded in `_dosql_migrations` and those given; without `migrations`, the recorded ones
 * (state 'applied': there is nothing to compare them with).
 */
export async function migrationStatus(db: Database, migrations?: readonly Migration[]): Promise<MigrationStatus[]> {
  if (migrations === undefined) return (await appliedOf(db)).map((a) => ({ ...a, state: 'applied' as const }));
  return statusOf(db, parsed(migrations, 'migrate: migrations'));
}

function driftError(s: MigrationStatus, given: readonly Parsed[]): DoSQLError {
  const file = given.find((m) => m.version === s.version);
  const why =
    s.state === 'missing'
      ? `${s.name} was applied (${s.appliedAt ?? '?'}) but is not among the migrations given; restore the file`
      : s.state === 'out-of-order'
        ? `${s.name} is not applied, but a later migration is; renumber it after the latest applied one`
        : file && file.name !== s.name
          ? `${s.name} was applied, and the file of version ${s.version} is now ${file.name}; a renamed migration is not re-run: restore its name`
          : `${s.name} was edited after it was applied (its SHA-256 differs from the one recorded, ${s.checksum.slice(0, 12)}...); an applied migration is never re-run: restore the file and put the change in a new migration`;
  return new DoSQLError('MIGRATION_DRIFT', `migrate: ${why}`, { details: { migration: s.name, version: s.version, state: s.state } });
}

/** The statements of a migration, refusing transaction control (each migration is one transaction). */
function statementsOf(m: Parsed): string[] {
  let ps;
  try {
    ps = parse(m.sql);
  } catch (e) {
    throw withMigration(e, m, undefined);
  }
  return ps.map((p, i) => {
    const k = p.statement.kind;
    if (k === 'begin' || k === 'commit' || k === 'rollback' || k === 'savepoint' || k === 'release' || k === 'twoPhase') {
      throw new DoSQLError('SQL_ERROR', `migrate: ${m.name}, statement ${i + 1}: ${k === 'twoPhase' ? 'two-phase commit' : k.toUpperCase()} is not allowed; each migration runs in its own transaction`, { details: { migration: m.name, statement: i + 1 } });
    }
    return m.sql.slice(p.start, p.end);
  });
}

function withMigration(e: unknown, m: Parsed, statement: number | undefined): unknown {
  if (!(e instanceof DoSQLError)) return e;
  const at = statement === undefined ? '' : `, statement ${statement}`;
  return new DoSQLError(e.code, `migrate: ${m.name}${at}: ${e.message}`, { cause: e, details: { ...e.details, migration: m.name, ...(statement !== undefined ? { statement } : {}) } });
}

/**
 * Applies the pending migrations to the handle's checked-out branch, in version order, each
 * in its own transaction with its record in `_dosql_migrations`; returns the names applied
 * now and the version reached. Throws MIGRATION_DRIFT (nothing applied) when an applied
 * migration differs from its file or is missing, or a pending one is numbered below an
 * applied one; a failing migration throws its error (message prefixed `migrate: <name>,
 * statement <n>:`, `details.migration`) after the migrations before it were committed.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<{ applied: string[]; version: number }> {
  const given = parsed(migrations, 'migrate: migrations');
  const scripts = new Map(given.map((m) => [m.version, statementsOf(m)]));
  const done: string[] = [];
  await db.open();
  for (let conflicts = 0; ; ) {
    // The handle's schema as of now: another handle on the engine may have migrated since
    // this one last ran a statement, and appliedOf() reads the cached schema without waiting.
    await db.checkout(db.currentBranch());
    try {
      await db.exec(CREATE);
    } catch (e) {
      // Another handle created the table meanwhile: start over with its schema.
      if (isConflict(e) && ++conflicts <= CONFLICT_RETRIES) continue;
      throw e;
    }
    const status = await statusOf(db, given);
    const bad = status.find((s) => s.state !== 'applied' && s.state !== 'pending');
    if (bad) throw driftError(bad, given);
    const next = status.find((s) => s.state === 'pending');
    if (!next) return { applied: done, version: status.length ? status[status.length - 1]!.version : 0 };
    const m = given.find((g) => g.version === next.version)!;
    try {
      await db.transaction(async (tx) => {
        const statements = scripts.get(m.version)!;
        for (let i = 0; i < statements.length; i++) {
          try {
            await tx.exec(statements[i]!);
          } catch (e) {
            throw withMigration(e, m, i + 1);
          }
        }
        await tx.run(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, applied_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)`, [m.version, m.name, next.checksum]);
      });
      done.push(m.name);
    } catch (e) {
      // Another handle applied it first (its commit conflicts with ours, or ours ran after it and
      // met its tables or its record): read the record again; it is then applied, or drift.
      if (++conflicts <= CONFLICT_RETRIES && (isConflict(e) || (await recordedElsewhere(db, m.version)))) continue;
      throw e;
    }
  }
}

function isConflict(e: unknown): boolean {
  return e instanceof DoSQLError && e.code === 'WRITE_CONFLICT';
}

/** True when migration `version` is recorded now (by another handle), as the handle's fresh schema sees it. */
async function recordedElsewhere(db: Database, version: number): Promise<boolean> {
  await db.checkout(db.currentBranch());
  return (await appliedOf(db)).some((a) => a.version === version);
}
