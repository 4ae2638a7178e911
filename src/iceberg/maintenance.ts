// Snapshot expiry and orphan listing. Source: Iceberg spec "Snapshot Retention Policy"
// (refs' snapshots are always retained; expiry removes snapshots from metadata, after which
// files reachable only from them may be deleted). Deleting is left to the caller: this module
// only says which keys are unreferenced.
//
// REQUIRES for listOrphans: no publish of this table is in flight (the engine's single writer
// per table guarantees it); an in-flight commit's manifests are not referenced yet.
import { asIoError, DoSQLError, isDoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { METADATA_VERSION_SUMMARY_KEY, writeVersionHint } from './publisher.js';
import { ManifestEntryStatus } from './schemas.js';
import { keyForUrl, loadCurrentMetadata, metadataKey, readSnapshotFiles, versionHintKey } from './table-files.js';
import { serializeTableMetadata } from './table-metadata.js';
import type { IcebergTableLocation, TableMetadata } from './types.js';

export interface ExpireOptions {
  /** Snapshots with `timestamp-ms` below this are expired (unless retained for another reason). */
  olderThanMs: number;
  /** The newest `retainLast` snapshots are always kept (default 1; the current one is always kept). */
  retainLast?: number;
  /** Wall-clock time of this change, ms. */
  timestampMs: number;
}

export interface ExpireResult {
  expired: bigint[];
  /** The metadata version now current (unchanged when nothing expired). */
  version: number;
}

/** The snapshots `o` keeps: refs' targets, the newest `retainLast`, and those not older than the cutoff. */
function retainedIds(m: TableMetadata, o: ExpireOptions): Set<bigint> {
  const keep = new Set<bigint>(Object.values(m.refs).map((r) => r['snapshot-id']));
  if (m['current-snapshot-id'] !== undefined) keep.add(m['current-snapshot-id']);
  const bySeq = [...m.snapshots].sort((a, b) => b['sequence-number'] - a['sequence-number']);
  for (const s of bySeq.slice(0, Math.max(1, o.retainLast ?? 1))) keep.add(s['snapshot-id']);
  for (const s of m.snapshots) if (s['timestamp-ms'] >= o.olderThanMs) keep.add(s['snapshot-id']);
  return keep;
}

/**
 * Removes expired snapshots from the table metadata by committing a new metadata version
 * (create-if-absent, like a publish). Throws PRECONDITION_FAILED when a publish raced it
 * (retry), NOT_FOUND when the table does not exist.
 */
export async function expireSnapshots(store: ObjectStore, table: IcebergTableLocation, o: ExpireOptions): Promise<ExpireResult> {
  const loaded = await loadCurrentMetadata(store, table);
  if (!loaded) throw new DoSQLError('NOT_FOUND', `iceberg: no table at ${table.prefix}`);
  const m = loaded.metadata;
  const keep = retainedIds(m, o);
  const expired = m.snapshots.filter((s) => !keep.has(s['snapshot-id'])).map((s) => s['snapshot-id']);
  if (expired.length === 0) return { expired, version: loaded.version };
  const next: TableMetadata = {
    ...m,
    'last-updated-ms': o.timestampMs,
    snapshots: m.snapshots.filter((s) => keep.has(s['snapshot-id'])),
    'snapshot-log': m['snapshot-log'].filter((s) => keep.has(s['snapshot-id'])),
    'metadata-log': [...m['metadata-log'], { 'metadata-file': `${table.url}/metadata/v${loaded.version}.metadata.json`, 'timestamp-ms': m['last-updated-ms'] }],
  };
  const version = loaded.version + 1;
  const key = metadataKey(table, version);
  try {
    await store.put(key, new TextEncoder().encode(serializeTableMetadata(next)), { condition: { ifNoneMatch: '*' } });
  } catch (e) {
    if (isDoSQLError(e, 'PRECONDITION_FAILED')) {
      throw new DoSQLError('PRECONDITION_FAILED', `iceberg: expiry on ${table.prefix} lost: v${version}.metadata.json was created by another writer; retry`, { cause: e });
    }
    throw asIoError('iceberg', 'put', key, e);
  }
  await writeVersionHint(store, table, version);
  return { expired, version };
}

/**
 * Object keys the current metadata still needs: every metadata file from the oldest version
 * that made a retained snapshot current onward, the version hint, and the manifest lists,
 * manifests, data and delete files of every retained snapshot. Empty for an unpublished table.
 */
export async function referencedKeys(store: ObjectStore, table: IcebergTableLocation): Promise<Set<string>> {
  const loaded = await loadCurrentMetadata(store, table);
  const keys = new Set<string>();
  if (!loaded) return keys;
  const m = loaded.metadata;
  keys.add(versionHintKey(table));
  let oldest = loaded.version;
  for (const s of m.snapshots) {
    const v = Number(s.summary[METADATA_VERSION_SUMMARY_KEY] ?? 1);
    if (v < oldest) oldest = v;
  }
  for (let v = oldest; v <= loaded.version; v++) keys.add(metadataKey(table, v));
  const add = (url: string): void => {
    const k = keyForUrl(table, url);
    if (k !== null) keys.add(k);
  };
  for (const s of m.snapshots) {
    add(s['manifest-list']);
    const files = await readSnapshotFiles(store, table, s);
    for (const man of files.manifests) add(man.manifestPath);
    // A DELETED entry is informational (readers skip it), so it keeps no file alive.
    for (const e of files.entries) if (e.status !== ManifestEntryStatus.DELETED) add(e.file.path);
  }
  return keys;
}

/** Absolute URLs of every data and delete file a retained snapshot of the table references. */
export async function referencedFileUrls(store: ObjectStore, table: IcebergTableLocation): Promise<Set<string>> {
  const loaded = await loadCurrentMetadata(store, table);
  const urls = new Set<string>();
  if (!loaded) return urls;
  for (const s of loaded.metadata.snapshots) {
    const files = await readSnapshotFiles(store, table, s);
    for (const e of files.entries) if (e.status !== ManifestEntryStatus.DELETED) urls.add(e.file.path);
  }
  return urls;
}

/** Keys under the table prefix that no retained snapshot or live metadata file references, sorted. */
export async function listOrphans(store: ObjectStore, table: IcebergTableLocation): Promise<string[]> {
  const referenced = await referencedKeys(store, table);
  let all;
  try {
    all = await store.list(`${table.prefix}/`);
  } catch (e) {
    throw asIoError('iceberg', 'list', table.prefix, e);
  }
  return all.map((i) => i.key).filter((k) => !referenced.has(k));
}
