// The schema as of each position of a subscription. The catalog is a versioned table (id 1,
// key (type, lower(name)), value the object's JSON: sql/catalog/catalog.ts) whose every
// version compaction keeps (manifest `fullHistoryTables`), so the catalog of a branch at any
// retained LSN is read exactly once, at the start position; after that each commit's own
// catalog ops are applied to it in stream order. A subscription on a branch replays the
// parent's commits up to the base, then the branch's: applying catalog ops in that order
// gives the branch's layered catalog, as a read on the branch sees it.
//
// Not shared between subscriptions (each moves at its own pace); catalogs are small.
import type { LsmEngine } from '../lsm/engine.js';
import { decodeUserKey, MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { Layer } from '../mvcc/layers.js';
import { Catalog } from '../sql/catalog/catalog.js';
import { decodeSchemaObject, type SchemaObject } from '../sql/catalog/schema.js';
import { Transaction } from '../sql/txn/transaction.js';
import type { WalOp } from '../lsm/wal-format.js';

const utf8d = new TextDecoder();

/** The layers a read of `branch`'s lineage as of `lsn` merges: the branch, then its ancestors, each clipped at `lsn`. */
export function lineageAt(engine: LsmEngine, branch: number, lsn: number): Layer[] {
  return engine.ancestorLayers(branch).map((l) => ({ branch: l.branch, lsn: Math.min(l.lsn, lsn) }));
}

export class SchemaTimeline {
  private objects: Map<string, SchemaObject>;
  private cached: Catalog | undefined;

  private constructor(objects: Iterable<SchemaObject>) {
    this.objects = new Map();
    for (const o of objects) this.objects.set(keyOf(o.type, o.name), o);
  }

  /**
   * The catalog of `branch` as of `lsn`. Reads history below the retention horizon on purpose:
   * the catalog's versions are all kept from `fullHistorySince` on, which the caller checked.
   */
  static async load(engine: LsmEngine, branch: number, lsn: number): Promise<SchemaTimeline> {
    const t = new Transaction(engine, lsn, branch, new Catalog([]), branch === MAIN_BRANCH ? [] : lineageAt(engine, branch, lsn), true);
    try {
      return new SchemaTimeline((await Catalog.load(t)).objects());
    } finally {
      t.release();
    }
  }

  /** The current catalog (cached until the next change). */
  get catalog(): Catalog {
    return (this.cached ??= new Catalog(this.objects.values()));
  }

  /**
   * Applies one op of the catalog table (a put or delete of an object's row; the `~meta`
   * counters are not objects). Returns true when the schema changed.
   */
  apply(op: WalOp): boolean {
    const tuple = decodeUserKey(op.userKey).key;
    const type = tuple[0];
    const name = tuple[1];
    // Stored procedures are catalog rows too, but no row's shape depends on them.
    if (typeof type !== 'string' || typeof name !== 'string' || type.startsWith('~') || type === 'procedure') return false;
    const k = `${type}:${name}`;
    if (op.value) {
      const text = utf8d.decode(op.value);
      if (!text.startsWith('{')) return false;
      this.objects.set(k, decodeSchemaObject(text) as SchemaObject);
    } else if (!this.objects.delete(k)) return false;
    this.cached = undefined;
    return true;
  }
}

function keyOf(type: string, name: string): string {
  return `${type}:${name.toLowerCase()}`;
}
