// A replica built only from a change stream: tables keyed by table id, rows keyed by their key
// values. Applying an update or delete first checks that the event's before image equals the
// replica's row (the previous committed row); schema events reshape existing rows as a
// consumer would (add_column fills the announced default).
import { expect } from 'vitest';
import type { CDCEvent, ChangeEvent, SchemaChangeEvent } from '../../src/cdc/index.js';
import type { JsValue } from '../../src/sql/api/values.js';

type Row = Record<string, JsValue>;

export class Replica {
  /** table id -> name and rows (key JSON -> row). */
  readonly tables = new Map<number, { name: string; rows: Map<string, Row> }>();
  private readonly ids = new Map<string, number>();
  /** Events applied, and before images checked. */
  readonly counts = { events: 0, beforeChecked: 0, schema: 0 };

  apply(e: CDCEvent): void {
    this.counts.events++;
    if (e.type === 'begin' || e.type === 'commit' || e.type === 'rollback') return;
    if (e.type === 'schema_change') return this.schema(e);
    this.row(e as ChangeEvent);
  }

  private schema(e: SchemaChangeEvent): void {
    this.counts.schema++;
    const t = this.tables.get(e.tableId);
    switch (e.changeType) {
      case 'create_table':
        this.tables.set(e.tableId, { name: e.table, rows: new Map() });
        this.ids.set(e.table.toLowerCase(), e.tableId);
        return;
      case 'drop_table':
        this.tables.delete(e.tableId);
        this.ids.delete(e.table.toLowerCase());
        return;
      case 'rename_table':
        this.ids.delete(e.oldName!.toLowerCase());
        this.ids.set(e.table.toLowerCase(), e.tableId);
        t!.name = e.table;
        return;
      case 'add_column': {
        const def = e.columns.find((c) => c.name === e.column)!.defaultValue;
        for (const r of t!.rows.values()) r[e.column!] = def;
        return;
      }
      case 'drop_column':
        for (const r of t!.rows.values()) delete r[e.column!];
        return;
      case 'rename_column':
        for (const r of t!.rows.values()) {
          r[e.column!] = r[e.oldName!]!;
          delete r[e.oldName!];
        }
        return;
      default:
        return; // indexes do not change rows
    }
  }

  private row(e: ChangeEvent): void {
    const id = this.ids.get(e.table.toLowerCase());
    expect(id, `${e.id}: table ${e.table} known`).toBeDefined();
    const rows = this.tables.get(id!)!.rows;
    const k = keyString(e.keyValues);
    if (e.type === 'insert') {
      expect(rows.has(k), `${e.id}: insert of a key the replica holds (${e.table} ${k})`).toBe(false);
      rows.set(k, { ...e.data! });
      return;
    }
    expect(rows.get(k), `${e.id}: before image of ${e.table} ${k} equals the replica's row`).toEqual(e.oldData);
    this.counts.beforeChecked++;
    if (e.type === 'update') rows.set(k, { ...e.data! });
    else rows.delete(k);
  }

  /** Rows of a table by name, sorted by key. */
  rowsOf(name: string): { key: string; row: Row }[] | undefined {
    const id = this.ids.get(name.toLowerCase());
    if (id === undefined) return undefined;
    return [...this.tables.get(id)!.rows].map(([key, row]) => ({ key, row })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  tableNames(): string[] {
    return [...this.tables.values()].map((t) => t.name.toLowerCase()).sort();
  }
}

export function keyString(values: readonly JsValue[]): string {
  return JSON.stringify(values.map(canonValue));
}

function canonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `x'${Buffer.from(v).toString('hex')}'`;
  return v;
}

/** A comparable text of any event (bigint, Date, bytes made plain). */
export function canonEvent(e: unknown): string {
  return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `x'${Buffer.from(v).toString('hex')}'` : v));
}
