// The internal key of every version in the LSM. Byte-for-byte spec: docs/format/keys.md.
//
//   user key     := ovarint(branch) ovarint(table) tuple
//   internal key := user key | ~lsn (7 bytes, big-endian, each byte complemented) | kind (1 byte)
//
// Because the user key is self-delimiting and the LSN is stored inverted, plain memcmp
// order of internal keys is: user key ascending, then LSN descending (newest first).
import { ByteWriter } from '../util/byte-writer.js';
import { compareRange } from '../util/bytes.js';
import { readOrderedUvarint, writeKeyTuple, writeOrderedUvarint, decodeKeyTuple, type KeyTuple, type KeyValue } from './key-codec.js';

/** Largest LSN: the trailer holds 7 bytes, JS numbers are exact to 2^53 - 1. */
export const MAX_LSN = Number.MAX_SAFE_INTEGER;
export const TRAILER_SIZE = 8;

/** Version kinds. Persisted: never renumber. */
export const KIND_DELETE = 0; // a tombstone
export const KIND_PUT = 1;
export type VersionKind = typeof KIND_DELETE | typeof KIND_PUT;

/** Branch id of the main branch. */
export const MAIN_BRANCH = 0;

const writer = new ByteWriter(256);

/** Encodes the user key (branch, table, primary-key tuple). */
export function encodeUserKey(branch: number, table: number, tuple: KeyTuple): Uint8Array {
  writer.reset();
  writeOrderedUvarint(writer, branch);
  writeOrderedUvarint(writer, table);
  writeKeyTuple(writer, tuple);
  return writer.toBytes();
}

/** Encodes the prefix shared by every user key of (branch, table): the bounds of a table scan. */
export function encodeTablePrefix(branch: number, table: number): Uint8Array {
  writer.reset();
  writeOrderedUvarint(writer, branch);
  writeOrderedUvarint(writer, table);
  return writer.toBytes();
}

export interface DecodedUserKey {
  branch: number;
  table: number;
  key: KeyValue[];
}

/** The (branch, table) of a user key and where its key tuple starts, without decoding the tuple. */
export function userKeyPrefix(uk: Uint8Array): { branch: number; table: number; tupleStart: number } {
  const c = { pos: 0 };
  const branch = readOrderedUvarint(uk, c);
  const table = readOrderedUvarint(uk, c);
  return { branch, table, tupleStart: c.pos };
}

export function decodeUserKey(uk: Uint8Array, start = 0, end = uk.length): DecodedUserKey {
  const c = { pos: start };
  const branch = readOrderedUvarint(uk, c);
  const table = readOrderedUvarint(uk, c);
  const { values } = decodeKeyTuple(uk, c.pos, end);
  return { branch, table, key: values };
}

/**
 * Writes the 8-byte trailer at `off`: the LSN as 7 bytes big-endian, each byte complemented
 * (so larger LSNs sort first), then the kind. Returns the offset after it.
 */
export function writeTrailer(out: Uint8Array, off: number, lsn: number, kind: number): number {
  const hi = Math.floor(lsn / 0x1_0000_0000); // < 2^21
  const lo = lsn >>> 0;
  out[off] = ~(hi >>> 16) & 0xff;
  out[off + 1] = ~(hi >>> 8) & 0xff;
  out[off + 2] = ~hi & 0xff;
  out[off + 3] = ~(lo >>> 24) & 0xff;
  out[off + 4] = ~(lo >>> 16) & 0xff;
  out[off + 5] = ~(lo >>> 8) & 0xff;
  out[off + 6] = ~lo & 0xff;
  out[off + 7] = kind;
  return off + 8;
}

/** A fresh internal key for (userKey, lsn, kind). */
export function makeInternalKey(userKey: Uint8Array, lsn: number, kind: number): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_SIZE);
  out.set(userKey, 0);
  writeTrailer(out, userKey.length, lsn, kind);
  return out;
}

/**
 * The seek target for "newest version of `userKey` at or below `lsn`": the first internal
 * key >= it is that version if the user key matches.
 */
export function seekKey(userKey: Uint8Array, lsn: number): Uint8Array {
  return makeInternalKey(userKey, lsn, 0);
}

/** LSN stored in the trailer of the internal key ending at `end`. */
export function trailerLsn(ikey: Uint8Array, end: number = ikey.length): number {
  const p = end - 8;
  const hi = ~((ikey[p]! << 16) | (ikey[p + 1]! << 8) | ikey[p + 2]!) & 0xffffff;
  const lo = ~((ikey[p + 3]! << 24) | (ikey[p + 4]! << 16) | (ikey[p + 5]! << 8) | ikey[p + 6]!) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

export function trailerKind(ikey: Uint8Array, end: number = ikey.length): number {
  return ikey[end - 1]!;
}

/** Compares the user-key parts of two internal keys. */
export function compareUserKeyOf(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length - TRAILER_SIZE, b, 0, b.length - TRAILER_SIZE);
}

/** True when internal key `ikey` has user key `uk`. */
export function hasUserKey(ikey: Uint8Array, uk: Uint8Array): boolean {
  if (ikey.length - TRAILER_SIZE !== uk.length) return false;
  for (let i = uk.length - 1; i >= 0; i--) if (ikey[i] !== uk[i]) return false;
  return true;
}

export function userKeyOf(ikey: Uint8Array): Uint8Array {
  return ikey.subarray(0, ikey.length - TRAILER_SIZE);
}
