// Branch read layers. A branch's key space holds only what was written on the branch;
// reading it means reading its own keys (tombstones included, so a delete on the branch hides
// the parent's row), then the parent's as of the branch's base LSN, and so on up to main.
// Keys of every layer differ only in their leading branch varint, so layers merge on the
// rest of the key (the "suffix": table id and primary key).
import { ByteWriter } from '../util/byte-writer.js';
import { byteString, compareBytes, compareRange } from '../util/bytes.js';
import { KIND_PUT } from './internal-key.js';
import { writeOrderedUvarint } from './key-codec.js';
import type { VersionReader } from './version-store.js';

/** One layer: read branch `branch` as of `lsn`. */
export interface Layer {
  readonly branch: number;
  readonly lsn: number;
}

/** What layered reads need from the engine. */
export type LayerSource = Pick<VersionReader, 'getRaw' | 'scanVersions' | 'scanVersionBatches'>;

/** A branch as the manifest records it (src/manifest/manifest-format.ts, `BranchRef`). */
export interface BranchLink {
  readonly id: number;
  readonly parent: number | null;
  readonly baseLsn: number;
}

/**
 * The ancestor layers of `branch`: its parent as of its base LSN, then the parent's parent as
 * of the smaller of the two bases, and so on up to main. None for main or an unknown branch.
 */
export function ancestorLayers(branches: readonly BranchLink[], branch: number): Layer[] {
  const out: Layer[] = [];
  let cur = branches.find((r) => r.id === branch);
  let lsn = Infinity;
  while (cur && cur.parent !== null) {
    lsn = Math.min(lsn, cur.baseLsn);
    out.push({ branch: cur.parent, lsn });
    const parentId = cur.parent;
    cur = branches.find((r) => r.id === parentId);
  }
  return out;
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
export async function layeredGet(engine: LayerSource, layers: readonly Layer[], uk: Uint8Array, columns?: Uint8Array): Promise<Uint8Array | undefined> {
  const ownLen = branchPrefix(layers[0]!.branch).length;
  for (const l of layers) {
    const key = l === layers[0] ? uk : rebase(uk, ownLen, branchPrefix(l.branch));
    const v = await engine.getRaw(key, l.lsn, columns);
    if (v) return v.kind === KIND_PUT ? v.value : undefined;
  }
  return undefined;
}

/**
 * Live rows of [lower, upper) (keys in the first layer's branch) across layers, ascending,
 * with keys rewritten into the first layer's branch. The newest layer wins per key.
 */
export async function* layeredScan(engine: LayerSource, layers: readonly Layer[], lower: Uint8Array, upper: Uint8Array): AsyncGenerator<{ uk: Uint8Array; value: Uint8Array; lsn: number }> {
  for await (const b of layeredScanBatches(engine, layers, lower, upper)) yield* b;
}

/** One layer's batched cursor. */
interface Cursor {
  readonly it: AsyncIterator<{ userKey: Uint8Array; value: Uint8Array | null; lsn: number }[]>;
  readonly prefixLen: number;
  buf: { userKey: Uint8Array; value: Uint8Array | null; lsn: number }[];
  i: number;
  done: boolean;
}

/**
 * `layeredScan` in arrays of up to `batch` rows: each layer is read in batches
 * (VersionReader.scanVersionBatches) and merged in memory, so a branch scan awaits once per batch
 * per layer instead of once per row.
 */
export async function* layeredScanBatches(
  engine: LayerSource,
  layers: readonly Layer[],
  lower: Uint8Array,
  upper: Uint8Array,
  batch = 256,
): AsyncGenerator<{ uk: Uint8Array; value: Uint8Array; lsn: number }[]> {
  const own = branchPrefix(layers[0]!.branch);
  const cs: Cursor[] = layers.map((l) => {
    const p = branchPrefix(l.branch);
    const lo = l === layers[0] ? lower : rebase(lower, own.length, p);
    const hi = l === layers[0] ? upper : rebase(upper, own.length, p);
    return { it: engine.scanVersionBatches(lo, hi, l.lsn, false, batch)[Symbol.asyncIterator](), prefixLen: p.length, buf: [], i: 0, done: false };
  });
  /** Ensures cursor c has a current entry unless exhausted. */
  const fill = async (c: Cursor): Promise<void> => {
    while (!c.done && c.i >= c.buf.length) {
      const r = await c.it.next();
      if (r.done) c.done = true;
      else {
        c.buf = r.value;
        c.i = 0;
      }
    }
  };
  try {
    for (const c of cs) await fill(c);
    let out: { uk: Uint8Array; value: Uint8Array; lsn: number }[] = [];
    for (;;) {
      let best = -1;
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i]!;
        if (c.i >= c.buf.length) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const h = c.buf[c.i]!.userKey;
        const bc = cs[best]!;
        const b = bc.buf[bc.i]!.userKey;
        if (compareRange(h, c.prefixLen, h.length, b, bc.prefixLen, b.length) < 0) best = i;
      }
      if (best < 0) break;
      const bc = cs[best]!;
      const winner = bc.buf[bc.i]!;
      // Advance every layer positioned on the same suffix; the first (newest) layer wins.
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i]!;
        if (i === best || c.i >= c.buf.length) continue;
        const h = c.buf[c.i]!.userKey;
        if (compareRange(h, c.prefixLen, h.length, winner.userKey, bc.prefixLen, winner.userKey.length) === 0) {
          c.i++;
          if (c.i >= c.buf.length) await fill(c);
        }
      }
      bc.i++;
      if (bc.i >= bc.buf.length) await fill(bc);
      if (winner.value) {
        let uk = winner.userKey;
        if (best !== 0) {
          // The key is this scan's own copy (StoredVersion): an equal-length prefix is rewritten in place.
          if (bc.prefixLen === own.length) for (let j = 0; j < own.length; j++) uk[j] = own[j]!;
          else uk = rebase(uk, bc.prefixLen, own);
        }
        out.push({ uk, value: winner.value, lsn: winner.lsn });
        if (out.length >= batch) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length) yield out;
  } finally {
    for (const c of cs) await c.it.return?.(undefined);
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
export async function* historyScan(engine: LayerSource, layers: readonly Layer[], lower: Uint8Array, upper: Uint8Array): AsyncGenerator<{ uk: Uint8Array; versions: HistoryVersion[] }> {
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
