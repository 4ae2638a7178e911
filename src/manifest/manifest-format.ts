// The manifest: one immutable object per version of the version set.
// Byte-for-byte spec: docs/format/manifest.md.
//
//   manifest := magic "DOSQLMAN" (8) | format_version: u32le | body_length: u32le
//               | crc32c: u32le (of format_version, body_length and body) | body (UTF-8 JSON)
import { corruption, DoSQLError } from '../errors.js';
import { crc32c } from '../util/crc32c.js';
import { getU32LE, putU32LE } from '../util/coding.js';
import { fromHex, toHex, utf8Decoder, utf8Encoder } from '../util/bytes.js';

export const MANIFEST_MAGIC = new Uint8Array([0x44, 0x4f, 0x53, 0x51, 0x4c, 0x4d, 0x41, 0x4e]); // DOSQLMAN
export const MANIFEST_FORMAT_VERSION = 1;
export const SUPPORTED_MANIFEST_VERSIONS: readonly number[] = [1];
const HEADER_SIZE = 20;

/** One immutable sorted file (an SSTable on the hot tier, or a columnar run on the cold tier). */
export interface FileMeta {
  /** Unique within the database; names the object and keys the block cache. */
  number: number;
  /** Object key in its store. */
  key: string;
  /** 'hot': SSTable in the hot store; 'cold': columnar run in the cold store. */
  tier: 'hot' | 'cold';
  /** Bytes. */
  size: number;
  /** Smallest and largest internal key. */
  smallest: Uint8Array;
  largest: Uint8Array;
  /** LSN range of the versions in the file. */
  minLsn: number;
  maxLsn: number;
  entries: number;
  /** Entries that are tombstones. */
  tombstones: number;
  /**
   * Entries with a newer version of their user key in the same file (recorded since files
   * carry it; absent on older files, which then count as "may hold droppable versions").
   */
  superseded?: number;
  /**
   * The smallest LSN of a version that supersedes another in the file, over the superseded
   * versions no retained read point held when the file was written (absent when none): while
   * the retention horizon is below it, those are all kept (docs/compaction.md's rule keeps a
   * version whose successor is above the horizon).
   */
  supersededFrom?: number;
  /** Retained read points below the horizon that held the file's other superseded versions when it was written (ascending; absent when none). */
  heldBy?: number[];
  /** Tombstones of main that are the oldest versions of their key in the file (dropped at the bottom when nothing deeper holds the key). */
  trailingTombstones?: number;
  /** Present on columnar run files (tier 'cold'): what a reader needs besides the Parquet footer. */
  cold?: ColdFileInfo;
}

/**
 * A columnar run file's layout (docs/format/columnar.md, "Runs in the LSM"): the Parquet
 * file holds one SQL table's versions sorted by (key, LSN descending).
 */
export interface ColdFileInfo {
  /** Key-space id of the table (every user key in the file has this table id, main branch). */
  table: number;
  /** How rows map to columns, named by the codec that wrote the file (e.g. 'sql-rowid-v1'). */
  layout: string;
  /** Rows per row group (the last group may be shorter). */
  rowGroupRows: number;
  /** Internal key of the first row of each row group, ascending: seeks pick a group without I/O. */
  groupKeys: Uint8Array[];
  /** Rows that are the newest version of their key (the others are superseded versions). */
  newestRows: number;
  /** Field ids with values kept only in shadow columns (type mismatches): other engines read those as NULL. */
  shadowFieldIds: number[];
  /**
   * CRC-32C of the file's checked ranges (columnar.md, "Checksums"): where the footer starts,
   * and 8 hex digits per range in file order. Absent on runs written before checksums were
   * recorded; those are read unverified.
   */
  checksums?: { footerOffset: number; crc32c: string };
}

/** A sorted run: files ordered by key with disjoint user-key ranges. */
export type Run = readonly FileMeta[];

/** A named snapshot pinned in the manifest (time-travel issue). */
export interface SnapshotRef {
  name: string;
  branch: number;
  lsn: number;
  createdAt: number;
}

