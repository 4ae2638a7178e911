// Reads rows of one table into the planner's row layout: the table's columns in declared
// order at `offset`, then the rowid (rowid tables), inside rows `width` wide.
import { encodeTablePrefix, encodeUserKey } from '../../mvcc/internal-key.js';
import type { KeyValue } from '../../mvcc/key-codec.js';
import type { TableSchema } from '../catalog/schema.js';
import { RowMaterializer } from '../rows/row-materializer.js';
import type { SqlValue } from '../types/value.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import type { Transaction } from '../txn/transaction.js';

export class TableReader {
  private readonly rows: RowMaterializer;
  /** Number of row positions this table fills: its columns, plus the rowid for rowid tables. */
  readonly columnCount: number;

  constructor(
    readonly table: TableSchema,
    /** Width of the rows produced (the whole scope); set once every source is known. */
    public width: number,
    readonly offset: number,
    /** Default of each column for rows written before ADD COLUMN (constant values). */
    defaults: readonly SqlValue[],
  ) {
    this.rows = new RowMaterializer(table, [...defaults]);
    this.columnCount = table.columns.length + (table.withoutRowid ? 0 : 1);
  }

  /**
   * A fixed read view for this table reference (FOR SYSTEM_TIME AS OF ...), resolved per
   * statement execution; the statement's transaction when undefined.
   */
  view?: (env: ExecEnv) => Transaction;

  /** Where this reader reads: its time-travel view, or the statement's transaction. */
  kv(env: ExecEnv): Transaction {
    return this.view ? this.view(env) : env.txn;
  }

  /** Decodes one stored row into a new `width`-wide row. */
  decode(uk: Uint8Array, value: Uint8Array, branch: number): Row {
    const row: Row = new Array(this.width).fill(null);
    this.decodeInto(row, uk, value, branch);
    return row;
  }

  /**
   * Column positions the query reads (set by the planner: a live set filled while expressions
   * compile; the rowid is position `table.columns.length`); undefined means all. Other
   * columns, and the rowid when neither it nor an INTEGER PRIMARY KEY is read, are left NULL.
   */
  used?: ReadonlySet<number>;
  private neededSlots: Uint8Array | undefined | null = null;
  private neededRowid = true;

  private needed(): Uint8Array | undefined {
    if (this.neededSlots !== null) return this.neededSlots;
    const used = this.used;
    if (!used) return (this.neededSlots = undefined);
    const t = this.table;
    const m = new Uint8Array(t.nextColumnId);
    t.columns.forEach((c, i) => {
      if (used.has(i)) m[c.id] = 1;
    });
    this.neededRowid = used.has(t.columns.length) || (t.rowidAlias >= 0 && used.has(t.rowidAlias));
    return (this.neededSlots = m);
  }

  decodeInto(row: Row, uk: Uint8Array, value: Uint8Array, branch: number): void {
    const needed = this.needed();
    this.rows.decodeInto(row, this.offset, uk, value, branch, needed, this.neededRowid);
  }

  /** Key bounds of the whole table. */
  bounds(branch: number): { lower: Uint8Array; upper: Uint8Array } {
    return { lower: encodeTablePrefix(branch, this.table.id), upper: encodeTablePrefix(branch, this.table.id + 1) };
  }

  /** Rows with user keys in [lower, upper), in batches. */
  async *scan(env: ExecEnv, lower?: Uint8Array, upper?: Uint8Array, reverse = false): AsyncGenerator<Row[]> {
    const kv = this.kv(env);
    const branch = kv.branch;
    const b = this.bounds(branch);
    for await (const entries of kv.scanBatches(lower ?? b.lower, upper ?? b.upper, reverse, BATCH_ROWS)) {
      const batch: Row[] = new Array(entries.length);
      for (let i = 0; i < entries.length; i++) batch[i] = this.decode(entries[i]!.uk, entries[i]!.value, branch);
      const t = env.guard.tick(entries.length);
      if (t) await t;
      yield batch;
    }
  }

  /** The row with this key tuple, or undefined. */
  get(env: ExecEnv, key: readonly KeyValue[]): Row | undefined | Promise<Row | undefined> {
    const branch = this.kv(env).branch;
    const uk = encodeUserKey(branch, this.table.id, key);
    return this.getRaw(env, uk);
  }

  /** The rows with these user keys (same order; undefined where none), read in one batch (Transaction.getMany). */
  getRawMany(env: ExecEnv, uks: readonly Uint8Array[]): (Row | undefined)[] | Promise<(Row | undefined)[]> {
    const kv = this.kv(env);
    const branch = kv.branch;
    const v = kv.getMany(uks);
    return v instanceof Promise ? v.then((x) => this.decodeAll(uks, x, branch)) : this.decodeAll(uks, v, branch);
  }

  private decodeAll(uks: readonly Uint8Array[], vals: readonly (Uint8Array | undefined)[], branch: number): (Row | undefined)[] {
    const out = new Array<Row | undefined>(vals.length);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      out[i] = v ? this.decode(uks[i]!, v, branch) : undefined;
    }
    return out;
  }

  getRaw(env: ExecEnv, uk: Uint8Array): Row | undefined | Promise<Row | undefined> {
    const kv = this.kv(env);
    const branch = kv.branch;
    const v = kv.get(uk);
    if (v instanceof Promise) return v.then((x) => (x ? this.decode(uk, x, branch) : undefined));
    return v ? this.decode(uk, v, branch) : undefined;
  }
}
