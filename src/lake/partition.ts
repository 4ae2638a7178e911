// Partitioning of lake tables (docs/lake.md, "Partitions"): by the day of the commit time
// (`day(_dosql_ts)`, the default) or by the day of a column's value. A column is not partitioned
// on directly — Iceberg's day transform applies to date and timestamp fields, and a SQLite column
// holds text or numbers — so a partitioned table carries the system field `_dosql_part_ts`
// (timestamptz, field id 5): the column's value read as a time the way SQLite's date functions
// read it, and the spec is `day(_dosql_part_ts)`. A value that is no time (or NULL) is NULL
// there and lands in partition `dt=null`.
import type { JsValue } from '../sql/api/values.js';
import { parseTimeValue } from '../sql/functions/datetime-parse.js';
import { computeJD, DateTime, UNIX_EPOCH_IJD } from '../sql/functions/datetime-state.js';
import { DoSQLError } from '../errors.js';

/** How a column's values are read as times when a table is partitioned by it. */
export type PartitionUnit = 'text' | 'unixepoch' | 'unixepoch-ms' | 'julianday';

/** Day partitioning by a column (LakeTableConfig.partition). */
export interface ColumnPartition {
  /** The source column (by name; every source's column of that name). */
  column: string;
  /**
   * How numbers are read: 'unixepoch' (seconds), 'unixepoch-ms', 'julianday'. Default: an
   * INTEGER value is unix seconds, a REAL value a julian day number (SQLite's default reading of
   * a bare number); text is always parsed as SQLite's date functions parse it ('text' refuses
   * numbers: they partition as NULL).
   */
  unit?: PartitionUnit;
}

const UNITS = new Set(['text', 'unixepoch', 'unixepoch-ms', 'julianday']);
const JD_UNIX_EPOCH = 2440587.5;
const MS_PER_DAY = 86_400_000;
/** Time values outside 0000-01-01 .. 9999-12-31 (SQLite's range) are not times. */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

/** Checks a table's partition option; INVALID_ARGUMENT naming the table. */
export function checkPartition(table: string, p: unknown): ColumnPartition | null {
  if (p === undefined || p === 'commit') return null;
  const c = p as ColumnPartition;
  if (typeof c !== 'object' || c === null || typeof c.column !== 'string' || c.column === '' || (c.unit !== undefined && !UNITS.has(c.unit))) {
    throw new DoSQLError('INVALID_ARGUMENT', `lake: table ${table}: partition must be 'commit' or { column, unit?: 'text' | 'unixepoch' | 'unixepoch-ms' | 'julianday' }, got ${JSON.stringify(p)}`);
  }
  return c;
}

/** The value as a time, µs since the Unix epoch (see ColumnPartition); null when it is no time. */
export function partitionMicros(v: JsValue | undefined, unit: PartitionUnit | undefined): bigint | null {
  let ms: number | null = null;
  if (typeof v === 'string') ms = textMs(v);
  else if (typeof v === 'bigint' || typeof v === 'number') {
    const n = Number(v);
    const u = unit ?? (typeof v === 'bigint' ? 'unixepoch' : 'julianday');
    if (u === 'unixepoch') ms = n * 1000;
    else if (u === 'unixepoch-ms') ms = n;
    else if (u === 'julianday') ms = (n - JD_UNIX_EPOCH) * MS_PER_DAY;
  }
  if (ms === null || !Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null;
  return BigInt(Math.floor(ms)) * 1000n;
}

const NO_NOW = { nowMs: () => 0, pureContext: 'a lake partition' };

/** Text read as SQLite's date() reads it ('now' is no partition value). */
function textMs(z: string): number | null {
  const p = new DateTime();
  try {
    if (parseTimeValue(z, p, NO_NOW, 'partition')) return null;
  } catch {
    return null; // 'now' in a pure context
  }
  if (p.rawS) return (p.s - JD_UNIX_EPOCH) * MS_PER_DAY;
  computeJD(p);
  if (p.isError || !p.validJD) return null;
  return Number(p.iJD - UNIX_EPOCH_IJD);
}
