// The SQL side of the cold tier (src/cold, reached as engine.cold): the codec that turns this
// database's rows into columns (rows/cold-layout.ts, installed at open), the columnar-run
// lookup statements use, cold compaction, and Iceberg publishing and upkeep. The cold tier
// writes, reads and publishes; this supplies schemas and rows (iceberg-source.ts).
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { MAIN_BRANCH } from '../../mvcc/internal-key.js';
import type { IcebergTables, Warehouse } from '../../cold/index.js';
import type { Catalog } from '../catalog/catalog.js';
import type { TableSchema } from '../catalog/schema.js';
import type { ColdSource } from '../execution/columnar-aggregate-op.js';
import { sqlColdCodec } from '../rows/cold-layout.js';
import { argNames, argOptions, argString, optionNumber, optionOf, optionOneOf } from './arguments.js';
import { commits } from './commit-log.js';
import type { DatabaseCore } from './core.js';
import { icebergSource } from './iceberg-source.js';
import type { Logger } from '../../util/log.js';
import { progressReporter, type CompactProgress, type ProgressCallback } from '../../util/progress.js';

/** One table published as an Iceberg snapshot. */
export interface PublishedSnapshot {
  table: string;
  snapshotId: bigint;
  lsn: number;
}

export class SqlColdTier {
  constructor(
    private readonly core: DatabaseCore,
    /** Where Iceberg snapshots of the tables are published (the cold tier's catalog). */
    private readonly warehouse: Warehouse | undefined,
    /** DB()'s `onProgress` and the logger its throws are logged to (src/util/progress.ts). */
    private readonly progress: { onProgress?: ProgressCallback; logger?: Logger } = {},
  ) {}

  /** Installs the codec of this database's rows in the engine (right after open, before any read). */
  install(engine: LsmEngine): void {
    engine.setColdCodec(
      sqlColdCodec(async () => {
        const lsn = engine.lastVisibleLsn;
        const catalog = await this.core.loadCatalog(engine, MAIN_BRANCH, lsn);
        const tables = catalog.objects().filter((o): o is TableSchema => o.type === 'table');
        return { tables, commits: await commits(engine, [{ branch: MAIN_BRANCH, lsn }]) };
      }),
    );
  }

  /**
   * The columnar-run lookup a statement's ExecEnv uses. Runs hold main's rows; a statement on
   * another branch (or FOR SYSTEM_TIME AS OF one) reads them through its layers, its branch's
   * own keys coming in the hot delta (cold-scan.ts), so every branch gets the lookup. A table
   * without runs whose rows sit in SSTables is read through the SSTables' columnar images
   * (src/cold/hot-scan.ts).
   */
  coldLookup(_branch: number): ((tableId: number) => ColdSource | undefined) | undefined {
    const engine = this.core.engineRef;
    if (!engine) return undefined;
    // One function per engine, not per statement.
    const c = this.lookup;
    if (c?.engine === engine) return c.fn;
    const fn = (tableId: number): ColdSource | undefined => engine.cold.runs(tableId) ?? engine.cold.images(tableId) ?? undefined;
    this.lookup = { engine, fn };
    return fn;
  }

  private lookup: { engine: LsmEngine; fn: (tableId: number) => ColdSource | undefined } | undefined;

