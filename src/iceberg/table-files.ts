// Where a table's files live and how to read them back: URL ↔ object-key mapping, finding
// the current metadata version, and reading a snapshot's manifests. Layout:
//   <prefix>/metadata/v<N>.metadata.json, <prefix>/metadata/version-hint.text,
//   <prefix>/metadata/snap-<snapshot-id>-<commit>.avro, <prefix>/metadata/<commit>-m<i>.avro,
//   <prefix>/data/... (written by the caller)
// See docs/format/iceberg.md, "Layout".
import { asIoError, DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ManifestEntry, ManifestListEntry } from './manifest-writer.js';
import { decodeManifest, decodeManifestList } from './manifest-reader.js';
import { ManifestEntryStatus } from './schemas.js';
import { parseTableMetadata } from './table-metadata.js';
import type { IcebergTableLocation, Snapshot, TableMetadata } from './types.js';

const VERSION_RE = /\/v(\d+)\.metadata\.json$/;

/** Absolute URL of `path`, which is relative to the table root or already an absolute URL under it. */
export function tableUrl(table: IcebergTableLocation, path: string): string {
  // Absolute URLs may point anywhere (the spec allows data files outside the table location:
  // dosql references its columnar runs in place); maintenance never deletes those (keyForUrl).
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  return `${table.url}/${path.replace(/^\/+/, '')}`;
}

/** Object key of an absolute URL under the table location, or null for a URL elsewhere. */
export function keyForUrl(table: IcebergTableLocation, url: string): string | null {
  return url.startsWith(`${table.url}/`) ? `${table.prefix}/${url.slice(table.url.length + 1)}` : null;
}

export function metadataKey(table: IcebergTableLocation, version: number): string {
  return `${table.prefix}/metadata/v${version}.metadata.json`;
}

export function versionHintKey(table: IcebergTableLocation): string {
  return `${table.prefix}/metadata/version-hint.text`;
}

/** Metadata versions present in the store, ascending. */
export async function listMetadataVersions(store: ObjectStore, table: IcebergTableLocation): Promise<number[]> {
  const prefix = `${table.prefix}/metadata/`;
  let infos;
  try {
    infos = await store.list(prefix);
  } catch (e) {
    throw asIoError('iceberg', 'list', prefix, e);
  }
  const out: number[] = [];
  for (const i of infos) {
    const m = VERSION_RE.exec(i.key);
    if (m && i.key.startsWith(prefix) && !i.key.slice(prefix.length).includes('/')) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

export async function getBytes(store: ObjectStore, key: string): Promise<Uint8Array> {
  let r;
  try {
    r = await store.get(key);
  } catch (e) {
    throw asIoError('iceberg', 'get', key, e);
  }
  if (!r) throw new DoSQLError('NOT_FOUND', `iceberg: ${key} does not exist`, { details: { key } });
  return r.data;
}

export interface LoadedMetadata {
  version: number;
  metadata: TableMetadata;
}

/** Metadata version `version` of the table. Throws NOT_FOUND if absent. */
export async function loadMetadataVersion(store: ObjectStore, table: IcebergTableLocation, version: number): Promise<LoadedMetadata> {
  const key = metadataKey(table, version);
  return { version, metadata: parseTableMetadata(new TextDecoder().decode(await getBytes(store, key)), key) };
}

/**
 * The newest metadata version (the highest vN present; the version hint is only a reader
 * shortcut and may lag), or null for a table never published.
 */
export async function loadCurrentMetadata(store: ObjectStore, table: IcebergTableLocation): Promise<LoadedMetadata | null> {
  const versions = await listMetadataVersions(store, table);
  const last = versions.at(-1);
  return last === undefined ? null : loadMetadataVersion(store, table, last);
}

function objectKey(table: IcebergTableLocation, url: string): string {
  const key = keyForUrl(table, url);
  if (key === null) throw new DoSQLError('NOT_SUPPORTED', `iceberg: ${url} is outside the table location ${table.url}`);
  return key;
}

export interface SnapshotFiles {
  manifests: ManifestListEntry[];
  /** Entries with inherited snapshot ids and sequence numbers filled in. */
  entries: ManifestEntry[];
}

/** Reads the manifest list and manifests of `snapshot`, applying sequence-number inheritance. */
export async function readSnapshotFiles(store: ObjectStore, table: IcebergTableLocation, snapshot: Snapshot): Promise<SnapshotFiles> {
  const listKey = objectKey(table, snapshot['manifest-list']);
  const manifests = decodeManifestList(await getBytes(store, listKey), listKey);
  const perManifest = await Promise.all(
    manifests.map(async (m) => {
      const key = objectKey(table, m.manifestPath);
      return decodeManifest(await getBytes(store, key), key).map((e): ManifestEntry => {
        // Spec "Sequence Number Inheritance": only ADDED entries may leave these null.
        const inherit = e.status === ManifestEntryStatus.ADDED;
        return {
          ...e,
          snapshotId: e.snapshotId ?? m.addedSnapshotId,
          sequenceNumber: e.sequenceNumber ?? (inherit ? m.sequenceNumber : 0),
          fileSequenceNumber: e.fileSequenceNumber ?? (inherit ? m.sequenceNumber : 0),
        };
      });
    }),
  );
  return { manifests, entries: perManifest.flat() };
}
