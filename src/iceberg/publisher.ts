// Publishes the state of a table's columnar runs as one Iceberg v2 snapshot (ARCHITECTURE.md
// contract 7). Every snapshot lists the table's complete live state: one data manifest and one
// delete manifest, rewritten each time; files already live in the parent are carried over as
// EXISTING with their original sequence numbers, new ones are ADDED, and the parent's files
// that are gone appear once as DELETED. Commit protocol: docs/format/iceberg.md, "Commit".
//
// Async safety: concurrent publishers of one table may interleave freely; the create-if-absent
// put of `v<N+1>.metadata.json` lets exactly one of them win and the others fail with
// PRECONDITION_FAILED, having deleted the manifests they wrote.
import { asIoError, DoSQLError, isDoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { encodeManifest, encodeManifestList, type ManifestEntry, type ManifestListEntry } from './manifest-writer.js';
import { withCurrentSchema } from './schema-evolution.js';
import { FileContent, ManifestContent, ManifestEntryStatus } from './schemas.js';
import { listMetadataVersions, loadCurrentMetadata, metadataKey, readSnapshotFiles, tableUrl, versionHintKey } from './table-files.js';
import { currentSnapshot, newTableMetadata, serializeTableMetadata, withSnapshot } from './table-metadata.js';
import type { DataFileInfo, DeleteFileInfo, IcebergSchema, IcebergTableLocation, Snapshot, SnapshotSummary } from './types.js';

/** Snapshot summary key holding the LSN the snapshot reflects (decimal). */
export const LSN_SUMMARY_KEY = 'dosql.lsn';
/** Snapshot summary key holding the metadata version that made the snapshot current. */
export const METADATA_VERSION_SUMMARY_KEY = 'dosql.metadata-version';

export interface PublishOptions {
  /** The table schema the data files were written with (field ids must follow the evolution rules). */
  schema: IcebergSchema;
  /** Every live data file of the table (full state, not a delta). */
  dataFiles: readonly DataFileInfo[];
  /** Every live position-delete file (content 1). */
  deleteFiles?: readonly DeleteFileInfo[];
  /** The LSN the state reflects; must not go below the parent snapshot's. */
  lsn: bigint;
  /** Commit wall-clock time, ms since the epoch. */
  timestampMs: number;
  /** Required to publish an empty state over a parent that had data (guards against accidental truncation). */
  removeAll?: boolean;
  /** Injected for tests; random in [1, 2^53) otherwise (readers parse ids with JSON.parse). */
  snapshotId?: bigint;
  /** Used only when the table is created; random otherwise. */
  tableUuid?: string;
  /** Table properties, used only when the table is created. */
  properties?: Record<string, string>;
}

export interface PublishResult {
  version: number;
  snapshotId: bigint;
  sequenceNumber: number;
  /** Object key of the metadata file written. */
  metadataKey: string;
  manifestListUrl: string;
  summary: SnapshotSummary;
}

function newSnapshotId(taken: ReadonlySet<bigint>): bigint {
  for (;;) {
    const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
    const id = (BigInt(hi! & 0x1f_ffff) << 32n) | BigInt(lo!);
    if (id !== 0n && !taken.has(id)) return id;
  }
}

interface Planned {
  entries: ManifestEntry[];
  added: ManifestEntry[];
  removed: ManifestEntry[];
  live: ManifestEntry[];
}

/** Classifies the new live set against the parent's live entries of one content kind. */
function plan(
  table: IcebergTableLocation,
  files: readonly DeleteFileInfo[],
  content: FileContent,
  parentLive: ReadonlyMap<string, ManifestEntry>,
  snapshotId: bigint,
): Planned {
  const seen = new Set<string>();
  const out: Planned = { entries: [], added: [], removed: [], live: [] };
  for (const f of files) {
    const path = tableUrl(table, f.path);
    if (seen.has(path)) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: file ${path} is listed twice`);
    seen.add(path);
    const file = { ...f, path, ...(f.referencedDataFile ? { referencedDataFile: tableUrl(table, f.referencedDataFile) } : {}) };
    const prev = parentLive.get(path);
    const e: ManifestEntry = prev
      ? { status: ManifestEntryStatus.EXISTING, snapshotId: prev.snapshotId, sequenceNumber: prev.sequenceNumber, fileSequenceNumber: prev.fileSequenceNumber, content, file }
      : { status: ManifestEntryStatus.ADDED, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, content, file };
    out.entries.push(e);
    out.live.push(e);
    if (!prev) out.added.push(e);
  }
  for (const [path, prev] of parentLive) {
    if (seen.has(path)) continue;
    const e: ManifestEntry = { ...prev, status: ManifestEntryStatus.DELETED, snapshotId };
    out.entries.push(e);
    out.removed.push(e);
  }
  return out;
}

const sum = (es: readonly ManifestEntry[], f: (e: ManifestEntry) => number): number => es.reduce((n, e) => n + f(e), 0);
const rows = (e: ManifestEntry): number => e.file.recordCount;
const size = (e: ManifestEntry): number => e.file.fileSizeBytes;

function listEntry(url: string, length: number, content: ManifestContent, p: Planned, seq: number, snapshotId: bigint): ManifestListEntry {
  const existing = p.live.filter((e) => e.status === ManifestEntryStatus.EXISTING);
  return {
    manifestPath: url,
    manifestLength: length,
    partitionSpecId: 0,
    content,
    sequenceNumber: seq,
    minSequenceNumber: Math.min(seq, ...existing.map((e) => e.sequenceNumber ?? seq)),
    addedSnapshotId: snapshotId,
    addedFilesCount: p.added.length,
    existingFilesCount: existing.length,
    deletedFilesCount: p.removed.length,
    addedRowsCount: sum(p.added, rows),
    existingRowsCount: sum(existing, rows),
    deletedRowsCount: sum(p.removed, rows),
  };
}

function summaryOf(data: Planned, deletes: Planned, lsn: bigint, version: number): SnapshotSummary {
  const operation = data.removed.length === 0 && deletes.added.length === 0 && deletes.removed.length === 0 ? 'append' : data.added.length === 0 ? 'delete' : 'overwrite';
  return {
    operation,
    [LSN_SUMMARY_KEY]: String(lsn),
    [METADATA_VERSION_SUMMARY_KEY]: String(version),
    'added-data-files': String(data.added.length),
    'deleted-data-files': String(data.removed.length),
    'total-data-files': String(data.live.length),
    'added-delete-files': String(deletes.added.length),
    'removed-delete-files': String(deletes.removed.length),
    'total-delete-files': String(deletes.live.length),
    'added-records': String(sum(data.added, rows)),
    'deleted-records': String(sum(data.removed, rows)),
    'total-records': String(sum(data.live, rows)),
    'added-position-deletes': String(sum(deletes.added, rows)),
    'removed-position-deletes': String(sum(deletes.removed, rows)),
    'total-position-deletes': String(sum(deletes.live, rows)),
    'total-equality-deletes': '0',
    'added-files-size': String(sum(data.added, size) + sum(deletes.added, size)),
    'removed-files-size': String(sum(data.removed, size) + sum(deletes.removed, size)),
    'total-files-size': String(sum(data.live, size) + sum(deletes.live, size)),
  };
}

async function create(store: ObjectStore, key: string, data: Uint8Array): Promise<void> {
  try {
    await store.put(key, data, { condition: { ifNoneMatch: '*' } });
  } catch (e) {
    throw isDoSQLError(e, 'PRECONDITION_FAILED') ? e : asIoError('iceberg', 'put', key, e);
  }
}

/**
 * Commits `options` as the next snapshot of the table at `table`, creating the table (v1) when
 * no metadata exists. Writes the manifests and the manifest list, then `metadata/v<N+1>.metadata.json`
 * with create-if-absent, then `metadata/version-hint.text`.
 *
 * Errors: PRECONDITION_FAILED when another writer created v<N+1> first (nothing of this attempt
 * stays referenced; reload and retry); INVALID_ARGUMENT for a duplicate file, a path outside the
 * table, an LSN below the parent's, a schema breaking the id rules, an empty state without
 * `removeAll`, or a table whose recorded location differs from `table.url`; IO_ERROR from the store.
 */
export async function publishSnapshot(store: ObjectStore, table: IcebergTableLocation, options: PublishOptions): Promise<PublishResult> {
  const loaded = await loadCurrentMetadata(store, table);
  // A table whose whole folder moved (a database folder copied or moved elsewhere: both are
  // file: URLs and the recorded one ends in the same table path) starts a new history at its new location:
  // the metadata's absolute URLs point at the old place, which may be gone. Its snapshots
  // before the move stay in the older metadata files. Any other mismatch is refused.
  const relocated = loaded !== null && loaded !== undefined && loaded.metadata.location !== table.url;
  if (relocated && !movedFolder(loaded.metadata.location, table.url, table.prefix)) {
    throw new DoSQLError('INVALID_ARGUMENT', `iceberg: table ${table.prefix} was created with location ${loaded.metadata.location}, not ${table.url}`);
  }
  let base =
    (relocated ? undefined : loaded?.metadata) ??
    newTableMetadata({
      location: table.url,
      tableUuid: (relocated ? loaded.metadata['table-uuid'] : undefined) ?? options.tableUuid ?? crypto.randomUUID(),
      schema: options.schema,
      timestampMs: options.timestampMs,
      ...(options.properties ? { properties: options.properties } : {}),
    });
  base = withCurrentSchema(base, options.schema);
  const parent = currentSnapshot(base);
  const parentLsn = parent?.summary[LSN_SUMMARY_KEY];
  if (parentLsn !== undefined && BigInt(parentLsn) > options.lsn) {
    throw new DoSQLError('INVALID_ARGUMENT', `iceberg: publish at lsn ${options.lsn} is older than the current snapshot's lsn ${parentLsn}`);
  }
  const deleteFiles = options.deleteFiles ?? [];
  if (options.removeAll && (options.dataFiles.length > 0 || deleteFiles.length > 0)) {
    throw new DoSQLError('INVALID_ARGUMENT', 'iceberg: removeAll publishes an empty table; dataFiles and deleteFiles must be empty');
  }

  const parentLive = new Map<string, ManifestEntry>([]);
  const parentDeletes = new Map<string, ManifestEntry>([]);
  if (parent) {
    for (const e of (await readSnapshotFiles(store, table, parent)).entries) {
      if (e.status === ManifestEntryStatus.DELETED) continue;
      (e.content === FileContent.DATA ? parentLive : parentDeletes).set(e.file.path, e);
    }
  }
  if (options.dataFiles.length === 0 && parentLive.size > 0 && !options.removeAll) {
    throw new DoSQLError('INVALID_ARGUMENT', 'iceberg: publishing no data files over a non-empty snapshot needs removeAll: true');
  }

  const snapshotId = options.snapshotId ?? newSnapshotId(new Set(base.snapshots.map((s) => s['snapshot-id'])));
  const seq = base['last-sequence-number'] + 1;
  const version = (loaded?.version ?? 0) + 1;
  const data = plan(table, options.dataFiles, FileContent.DATA, parentLive, snapshotId);
  const deletes = plan(table, deleteFiles, FileContent.POSITION_DELETES, parentDeletes, snapshotId);

  const commit = crypto.randomUUID();
  const written: string[] = [];
  const manifests: ManifestListEntry[] = [];
  const schema = base.schemas.find((s) => s['schema-id'] === base['current-schema-id'])!;
  const listRel = `metadata/snap-${snapshotId}-1-${commit}.avro`;
  let metadata: string;
  let summary: SnapshotSummary;
  try {
    for (const [i, p, content] of [[0, data, ManifestContent.DATA], [1, deletes, ManifestContent.DELETES]] as const) {
      if (p.entries.length === 0) continue;
      const rel = `metadata/${commit}-m${i}.avro`;
      const bytes = encodeManifest({ schema, content: content === ManifestContent.DATA ? 'data' : 'deletes', entries: p.entries });
      await create(store, `${table.prefix}/${rel}`, bytes);
      written.push(`${table.prefix}/${rel}`);
      manifests.push(listEntry(tableUrl(table, rel), bytes.length, content, p, seq, snapshotId));
    }
    const listBytes = encodeManifestList({ snapshotId, ...(parent ? { parentSnapshotId: parent['snapshot-id'] } : {}), sequenceNumber: seq, manifests });
    await create(store, `${table.prefix}/${listRel}`, listBytes);
    written.push(`${table.prefix}/${listRel}`);

    const snapshot: Snapshot = {
      'snapshot-id': snapshotId,
      ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
      'sequence-number': seq,
      'timestamp-ms': options.timestampMs,
      'manifest-list': tableUrl(table, listRel),
      summary: summaryOf(data, deletes, options.lsn, version),
      'schema-id': base['current-schema-id'],
    };
    const previous = loaded ? tableUrl(table, `metadata/v${loaded.version}.metadata.json`) : undefined;
    metadata = serializeTableMetadata(withSnapshot(base, snapshot, previous));
    summary = snapshot.summary;
  } catch (e) {
    await deleteKeys(store, written);
    throw e;
  }
  const key = metadataKey(table, version);
  try {
    await create(store, key, new TextEncoder().encode(metadata));
  } catch (e) {
    // Only a lost race proves the metadata file is not ours; after an I/O error it may have
    // landed, so the manifests stay (orphan listing reclaims them if it did not).
    if (isDoSQLError(e, 'PRECONDITION_FAILED')) {
      await deleteKeys(store, written);
      throw new DoSQLError('PRECONDITION_FAILED', `iceberg: commit to ${table.prefix} lost: v${version}.metadata.json was created by another writer; reload and retry`, {
        cause: e,
        details: { table: table.prefix, version },
      });
    }
    throw e;
  }
  // A writer that already committed a later version writes its own hint; do not move it back.
  if (((await listMetadataVersions(store, table)).at(-1) ?? version) <= version) await writeVersionHint(store, table, version);
  return { version, snapshotId, sequenceNumber: seq, metadataKey: key, manifestListUrl: tableUrl(table, listRel), summary };
}

async function deleteKeys(store: ObjectStore, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((k) => store.delete(k).catch(() => undefined)));
}

