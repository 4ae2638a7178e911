// Branch read layers. A branch's key space holds only what was written on the branch;
// reading it means reading its own keys (tombstones included, so a delete on the branch hides
// the parent's row), then the parent's as of the branch's base LSN, and so on up to main.
// Keys of every layer differ only in their leading branch varint, so layers merge on the
// rest of the key (the "suffix": table id and primary key).
import { compareBytes } from '../../util/bytes.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { KIND_PUT } from '../../mvcc/internal-key.js';
import { writeOrderedUvarint } from '../../mvcc/key-codec.js';
import { ByteWriter } from '../../util/byte-writer.js';
import { byteString, compareRange } from '../../util/bytes.js';

/** One layer: read branch `branch` as of `lsn`. */
export interface Layer {
  readonly branch: number;
  readonly lsn: number;
}

const w = new ByteWriter(16);

/** The encoded branch prefix of every user key of `branch` (docs/format/keys.md). */
export function branchPrefix(branch: number): Uint8Array {
  w.reset();
  writeOrderedUvarint(w, branch);
  return w.toBytes();
}

/** `uk` (a key of some branch whose prefix is `fromLen` bytes) moved to `toPrefix`. */
export function rebase(uk: Uint8Array, fromLen: number, toPrefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(toPrefix.length + uk.length - fromLen);
  out.set(toPrefix);
  out.set(uk.subarray(fromLen), toPrefix.length);
  return out;
}

/** The newest version of one key across layers: the value, or undefined when absent or deleted. */
export async function layeredGet(engine: LsmEngine, layers: readonly Layer[], uk: Uint8Array): Promise<Uint8Array | undefined> {
  const ownLen = branchPrefix(layers[0]!.branch).length;
  for (const l of layers) {
    const key = l === layers[0] ? uk : rebase(uk, ownLen, branchPrefix(l.branch));
    const v = await engine.getRaw(key, l.lsn);
    if (v) return v.kind === KIND_PUT ? v.value : undefined;
  }
  return undefined;
}

interface Head {
  uk: Uint8Array;
  value: Uint8Array | null;
  lsn: number;
  prefixLen: number;
}

/**
 * Live rows of [lower, upper) (keys in the first layer's branch) across layers, ascending,
 * with keys rewritten into the first layer's branch. The newest layer wins per key.
 */
export async function* layeredScan(engine: LsmEngine, layers: readonly Layer[], lower: Uint8Array, upper: Uint8Array): AsyncGenerator<{ uk: Uint8Array; value: Uint8Array; lsn: number }> {
  const own = branchPrefix(layers[0]!.branch);
  const its = layers.map((l) => {
    const p = branchPrefix(l.branch);
    const lo = l === layers[0] ? lower : rebase(lower, own.length, p);
    const hi = l === layers[0] ? upper : rebase(upper, own.length, p);
    return { it: engine.scanVersions(lo, hi, l.lsn, false)[Symbol.asyncIterator](), prefixLen: p.length };
  });
  const heads: (Head | null)[] = [];
  const pull = async (i: number): Promise<void> => {
    const r = await its[i]!.it.next();
    heads[i] = r.done ? null : { uk: r.value.userKey, value: r.value.value, lsn: r.value.lsn, prefixLen: its[i]!.prefixLen };
  };
  try {
    for (let i = 0; i < its.length; i++) await pull(i);
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (!h) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const b = heads[best]!;
        if (compareRange(h.uk, h.prefixLen, h.uk.length, b.uk, b.prefixLen, b.uk.length) < 0) best = i;
      }
      if (best < 0) return;
      const b = heads[best]!;
      const winner = b;
      // Advance every layer positioned on the same suffix; the first (newest) layer wins.
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && i !== best && compareRange(h.uk, h.prefixLen, h.uk.length, b.uk, b.prefixLen, b.uk.length) === 0) await pull(i);
      }
      await pull(best);
      if (winner.value) yield { uk: best === 0 ? winner.uk : rebase(winner.uk, winner.prefixLen, own), value: winner.value, lsn: winner.lsn };
    }
  } finally {
    for (const x of its) await x.it.return?.(undefined);
  }
}

/** One stored version of a key in a history scan (value null: the key was deleted at `lsn`). */
export interface HistoryVersion {
  readonly value: Uint8Array | null;
  readonly lsn: number;
}

/**
 * Every stored version of each key of [lower, upper) across layers, grouped by key
 * (ascending) and newest first: the branch's own versions, then the parent's up to the base.
 */
export async function* historyScan(engine: LsmEngine, layers: readonly Layer[], lower: Uint8Array, upper: Uint8Array): AsyncGenerator<{ uk: Uint8Array; versions: HistoryVersion[] }> {
  if (layers.length === 1) {
    // One layer: the engine already yields versions grouped by key, newest first.
    let cur: { uk: Uint8Array; versions: HistoryVersion[] } | undefined;
    for await (const v of engine.scanVersions(lower, upper, layers[0]!.lsn, true)) {
      if (cur && compareBytes(cur.uk, v.userKey) === 0) cur.versions.push({ value: v.value, lsn: v.lsn });
      else {
        if (cur) yield cur;
        cur = { uk: v.userKey, versions: [{ value: v.value, lsn: v.lsn }] };
      }
    }
    if (cur) yield cur;
    return;
  }
  const own = branchPrefix(layers[0]!.branch);
  const byKey = new Map<string, { uk: Uint8Array; perLayer: HistoryVersion[][] }>();
  for (let li = 0; li < layers.length; li++) {
    const l = layers[li]!;
    const p = branchPrefix(l.branch);
    const lo = li === 0 ? lower : rebase(lower, own.length, p);
    const hi = li === 0 ? upper : rebase(upper, own.length, p);
    for await (const v of engine.scanVersions(lo, hi, l.lsn, true)) {
      const uk = li === 0 ? v.userKey : rebase(v.userKey, p.length, own);
      const k = byteString(uk);
      let e = byKey.get(k);
      if (!e) byKey.set(k, (e = { uk, perLayer: layers.map(() => []) }));
      e.perLayer[li]!.push({ value: v.value, lsn: v.lsn });
    }
  }
  const keys = [...byKey.keys()].sort();
  for (const k of keys) {
    const e = byKey.get(k)!;
    yield { uk: e.uk, versions: e.perLayer.flat() };
  }
}
