// The rowids a filtered vector search may return (the rows passing the query's WHERE), as a
// roaring bitmap (roaring-wasm) when they all fit in 32 bits, else a Set. Built from the JSON
// array text of `(SELECT json_group_array(rowid) FROM t WHERE ...)` the planner passes in, or
// read from an index's key range (index-filter.ts).
import { loadRoaring as loadShared } from '../util/roaring.js';
import { DoSQLError } from '../errors.js';

export interface AllowedRowids {
  has(rowid: bigint): boolean;
  readonly size: number;
  /** In ascending order. */
  list(): bigint[];
  dispose(): void;
}

interface RoaringModule {
  roaringLibraryInitialize(): Promise<void>;
  RoaringBitmap32: new () => { add(v: number): unknown; has(v: number): boolean; readonly size: number; toArray(): number[]; dispose(): unknown };
}

function loadRoaring(): Promise<RoaringModule | null> {
  return loadShared<RoaringModule>();
}

/** Parses the JSON rowid list; throws SQL_ERROR on anything but an array of integers. */
export async function allowedRowids(json: string): Promise<AllowedRowids> {
  let ids: unknown;
  try {
    ids = JSON.parse(json);
  } catch {
    ids = undefined;
  }
  if (!Array.isArray(ids) || !ids.every((x) => Number.isSafeInteger(x))) throw new DoSQLError('SQL_ERROR', 'vector: the allowed rowids must be a JSON array of integers');
  return allowedFrom((ids as number[]).map((x) => BigInt(x)));
}

/** The allowed set of `ids` (any order, duplicates allowed). */
export async function allowedFrom(ids: readonly bigint[]): Promise<AllowedRowids> {
  const mod = ids.every((x) => x >= 0n && x <= 0xffffffffn) ? await loadRoaring() : null;
  if (mod) {
    const bm = new mod.RoaringBitmap32();
    for (const x of ids) bm.add(Number(x));
    return {
      has: (r) => r >= 0n && r <= 0xffffffffn && bm.has(Number(r)),
      get size() {
        return bm.size;
      },
      list: () => bm.toArray().map((x) => BigInt(x)),
      dispose: () => void bm.dispose(),
    };
  }
  const set = new Set(ids);
  return { has: (r) => set.has(r), size: set.size, list: () => [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), dispose: () => undefined };
}
