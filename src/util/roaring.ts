// roaring-wasm (compressed bitmaps), loaded once per process and initialised, or null where it does
// not load (workerd: the WASM module is not bundled there). Callers describe the part of the
// module they use (`M`); full-text document sets (src/search/docset.ts) and filtered vector
// search's allowed rowids (src/vector/allowed-rowids.ts) share this one load.

/** The part of roaring-wasm every caller needs. */
export interface RoaringBase {
  roaringLibraryInitialize(): Promise<void>;
  RoaringBitmap32: unknown;
}

let roaring: Promise<RoaringBase | null> | undefined;

/** roaring-wasm, initialised, or null where it does not load. */
export function loadRoaring<M extends RoaringBase>(): Promise<M | null> {
  const name = 'roaring-wasm';
  roaring ??= import(/* @vite-ignore */ name).then(
    async (m: RoaringBase & { default?: RoaringBase }) => {
      const mod = m.RoaringBitmap32 ? m : (m.default ?? null);
      if (mod) await mod.roaringLibraryInitialize();
      return mod;
    },
    () => null,
  );
  return roaring as Promise<M | null>;
}
