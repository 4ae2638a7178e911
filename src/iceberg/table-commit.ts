// Incremental commits to one Iceberg v2 table (docs/format/iceberg.md, "Incremental commits"):
// a commit costs O(new files), not O(table). An append writes one manifest per content kind with
// the new files as ADDED and carries the parent's manifest-list rows as they are (Iceberg's
// "fast append"); a commit that removes files, or one that would leave more than
// `mergeManifestsAbove` manifests, rewrites the live set into one data and one delete manifest
// whose carried entries keep their snapshot ids and sequence numbers (EXISTING) and whose removed
// entries appear once as DELETED. The commit point is the create-if-absent put of
// `metadata/v<N+1>.metadata.json`.
//
// Outcomes of the metadata put: success; PRECONDITION_FAILED (another writer made v<N+1>:
// `lost`, reload and re-plan); any other failure leaves the outcome unknown (a lost
// acknowledgement), so v<N+1> is read back and its current snapshot's `dosql.commit-id` decides:
// ours → committed, another → lost, absent → the same bytes are put again. Only when v<N+1>
// stays unreadable does the commit fail with COMMIT_UNKNOWN (the caller resolves it the same way
// later, by commit id).
//
// Async safety: concurrent commits to one table may interleave freely; at most one wins each
// version. Objects written by a losing or failed attempt are left for orphan cleanup.
import { asIoError, DoSQLError, isDoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { encodeManifest, encodeManifestList, type ManifestEntry, type ManifestListEntry } from './manifest-writer.js';
import { decodeManifestList } from './manifest-reader.js';
import { partitionSummaries } from './partition-spec.js';
import { METADATA_VERSION_SUMMARY_KEY } from './publisher.js';
import { withCurrentSchema } from './schema-evolution.js';
import { FileContent, ManifestContent, ManifestEntryStatus } from './schemas.js';
import { getBytes, keyForUrl, metadataKey, readSnapshotFiles, tableUrl, versionHintKey, type LoadedMetadata } from './table-files.js';
import { currentSnapshot, newTableMetadata, parseTableMetadata, serializeTableMetadata, withSnapshot } from './table-metadata.js';
import type { DataFileInfo, DeleteFileInfo, IcebergSchema, IcebergTableLocation, PartitionSpec, Snapshot, SnapshotSummary, TableMetadata } from './types.js';

/** Snapshot summary key naming the commit that made the snapshot (its manifests' name prefix). */
export const COMMIT_ID_SUMMARY_KEY = 'dosql.commit-id';

const DEFAULT_MERGE_ABOVE = 100;
const UNKNOWN_OUTCOME_ATTEMPTS = 4;

export interface CommitRequest {
  table: IcebergTableLocation;
  /** The metadata the change was planned on; null creates the table (v1). */
  base: LoadedMetadata | null;
  /** The manifest-list rows of the base's current snapshot, when the caller has them cached. */
  baseManifests?: readonly ManifestListEntry[];
  /** The partition spec (used when the table is created; must be the base's default spec). */
  spec: PartitionSpec;
  /** The schema after this change; registered by the evolution rules (iceberg/schema-evolution.ts). */
  schema: IcebergSchema;
  /** New data files (paths relative to the table or absolute under it), each with its partition tuple. */
  addedData: readonly DataFileInfo[];
  /** New position-delete files. */
  addedDeletes: readonly DeleteFileInfo[];
  /** Absolute URLs of live data or delete files this commit removes (forces a manifest rewrite). */
  removed?: ReadonlySet<string>;
  /** Default: derived (append / delete / overwrite); compaction passes 'replace'. */
  operation?: SnapshotSummary['operation'];
  /** Names the commit's manifests and manifest list; recorded as `dosql.commit-id`. */
  commitId: string;
  timestampMs: number;
  /** Extra summary keys. */
  summary?: Readonly<Record<string, string>>;
  /** Table properties and uuid, used only when the table is created. */
  properties?: Record<string, string>;
  tableUuid?: string;
  /** Rewrite into one manifest per content kind past this many manifests. Default 100. */
  mergeManifestsAbove?: number;
  /** Injected for tests; random in [1, 2^53) otherwise. */
  snapshotId?: bigint;
  /** Called just before the commit point; throwing abandons the commit (its files stay orphans). */
  beforeCommitPoint?: () => void;
}

export type CommitOutcome =
  | { status: 'committed'; version: number; metadata: TableMetadata; snapshot: Snapshot; manifests: ManifestListEntry[]; rewritten: boolean }
  | { status: 'lost'; version: number };

function newSnapshotId(taken: ReadonlySet<bigint>): bigint {
  for (;;) {
    const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
    const id = (BigInt(hi! & 0x1f_ffff) << 32n) | BigInt(lo!);
    if (id !== 0n && !taken.has(id)) return id;
  }
}

const sum = (es: readonly ManifestEntry[], f: (e: ManifestEntry) => number): number => es.reduce((n, e) => n + f(e), 0);
const rows = (e: ManifestEntry): number => e.file.recordCount;
const size = (e: ManifestEntry): number => e.file.fileSizeBytes;

function listRow(url: string, length: number, content: ManifestContent, entries: readonly ManifestEntry[], seq: number, snapshotId: bigint, spec: PartitionSpec): ManifestListEntry {
  const added = entries.filter((e) => e.status === ManifestEntryStatus.ADDED);
  const existing = entries.filter((e) => e.status === ManifestEntryStatus.EXISTING);
  const deleted = entries.filter((e) => e.status === ManifestEntryStatus.DELETED);
  return {
    manifestPath: url,
    manifestLength: length,
    partitionSpecId: spec['spec-id'],
    content,
    sequenceNumber: seq,
    minSequenceNumber: Math.min(seq, ...entries.filter((e) => e.status !== ManifestEntryStatus.DELETED).map((e) => e.sequenceNumber ?? seq)),
    addedSnapshotId: snapshotId,
    addedFilesCount: added.length,
    existingFilesCount: existing.length,
    deletedFilesCount: deleted.length,
    addedRowsCount: sum(added, rows),
    existingRowsCount: sum(existing, rows),
    deletedRowsCount: sum(deleted, rows),
    ...(spec.fields.length ? { partitions: partitionSummaries(spec, entries.map((e) => e.file.partition)) } : {}),
  };
}

function added(table: IcebergTableLocation, files: readonly DeleteFileInfo[], content: FileContent): ManifestEntry[] {
  return files.map((f) => ({
    status: ManifestEntryStatus.ADDED,
    snapshotId: null,
    sequenceNumber: null,
    fileSequenceNumber: null,
    content,
    file: { ...f, path: tableUrl(table, f.path), ...(f.referencedDataFile ? { referencedDataFile: tableUrl(table, f.referencedDataFile) } : {}) },
  }));
}

interface Totals {
  dataFiles: number;
  deleteFiles: number;
  records: number;
  positionDeletes: number;
  filesSize: number;
}

function parentTotals(parent: Snapshot | undefined): Totals {
  const n = (k: string): number => Number(parent?.summary[k] ?? 0) || 0;
  return { dataFiles: n('total-data-files'), deleteFiles: n('total-delete-files'), records: n('total-records'), positionDeletes: n('total-position-deletes'), filesSize: n('total-files-size') };
}

/**
 * Commits the change in `r` as the next snapshot (see the header). Returns `lost` when another
 * writer created the next version first. Errors: INVALID_ARGUMENT for a spec other than the
 * table's, a location mismatch or a schema breaking the id rules; IO_ERROR when writing the
 * manifests fails; COMMIT_UNKNOWN when the outcome of the metadata put cannot be read back.
 */
export async function commitTable(store: ObjectStore, r: CommitRequest): Promise<CommitOutcome> {
  const { table } = r;
  const loaded = r.base;
  if (loaded && loaded.metadata.location !== table.url) {
    throw new DoSQLError('INVALID_ARGUMENT', `iceberg: table ${table.prefix} was created with location ${loaded.metadata.location}, not ${table.url}`);
  }
  let base: TableMetadata =
    loaded?.metadata ??
    {
      ...newTableMetadata({ location: table.url, tableUuid: r.tableUuid ?? crypto.randomUUID(), schema: r.schema, timestampMs: r.timestampMs, ...(r.properties ? { properties: r.properties } : {}) }),
      'partition-specs': [r.spec],
      'default-spec-id': r.spec['spec-id'],
      'last-partition-id': Math.max(999, ...r.spec.fields.map((f) => f['field-id'])),
    };
  const spec = base['partition-specs'].find((s) => s['spec-id'] === base['default-spec-id']);
  if (!spec || JSON.stringify(spec.fields) !== JSON.stringify(r.spec.fields)) {
    throw new DoSQLError('INVALID_ARGUMENT', `iceberg: table ${table.prefix} is partitioned by ${JSON.stringify(spec?.fields ?? [])}, not ${JSON.stringify(r.spec.fields)}`);
  }
  base = withCurrentSchema(base, r.schema);
  const parent = currentSnapshot(base);
  const snapshotId = r.snapshotId ?? newSnapshotId(new Set(base.snapshots.map((s) => s['snapshot-id'])));
  const seq = base['last-sequence-number'] + 1;
  const version = (loaded?.version ?? 0) + 1;
  const schema = base.schemas.find((s) => s['schema-id'] === base['current-schema-id'])!;

  let carried: ManifestListEntry[] = [];
  if (parent) {
    if (r.baseManifests) carried = [...r.baseManifests];
    else {
      const key = keyForUrl(table, parent['manifest-list']);
      if (key === null) throw new DoSQLError('NOT_SUPPORTED', `iceberg: manifest list ${parent['manifest-list']} is outside the table location ${table.url}`);
      carried = decodeManifestList(await getBytes(store, key), key);
    }
  }
  const newData = added(table, r.addedData, FileContent.DATA);
  const newDeletes = added(table, r.addedDeletes, FileContent.POSITION_DELETES);
  const removed = r.removed ?? new Set<string>();
  const fresh = (newData.length ? 1 : 0) + (newDeletes.length ? 1 : 0);
  const rewrite = removed.size > 0 || carried.length + fresh > (r.mergeManifestsAbove ?? DEFAULT_MERGE_ABOVE);

  // The manifests of this commit: per content kind, its entries.
  const groups: { content: ManifestContent; entries: ManifestEntry[] }[] = [];
  const totals = parentTotals(parent);
  let removedData: ManifestEntry[] = [];
  let removedDeletes: ManifestEntry[] = [];
  if (rewrite && parent) {
    const live = (await readSnapshotFiles(store, table, parent)).entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
    const kept = (content: FileContent): ManifestEntry[] =>
      live.filter((e) => e.content === content && !removed.has(e.file.path)).map((e) => ({ ...e, status: ManifestEntryStatus.EXISTING }));
    const gone = (content: FileContent): ManifestEntry[] =>
      live.filter((e) => e.content === content && removed.has(e.file.path)).map((e) => ({ ...e, status: ManifestEntryStatus.DELETED, snapshotId }));
    removedData = gone(FileContent.DATA);
    removedDeletes = gone(FileContent.POSITION_DELETES);
    const found = removedData.length + removedDeletes.length;
    if (found !== removed.size) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: ${removed.size - found} of the files to remove from ${table.prefix} are not live in its current snapshot`);
    groups.push({ content: ManifestContent.DATA, entries: [...kept(FileContent.DATA), ...newData, ...removedData] });
    groups.push({ content: ManifestContent.DELETES, entries: [...kept(FileContent.POSITION_DELETES), ...newDeletes, ...removedDeletes] });
    carried = [];
    const liveData = live.filter((e) => e.content === FileContent.DATA);
    const liveDeletes = live.filter((e) => e.content === FileContent.POSITION_DELETES);
    Object.assign(totals, { dataFiles: liveData.length, deleteFiles: liveDeletes.length, records: sum(liveData, rows), positionDeletes: sum(liveDeletes, rows), filesSize: sum(live, size) });
  } else {
    if (removed.size > 0) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: table ${table.prefix} has no snapshot to remove files from`);
    groups.push({ content: ManifestContent.DATA, entries: newData });
    groups.push({ content: ManifestContent.DELETES, entries: newDeletes });
  }

  // The manifests and the list are stored concurrently (the list needs only their names and
  // sizes); every put has landed before the metadata put, the commit point.
  const manifests: ManifestListEntry[] = [...carried];
  const puts: Promise<void>[] = [];
  let i = 0;
  for (const g of groups) {
    if (g.entries.length === 0) continue;
    const rel = `metadata/${r.commitId}-m${i++}.avro`;
    const bytes = encodeManifest({ schema, spec, content: g.content === ManifestContent.DATA ? 'data' : 'deletes', entries: g.entries });
    puts.push(create(store, `${table.prefix}/${rel}`, bytes));
    manifests.push(listRow(tableUrl(table, rel), bytes.length, g.content, g.entries, seq, snapshotId, spec));
  }
  const listRel = `metadata/snap-${snapshotId}-1-${r.commitId}.avro`;
  puts.push(create(store, `${table.prefix}/${listRel}`, encodeManifestList({ snapshotId, ...(parent ? { parentSnapshotId: parent['snapshot-id'] } : {}), sequenceNumber: seq, manifests })));
  const failed = (await Promise.allSettled(puts)).find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;

  const addedSize = sum(newData, size) + sum(newDeletes, size);
  const removedSize = sum(removedData, size) + sum(removedDeletes, size);
  const operation =
    r.operation ?? (removedData.length > 0 ? 'overwrite' : newDeletes.length > 0 ? (newData.length > 0 ? 'overwrite' : 'delete') : 'append');
  const summary: SnapshotSummary = {
    ...(r.summary ?? {}),
    operation,
    [COMMIT_ID_SUMMARY_KEY]: r.commitId,
    [METADATA_VERSION_SUMMARY_KEY]: String(version),
    'added-data-files': String(newData.length),
    'deleted-data-files': String(removedData.length),
    'total-data-files': String(totals.dataFiles + newData.length - (rewrite ? 0 : removedData.length)),
    'added-delete-files': String(newDeletes.length),
    'removed-delete-files': String(removedDeletes.length),
    'total-delete-files': String(totals.deleteFiles + newDeletes.length - (rewrite ? 0 : removedDeletes.length)),
    'added-records': String(sum(newData, rows)),
    'deleted-records': String(sum(removedData, rows)),
    'total-records': String(totals.records + sum(newData, rows)),
    'added-position-deletes': String(sum(newDeletes, rows)),
    'removed-position-deletes': String(sum(removedDeletes, rows)),
    'total-position-deletes': String(totals.positionDeletes + sum(newDeletes, rows)),
    'total-equality-deletes': '0',
    'added-files-size': String(addedSize),
    'removed-files-size': String(removedSize),
    'total-files-size': String(totals.filesSize + addedSize),
  };
  if (rewrite) {
    // The totals of a rewrite were taken from the live set, removed files included: take them out.
    summary['total-data-files'] = String(totals.dataFiles + newData.length - removedData.length);
    summary['total-delete-files'] = String(totals.deleteFiles + newDeletes.length - removedDeletes.length);
    summary['total-records'] = String(totals.records + sum(newData, rows) - sum(removedData, rows));
    summary['total-position-deletes'] = String(totals.positionDeletes + sum(newDeletes, rows) - sum(removedDeletes, rows));
    summary['total-files-size'] = String(totals.filesSize + addedSize - removedSize);
  }
  const snapshot: Snapshot = {
    'snapshot-id': snapshotId,
    ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
    'sequence-number': seq,
    'timestamp-ms': r.timestampMs,
    'manifest-list': tableUrl(table, listRel),
    summary,
    'schema-id': base['current-schema-id'],
  };
  const previous = loaded ? tableUrl(table, `metadata/v${loaded.version}.metadata.json`) : undefined;
  const metadata = withSnapshot(base, snapshot, previous);
  r.beforeCommitPoint?.();
  const won = await putMetadata(store, table, version, new TextEncoder().encode(serializeTableMetadata(metadata)), r.commitId);
  if (!won) return { status: 'lost', version };
  await writeHint(store, table, version);
  return { status: 'committed', version, metadata, snapshot, manifests, rewritten: rewrite };
}

