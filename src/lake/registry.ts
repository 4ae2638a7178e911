// Which lake table a source's event belongs to (docs/lake.md, "Many sources"): a source table is
// known by its key-space id, which survives renames; its lake table is the name it had when the
// lake first saw it (a rename keeps the lake table and its folder). Every source that has a
// table of that name writes into the same lake table — shards of one schema become one table.
import type { LakeEvent } from '../cdc/lake-protocol.js';
import type { SourceRecord } from './state.js';

export interface Registry {
  /** Source table id → lake table name. */
  tables: Record<string, string>;
  /** Source table name now → source table id. */
  names: Record<string, number>;
}

export function registryOf(s: SourceRecord): Registry {
  return { tables: { ...s.tables }, names: { ...s.names } };
}

/**
 * The lake table of `ev` (null for COMMIT), updating `r` for schema events, which must be
 * passed in the source's order.
 */
export function route(r: Registry, ev: LakeEvent): string | null {
  if (ev.op === 'commit' || ev.table === undefined) return null;
  if (ev.op === 'schema') {
    const s = ev.schema!;
    const id = String(s.tableId);
    switch (s.changeType) {
      case 'create_table':
        r.tables[id] ??= ev.table;
        r.names[ev.table] = s.tableId;
        break;
      case 'rename_table':
        if (s.oldName !== undefined && r.names[s.oldName] === s.tableId) delete r.names[s.oldName];
        r.names[ev.table] = s.tableId;
        r.tables[id] ??= s.oldName ?? ev.table;
        break;
      case 'drop_table': {
        const lake = r.tables[id] ?? ev.table;
        if (r.names[ev.table] === s.tableId) delete r.names[ev.table];
        return lake;
      }
      default:
        break;
    }
    return r.tables[id] ?? ev.table;
  }
  const id = r.names[ev.table];
  return id === undefined ? ev.table : (r.tables[String(id)] ?? ev.table);
}
