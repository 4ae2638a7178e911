// What SSTableReader.pointRead answers: a hit's places in a caller-owned object (no entry
// object or key view per read) or a code saying why there is none.

/** Where `SSTableReader.pointRead` puts a hit (owned by the caller; read it before the next call). */
export interface PointHit {
  /** The key is keys[keyStart, keyEnd): the flat keys of the block's search index (do not modify). */
  keys: Uint8Array;
  keyStart: number;
  keyEnd: number;
  value: Uint8Array;
}

/** `SSTableReader.pointRead`'s answers. */
export const POINT_HIT = 1;
export const POINT_NONE = 0;
export const POINT_FILTERED = -1;
export const POINT_UNGROUPED = -2;
export type PointCode = typeof POINT_HIT | typeof POINT_NONE | typeof POINT_FILTERED | typeof POINT_UNGROUPED;
