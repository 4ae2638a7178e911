// Rewriting data files with their deletes applied (docs/lake.md, "Compaction", "Schema"): the
// survivors of the chosen files are written to new files of the same partition, in file order,
// optionally with fill values for rows of given sources (an ADD COLUMN with a non-NULL default:
// rows written before it must read the default, and Iceberg v2 has no initial-default). The
// caller commits the new files replacing the old ones and remaps the index (`rows`).
import type { ColumnValue } from '../columnar/index.js';
import type { DataFileInfo, IcebergSchema } from '../iceberg/types.js';
import type { JsValue } from '../sql/api/values.js';
import type { ObjectStore } from '../storage/object-store.js';
import { dataPath, readDataFile, readDeleteFile, writeDataFile } from './file-writer.js';
import { objectKey } from './key-index.js';
import { fitValue } from './row-mapper.js';
import { F_KEY, F_SOURCE } from './schema-map.js';
import type { LiveFile, TableState } from './table-state.js';

export interface RewriteInput {
  store: ObjectStore;
  t: TableState;
  /** The schema to write (the commit's). */
  schema: IcebergSchema;
  /** Data files to rewrite (URLs). */
  files: readonly LiveFile[];
  /** Deletes not yet in delete files (this commit's), by data file URL. */
  extraDeletes?: ReadonlyMap<string, ReadonlySet<number>>;
  /** Per source: field id → value for every surviving row of that source. */
  fills?: ReadonlyMap<string, ReadonlyMap<number, JsValue>>;
  commitId: string;
  /** First file number to name outputs with. */
  firstN: number;
  rowGroupRows: number;
  maxRowsPerFile: number;
}

export interface RewriteOutput {
  added: DataFileInfo[];
  /** Where each surviving row went: output index, row, and its key columns. */
  rows: { file: number; pos: number; source: string; key: Uint8Array }[];
  /** Delete files whose every target is rewritten (they can go). */
  obsoleteDeletes: string[];
  rowsRead: number;
  nextN: number;
}

/** Rewrites `i.files` (see the header). */
export async function rewriteFiles(i: RewriteInput): Promise<RewriteOutput> {
  const { store, t, schema } = i;
  const chosen = new Set(i.files.map((f) => f.url));
  const deleted = new Map<string, Set<number>>();
  const obsoleteDeletes: string[] = [];
  for (const d of t.deleteFiles.values()) {
    const rows = await readDeleteFile(store, objectKey(t, d.url));
    let all = true;
    for (const r of rows) {
      if (!chosen.has(r.url)) {
        all = false;
        continue;
      }
      let s = deleted.get(r.url);
      if (!s) deleted.set(r.url, (s = new Set()));
      s.add(r.pos);
    }
    if (all) obsoleteDeletes.push(d.url);
  }
  const ids = schema.fields.map((f) => f.id);
  const si = ids.indexOf(F_SOURCE);
  const ki = ids.indexOf(F_KEY);
  const out: RewriteOutput = { added: [], rows: [], obsoleteDeletes, rowsRead: 0, nextN: i.firstN };
  const byDay = new Map<number | null, { values: ColumnValue[][] }>();
  const emit = async (day: number | null, force: boolean): Promise<void> => {
    const b = byDay.get(day);
    if (!b || b.values.length === 0 || (!force && b.values.length < i.maxRowsPerFile)) return;
    const path = dataPath(i.commitId, day, out.nextN++);
    const file = out.added.length;
    b.values.forEach((v, pos) => out.rows.push({ file, pos, source: v[si] as string, key: v[ki] as Uint8Array }));
    out.added.push(await writeDataFile(store, t.loc, schema, b.values, path, day, i.rowGroupRows));
    b.values = [];
  };
  for (const f of [...i.files].sort((a, b) => (a.day ?? -Infinity) - (b.day ?? -Infinity) || (a.url < b.url ? -1 : 1))) {
    const { rows, columns } = await readDataFile(store, objectKey(t, f.url), ids);
    out.rowsRead += rows;
    const gone = deleted.get(f.url);
    const extra = i.extraDeletes?.get(f.url);
    let b = byDay.get(f.day);
    if (!b) byDay.set(f.day, (b = { values: [] }));
    for (let pos = 0; pos < rows; pos++) {
      if (gone?.has(pos) || extra?.has(pos)) continue;
      const v = columns.map((c) => c[pos] ?? null);
      const fill = i.fills?.get(v[si] as string);
      if (fill) {
        for (const [id, value] of fill) {
          const at = ids.indexOf(id);
          if (at >= 0) v[at] = fitValue(value, schema.fields[at]!.type);
        }
      }
      b.values.push(v);
      await emit(f.day, false);
    }
  }
  for (const day of byDay.keys()) await emit(day, true);
  return out;
}
