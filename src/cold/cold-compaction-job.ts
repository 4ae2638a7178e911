// The cold compaction: merges every input run exactly like a full compaction (same GC rule,
// compaction-job.ts mergeVersions), but writes the main-branch rows of each SQL table the
// codec plans as columnar runs (Parquet, docs/format/columnar.md) on the cold store; every
// other key (catalog, commit log, indexes, branches) goes on as SSTables. Because the inputs
// arrive in internal-key order and a table is one contiguous key range, each table's rows
// form one stretch: the SSTable being built is cut before it, so hot and cold output files
// never overlap and together form the single sorted run of the cold level.
import { DoSQLError } from '../errors.js';
import { writeColumnarRun, type RunRow } from './columnar-run.js';
import type { ColdFileInfo, FileMeta } from '../manifest/manifest-format.js';
import { KIND_DELETE, MAIN_BRANCH, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { readOrderedUvarint } from '../mvcc/key-codec.js';
import type { SSTableWriterOptions } from '../sstable/sstable-writer.js';
import type { ObjectStore } from '../storage/object-store.js';
import { compareBytes, compareRange } from '../util/bytes.js';
import type { ColdPlan, ColdTablePlan } from './cold-codec.js';
import { coldRunKey } from './run-keys.js';
import { mergeVersions, type CompactionResult, type MergeOptions, type VersionSink } from '../compaction/compaction-job.js';
import type { Compaction } from '../compaction/compaction-picker.js';
import { RunBuilder } from '../compaction/run-builder.js';

export interface ColdCompactionOptions extends MergeOptions {
  /** The hot store (SSTables) and the cold store (columnar runs); may be the same store. */
  store: ObjectStore;
  coldStore: ObjectStore;
  targetFileBytes: number;
  sstable: SSTableWriterOptions;
  /** Writer epoch, part of every output file name. */
  epoch: number;
  newFileNumber: () => number;
  plan: ColdPlan;
  /** Rows per columnar file, cut only between two keys. Default 1,048,576. */
  rowsPerFile?: number;
  /** Rows per row group. Default 65,536. */
  rowGroupRows?: number;
}

export async function runColdCompaction(c: Compaction, o: ColdCompactionOptions): Promise<CompactionResult> {
  const t0 = Date.now();
  const builder = new RunBuilder({ store: o.store, epoch: o.epoch, targetFileBytes: o.targetFileBytes, sstable: o.sstable, newFileNumber: o.newFileNumber });
  const router = new ColdRouter(builder, o);
  const m = await mergeVersions(c, o, router);
  await router.finishTable();
  const hot = await builder.finish();
  const outputs = [...hot, ...router.outputs].sort((a, b) => compareBytes(a.smallest, b.smallest));
  return {
    outputs,
    bytesRead: m.bytesRead,
    bytesWritten: builder.bytesWritten + router.bytesWritten,
    entriesIn: m.entriesIn,
    entriesOut: builder.entries + router.entries,
    droppedVersions: m.droppedVersions,
    droppedTombstones: m.droppedTombstones,
    ms: Date.now() - t0,
  };
}

/** Sends each version to the SSTable builder or to its table's columnar writer. */
class ColdRouter implements VersionSink {
  readonly outputs: FileMeta[] = [];
  bytesWritten = 0;
  entries = 0;
  /** Prefix (branch, table) of the current stretch and whether it is columnar. */
  private prefix = new Uint8Array(0);
  private plan: ColdTablePlan | null = null;
  private rows: RunRow[] = [];
  private ikeys: Uint8Array[] = [];
  private newest = 0;
  private tombstones = 0;
  private readonly rowsPerFile: number;
  private readonly rowGroupRows: number;

  constructor(
    private readonly builder: RunBuilder,
    private readonly o: ColdCompactionOptions,
  ) {
    this.rowsPerFile = o.rowsPerFile ?? 1 << 20;
    this.rowGroupRows = o.rowGroupRows ?? 65_536;
  }

  add(ikey: Uint8Array, value: Uint8Array): void | Promise<void> {
    const ukLen = ikey.length - TRAILER_SIZE;
    const p = this.prefix;
    const same = p.length > 0 && ukLen >= p.length && compareRange(ikey, 0, p.length, p, 0, p.length) === 0;
    if (!same) return this.switchTo(ikey).then(() => this.add(ikey, value));
    if (!this.plan) {
      this.builder.add(ikey, value);
      return;
    }
    const prev = this.ikeys[this.ikeys.length - 1];
    const newKey = !prev || compareRange(prev, 0, prev.length - TRAILER_SIZE, ikey, 0, ukLen) !== 0;
    if (newKey && this.rows.length >= this.rowsPerFile) return this.writeFile().then(() => this.add(ikey, value));
    const kind = trailerKind(ikey) === KIND_DELETE ? 0 : 1;
    const lsn = trailerLsn(ikey);
    const cols = this.plan.toColumns(ikey.subarray(0, ukLen), kind === 1 ? value : null);
    this.rows.push({ key: cols.key, lsn, ts: this.o.plan.timestampOf(lsn), kind, values: cols.values });
    this.ikeys.push(ikey.slice());
    if (newKey) this.newest++;
    if (kind === 0) this.tombstones++;
  }

  /** Ends the current stretch and starts the one `ikey` belongs to. */
  private async switchTo(ikey: Uint8Array): Promise<void> {
    await this.finishTable();
    const cur = { pos: 0 };
    const branch = readOrderedUvarint(ikey, cur);
    const table = readOrderedUvarint(ikey, cur);
    this.prefix = ikey.slice(0, cur.pos);
    this.plan = branch === MAIN_BRANCH ? (this.o.plan.tables.get(table) ?? null) : null;
    // The SSTable in progress must not span the columnar stretch's key range.
    if (this.plan) this.builder.cutFile();
  }

  /** Writes what is buffered for the current columnar table. */
  async finishTable(): Promise<void> {
    if (this.plan && this.rows.length > 0) await this.writeFile();
  }

  private async writeFile(): Promise<void> {
    const plan = this.plan!;
    const rows = this.rows;
    const ikeys = this.ikeys;
    const number = this.o.newFileNumber();
    const key = coldRunKey(this.o.epoch, number, plan.table);
    const [file] = await writeColumnarRun(rows, {
      schema: plan.schema,
      keyColumns: plan.keyColumns,
      store: this.o.coldStore,
      pathFor: (i) => (i === 0 ? key : `${key}.${i}`),
      targetFileBytes: Number.MAX_SAFE_INTEGER,
      rowGroupRows: this.rowGroupRows,
    });
    if (!file) throw new DoSQLError('INVALID_ARGUMENT', `compaction: no columnar file written for ${key}`);
    const shadowFieldIds: number[] = [];
    for (const col of file.stats.columns) {
      const of = col.column.shadowOf;
      if (of !== undefined && col.valueCount - (col.nullValueCount ?? 0) > 0) shadowFieldIds.push(of);
    }
    const cold: ColdFileInfo = {
      table: plan.table,
      layout: plan.layout,
      rowGroupRows: this.rowGroupRows,
      groupKeys: file.stats.rowGroups.map((g) => ikeys[g.firstRow]!),
      newestRows: this.newest,
      shadowFieldIds,
      checksums: file.checksums,
    };
    this.outputs.push({
      number,
      key,
      tier: 'cold',
      size: file.sizeBytes,
      smallest: ikeys[0]!,
      largest: ikeys[ikeys.length - 1]!,
      minLsn: file.minLsn,
      maxLsn: file.maxLsn,
      entries: rows.length,
      tombstones: this.tombstones,
      cold,
    });
    this.bytesWritten += file.sizeBytes;
    this.entries += rows.length;
    this.rows = [];
    this.ikeys = [];
    this.newest = 0;
    this.tombstones = 0;
  }
}
