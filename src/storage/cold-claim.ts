// Which database a separate cold store belongs to (docs/format/identity.md). A database whose
// cold tier lives in another store than its hot tier (an R2 bucket shared by many Durable
// Objects, a second folder) claims that store at open: the hot store holds the database's
// identity (a random id made at its first open), the cold store an owner record naming it.
// Without the claim, two databases pointed at the same bucket folder (two Durable Objects
// that call DB() with the same name) would overwrite each other's columnar runs, and each
// open would delete the other's files as orphans (src/lsm/orphans.ts). With it, the second
// one is refused before its engine touches the store.
import { DoSQLError } from '../errors.js';
import type { ObjectStore } from './object-store.js';

/** Key of the identity record in the hot store (outside the engine's key space). */
export const IDENTITY_KEY = 'dosql-identity.json';
/** Key of the owner record in the cold store. */
export const OWNER_KEY = 'dosql-owner.json';

const IDENTITY_FORMAT = 'dosql-identity';
const OWNER_FORMAT = 'dosql-cold-owner';
const VERSION = 1;

interface IdRecord {
  format: string;
  version: number;
  id: string;
}

function decode(store: ObjectStore, key: string, data: Uint8Array, format: string): IdRecord {
  let r: unknown;
  try {
    r = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new DoSQLError('CORRUPTION', `storage: ${store.name}${key} is not UTF-8 JSON`, { details: { file: key, offset: 0 } });
  }
  const o = r as Partial<IdRecord> | null;
  if (o === null || typeof o !== 'object' || o.format !== format || typeof o.id !== 'string' || !/^[0-9a-f-]{36}$/.test(o.id)) {
    throw new DoSQLError('CORRUPTION', `storage: ${store.name}${key} is not a ${format} record`, { details: { file: key, offset: 0 } });
  }
  if (o.version !== VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `storage: ${store.name}${key} has ${format} version ${String(o.version)}; this build reads ${VERSION}`, { details: { file: key } });
  return o as IdRecord;
}

/** Reads the record at `key`, or creates it with `id` (create-if-absent: a racing creator wins and its record is read). */
async function readOrCreate(store: ObjectStore, key: string, format: string, id: string): Promise<IdRecord> {
  for (let attempt = 0; ; attempt++) {
    const got = await store.get(key);
    if (got) return decode(store, key, got.data, format);
    const rec: IdRecord = { format, version: VERSION, id };
    try {
      await store.put(key, new TextEncoder().encode(`${JSON.stringify(rec)}\n`), { condition: { ifNoneMatch: '*' } });
      return rec;
    } catch (e) {
      if (!(e instanceof DoSQLError && e.code === 'PRECONDITION_FAILED') || attempt > 0) throw e;
    }
  }
}

/** The database's identity, made on first use and kept in its hot store. */
export async function databaseIdentity(hot: ObjectStore): Promise<string> {
  return (await readOrCreate(hot, IDENTITY_KEY, IDENTITY_FORMAT, crypto.randomUUID())).id;
}

/**
 * Claims `cold` for the database whose hot tier is `hot`: records the hot store's identity in
 * `cold` if it names no owner yet; INVALID_ARGUMENT when it names another database.
 */
export async function claimColdStore(hot: ObjectStore, cold: ObjectStore, where: string): Promise<void> {
  const id = await databaseIdentity(hot);
  const owner = await readOrCreate(cold, OWNER_KEY, OWNER_FORMAT, id);
  if (owner.id === id) return;
  throw new DoSQLError(
    'INVALID_ARGUMENT',
    `${where}: the cold tier ${cold.name} belongs to another database (owner ${owner.id}, this database ${id}): two databases share one name and bucket ` +
      '(two Durable Objects calling DB() with the same name?). Give each its own name, e.g. DB(ctx.id.toString(), ...), or its own storage.coldPrefix',
    { details: { cold: cold.name, owner: owner.id, identity: id } },
  );
}
