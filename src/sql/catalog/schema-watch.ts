// Which commits changed a branch's schema, one watch per engine: how a Database handle knows
// that the catalog it cached is no longer the branch's schema. Several handles may share one
// engine (the Worker's handle per branch, `new Database(() => engine)` in user code, the
// migration handle at open), and each caches its branch's catalog as of the LSN it read it at;
// without this, a handle went on planning against that catalog after another handle's DDL
// (and a stale `CREATE TABLE IF NOT EXISTS` re-created a table, orphaning its rows).
//
// The watch is a commit listener (engine.onCommit, src/lsm/write-path.ts): it runs
// synchronously when a group of commits becomes visible, before any caller can begin a
// transaction at their LSNs. So "no commit changed branch b's catalog keys in (loadLsn,
// engine.lastVisibleLsn]", read synchronously when a transaction begins, is exact: the cached
// catalog is then the branch's schema as of that transaction's read LSN.
//
// Invariant: after `changedAfter(b, l)` returned false with the engine at visible LSN v, the
// catalog of branch b as of l equals the one as of v (a catalog key is written only by commits).
// Only a branch's own catalog keys count: a branch reads its parent's schema as of its base
// LSN, which later commits on the parent never change.
//
// Async safety: updated only by the listener, read synchronously; nothing awaits in between.
import type { LsmEngine } from '../../lsm/engine.js';
import type { CommitRecord } from '../../lsm/wal-format.js';
import { readOrderedUvarint } from '../../mvcc/key-codec.js';
import { CATALOG_TABLE_ID } from './catalog.js';

export class SchemaWatch {
  /**
   * Bumped by every commit that wrote a catalog key on any branch: a handle that found its
   * catalog current at version n knows it still is while the version is n (one comparison,
   * for the read fast path).
   */
  version = 0;
  /** Newest commit LSN that wrote a catalog key, per branch (since `since`). */
  private readonly changed = new Map<number, number>();
  /** A read-only engine made commits up to here visible unseen (engine.onFollowGap): older loads are stale. */
  private unseenUpTo = 0;

  /** Watches `engine` from now on; commits up to its visible LSN are unknown to it. */
  constructor(
    engine: LsmEngine,
    /** The engine's visible LSN when the watch started: older loads count as stale. */
    readonly since = engine.lastVisibleLsn,
  ) {
    engine.onCommit((records) => this.observe(records));
    engine.onFollowGap((upTo) => {
      this.unseenUpTo = Math.max(this.unseenUpTo, upTo);
      this.version++;
    });
  }

  /**
   * True when branch `branch`'s schema may differ from its schema as of `lsn`: a visible commit
   * after `lsn` wrote one of its catalog keys, or `lsn` is older than the watch.
   */
  changedAfter(branch: number, lsn: number): boolean {
    return lsn < this.since || lsn < this.unseenUpTo || (this.changed.get(branch) ?? 0) > lsn;
  }

  private observe(records: readonly CommitRecord[]): void {
    let any = false;
    for (const rec of records) {
      for (const op of rec.ops) {
        const b = catalogBranchOf(op.userKey);
        if (b !== undefined) {
          this.changed.set(b, rec.lsn);
          any = true;
        }
      }
    }
    if (any) this.version++;
  }
}

/** The branch of `uk` when it is a catalog key (table CATALOG_TABLE_ID), else undefined. */
function catalogBranchOf(uk: Uint8Array): number | undefined {
  // docs/format/keys.md: ovarint(branch) ovarint(table) ...; an ovarint below 248 is one byte,
  // so for the usual branch ids the table's first byte is uk[1] and equals 1 only for table 1.
  const b0 = uk[0]!;
  if (b0 < 248) return uk[1] === CATALOG_TABLE_ID ? b0 : undefined;
  const c = { pos: 0 };
  const branch = readOrderedUvarint(uk, c);
  return readOrderedUvarint(uk, c) === CATALOG_TABLE_ID ? branch : undefined;
}

const watches = new WeakMap<LsmEngine, SchemaWatch>();

/** The schema watch of `engine`, started on first use (every handle asks before it loads a catalog). */
export function schemaWatch(engine: LsmEngine): SchemaWatch {
  let w = watches.get(engine);
  if (!w) {
    w = new SchemaWatch(engine);
    watches.set(engine, w);
  }
  return w;
}