  /** See Database.compact. */
  async compact(options: { full?: boolean; tier?: 'hot' | 'cold'; onProgress?: ProgressCallback }): Promise<{ published: PublishedSnapshot[] }> {
    optionOf(argOptions(options, 'db.compact()'), 'full', 'boolean', 'db.compact()');
    optionOneOf(options, 'tier', ['hot', 'cold'], 'db.compact()');
    optionOf(options, 'onProgress', 'function', 'db.compact()');
    const engine = await this.core.eng();
    const tier = options.tier === 'cold' ? 'cold' : 'hot';
    const report = progressReporter([this.progress.onProgress, options.onProgress], this.progress.logger);
    let last: CompactProgress = { operation: 'compact', tier, phase: 'compact', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, tablesDone: 0, tablesTotal: 0 };
    const emit = (p: Partial<CompactProgress>): void => {
      last = { ...last, ...p };
      report?.(last);
    };
    const onProgress = report ? (p: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }): void => emit(p) : undefined;
    if (tier === 'cold') await engine.compact({ tier: 'cold', ...(onProgress ? { onProgress } : {}) });
    else await engine.compact({ full: options.full ?? false, ...(onProgress ? { onProgress } : {}) });
    if (tier !== 'cold') return { published: [] };
    return { published: await this.publish(undefined, report ? (done, total) => emit({ phase: 'publish', tablesDone: done, tablesTotal: total }) : undefined) };
  }

  /** See Database.publishIceberg. */
  async publishIceberg(tables?: readonly string[]): Promise<PublishedSnapshot[]> {
    argNames(tables, 'db.publishIceberg()');
    return this.publish(tables, undefined);
  }

  /** Publishes `tables` (default all), telling `tick` tables done of total before the first and after each. */
  private async publish(tables: readonly string[] | undefined, tick: ((done: number, total: number) => void) | undefined): Promise<PublishedSnapshot[]> {
    const engine = await this.core.eng();
    const iceberg = this.iceberg(engine);
    const view = await this.core.begin(engine);
    try {
      // The handle's TEMP tables are its own (src/sql/txn/temp-store.ts): never published.
      const catalog = view.catalog.mainOnly();
      const names = tables ?? catalog.objects().filter((o) => o.type === 'table').map((o) => o.name);
      const out: PublishedSnapshot[] = [];
      tick?.(0, names.length);
      for (const name of names) {
        const t = catalog.table(name);
        // The cold tier references runs that hold exactly this state in place; otherwise it writes a copy.
        const r = await iceberg.publish(icebergSource(view, t, engine.clockNow()), { lsn: view.readLsn, branch: view.branch });
        out.push({ table: name, snapshotId: r.snapshotId, lsn: view.readLsn });
        tick?.(out.length, names.length);
      }
      await this.refreshExternalRefs(engine, iceberg);
      return out;
    } finally {
      view.release();
    }
  }

  /** See Database.icebergSnapshots. */
  async icebergSnapshots(table: string): Promise<{ snapshotId: bigint; lsn: number; timestampMs: number; metadataPath: string }[]> {
    argString(table, 'db.icebergSnapshots()', 'the table name');
    const engine = await this.core.eng();
    return this.iceberg(engine).snapshots(publishedName(await this.core.latestCatalog(engine), table));
  }

  /** See Database.cleanupIceberg. */
  async cleanupIceberg(tables?: readonly string[]): Promise<{ table: string; removed: string[] }[]> {
    argNames(tables, 'db.cleanupIceberg()');
    const engine = await this.core.eng();
    const iceberg = this.iceberg(engine);
    const catalog = await this.core.latestCatalog(engine);
    const names = tables ?? tableNames(catalog);
    const out: { table: string; removed: string[] }[] = [];
    for (const name of names) {
      const removed = await iceberg.removeOrphans(publishedName(catalog, name));
      out.push({ table: name, removed });
    }
    return out;
  }

  /** See Database.expireIcebergSnapshots. */
  async expireIcebergSnapshots(options: { olderThanMs: number; retainLast?: number; tables?: readonly string[] }): Promise<{ table: string; expired: bigint[]; removed: string[] }[]> {
    if (argOptions(options, 'db.expireIcebergSnapshots()').olderThanMs === undefined) throw new DoSQLError('INVALID_ARGUMENT', 'sql: db.expireIcebergSnapshots(): option olderThanMs is required');
    optionNumber(options, 'olderThanMs', 'db.expireIcebergSnapshots()');
    optionNumber(options, 'retainLast', 'db.expireIcebergSnapshots()', { integer: true, min: 1 });
    argNames(options.tables, 'db.expireIcebergSnapshots()');
    const engine = await this.core.eng();
    const iceberg = this.iceberg(engine);
    const catalog = await this.core.latestCatalog(engine);
    const names = options.tables ?? tableNames(catalog);
    const out: { table: string; expired: bigint[]; removed: string[] }[] = [];
    for (const name of names) {
      const r = await iceberg.expireSnapshots(publishedName(catalog, name), { olderThanMs: options.olderThanMs, ...(options.retainLast ? { retainLast: options.retainLast } : {}) });
      out.push({ table: name, expired: r.expired, removed: await iceberg.removeOrphans(publishedName(catalog, name)) });
    }
    await this.refreshExternalRefs(engine, iceberg);
    return out;
  }

  /** See Database.warehousePath. */
  warehousePath(): string {
    return this.requireWarehouse().url;
  }

  /**
   * Lists, in the manifest, exactly the columnar runs some retained Iceberg snapshot of a
   * table references, so compaction keeps them while a reader may open them (and frees the rest).
   */
  private async refreshExternalRefs(engine: LsmEngine, iceberg: IcebergTables): Promise<void> {
    const catalog = await this.core.loadCatalog(engine, MAIN_BRANCH, engine.lastVisibleLsn);
    await iceberg.refreshExternalRefs(catalog.objects().filter((o) => o.type === 'table').map((o) => o.name));
  }

  private requireWarehouse(): Warehouse {
    if (!this.warehouse) throw new DoSQLError('NOT_SUPPORTED', `sql: database ${this.core.name} has no cold tier configured`);
    return this.warehouse;
  }

  /** The warehouse's Iceberg tables as the engine's cold tier publishes them. Throws NOT_SUPPORTED without a warehouse. */
  private iceberg(engine: LsmEngine): IcebergTables {
    return engine.cold.iceberg(this.requireWarehouse());
  }
}

/** Tables of a schema. */
function tableNames(catalog: Catalog): string[] {
  return catalog.objects().filter((o) => o.type === 'table').map((o) => o.name);
}

/** A table's name as created (its Iceberg folder derives from it), or `name` for a table no longer in the catalog. */
function publishedName(catalog: Catalog, name: string): string {
  return catalog.findTable(name)?.name ?? name;
}
