// The commit log: every SQL commit also writes one row of table 2, key (commit timestamp ms),
// in its branch. The row's version LSN is the commit's LSN, so the log maps timestamps to
// LSNs (AS OF TIMESTAMP) and LSNs to timestamps (history pseudo-columns) exactly, and it
// travels with branches and retention like any other row. docs/format/row.md §Keys.
import { encodeRange } from '../../lsm/engine-types.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { encodeUserKey, KIND_PUT } from '../../mvcc/internal-key.js';
import type { KvOp } from '../../mvcc/kv-types.js';
import { decodeKeyTuple, readOrderedUvarint } from '../../mvcc/key-codec.js';
import type { Layer } from '../../mvcc/layers.js';

/** Key-space id of the commit log. Persisted: never change. */
export const COMMIT_LOG_TABLE_ID = 2;

/** The commit log row's value (empty: the key and the version LSN say everything). */
export const COMMIT_LOG_VALUE = new Uint8Array(0);

export function commitLogKey(branch: number, ts: number): Uint8Array {
  return encodeUserKey(branch, COMMIT_LOG_TABLE_ID, [ts]);
}

/** The commit-log put of a commit at `ts` on `branch`. */
export function commitLogOp(branch: number, ts: number): KvOp {
  return { kind: KIND_PUT, userKey: commitLogKey(branch, ts), value: COMMIT_LOG_VALUE };
}

/** LSN of the last commit at or before `ms` visible through `layers`; 0 when none. */
export async function lsnAtTimestamp(engine: LsmEngine, layers: readonly Layer[], ms: number): Promise<number> {
  for (const l of layers) {
    const { lower, upper } = encodeRange(l.branch, COMMIT_LOG_TABLE_ID, { lte: [ms] });
    for await (const e of engine.scanRaw(lower, upper, l.lsn, true, 1)) return e.lsn;
  }
  return 0;
}

/** Every commit (LSN and timestamp) visible through `layers`, newest first. */
export async function commits(engine: LsmEngine, layers: readonly Layer[]): Promise<{ lsn: number; ts: number }[]> {
  const out: { lsn: number; ts: number }[] = [];
  for (const l of layers) {
    const lower = encodeUserKey(l.branch, COMMIT_LOG_TABLE_ID, []);
    const upper = encodeUserKey(l.branch, COMMIT_LOG_TABLE_ID + 1, []);
    for await (const v of engine.scanVersions(lower, upper, l.lsn, true)) {
      if (v.value) out.push({ lsn: v.lsn, ts: keyTimestamp(v.userKey) });
    }
  }
  return out.sort((a, b) => b.lsn - a.lsn);
}

function keyTimestamp(uk: Uint8Array): number {
  const c = { pos: 0 };
  readOrderedUvarint(uk, c);
  readOrderedUvarint(uk, c);
  const v = decodeKeyTuple(uk, c.pos).values[0];
  return typeof v === 'bigint' ? Number(v) : (v as number);
}
