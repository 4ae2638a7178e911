// The Iceberg tables of one warehouse as an engine publishes them (iceberg-publish.ts), with
// the manifest bookkeeping that goes with them: runs a retained snapshot references in place
// are listed in the manifest's `externalRefs`, so compaction keeps them while external readers
// may open them (docs/design/cold-tier.md, "Iceberg publishing").
import { MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { PublishResult } from '../iceberg/publisher.js';
import type { ColdTier } from './cold-tier.js';
import { expireTableSnapshots, externalKeys, publishCopy, publishFromRuns, removeOrphans, tableSnapshots, type IcebergTableSource } from './iceberg-publish.js';
import { COLD_RUN_PREFIX } from './run-keys.js';
import type { Warehouse } from './warehouse.js';

export class IcebergTables {
  constructor(
    private readonly tier: ColdTier,
    readonly warehouse: Warehouse,
  ) {}

  /**
   * Publishes table `t` as a new snapshot of its state at `at.lsn` on branch `at.branch`:
   * referencing its runs in place when they hold exactly that state (main branch only: runs
   * hold main's rows), else writing the rows `t` hands over. Throws IO_ERROR from the stores,
   * CORRUPTION for a damaged run, BUSY when another publish of the table won the race.
   */
  async publish(t: IcebergTableSource, at: { lsn: number; branch: number }): Promise<PublishResult> {
    const w = this.warehouse;
    const runs = at.branch === MAIN_BRANCH ? this.tier.exclusiveRuns(t.table) : null;
    let r: PublishResult | undefined;
    if (runs) {
      try {
        r = await publishFromRuns(t, at.lsn, w, runs, this.tier.now(), (keys) => this.tier.editExternalRefs(keys, true));
      } finally {
        runs.release();
      }
    }
    return r ?? (await publishCopy(t, at.lsn, w, this.tier.now()));
  }

  /**
   * Lists, in the manifest, exactly the columnar runs some retained snapshot of `tables`
   * (every table of the database, by name as created) references, so compaction keeps them
   * while a reader may open them (and frees the rest).
   */
  async refreshExternalRefs(tables: readonly string[]): Promise<void> {
    const keys = new Set<string>();
    for (const name of tables) for (const k of await externalKeys(this.warehouse, name, COLD_RUN_PREFIX)) keys.add(k);
    const before = this.tier.externalRefs;
    if (before.length === keys.size && before.every((k) => keys.has(k))) return;
    await this.tier.editExternalRefs(keys, false);
  }

  /** The snapshots of table `name`: `{ snapshotId, lsn, timestampMs, metadataPath }`. */
  snapshots(name: string): Promise<{ snapshotId: bigint; lsn: number; timestampMs: number; metadataPath: string }[]> {
    return tableSnapshots(this.warehouse, name);
  }

  /** Expires snapshots of `name` older than `olderThanMs` by the engine clock, keeping the newest `retainLast` (iceberg/maintenance.ts). */
  expireSnapshots(name: string, o: { olderThanMs: number; retainLast?: number }): Promise<{ expired: bigint[] }> {
    return expireTableSnapshots(this.warehouse, name, { ...o, timestampMs: this.tier.now() });
  }

  /** Deletes files in the table's folder no metadata version references; returns their keys. */
  removeOrphans(name: string): Promise<string[]> {
    return removeOrphans(this.warehouse, name);
  }
}
