// PRAGMA foreign_key_check[(table)] (https://sqlite.org/pragma.html#pragma_foreign_key_check):
// every child row whose parent is missing, as [table, rowid, parent, fkid] (rowid NULL for a
// WITHOUT ROWID table, fkid the constraint's id in foreign_key_list), per table, row by row
// with the constraints in id order, as pragma.c walks them. A constraint that cannot be
// enforced fails the PRAGMA with its error ("foreign key mismatch ...").
import type { Catalog } from '../catalog/catalog.js';
import type { ExecEnv } from '../execution/env.js';
import { keyOf, parentExists, unusable } from '../execution/foreign-key-lookup.js';
import { TableReader } from '../execution/table-reader.js';
import { columnDefaults } from '../rows/row-materializer.js';
import { catalogForeignKeys } from './plan-table-dml.js';
import { definePragma } from './pragma-tables.js';
import type { PragmaRow } from './pragma-rows.js';
import type { TableSchema } from '../catalog/schema.js';

function readerOf(t: TableSchema): TableReader {
  return new TableReader(t, t.columns.length + 1, 0, columnDefaults(t));
}

async function foreignKeyCheck(catalog: Catalog, only: string | undefined, env: ExecEnv): Promise<PragmaRow[]> {
  const keys = catalogForeignKeys(catalog);
  const tables = only !== undefined ? [catalog.findTable(only)].filter((t): t is TableSchema => t !== undefined) : catalog.objects().filter((o): o is TableSchema => o.type === 'table');
  const out: PragmaRow[] = [];
  for (const t of tables) {
    // foreign_key_list numbers the last declared constraint 0.
    const fks = [...(keys.outgoing.get(t.name.toLowerCase()) ?? [])].reverse();
    if (fks.length === 0) continue;
    for (const fk of fks) {
      const e = unusable(fk);
      if (e) throw e;
    }
    const parents = fks.map((fk) => readerOf(fk.parent!));
    for await (const batch of readerOf(t).scan(env)) {
      for (const row of batch) {
        for (let id = 0; id < fks.length; id++) {
          const fk = fks[id]!;
          const key = keyOf(row, fk.childCols);
          if (key && !(await parentExists(env, fk, parents[id]!, key))) out.push([t.name, t.withoutRowid ? null : row[t.columns.length]!, fk.parentName, BigInt(id)]);
        }
      }
    }
  }
  return out;
}

definePragma({ name: 'foreign_key_check', columns: ['table', 'rowid', 'parent', 'fkid'], arg: true, argOptional: true, schema: true, rows: (c, a, env) => foreignKeyCheck(c, a, env) });
