// Decodes manifests and manifest lists back into the shapes manifest-writer.ts takes. Used by
// the publisher (carry the parent's files over) and by maintenance (referenced files).
// Tolerates v2 files from other writers as long as they use codec null.
import { corruption } from '../errors.js';
import { decodeAvroContainer, type AvroDecoded } from './avro-reader.js';
import type { ManifestEntry, ManifestListEntry } from './manifest-writer.js';
import type { FileContent, ManifestContent, ManifestEntryStatus } from './schemas.js';

type Rec = { [key: string]: AvroDecoded };

function rec(v: AvroDecoded | undefined, file: string, what: string): Rec {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw corruption('iceberg', file, 0, `${what} is not a record`);
  }
  return v;
}

function num(v: AvroDecoded | undefined, file: string, what: string): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  throw corruption('iceberg', file, 0, `${what} is not a number`);
}

function optNum(v: AvroDecoded | undefined): number | null {
  return typeof v === 'bigint' || typeof v === 'number' ? Number(v) : null;
}

function str(v: AvroDecoded | undefined, file: string, what: string): string {
  if (typeof v !== 'string') throw corruption('iceberg', file, 0, `${what} is not a string`);
  return v;
}

function kvMap<V>(v: AvroDecoded | undefined, conv: (x: AvroDecoded) => V): Map<number, V> | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = new Map<number, V>();
  for (const item of v) {
    if (item && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Uint8Array)) {
      out.set(Number(item['key']), conv(item['value'] ?? null));
    }
  }
  return out;
}

/** A partition record as day numbers by field name; undefined when it has no field (unpartitioned). */
function partitionOf(v: AvroDecoded | undefined): Record<string, number | null> | undefined {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 0) return undefined;
  const out: Record<string, number | null> = {};
  for (const k of keys) {
    const x = v[k];
    out[k] = typeof x === 'number' || typeof x === 'bigint' ? Number(x) : null;
  }
  return out;
}

/** Entries of a manifest file; `file` names it in CORRUPTION errors. */
export function decodeManifest(bytes: Uint8Array, file = 'manifest'): ManifestEntry[] {
  return decodeAvroContainer(bytes, file).records.map((r, i) => {
    const e = rec(r, file, `entry ${i}`);
    const d = rec(e['data_file'], file, `entry ${i} data_file`);
    const splitOffsets = Array.isArray(d['split_offsets']) ? d['split_offsets'].map((x) => Number(x)) : undefined;
    const equalityIds = Array.isArray(d['equality_ids']) ? d['equality_ids'].map((x) => Number(x)) : undefined;
    const toNum = (x: AvroDecoded): number => Number(x);
    const toBytes = (x: AvroDecoded): Uint8Array => (x instanceof Uint8Array ? x : new Uint8Array());
    const entry: ManifestEntry = {
      status: num(e['status'], file, 'status') as ManifestEntryStatus,
      snapshotId: typeof e['snapshot_id'] === 'bigint' ? e['snapshot_id'] : null,
      sequenceNumber: optNum(e['sequence_number']),
      fileSequenceNumber: optNum(e['file_sequence_number']),
      content: (d['content'] === undefined ? 0 : num(d['content'], file, 'content')) as FileContent,
      file: {
        path: str(d['file_path'], file, 'file_path'),
        recordCount: num(d['record_count'], file, 'record_count'),
        fileSizeBytes: num(d['file_size_in_bytes'], file, 'file_size_in_bytes'),
      },
    };
    const f = entry.file;
    const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K] | undefined): void => {
      if (v !== undefined) f[k] = v;
    };
    set('columnSizes', kvMap(d['column_sizes'], toNum));
    set('valueCounts', kvMap(d['value_counts'], toNum));
    set('nullValueCounts', kvMap(d['null_value_counts'], toNum));
    set('nanValueCounts', kvMap(d['nan_value_counts'], toNum));
    set('lowerBounds', kvMap(d['lower_bounds'], toBytes));
    set('upperBounds', kvMap(d['upper_bounds'], toBytes));
    set('splitOffsets', splitOffsets);
    set('equalityIds', equalityIds);
    set('referencedDataFile', typeof d['referenced_data_file'] === 'string' ? d['referenced_data_file'] : undefined);
    set('partition', partitionOf(d['partition']));
    return entry;
  });
}

/** Rows of a manifest list. */
export function decodeManifestList(bytes: Uint8Array, file = 'manifest-list'): ManifestListEntry[] {
  return decodeAvroContainer(bytes, file).records.map((r, i) => {
    const m = rec(r, file, `manifest ${i}`);
    const n = (k: string): number => num(m[k], file, k);
    return {
      manifestPath: str(m['manifest_path'], file, 'manifest_path'),
      manifestLength: n('manifest_length'),
      partitionSpecId: n('partition_spec_id'),
      content: (m['content'] === undefined ? 0 : n('content')) as ManifestContent,
      sequenceNumber: optNum(m['sequence_number']) ?? 0,
      minSequenceNumber: optNum(m['min_sequence_number']) ?? 0,
      addedSnapshotId: typeof m['added_snapshot_id'] === 'bigint' ? m['added_snapshot_id'] : BigInt(n('added_snapshot_id')),
      addedFilesCount: optNum(m['added_files_count']) ?? 0,
      existingFilesCount: optNum(m['existing_files_count']) ?? 0,
      deletedFilesCount: optNum(m['deleted_files_count']) ?? 0,
      addedRowsCount: optNum(m['added_rows_count']) ?? 0,
      existingRowsCount: optNum(m['existing_rows_count']) ?? 0,
      deletedRowsCount: optNum(m['deleted_rows_count']) ?? 0,
    };
  });
}
