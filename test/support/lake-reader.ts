// Reading a lake table the way an outside engine does — icebird over loopback HTTP, at the
// metadata file the lake committed — and the oracle it must equal: each source's
// `SELECT * FROM t FOR SYSTEM_TIME AS OF LSN <the table's position for that source>`, its
// values fitted to the lake's column types by the documented rule (docs/lake.md, "Types"),
// written here independently of the lake's code.
import { icebergMetadata, icebergRead } from 'icebird';
import type { Lake } from '../../src/lake/index.js';
import type { Database } from '../../src/sql/api/database.js';

export type Row = Record<string, unknown>;

interface Field {
  id: number;
  name: string;
  type: string;
}

/** What icebird reads of a lake table's committed snapshot, and the positions of that snapshot. */
export async function readLakeTable(lake: Lake, table: string): Promise<{ rows: Row[]; fields: Field[]; positions: Record<string, number>; version: number }> {
  const snap = await lake.snapshot(table);
  if (snap.version === 0) return { rows: [], fields: [], positions: {}, version: 0 };
  const metadata = (await icebergMetadata({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as unknown as {
    'current-snapshot-id'?: unknown;
    'current-schema-id': number;
    schemas: { 'schema-id': number; fields: Field[] }[];
    snapshots: { 'snapshot-id': unknown; summary: Record<string, string> }[];
  };
  const fields = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id'])!.fields;
  const cur = metadata.snapshots.find((s) => String(s['snapshot-id']) === String(metadata['current-snapshot-id']));
  // icebird refuses a snapshot without data files: that table is empty.
  const rows = !cur || cur.summary['total-data-files'] === '0' ? [] : ((await icebergRead({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as Row[]);
  return { rows, fields, positions: snap.positions, version: snap.version };
}

const utf8 = new TextDecoder();

/** A value as the lake must show it for a field of `type` (off-type → NULL); BLOBs as icebird decodes them. */
export function expectValue(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'long':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
    case 'double':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
    case 'string':
      // The workloads never put a REAL into a TEXT column (its SQLite text form is not tested here).
      return typeof v === 'string' ? v : typeof v === 'bigint' ? String(v) : null;
    case 'binary':
      return v instanceof Uint8Array ? `b:${utf8.decode(v)}` : null;
    default:
      return v;
  }
}

/** icebird's value for a field of `type`, in the same form. */
function gotValue(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'binary') return `b:${typeof v === 'string' ? v : utf8.decode(v as Uint8Array)}`;
  if (type === 'long' && typeof v === 'number') return BigInt(v);
  return v;
}

const canon = (r: Row): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * The lake table's rows of each source and the oracle's, as sorted canonical strings.
 * `sources` maps a source id to its database; the oracle reads each as of the table's position
 * for it, or as of `at[id]` when given (a caught-up lake must equal the head).
 */
export async function compareLakeTable(lake: Lake, table: string, sources: ReadonlyMap<string, Database>, at?: Readonly<Record<string, number>>): Promise<{ got: string[]; want: string[]; positions: Record<string, number> }> {
  const { rows, fields, positions } = await readLakeTable(lake, table);
  const got: string[] = [];
  const want: string[] = [];
  for (const r of rows) {
    const out: Row = { _dosql_source: r._dosql_source };
    for (const f of fields) if (f.id > 4 && !f.name.startsWith('_dosql_')) out[f.name] = gotValue(r[f.name], f.type);
    got.push(canon(out));
  }
  for (const [id, db] of sources) {
    const lsn = at?.[id] ?? positions[id];
    if (lsn === undefined) continue;
    let rs: Row[];
    try {
      rs = await db.query(`SELECT * FROM "${table}" FOR SYSTEM_TIME AS OF LSN ${lsn}`, [], { safeIntegers: true });
    } catch (e) {
      if (/no such table/i.test((e as Error).message)) continue; // dropped (or not yet created) at that LSN
      throw e;
    }
    for (const r of rs) {
      const out: Row = { _dosql_source: id };
      for (const f of fields) if (f.id > 4 && !f.name.startsWith('_dosql_')) out[f.name] = Object.prototype.hasOwnProperty.call(r, f.name) ? expectValue(r[f.name], f.type) : null;
      want.push(canon(out));
    }
  }
  return { got: got.sort(), want: want.sort(), positions };
}