/** A branch: copy-on-write reference to a parent at a base LSN (time-travel issue). */
export interface BranchRef {
  id: number;
  name: string;
  parent: number | null;
  baseLsn: number;
  createdAt: number;
  /** Set when merged into another branch: the LSN of the merge commit there. */
  mergedAt?: number | null;
  meta?: Record<string, unknown>;
}

/** A WAL segment of an earlier writer, replayed only up to `end` bytes. */
export interface WalSeal {
  key: string;
  end: number;
}

/**
 * A WAL segment flushed into the LSM but kept for change data capture (docs/format/wal.md,
 * "Retained segments"): a replication slot, a reader or the archive window still needs it.
 */
export interface WalHistoryEntry {
  /** Object key of the segment in the hot store (`wal/<epoch>-<segment>.log`). */
  key: string;
  /** Bytes of the segment that hold its records (a seal's end, or what its writer appended). */
  end: number;
  /** LSNs of its first and last record. */
  firstLsn: number;
  lastLsn: number;
  /** The hot copy exists. */
  hot: boolean;
  /** Key of its byte-identical copy in the cold store (`_archive/wal/...`), once archived. */
  archived?: string;
}

/** A replication slot: a durable change-data-capture consumer position that pins the log it still needs. */
export interface SlotRef {
  name: string;
  /** Acknowledged position: every event up to (lsn, seq) is consumed; seq null = the whole commit `lsn`. */
  lsn: number;
  seq: number | null;
  /** Branch whose lineage the slot follows. */
  branch: number;
  /** Serializable event filter (tables, operations, transaction ids), as the CDC layer stores it. */
  filter?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface ManifestState {
  /** Monotonic version number of this manifest object. */
  version: number;
  /** Writer epoch that wrote it. */
  epoch: number;
  nextFileNumber: number;
  /** Highest LSN assigned by any commit known durable when this was written. */
  lastLsn: number;
  /** Every commit with LSN <= flushedLsn is in the files below (not only in the WAL). */
  flushedLsn: number;
  /** Commit timestamp (ms) of `lastLsn`, so clocks never go backwards across restarts. */
  lastTimestamp: number;
  /** First WAL segment number of this epoch still needed for recovery. */
  logNumber: number;
  /** WAL segments of earlier epochs still needed, each up to its seal. */
  walSeals: WalSeal[];
  /** levels[0] = L0 runs newest first; levels[i > 0] = zero or one run. */
  levels: Run[][];
  snapshots: SnapshotRef[];
  branches: BranchRef[];
  /**
   * Id the next branch gets: ids are never reused, even after the newest branch is deleted
   * (absent in manifests written before it existed: read as one above the highest id listed).
   */
  nextBranchId: number;
  /** LSNs pinned against garbage collection, beyond snapshots and branch bases. */
  pins: { lsn: number; reason: string }[];
  /** Highest retention horizon any compaction has collected below: older reads are refused. */
  gcHorizon: number;
  /** Sampled (LSN, commit timestamp ms) pairs, ascending: resolve time-based retention. */
  timeIndex: [number, number][];
  /**
   * Level holding the columnar runs (and the SSTables written beside them by the same cold
   * compaction), below every level normal compactions touch; 0 when nothing is cold yet.
   */
  coldLevel: number;
  /**
   * Object keys of files that readers outside the engine reference (columnar runs an Iceberg
   * snapshot points at): never deleted while listed, even after they leave the levels.
   */
  externalRefs: string[];
  /** Free-form state of higher layers (the SQL catalog's bookkeeping, Iceberg pointers). */
  extra: Record<string, unknown>;
  /** Flushed WAL segments still kept for change data capture, in LSN order. */
  walHistory: WalHistoryEntry[];
  /** Replication slots (change data capture). */
  slots: SlotRef[];
  /** Table ids whose every version compaction keeps, on every branch (the SQL catalog: schema as of any LSN). */
  fullHistoryTables: number[];
  /** Versions of `fullHistoryTables` are complete from this LSN on (older ones may have been collected before they were listed). */
  fullHistorySince: number;
}

export function emptyManifest(): ManifestState {
  return {
    version: 0,
    epoch: 0,
    nextFileNumber: 1,
    lastLsn: 0,
    flushedLsn: 0,
    lastTimestamp: 0,
    logNumber: 0,
    walSeals: [],
    levels: [[]],
    snapshots: [],
    branches: [],
    nextBranchId: 1,
    pins: [],
    gcHorizon: 0,
    timeIndex: [],
    coldLevel: 0,
    externalRefs: [],
    extra: {},
    walHistory: [],
    slots: [],
    fullHistoryTables: [],
    fullHistorySince: 0,
  };
}

interface FileMetaJson extends Omit<FileMeta, 'smallest' | 'largest' | 'cold'> {
  smallest: string;
  largest: string;
  cold?: Omit<ColdFileInfo, 'groupKeys'> & { groupKeys: string[] };
}

export function encodeManifest(state: ManifestState): Uint8Array {
  const body = {
    ...state,
    levels: state.levels.map((runs) => runs.map((run) => run.map(fileToJson))),
  };
  const bodyBytes = utf8Encoder.encode(JSON.stringify(body));
  const out = new Uint8Array(HEADER_SIZE + bodyBytes.length);
  out.set(MANIFEST_MAGIC, 0);
  putU32LE(out, 8, MANIFEST_FORMAT_VERSION);
  putU32LE(out, 12, bodyBytes.length);
  out.set(bodyBytes, HEADER_SIZE);
  putU32LE(out, 16, checksum(out));
  return out;
}

/** CRC-32C of bytes 8..16 (version, length) continued over the body. */
function checksum(obj: Uint8Array): number {
  return crc32c(obj, HEADER_SIZE, obj.length, crc32c(obj, 8, 16));
}

/** Decodes and verifies a manifest object; `file` names it in errors. */
export function decodeManifest(data: Uint8Array, file: string): ManifestState {
  if (data.length < HEADER_SIZE) throw corruption('manifest', file, 0, `object of ${data.length} bytes is shorter than the header`);
  for (let i = 0; i < 8; i++) if (data[i] !== MANIFEST_MAGIC[i]) throw corruption('manifest', file, 0, 'bad magic number');
  const len = getU32LE(data, 12);
  if (HEADER_SIZE + len !== data.length) throw corruption('manifest', file, 12, `body length ${len} does not match object size ${data.length}`);
  if (checksum(data) !== getU32LE(data, 16)) throw corruption('manifest', file, 8, 'checksum mismatch');
  const version = getU32LE(data, 8);
  if (!SUPPORTED_MANIFEST_VERSIONS.includes(version)) {
    throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `manifest: ${file} has format version ${version}`, { details: { file } });
  }
  const body = data.subarray(HEADER_SIZE);
  let parsed: Omit<ManifestState, 'levels'> & { levels: FileMetaJson[][][] };
  try {
    parsed = JSON.parse(utf8Decoder.decode(body));
  } catch {
    throw corruption('manifest', file, HEADER_SIZE, 'body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(parsed.levels)) {
    throw corruption('manifest', file, HEADER_SIZE, 'body is not a manifest object');
  }
  try {
    const state: ManifestState = {
      ...emptyManifest(),
      ...parsed,
      levels: parsed.levels.map((runs) => runs.map((run) => run.map(fileFromJson))),
    };
    state.nextBranchId = Math.max(state.nextBranchId, ...state.branches.map((b) => b.id + 1));
    return state;
  } catch (e) {
    throw corruption('manifest', file, HEADER_SIZE, `body is not a valid manifest: ${(e as Error).message}`);
  }
}

function fileToJson(f: FileMeta): FileMetaJson {
  const { cold, ...rest } = f;
  const out: FileMetaJson = { ...rest, smallest: toHex(f.smallest), largest: toHex(f.largest) };
  if (cold) out.cold = { ...cold, groupKeys: cold.groupKeys.map(toHex) };
  return out;
}

function fileFromJson(f: FileMetaJson): FileMeta {
  const { cold, ...rest } = f;
  const out: FileMeta = { ...rest, smallest: fromHex(f.smallest), largest: fromHex(f.largest) };
  if (cold) out.cold = { ...cold, groupKeys: cold.groupKeys.map(fromHex) };
  return out;
}
