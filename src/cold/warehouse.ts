// Where Iceberg tables are published (docs/format/iceberg.md, "Layout"): a folder of
// an object store, one sub-folder per namespace and table, seen by other readers under a URL.
import { tableFolder } from '../iceberg/table-folder.js';
import type { IcebergTableLocation } from '../iceberg/types.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Where published tables go: `<prefix>/<namespace>/<table>` in `store`, seen by readers under `url`. */
export interface Warehouse {
  readonly store: ObjectStore;
  readonly prefix: string;
  readonly url: string;
  readonly namespace: string;
}

/**
 * Where table `table` (its SQL name) is published: `<prefix>/<namespace>/<folder>`, the folder
 * being the name mapped to one safe path segment (iceberg/table-folder.ts; plain names such as
 * `item` map to themselves).
 */
export async function tableLocation(w: Warehouse, table: string): Promise<IcebergTableLocation> {
  const t = await tableFolder(table);
  return { prefix: `${w.prefix}/${w.namespace}/${t}`, url: `${w.url.replace(/\/$/, '')}/${w.namespace}/${t}` };
}

/**
 * URL under which other readers find object `key` of the warehouse's store: defined when the
 * warehouse URL is `<root>/<prefix>` (the default layout), so the store's root is `<root>`.
 */
export function storeObjectUrl(w: Warehouse, key: string): string | undefined {
  const u = w.url.replace(/\/$/, '');
  if (!u.endsWith(`/${w.prefix}`)) return undefined;
  return `${u.slice(0, u.length - w.prefix.length - 1)}/${key}`;
}
