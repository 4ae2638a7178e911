// Snapshot expiry and orphan cleanup of lake tables (docs/lake.md, "Maintenance"). Nothing a
// retained snapshot or an in-flight commit needs is ever removed:
//   - expiry keeps the current snapshot, the newest `minSnapshotsToKeep`, and those younger than
//     `maxSnapshotAgeMs` (never more than `maxSnapshots`), committing the trimmed metadata
//     conditionally like any commit;
//   - cleanup deletes a key under the table's folder only when no retained snapshot references
//     it (manifest lists, manifests, data and delete files, positions objects), it is not a
//     metadata file from the oldest retained snapshot's version on (nor one of the newest 10),
//     and its name carries a UUIDv7 older than `orphanMinAgeMs`. A commit in flight writes only
//     files named after its own, fresh UUIDv7 and is abandoned before its commit point once it is
//     older than `orphanMinAgeMs / 2` (table-writer.ts), so its files are never taken; a commit
//     that lands between the listing and the check is seen, because the metadata is read after
//     the listing.
import { asIoError, isDoSQLError } from '../errors.js';
import { METADATA_VERSION_SUMMARY_KEY } from '../iceberg/publisher.js';
import { ManifestEntryStatus } from '../iceberg/schemas.js';
import { keyForUrl, loadCurrentMetadata, metadataKey, readSnapshotFiles, versionHintKey } from '../iceberg/table-files.js';
import { serializeTableMetadata } from '../iceberg/table-metadata.js';
import type { TableMetadata } from '../iceberg/types.js';
import { uuid7Time } from '../util/uuid7.js';
import type { FlushHost } from './flush.js';
import { lakeTables, openTable } from './flush.js';
import { POSITIONS_SUMMARY_KEY } from './positions.js';

export interface LakeRetentionOptions {
  /** Default 10. */
  minSnapshotsToKeep?: number;
  /** Snapshots younger than this are kept, ms. Default 1 h. */
  maxSnapshotAgeMs?: number;
  /** At most this many snapshots are kept. Default 500. */
  maxSnapshots?: number;
  /** Unreferenced files younger than this stay, ms. Default 24 h. */
  orphanMinAgeMs?: number;
  /** Only these tables. */
  tables?: readonly string[];
}

export interface CleanupResult {
  tables: { table: string; expired: number; deleted: string[]; kept: number }[];
}

const UUID7_IN_NAME = /([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})/;