/** Points readers that use `metadata/version-hint.text` (icebird, Hadoop tables) at `version`. */
export async function writeVersionHint(store: ObjectStore, table: IcebergTableLocation, version: number): Promise<void> {
  const key = versionHintKey(table);
  try {
    await store.put(key, new TextEncoder().encode(String(version)));
  } catch (e) {
    throw asIoError('iceberg', 'put', key, e);
  }
}

export interface SnapshotInfo {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: number;
  /** The LSN from the `dosql.lsn` summary key; null for snapshots written by other engines. */
  lsn: bigint | null;
  timestampMs: number;
  operation: SnapshotSummary['operation'];
  manifestListUrl: string;
  /** Object key of the metadata file in which this snapshot became current (for time travel), if known. */
  metadataKey: string | null;
}

/** The snapshots of the current metadata version, oldest first; empty for an unpublished table. */
export async function listSnapshots(store: ObjectStore, table: IcebergTableLocation): Promise<SnapshotInfo[]> {
  const loaded = await loadCurrentMetadata(store, table);
  if (!loaded) return [];
  return loaded.metadata.snapshots
    .map((s): SnapshotInfo => {
      const lsn = s.summary[LSN_SUMMARY_KEY];
      const v = s.summary[METADATA_VERSION_SUMMARY_KEY];
      return {
        snapshotId: s['snapshot-id'],
        parentSnapshotId: s['parent-snapshot-id'] ?? null,
        sequenceNumber: s['sequence-number'],
        lsn: lsn === undefined ? null : BigInt(lsn),
        timestampMs: s['timestamp-ms'],
        operation: s.summary.operation,
        manifestListUrl: s['manifest-list'],
        metadataKey: v === undefined ? null : metadataKey(table, Number(v)),
      };
    })
    .sort((a, b) => a.sequenceNumber - b.sequenceNumber);
}

/** Both locations are local folders (file: URLs) ending in the same table path: the folder moved. */
function movedFolder(recorded: string, now: string, prefix: string): boolean {
  return recorded.startsWith('file:') && now.startsWith('file:') && recorded.endsWith(`/${prefix}`) && now.endsWith(`/${prefix}`);
}
