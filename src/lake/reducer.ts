// The net effect of one flush on one table (docs/lake.md, "Deletes"): per lake key, only the
// last event counts — an insert then an update writes one row, an insert then a delete writes
// nothing, an update of an indexed row deletes its old position and writes the new version.
// Schema events of each source are applied in order (schema-map.ts) and each row remembers the
// column map of its time. A `drop_table` is a barrier: every row of that source in the table
// goes, and later events re-add keys.
//
// Lake keys: (source, key) under key scope 'source'; the key alone under 'global', where a
// write from another source moves the row to it, and a delete from a source that no longer
// owns the key is dropped (counted in `ownershipSkips`).
import { fromBase64 } from '../util/base64.js';
import { DoSQLError } from '../errors.js';
import type { LakeColumn, LakeEvent } from '../cdc/lake-protocol.js';
import { toLakeValue } from '../cdc/lake-protocol.js';
import type { PendingRow } from './row-mapper.js';
import type { ColumnMap, SchemaWork } from './schema-map.js';

export interface NetChange {
  source: string;
  key: Uint8Array;
  /** Base64 of the key (its identity with the source, or alone for global scope). */
  keyText: string;
  /** The row to write, or null for a delete. */
  row: PendingRow | null;
  /** Global scope: this source wrote the key earlier in this flush (its delete applies whoever owned it). */
  owned: boolean;
}

export interface Reduced {
  /** By lake key. */
  changes: Map<string, NetChange>;
  /** Sources whose table was dropped in this flush (all their earlier rows go). */
  barriers: Set<string>;
  /** Sources that had events for the table in this flush. */
  touched: Set<string>;
}

/** The lake key of (source, key). */
export function lakeKey(scope: 'source' | 'global', source: string, keyText: string): string {
  return scope === 'global' ? keyText : `${source}\u0000${keyText}`;
}

function inferredColumns(ev: LakeEvent): LakeColumn[] {
  return Object.entries(ev.data ?? {}).map(([name, v]) => {
    const type = v === null ? '' : typeof v === 'string' ? 'TEXT' : typeof v === 'number' ? (Number.isInteger(v) ? 'INTEGER' : 'REAL') : '$bigint' in v ? 'INTEGER' : '$real' in v ? 'REAL' : 'BLOB';
    return { name, type, notNull: false, primaryKey: false, defaultValue: toLakeValue(null) };
  });
}

/**
 * Reduces `events` (per source, in position order, already filtered to the flush's range) of
 * one table. Sources are taken in id order, so the outcome is deterministic across retries.
 */
export function reduce(table: string, scope: 'source' | 'global', events: ReadonlyMap<string, readonly LakeEvent[]>, work: SchemaWork): Reduced {
  const changes = new Map<string, NetChange>();
  const barriers = new Set<string>();
  const touched = new Set<string>();
  for (const source of [...events.keys()].sort()) {
    let map: ColumnMap | undefined = work.maps[source];
    for (const ev of events.get(source)!) {
      touched.add(source);
      if (ev.op === 'commit') continue;
      if (ev.op === 'schema') {
        map = work.apply(source, ev.schema!);
        if (ev.schema!.changeType === 'drop_table') {
          barriers.add(source);
          for (const [k, c] of changes) if (c.source === source) changes.delete(k);
        }
        continue;
      }
      const keyText = ev.key;
      const key = keyText === undefined ? null : fromBase64(keyText);
      if (keyText === undefined || key === null) throw new DoSQLError('INVALID_ARGUMENT', `lake: event ${ev.lsn}:${ev.seq} of source ${source} on ${table} has no valid key`);
      // A table whose creation this lake never saw (the stream began mid-history): its columns
      // are taken from the first row (types from the values' storage classes).
      if (map === undefined && ev.op !== 'delete') map = work.apply(source, { changeType: 'create_table', tableId: -1, columns: inferredColumns(ev) });
      const k = lakeKey(scope, source, keyText);
      const prev = changes.get(k);
      const owned = scope === 'global' && ((prev?.source === source && (prev.row !== null || prev.owned)) || false);
      if (ev.op === 'delete') {
        // Global scope: a delete of a key another source took over in this flush is not ours.
        if (scope === 'global' && prev && prev.source !== source) continue;
        changes.set(k, { source, key, keyText, row: null, owned });
      } else {
        changes.set(k, { source, key, keyText, row: { source, key, event: ev, map: map ?? {} }, owned: scope === 'global' });
      }
    }
  }
  return { changes, barriers, touched };
}
