// Sets of rowids a full-text query combines (a term's documents, AND / OR / NOT of them): roaring
// bitmaps from roaring-wasm when it loads and every rowid fits in 32 bits, else JavaScript sets
// (workerd, where the WASM module does not load, and tables with rowids outside [0, 2^32)). A
// query creates its sets through one DocSets and disposes them all at the end (WASM memory is
// not garbage-collected).

import { loadRoaring as loadShared } from '../util/roaring.js';

interface Bitmap {
  readonly size: number;
  has(v: number): boolean;
  addMany(values: Uint32Array | readonly number[]): unknown;
  toUint32Array(): Uint32Array;
  dispose(): unknown;
}

interface RoaringModule {
  roaringLibraryInitialize(): Promise<void>;
  RoaringBitmap32: {
    new (): Bitmap;
    and(a: Bitmap, b: Bitmap): Bitmap;
    or(a: Bitmap, b: Bitmap): Bitmap;
    andNot(a: Bitmap, b: Bitmap): Bitmap;
  };
}

/** roaring-wasm, initialised, or null where it does not load (workerd). */
export function loadRoaring(): Promise<RoaringModule | null> {
  return loadShared<RoaringModule>();
}

const U32_MAX = 0xffffffffn;

/** An immutable set of rowids. */
export interface DocSet {
  readonly size: number;
  has(rowid: bigint): boolean;
  /** Ascending. */
  list(): bigint[];
}

class JsSet implements DocSet {
  constructor(readonly s: Set<bigint>) {}
  get size(): number {
    return this.s.size;
  }
  has(rowid: bigint): boolean {
    return this.s.has(rowid);
  }
  list(): bigint[] {
    return [...this.s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

class RoaringSet implements DocSet {
  constructor(readonly bm: Bitmap) {}
  get size(): number {
    return this.bm.size;
  }
  has(rowid: bigint): boolean {
    return rowid >= 0n && rowid <= U32_MAX && this.bm.has(Number(rowid));
  }
  list(): bigint[] {
    const a = this.bm.toUint32Array();
    const out = new Array<bigint>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = BigInt(a[i]!);
    return out;
  }
}

/** The sets of one query: makes and combines them, and frees them all in `dispose`. */
export class DocSets {
  private readonly owned: Bitmap[] = [];

  private constructor(private readonly mod: RoaringModule | null) {}

  /** Roaring-backed when roaring-wasm loads and `useRoaring`, else JavaScript sets. */
  static async open(useRoaring = true): Promise<DocSets> {
    return new DocSets(useRoaring ? await loadRoaring() : null);
  }

  private own(bm: Bitmap): RoaringSet {
    this.owned.push(bm);
    return new RoaringSet(bm);
  }

  /** The set of `rowids` (any order, duplicates allowed). */
  of(rowids: readonly bigint[]): DocSet {
    if (this.mod && rowids.every((r) => r >= 0n && r <= U32_MAX)) {
      const bm = new this.mod.RoaringBitmap32();
      const a = new Uint32Array(rowids.length);
      for (let i = 0; i < rowids.length; i++) a[i] = Number(rowids[i]!);
      bm.addMany(a);
      return this.own(bm);
    }
    return new JsSet(new Set(rowids));
  }

  private combine(a: DocSet, b: DocSet, op: 'and' | 'or' | 'andNot'): DocSet {
    if (this.mod && a instanceof RoaringSet && b instanceof RoaringSet) return this.own(this.mod.RoaringBitmap32[op](a.bm, b.bm));
    const out = new Set<bigint>();
    if (op === 'or') {
      for (const r of a.list()) out.add(r);
      for (const r of b.list()) out.add(r);
    } else for (const r of a.list()) if (b.has(r) === (op === 'and')) out.add(r);
    return new JsSet(out);
  }

  and(a: DocSet, b: DocSet): DocSet {
    return this.combine(a, b, 'and');
  }
  or(a: DocSet, b: DocSet): DocSet {
    return this.combine(a, b, 'or');
  }
  andNot(a: DocSet, b: DocSet): DocSet {
    return this.combine(a, b, 'andNot');
  }

  dispose(): void {
    for (const bm of this.owned) bm.dispose();
    this.owned.length = 0;
  }
}
