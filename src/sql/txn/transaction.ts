// The SQL layer's transaction: the key-value transaction of src/mvcc (read view, write set,
// undo log, range claims, branch layers) plus the schema its statements plan against and
// whether they changed it. Commit is the engine's (src/mvcc/commit.ts, first committer wins),
// called by `Database.commit`, which adds the commit-log row and a claim on the catalog's key
// range: a transaction whose schema changed under it retries (schemaClaim). Its `catalog` is
// its branch's schema as of its read LSN (src/sql/api/core.ts begin() keeps that invariant),
// so a claim from the read LSN covers every schema change it did not plan against.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { encodeUserKey, userKeyPrefix } from '../../mvcc/internal-key.js';
import type { RangeClaim } from '../../mvcc/conflicts.js';
import type { Layer } from '../../mvcc/layers.js';
import type { KeyTuple } from '../../mvcc/key-codec.js';
import { Transaction as KvTransaction } from '../../mvcc/transaction.js';
import { byteString } from '../../util/bytes.js';
import type { AfterEvent } from './after-events.js';
import { CATALOG_TABLE_ID, FIRST_USER_ID, type Catalog } from '../catalog/catalog.js';
import { isTempId, isTempKey, type TempStore } from './temp-store.js';

export type { PendingWrite } from '../../mvcc/transaction.js';
export type { RangeClaim } from '../../mvcc/conflicts.js';

export class Transaction extends KvTransaction {
  declare readonly engine: LsmEngine;
  /** True once the transaction changed the schema: the DB reloads its catalog at commit. */
  ddl = false;
  /** Row changes for programmatic AFTER triggers, each with the undo-log length after it (dropped when undone). */
  afterEvents: { readonly at: number; readonly event: AfterEvent }[] = [];
  /**
   * Index-method work deferred until the statement ends (index-methods.ts `deferIndexWork`:
   * writes that must first read), each with the undo-log length after its row's write
   * (dropped when undone, like `afterEvents`).
   */
  deferredIndexWork: { readonly at: number; readonly method: string; readonly work: unknown }[] = [];
  /**
   * The handle's TEMP schema and rows (temp-store.ts): keys of temp ids are read from it, not
   * from the engine. Undefined for transactions of no handle (time travel, recovery): they
   * see no temp objects.
   */
  temp: TempStore | undefined;
  /** `temp.version` when this transaction began: the temp commits it may conflict with came after (TempStore.reserve). */
  tempSince = 0;

  constructor(
    engine: LsmEngine,
    readLsn: number,
    branch: number,
    /** The branch's schema as of `readLsn`, which this transaction sees (replaced by its own DDL). */
    public catalog: Catalog,
    ancestors: readonly Layer[] = [],
    readOnly = false,
  ) {
    super(engine, readLsn, branch, ancestors, readOnly);
    // Row writes of tables carry their before image into the WAL (change data capture): table
    // writers supply it; any they did not is read at commit. Rows of a table this transaction
    // dropped are not captured (their drop_table event stands for them).
    this.captureBefore = (uk) => {
      const id = userKeyPrefix(uk).table;
      return id >= FIRST_USER_ID && !isTempId(id) && this.catalog.tableById(id) !== undefined;
    };
  }

  protected override readOnlyError(): DoSQLError {
    return new DoSQLError('SQL_ERROR', 'sql: attempt to write a readonly database (a time-travel read view)');
  }

  override get(uk: Uint8Array, columns?: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  override get(table: number, key: KeyTuple): Promise<Uint8Array | undefined>;
  override get(a: Uint8Array | number, b?: KeyTuple | Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (typeof a === 'number' || !isTempKey(a)) return typeof a === 'number' ? super.get(a, b as KeyTuple) : super.get(a, b as Uint8Array | undefined);
    const w = this.writes.get(byteString(a));
    if (w) return w.value ?? undefined;
    return this.temp?.get(a);
  }

  override getMany(uks: readonly Uint8Array[]): (Uint8Array | undefined)[] | Promise<(Uint8Array | undefined)[]> {
    // Temp keys are the handle's, not the engine's: key by key through `get`.
    for (const uk of uks) if (isTempKey(uk)) return this.getEach(uks, new Array<Uint8Array | undefined>(uks.length), 0);
    return super.getMany(uks);
  }

  protected override committed(lower: Uint8Array, upper: Uint8Array, reverse: boolean): AsyncGenerator<{ rawKey: Uint8Array; value: Uint8Array }> {
    if (!isTempKey(lower)) return super.committed(lower, upper, reverse);
    return fromSync(this.temp?.scan(lower, upper, reverse) ?? []);
  }

  override scanDirect(lower: Uint8Array, upper: Uint8Array, max: number): { uks: Uint8Array[]; values: Uint8Array[]; resume: Uint8Array | null } | null {
    // Temp ranges are the handle's, not the engine's.
    return isTempKey(lower) ? null : super.scanDirect(lower, upper, max);
  }

  override async *scanBatches(lower: Uint8Array, upper: Uint8Array, reverse = false, batch = 256): AsyncGenerator<{ uk: Uint8Array; value: Uint8Array }[]> {
    if (!isTempKey(lower)) {
      yield* super.scanBatches(lower, upper, reverse, batch);
      return;
    }
    // Temp ranges take the merging path (their committed rows are the handle's, not the engine's).
    let out: { uk: Uint8Array; value: Uint8Array }[] = [];
    for await (const e of this.scan(lower, upper, reverse)) {
      out.push(e);
      if (out.length >= batch) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  /** Records a row change for the AFTER triggers, kept unless the statement or transaction is undone. */
  recordAfter(event: AfterEvent): void {
    this.afterEvents.push({ at: this.mark(), event });
  }

  override rollbackTo(mark: number): void {
    super.rollbackTo(mark);
    if (this.afterEvents.length) this.afterEvents = this.afterEvents.filter((e) => e.at <= mark);
    if (this.deferredIndexWork.length) this.deferredIndexWork = this.deferredIndexWork.filter((e) => e.at <= mark);
  }

  /** Claims the branch's catalog rows: the commit fails with WRITE_CONFLICT if the schema changed after the read LSN. */
  claimSchema(): void {
    this.claim(schemaClaim(this.branch));
  }
}

async function* fromSync<T>(it: Iterable<T>): AsyncGenerator<T> {
  yield* it;
}

const claims = new Map<number, RangeClaim>();

/** The catalog's key range on `branch`, claimed for any change (see RangeClaim). */
function schemaClaim(branch: number): RangeClaim {
  let c = claims.get(branch);
  if (!c) {
    c = { lower: encodeUserKey(branch, CATALOG_TABLE_ID, []), upper: encodeUserKey(branch, CATALOG_TABLE_ID + 1, []), anyChange: true, label: 'the schema, which changed while this transaction ran' };
    if (claims.size > 1024) claims.clear();
    claims.set(branch, c);
  }
  return c;
}
