// Events as JSON (docs/cdc.md, "Events as JSON"): the NDJSON of `dosql cdc`, one object per
// line. LSNs are JSON numbers (they stay below 2^53); times are ms since the Unix epoch; values
// follow the Worker's wire convention (docs/workers.md, "Values on the wire"): INTEGER outside
// ±2^53 as {"$bigint": "<decimal>"}, BLOB as {"$blob": "<base64>"}, REAL ±Infinity as
// {"$real": "Infinity"}; raw entries' row images are their row JSON, parsed.
import type { JsValue } from '../sql/api/values.js';
import { toBase64 } from '../util/base64.js';
import type { CDCEvent, ChangeEvent, ColumnInfo, WALEntry } from './types.js';

const utf8d = new TextDecoder();

type WireValue = null | number | string | { $bigint: string } | { $blob: string } | { $real: string };

/** One value on the wire. */
export function wireValue(v: JsValue): WireValue {
  if (v === null) return null;
  switch (typeof v) {
    case 'bigint':
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : { $bigint: v.toString() };
    case 'number':
      return Number.isFinite(v) ? v : { $real: String(v) };
    case 'string':
      return v;
    default:
      return { $blob: toBase64(v) };
  }
}

function wireRow(r: Record<string, JsValue> | undefined): Record<string, WireValue> | undefined {
  if (r === undefined) return undefined;
  const out: Record<string, WireValue> = {};
  for (const k of Object.keys(r)) Object.defineProperty(out, k, { value: wireValue(r[k]!), enumerable: true, writable: true, configurable: true });
  return out;
}

function wireColumns(cs: readonly ColumnInfo[]): unknown[] {
  return cs.map((c) => ({ ...c, defaultValue: wireValue(c.defaultValue) }));
}

/** A typed event (rows as objects: subscribe with the default decoder) as a JSON-safe object. */
export function eventToJSON(e: CDCEvent): Record<string, unknown> {
  const base = { id: e.id, type: e.type, lsn: Number(e.lsn), seq: e.seq, txnId: e.txnId };
  if (e.type === 'schema_change') return { ...e, ...base, columns: wireColumns(e.columns) };
  if (e.type === 'begin' || e.type === 'commit' || e.type === 'rollback') return { ...base, timestamp: e.timestamp.getTime(), branch: e.branch };
  const c = e as ChangeEvent;
  const out: Record<string, unknown> = { ...base, table: c.table, timestamp: e.timestamp.getTime(), keyValues: c.keyValues.map(wireValue) };
  if (c.data !== undefined) out.data = wireRow(c.data);
  if (c.oldData !== undefined) out.oldData = wireRow(c.oldData);
  return out;
}

/** A raw entry as a JSON-safe object: images parsed from their row JSON, the key in base64. */
export function entryToJSON(e: WALEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, lsn: Number(e.lsn), seq: e.seq, txnId: e.txnId, op: e.op, table: e.table, timestamp: e.timestamp };
  if (e.key) out.key = toBase64(e.key);
  if (e.before) out.before = JSON.parse(utf8d.decode(e.before)) as unknown;
  if (e.after) out.after = JSON.parse(utf8d.decode(e.after)) as unknown;
  if (e.schemaChange) out.schemaChange = { ...e.schemaChange, lsn: Number(e.schemaChange.lsn), columns: wireColumns(e.schemaChange.columns) };
  return out;
}
