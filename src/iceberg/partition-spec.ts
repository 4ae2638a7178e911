// Partition specs with the `day` transform, as the lake writes them (docs/format/iceberg.md,
// "Partitioned tables"). Source: Iceberg spec "Partitioning" (partition fields get ids from
// 1000; `day` maps a date/timestamp/timestamptz to days from 1970-01-01 as an int whose result
// type is `date`), "Manifests" (data_file.partition is a struct of the spec's result types,
// field id 102, Avro record `r102`), "Manifest Lists" (field_summary: contains_null,
// contains_nan, lower_bound, upper_bound in single-value serialization, Appendix D) and
// "Partition Transforms" (NULL stays NULL).
import { DoSQLError } from '../errors.js';
import type { AvroField, AvroRecordSchema } from './avro.js';
import { encodeBound } from './bounds.js';
import { DATA_FILE_SCHEMA, MANIFEST_ENTRY_SCHEMA } from './schemas.js';
import type { PartitionSpec } from './types.js';

/** The spec of an unpartitioned table. */
export const UNPARTITIONED: PartitionSpec = { 'spec-id': 0, fields: [] };

/** First partition field id (Java Iceberg's PARTITION_DATA_ID_START). */
export const FIRST_PARTITION_FIELD_ID = 1000;

const MICROS_PER_DAY = 86_400_000_000n;

/** A partition tuple by partition field name: day values (int) or null. */
export type PartitionValues = Readonly<Record<string, number | null>>;

/** Spec 0 of a table partitioned by `day(<sourceId>)` under the partition field name `name`. */
export function daySpec(sourceId: number, name = 'dt'): PartitionSpec {
  return { 'spec-id': 0, fields: [{ 'source-id': sourceId, 'field-id': FIRST_PARTITION_FIELD_ID, name, transform: 'day' }] };
}

/**
 * The `day` transform of a timestamp in µs since the epoch: floor division by a day, so
 * 1969-12-31T23:59:59Z is day -1 (the spec's rule for negative values). null stays null.
 */
export function dayOfMicros(us: bigint | null): number | null {
  if (us === null) return null;
  let d = us / MICROS_PER_DAY;
  if (us % MICROS_PER_DAY !== 0n && us < 0n) d -= 1n;
  return Number(d);
}

/** `YYYY-MM-DD` of a day number (the Hive-style path segment `dt=YYYY-MM-DD`); `null` for NULL. */
export function dayLabel(day: number | null): string {
  if (day === null) return 'null';
  const iso = new Date(day * 86_400_000).toISOString();
  // Years outside 0000-9999 have a sign and six digits in ISO form: keep them as they are.
  return iso.slice(0, iso.indexOf('T'));
}

function checkDaySpec(spec: PartitionSpec): void {
  for (const f of spec.fields) {
    if (f.transform !== 'day') throw new DoSQLError('NOT_SUPPORTED', `iceberg: partition transform ${f.transform} of field ${f.name} is not supported (day only)`);
  }
}

/** The Avro `r102` record of the spec's partition tuple: one optional `date` per field. */
export function partitionRecordSchema(spec: PartitionSpec): AvroRecordSchema {
  checkDaySpec(spec);
  return {
    type: 'record',
    name: 'r102',
    fields: spec.fields.map((f): AvroField => ({ name: f.name, type: ['null', { type: 'int', logicalType: 'date' }], default: null, 'field-id': f['field-id'] })),
  };
}

/** The manifest_entry schema for manifests of `spec` (the unpartitioned one when it has no field). */
export function manifestEntrySchema(spec: PartitionSpec): AvroRecordSchema {
  if (spec.fields.length === 0) return MANIFEST_ENTRY_SCHEMA;
  const dataFile: AvroRecordSchema = {
    ...DATA_FILE_SCHEMA,
    fields: DATA_FILE_SCHEMA.fields.map((f) => (f.name === 'partition' ? { ...f, type: partitionRecordSchema(spec) } : f)),
  };
  return { ...MANIFEST_ENTRY_SCHEMA, fields: MANIFEST_ENTRY_SCHEMA.fields.map((f) => (f.name === 'data_file' ? { ...f, type: dataFile } : f)) };
}

/** One field_summary of a manifest list row. */
export interface FieldSummary {
  containsNull: boolean;
  lowerBound: Uint8Array | null;
  upperBound: Uint8Array | null;
}

/** The manifest-list summaries of the partitions of `tuples` under `spec` (one per spec field). */
export function partitionSummaries(spec: PartitionSpec, tuples: readonly (PartitionValues | undefined)[]): FieldSummary[] {
  return spec.fields.map((f) => {
    let containsNull = false;
    let lo: number | null = null;
    let hi: number | null = null;
    for (const t of tuples) {
      const v = t?.[f.name] ?? null;
      if (v === null) containsNull = true;
      else {
        if (lo === null || v < lo) lo = v;
        if (hi === null || v > hi) hi = v;
      }
    }
    return { containsNull, lowerBound: lo === null ? null : encodeBound('date', lo), upperBound: hi === null ? null : encodeBound('date', hi) };
  });
}

/** The `partition-spec` header value of a manifest: the spec's fields as JSON. */
export function specHeader(spec: PartitionSpec): string {
  return JSON.stringify(spec.fields);
}
