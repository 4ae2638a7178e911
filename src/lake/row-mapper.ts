// Change events → lake rows (docs/lake.md, "System columns", "Types"): the system columns, then
// the source's values by field id. A value is fitted to its field's Iceberg type as the cold
// tier does (sql/api/iceberg-source.ts): INTEGER into double widened, an integral REAL into
// long narrowed, numbers into string as SQLite's text; any other value stays as it is and the
// Parquet writer keeps it in the shadow column (NULL to other readers).
import type { ColumnValue } from '../columnar/index.js';
import { fromLakeValue, type LakeEvent } from '../cdc/lake-protocol.js';
import type { IcebergPrimitiveType, IcebergSchema } from '../iceberg/types.js';
import type { JsValue } from '../sql/api/values.js';
import { fitColumnType } from '../sql/types/convert.js';
import { F_KEY, F_LSN, F_PART, F_SOURCE, F_TS, isSystemField, type ColumnMap } from './schema-map.js';

/** `v` in the storage class of an Iceberg `type` where SQLite would convert it losslessly (fitColumnType). */
export function fitValue(v: JsValue, type: IcebergPrimitiveType): ColumnValue {
  return fitColumnType(v, type);
}

/** µs since the epoch of a commit time in ms. */
export function tsMicros(ms: number): bigint {
  return BigInt(ms) * 1000n;
}

/** One row to write: the source, the key and the event's image, mapped by `map` as of the event. */
export interface PendingRow {
  source: string;
  key: Uint8Array;
  event: LakeEvent;
  map: ColumnMap;
}

/**
 * The row's values in `schema` field order. Fields the row's map lacks but `fills` names (a
 * column the source added after this row was written) take the fill value; other absent
 * fields are NULL.
 */
export function buildRow(schema: IcebergSchema, r: PendingRow, fills: Readonly<Record<number, JsValue>> | undefined, partMicros: bigint | null = null): ColumnValue[] {
  const byField = new Map<number, JsValue>();
  const data = r.event.data ?? {};
  for (const [name, id] of Object.entries(r.map)) {
    if (Object.prototype.hasOwnProperty.call(data, name)) byField.set(id, fromLakeValue(data[name]!));
  }
  const mapped = new Set(Object.values(r.map));
  if (fills) for (const [id, v] of Object.entries(fills)) if (!mapped.has(Number(id))) byField.set(Number(id), v);
  return schema.fields.map((f) => {
    if (f.id === F_PART && isSystemField(f)) return partMicros;
    switch (f.id) {
      case F_SOURCE:
        return r.source;
      case F_KEY:
        return r.key;
      case F_LSN:
        return BigInt(r.event.lsn);
      case F_TS:
        return tsMicros(r.event.ts);
      default:
        return fitValue(byField.get(f.id) ?? null, f.type);
    }
  });
}

type FieldPlan = { kind: 'part' | 'source' | 'key' | 'lsn' | 'ts' } | { kind: 'data'; names: string[]; fill: JsValue | undefined; type: IcebergPrimitiveType };

/**
 * `buildRow` for many rows of one schema: the field ↔ column matching is worked out once per
 * column map and fill set (a source's map changes only with its schema events), so a row costs
 * one pass over its values and no Map or Set of its own. Same results as `buildRow`.
 */
export class RowBuilder {
  private readonly plans = new Map<ColumnMap, Map<Readonly<Record<number, JsValue>> | undefined, FieldPlan[]>>();

  constructor(private readonly schema: IcebergSchema) {}

  build(r: PendingRow, fills: Readonly<Record<number, JsValue>> | undefined, partMicros: bigint | null = null): ColumnValue[] {
    let byFills = this.plans.get(r.map);
    if (!byFills) this.plans.set(r.map, (byFills = new Map()));
    let plan = byFills.get(fills);
    if (!plan) byFills.set(fills, (plan = planRow(this.schema, r.map, fills)));
    const data = r.event.data ?? {};
    const out = new Array<ColumnValue>(plan.length);
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      switch (p.kind) {
        case 'part':
          out[i] = partMicros;
          break;
        case 'source':
          out[i] = r.source;
          break;
        case 'key':
          out[i] = r.key;
          break;
        case 'lsn':
          out[i] = BigInt(r.event.lsn);
          break;
        case 'ts':
          out[i] = tsMicros(r.event.ts);
          break;
        default: {
          let v: JsValue | undefined = p.fill;
          for (const name of p.names) if (Object.prototype.hasOwnProperty.call(data, name)) v = fromLakeValue(data[name]!);
          out[i] = fitValue(v ?? null, p.type);
        }
      }
    }
    return out;
  }
}

function planRow(schema: IcebergSchema, map: ColumnMap, fills: Readonly<Record<number, JsValue>> | undefined): FieldPlan[] {
  const names = new Map<number, string[]>();
  for (const [name, id] of Object.entries(map)) {
    const l = names.get(id);
    if (l) l.push(name);
    else names.set(id, [name]);
  }
  return schema.fields.map((f): FieldPlan => {
    if (f.id === F_PART && isSystemField(f)) return { kind: 'part' };
    switch (f.id) {
      case F_SOURCE:
        return { kind: 'source' };
      case F_KEY:
        return { kind: 'key' };
      case F_LSN:
        return { kind: 'lsn' };
      case F_TS:
        return { kind: 'ts' };
      default: {
        const mapped = names.get(f.id);
        // A fill applies only to a field the row's map does not name (buildRow's rule).
        const fill = mapped === undefined && fills && Object.prototype.hasOwnProperty.call(fills, f.id) ? fills[f.id] : undefined;
        return { kind: 'data', names: mapped ?? [], fill, type: f.type };
      }
    }
  });
}

/** The value of source column `name` in the event's row image (exact name, else ASCII case-insensitive, as SQLite names match); undefined when absent. */
export function columnValue(e: LakeEvent, name: string): JsValue | undefined {
  const data = e.data ?? {};
  if (Object.prototype.hasOwnProperty.call(data, name)) return fromLakeValue(data[name]!);
  const lower = name.toLowerCase();
  const k = Object.keys(data).find((x) => x.toLowerCase() === lower);
  return k === undefined ? undefined : fromLakeValue(data[k]!);
}