/** Expires snapshots, then deletes unreferenced old files (see the header). REQUIRES: the lake's mutex. */
export async function cleanupLake(h: FlushHost, o: LakeRetentionOptions = {}): Promise<CleanupResult> {
  const minKeep = o.minSnapshotsToKeep ?? 10;
  const maxAge = o.maxSnapshotAgeMs ?? 3_600_000;
  const maxSnapshots = o.maxSnapshots ?? 500;
  const orphanAge = o.orphanMinAgeMs ?? 86_400_000;
  const result: CleanupResult = { tables: [] };
  for (const target of lakeTables(h, o.tables)) {
    const open = await openTable(h, target.namespace, target.name);
    const rec = open.rec;
    const t = open.t;
    if (!t.loaded) continue;
    const now = h.now();
    // 1. Expiry.
    const m = t.loaded.metadata;
    const bySeq = [...m.snapshots].sort((a, b) => b['sequence-number'] - a['sequence-number']);
    const keep = new Set<bigint>();
    if (m['current-snapshot-id'] !== undefined) keep.add(m['current-snapshot-id']);
    for (const r of Object.values(m.refs)) keep.add(r['snapshot-id']);
    bySeq.forEach((s, i) => {
      if (i < minKeep || now - s['timestamp-ms'] < maxAge) keep.add(s['snapshot-id']);
    });
    for (const s of bySeq.slice(maxSnapshots)) if (s['snapshot-id'] !== m['current-snapshot-id']) keep.delete(s['snapshot-id']);
    let expired = 0;
    if (keep.size < m.snapshots.length) {
      const kept = m.snapshots.filter((s) => keep.has(s['snapshot-id']));
      const oldestVersion = Math.min(t.loaded.version, ...kept.map((s) => Number(s.summary[METADATA_VERSION_SUMMARY_KEY] ?? t.loaded!.version)));
      const next: TableMetadata = {
        ...m,
        'last-updated-ms': now,
        snapshots: kept,
        'snapshot-log': m['snapshot-log'].filter((s) => keep.has(s['snapshot-id'])),
        'metadata-log': [...m['metadata-log'], { 'metadata-file': `${t.loc.url}/metadata/v${t.loaded.version}.metadata.json`, 'timestamp-ms': m['last-updated-ms'] }].filter((e) => {
          const v = /\/v(\d+)\.metadata\.json$/.exec(e['metadata-file']);
          return v !== null && Number(v[1]) >= Math.min(oldestVersion, t.loaded!.version - 9);
        }),
      };
      const version = t.loaded.version + 1;
      const key = metadataKey(t.loc, version);
      try {
        await h.store.put(key, new TextEncoder().encode(serializeTableMetadata(next)), { condition: { ifNoneMatch: '*' } });
      } catch (e) {
        // Lost to a commit, or unknown: the table is loaded afresh next time (its index checked).
        h.open.delete(`${rec.namespace}\u0000${rec.name}`);
        if (isDoSQLError(e, 'PRECONDITION_FAILED')) continue;
        throw asIoError('lake', 'put', key, e);
      }
      await h.store.put(versionHintKey(t.loc), new TextEncoder().encode(String(version))).catch(() => undefined);
      expired = m.snapshots.length - kept.length;
      t.loaded = { version, metadata: next };
      // The data did not change: the index is valid for the new version too.
      rec.indexedVersion = version;
      const b = h.state.batch();
      h.state.putTable(b, rec);
      await h.state.write(b);
    }
    // 2. Orphans: list first, then read what the metadata references.
    let listed;
    try {
      listed = await h.store.list(`${t.loc.prefix}/`);
    } catch (e) {
      throw asIoError('lake', 'list', t.loc.prefix, e);
    }
    const loaded = (await loadCurrentMetadata(h.store, t.loc))!;
    const referenced = new Set<string>([versionHintKey(t.loc)]);
    let oldest = loaded.version;
    for (const s of loaded.metadata.snapshots) {
      oldest = Math.min(oldest, Number(s.summary[METADATA_VERSION_SUMMARY_KEY] ?? loaded.version));
      const add = (url: string): void => {
        const k = keyForUrl(t.loc, url);
        if (k !== null) referenced.add(k);
      };
      add(s['manifest-list']);
      const pos = s.summary[POSITIONS_SUMMARY_KEY];
      if (pos) referenced.add(`${t.loc.prefix}/${pos}`);
      const files = await readSnapshotFiles(h.store, t.loc, s);
      for (const man of files.manifests) add(man.manifestPath);
      for (const e of files.entries) if (e.status !== ManifestEntryStatus.DELETED) add(e.file.path);
    }
    for (let v = Math.min(oldest, loaded.version - 9); v <= loaded.version; v++) referenced.add(metadataKey(t.loc, v));
    const deleted: string[] = [];
    for (const i of listed) {
      if (referenced.has(i.key)) continue;
      const name = i.key.slice(i.key.lastIndexOf('/') + 1);
      const isOldMetadata = /^v\d+\.metadata\.json$/.test(name);
      const id = UUID7_IN_NAME.exec(name)?.[1];
      const born = id === undefined ? null : uuid7Time(id);
      // Foreign names (no UUIDv7) are left alone; superseded metadata files need no age.
      if (!isOldMetadata && (born === null || now - born < orphanAge)) continue;
      await h.store.delete(i.key).catch((e: unknown) => {
        throw asIoError('lake', 'delete', i.key, e);
      });
      deleted.push(i.key);
    }
    result.tables.push({ table: `${t.namespace}.${t.name}`, expired, deleted, kept: loaded.metadata.snapshots.length });
  }
  return result;
}