async function create(store: ObjectStore, key: string, data: Uint8Array): Promise<void> {
  try {
    await store.put(key, data, { condition: { ifNoneMatch: '*' } });
  } catch (e) {
    throw asIoError('iceberg', 'put', key, e);
  }
}

/** The commit point; true when v<version> is ours (see the header for unknown outcomes). */
async function putMetadata(store: ObjectStore, table: IcebergTableLocation, version: number, bytes: Uint8Array, commitId: string): Promise<boolean> {
  const key = metadataKey(table, version);
  let last: unknown;
  for (let attempt = 0; attempt < UNKNOWN_OUTCOME_ATTEMPTS; attempt++) {
    try {
      await store.put(key, bytes, { condition: { ifNoneMatch: '*' } });
      return true;
    } catch (e) {
      if (!isDoSQLError(e, 'PRECONDITION_FAILED')) last = e;
    }
    // Lost the race, or the outcome is unknown: whoever made v<version> says which.
    const owner = await commitIdOf(store, key).catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (owner === null) continue; // absent: the put did not land; put the same bytes again
    if (owner !== undefined) return owner === commitId;
  }
  throw new DoSQLError('COMMIT_UNKNOWN', `iceberg: commit ${commitId} to ${table.prefix}: the outcome of creating ${key} is unknown; resolve it by reading v${version} (its ${COMMIT_ID_SUMMARY_KEY})`, {
    cause: last,
    details: { table: table.prefix, version, commitId },
  });
}

/** The commit id of the current snapshot of metadata `key`; null when the object is absent. */
export async function commitIdOf(store: ObjectStore, key: string): Promise<string | null> {
  let got;
  try {
    got = await store.get(key);
  } catch (e) {
    throw asIoError('iceberg', 'get', key, e);
  }
  if (!got) return null;
  const m = parseTableMetadata(new TextDecoder().decode(got.data), key);
  return currentSnapshot(m)?.summary[COMMIT_ID_SUMMARY_KEY] ?? '';
}

async function writeHint(store: ObjectStore, table: IcebergTableLocation, version: number): Promise<void> {
  // Advisory (readers such as icebird follow it; writers never do): a failure here leaves the
  // hint behind, which the lake repairs when it opens the table.
  await store.put(versionHintKey(table), new TextEncoder().encode(String(version))).catch(() => undefined);
}
