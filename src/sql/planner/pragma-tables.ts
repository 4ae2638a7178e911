// The schema PRAGMAs as statements (`PRAGMA table_info(t)`) and as SQLite's eponymous
// table-valued functions (`SELECT * FROM pragma_table_info('t')`, with hidden `arg` and
// `schema` columns, https://sqlite.org/pragma.html#pragfunc), plus sqlite_schema and its
// aliases as tables. Rows come from the catalog of the statement's transaction (its branch),
// computed by pragma-rows.ts. Registered in the table-function registry when loaded.
import type { Catalog } from '../catalog/catalog.js';
import type { ExecEnv } from '../execution/env.js';
import { registerTableFunction, type TableFunction } from '../functions/table-functions.js';
import { plain } from '../types/subtype.js';
import { toText } from '../types/convert.js';
import type { SqlValue } from '../types/value.js';
import { databaseList, foreignKeyList, indexInfo, indexList, schemaRows, tableInfo, tableList, type PragmaRow } from './pragma-rows.js';

interface PragmaDef {
  readonly name: string;
  readonly columns: readonly string[];
  /** Takes an argument (the hidden `arg` column); false: none (database_list). */
  readonly arg: boolean;
  /** Without its argument it lists everything (table_list) instead of nothing. */
  readonly argOptional?: boolean;
  /** Has the hidden `schema` column. */
  readonly schema: boolean;
  /** Rows for `arg` (undefined when not given). */
  rows(catalog: Catalog, arg: string | undefined, env: ExecEnv): PragmaRow[] | Promise<PragmaRow[]>;
}

const defs = new Map<string, PragmaDef>();

/** Adds a PRAGMA with rows (and its pragma_<name> table-valued function). Later layers add theirs (foreign_key_check). */
export function definePragma(d: PragmaDef): void {
  defs.set(d.name, d);
  const columns = d.columns.map((name) => ({ name, hidden: false }));
  const argColumns: number[] = [];
  if (d.arg) argColumns.push(columns.push({ name: 'arg', hidden: true }) - 1);
  if (d.schema) argColumns.push(columns.push({ name: 'schema', hidden: true }) - 1);
  const f: TableFunction = {
    name: `pragma_${d.name}`,
    columns,
    argColumns,
    async *open(call, ctx) {
      const env = ctx as ExecEnv;
      const [argV, schemaV] = d.arg ? call.args : [undefined, call.args[0]];
      const schema = schemaV === undefined ? undefined : plain(schemaV);
      if (schema !== undefined && (schema === null || toText(schema)!.toLowerCase() !== 'main')) return;
      const a = argV === undefined ? undefined : plain(argV);
      if (d.arg && !d.argOptional && (a === undefined || a === null)) return;
      const arg = a === undefined || a === null ? undefined : toText(a)!;
      for (const r of await d.rows(env.txn.catalog, arg, env)) {
        const out: SqlValue[] = [...r];
        if (d.arg) out.push(arg ?? null);
        if (d.schema) out.push(schema ?? null);
        yield out;
      }
    },
  };
  registerTableFunction(f);
}

/** A PRAGMA that returns rows, or undefined (a setting, or unknown: SQLite ignores those). */
export function rowsPragma(name: string): PragmaDef | undefined {
  return defs.get(name.toLowerCase());
}

/** Rows of `PRAGMA [schema.]name[(arg)]`; none for another schema or a missing required argument. */
export async function runPragma(d: PragmaDef, schema: string | undefined, arg: SqlValue | undefined, env: ExecEnv): Promise<PragmaRow[]> {
  if (schema !== undefined && schema.toLowerCase() !== 'main') return [];
  if (d.arg && !d.argOptional && (arg === undefined || arg === null)) return [];
  return d.rows(env.txn.catalog, arg === undefined || arg === null ? undefined : toText(arg)!, env);
}

const TABLE_INFO = ['cid', 'name', 'type', 'notnull', 'dflt_value', 'pk'];
definePragma({ name: 'table_info', columns: TABLE_INFO, arg: true, schema: true, rows: (c, a) => tableInfo(c, a!, false) });
definePragma({ name: 'table_xinfo', columns: [...TABLE_INFO, 'hidden'], arg: true, schema: true, rows: (c, a) => tableInfo(c, a!, true) });
definePragma({ name: 'index_list', columns: ['seq', 'name', 'unique', 'origin', 'partial'], arg: true, schema: true, rows: (c, a) => indexList(c, a!) });
definePragma({ name: 'index_info', columns: ['seqno', 'cid', 'name'], arg: true, schema: true, rows: (c, a) => indexInfo(c, a!, false) });
definePragma({ name: 'index_xinfo', columns: ['seqno', 'cid', 'name', 'desc', 'coll', 'key'], arg: true, schema: true, rows: (c, a) => indexInfo(c, a!, true) });
definePragma({ name: 'foreign_key_list', columns: ['id', 'seq', 'table', 'from', 'to', 'on_update', 'on_delete', 'match'], arg: true, schema: true, rows: (c, a) => foreignKeyList(c, a!) });
definePragma({ name: 'database_list', columns: ['seq', 'name', 'file'], arg: false, schema: false, rows: () => databaseList() });
definePragma({ name: 'table_list', columns: ['schema', 'name', 'type', 'ncol', 'wr', 'strict'], arg: true, argOptional: true, schema: false, rows: (c, a) => tableList(c, a) });

/** sqlite_schema and its aliases: tables to FROM, read from the catalog (the temp ones list TEMP tables and views). */
for (const [name, temp] of [
  ['sqlite_schema', false],
  ['sqlite_master', false],
  ['sqlite_temp_schema', true],
  ['sqlite_temp_master', true],
] as const) {
  registerTableFunction({
    name,
    columns: ['type', 'name', 'tbl_name', 'rootpage', 'sql'].map((n) => ({ name: n, hidden: false })),
    argColumns: [],
    open: (_call, ctx) => schemaRows((ctx as ExecEnv).txn.catalog, temp),
  });
}
