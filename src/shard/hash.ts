// The hash functions of the hash vindexes: 32-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/,
// offset basis 0x811c9dc5, prime 0x01000193) and 32-bit xxHash (XXH32, seed 0, as specified in
// https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md). No hashing library is a
// dependency of the project, and these are the routing core: a row's shard is a pure function
// of these bits, so they are written out here, pinned by the reference vectors in
// src/shard/hash.test.ts, and must never change (changing them moves every row).
//
// Persisted semantics: never change either function or the value encoding in vindex.ts.

/** The hash functions a hash vindex may use. */
export type HashAlgorithm = 'fnv1a' | 'xxhash';

/** 32-bit FNV-1a of `bytes`, as an unsigned integer in [0, 2^32). */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function round(acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, P2)) | 0;
  return Math.imul(rotl(acc, 13), P1);
}

/** 32-bit xxHash (XXH32) of `bytes` with `seed` (default 0), as an unsigned integer in [0, 2^32). */
export function xxhash32(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; i + 16 <= len; i += 16) {
      v1 = round(v1, u32le(bytes, i));
      v2 = round(v2, u32le(bytes, i + 4));
      v3 = round(v3, u32le(bytes, i + 8));
      v4 = round(v4, u32le(bytes, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) {
    h = (h + Math.imul(u32le(bytes, i), P3)) | 0;
    h = Math.imul(rotl(h, 17), P4);
  }
  for (; i < len; i++) {
    h = (h + Math.imul(bytes[i]!, P5)) | 0;
    h = Math.imul(rotl(h, 11), P1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3's 32-bit finalizer (fmix32): every input bit affects every output bit. FNV-1a
 * of short keys that differ only in their last byte differ mostly in the low bits, while
 * keyspace ranges split on the high bits; the finalizer spreads them.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The keyspace hash of `bytes` under `algorithm`, unsigned 32-bit: fmix32(FNV-1a 32), or XXH32 (which already avalanches). */
export function hash32(algorithm: HashAlgorithm, bytes: Uint8Array): number {
  return algorithm === 'xxhash' ? xxhash32(bytes) : fmix32(fnv1a32(bytes));
}
