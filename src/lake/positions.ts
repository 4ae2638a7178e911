// The positions object of a lake snapshot (docs/format/lake.md, "Positions object"): for every
// source, the LSN of the last whole source transaction applied to the table, and how the
// source's columns map to field ids. Every lake snapshot's summary points at one
// (`dosql.lake.positions`, a path relative to the table) and carries the CRC-32C of its bytes
// (`dosql.lake.positions-crc32c`, decimal): this is the exactly-once record, as Flink's Iceberg
// sink keeps its checkpoint id in the summary. The object is immutable (create-if-absent,
// named after the commit), so metadata.json does not grow with the number of sources.
import { corruption, DoSQLError } from '../errors.js';
import { crc32c } from '../util/crc32c.js';

export const POSITIONS_FORMAT = 'dosql-lake-positions';
export const POSITIONS_VERSION = 1;
export const POSITIONS_SUMMARY_KEY = 'dosql.lake.positions';
export const POSITIONS_CRC_SUMMARY_KEY = 'dosql.lake.positions-crc32c';

export interface SourcePosition {
  /** Every event of the source up to this commit LSN is in the snapshot; none after it. */
  lsn: number;
  /** Commit time of that LSN, ms. */
  ts: number;
}

export interface Positions {
  /** `<namespace>.<name>`. */
  table: string;
  sources: Record<string, SourcePosition>;
  /** Per source: the source's column name → Iceberg field id. */
  columns: Record<string, Record<string, number>>;
}

export function emptyPositions(table: string): Positions {
  return { table, sources: {}, columns: {} };
}

/** The object's bytes and their CRC-32C. */
export function encodePositions(p: Positions): { bytes: Uint8Array; crc: number } {
  const text = JSON.stringify({ format: POSITIONS_FORMAT, version: POSITIONS_VERSION, table: p.table, sources: p.sources, columns: p.columns });
  const bytes = new TextEncoder().encode(text);
  return { bytes, crc: crc32c(bytes) };
}

/**
 * Parses a positions object; `crc` is the summary's value. CORRUPTION naming `file` on a CRC
 * mismatch or a malformed object, UNSUPPORTED_FORMAT_VERSION for a newer version.
 */
export function decodePositions(bytes: Uint8Array, crc: number, file: string): Positions {
  const got = crc32c(bytes);
  if (got !== crc) throw corruption('lake', file, 0, `positions object CRC-32C ${got} does not match the snapshot summary's ${crc}`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw corruption('lake', file, 0, `positions object is not JSON: ${(e as Error).message}`);
  }
  if (o.format !== POSITIONS_FORMAT) throw corruption('lake', file, 0, `format is ${String(o.format)}, not ${POSITIONS_FORMAT}`);
  if (o.version !== POSITIONS_VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `lake: ${file} is positions version ${String(o.version)}; this lake reads ${POSITIONS_VERSION}`, { details: { file } });
  const sources = o.sources as Record<string, SourcePosition> | undefined;
  const columns = o.columns as Record<string, Record<string, number>> | undefined;
  if (typeof o.table !== 'string' || typeof sources !== 'object' || sources === null || typeof columns !== 'object' || columns === null) {
    throw corruption('lake', file, 0, 'positions object lacks table, sources or columns');
  }
  for (const [id, s] of Object.entries(sources)) {
    if (!Number.isSafeInteger(s?.lsn) || s.lsn < 0) throw corruption('lake', file, 0, `source ${id} has no valid lsn`);
  }
  return { table: o.table, sources, columns };
}
