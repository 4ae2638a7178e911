// The stored form of one per-layer vector index (docs/format/vector-index.md): an object
// `vix/<layer file number>-<branch>-<index id>-<table id>-<column generation>.vix` in the hot
// store beside the layer it indexes. Derived data: a missing, corrupt or mismatched object is
// rebuilt from its layer, never trusted.
import { corruption } from '../errors.js';
import { crc32c } from '../util/crc32c.js';
import { getU32LE, putU32LE } from '../util/coding.js';
import type { LayerVectors } from './layer-index.js';

export const VIX_MAGIC = new Uint8Array([0x44, 0x4f, 0x53, 0x51, 0x4c, 0x56, 0x49, 0x58]); // "DOSQLVIX"
/** 2: adds `newer` (the next newer version's LSN per entry); version 1 objects are rebuilt. */
export const VIX_VERSION = 2;
export const VIX_PREFIX = 'vix/';

/** Which layer and index an index object belongs to: every field must match to be used. */
export interface VixIdentity {
  /** The layer's file number and object key. */
  readonly file: number;
  readonly fileKey: string;
  readonly branch: number;
  readonly index: number;
  readonly table: number;
  /** The table's next column id: a column added or dropped changes how rows decode. */
  readonly columns: number;
  readonly dimensions: number;
  readonly metric: string;
  readonly m: number;
  readonly efConstruction: number;
}

export function vixKey(id: Pick<VixIdentity, 'file' | 'branch' | 'index' | 'table' | 'columns'>): string {
  return `${VIX_PREFIX}${id.file}-${id.branch}-${id.index}-${id.table}-${id.columns}.vix`;
}

/** The layer file number a `vix/` key names, or -1. */
export function vixFileNumber(key: string): number {
  const m = /^vix\/(\d+)-\d+-\d+-\d+-\d+\.vix$/.exec(key);
  return m ? Number(m[1]) : -1;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** Encodes an index object: header, entries (rowids, LSNs, next newer LSNs, vectors), graph, CRC-32C trailer. */
export function encodeVix(id: VixIdentity, data: LayerVectors, graph: Uint8Array): Uint8Array {
  const count = data.rowids.length;
  const header = utf8.encode(JSON.stringify({ ...id, count }));
  const sizes = [8, 4, 4, header.length, count * 8, count * 8, count * 8, data.vectors.length * 4, 4, graph.length, 4];
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let p = 0;
  out.set(VIX_MAGIC, 0);
  putU32LE(out, 8, VIX_VERSION);
  putU32LE(out, 12, header.length);
  p = 16;
  out.set(header, p);
  p += header.length;
  out.set(new Uint8Array(data.rowids.buffer, data.rowids.byteOffset, count * 8), p);
  p += count * 8;
  out.set(new Uint8Array(data.lsns.buffer, data.lsns.byteOffset, count * 8), p);
  p += count * 8;
  out.set(new Uint8Array(data.newer.buffer, data.newer.byteOffset, count * 8), p);
  p += count * 8;
  out.set(new Uint8Array(data.vectors.buffer, data.vectors.byteOffset, data.vectors.length * 4), p);
  p += data.vectors.length * 4;
  putU32LE(out, p, graph.length);
  p += 4;
  out.set(graph, p);
  p += graph.length;
  putU32LE(out, p, crc32c(out, 0, p));
  return out;
}

/**
 * Decodes and verifies an index object against the identity expected; throws CORRUPTION
 * naming `key` and the offset on any mismatch (the caller rebuilds).
 */
export function decodeVix(bytes: Uint8Array, key: string, want: VixIdentity): { data: LayerVectors; graph: Uint8Array } {
  const bad = (off: number, what: string): Error => corruption('vector index', key, off, what);
  if (bytes.length < 20) throw bad(0, `object of ${bytes.length} bytes is shorter than the header`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== VIX_MAGIC[i]) throw bad(0, 'bad magic number');
  const end = bytes.length - 4;
  if (crc32c(bytes, 0, end) !== getU32LE(bytes, end)) throw bad(end, 'checksum mismatch');
  const version = getU32LE(bytes, 8);
  if (version !== VIX_VERSION) throw bad(8, `unsupported version ${version}`);
  const hlen = getU32LE(bytes, 12);
  if (16 + hlen > end) throw bad(12, 'header length past the end');
  let header: VixIdentity & { count: number };
  try {
    header = JSON.parse(utf8d.decode(bytes.subarray(16, 16 + hlen))) as VixIdentity & { count: number };
  } catch {
    throw bad(16, 'header is not JSON');
  }
  for (const k of Object.keys(want) as (keyof VixIdentity)[]) if (header[k] !== want[k]) throw bad(16, `header ${k} is ${String(header[k])}, the layer's ${String(want[k])}`);
  const count = header.count;
  const d = want.dimensions;
  let p = 16 + hlen;
  if (!Number.isSafeInteger(count) || count < 0 || p + count * (24 + 4 * d) + 4 > end) throw bad(p, 'entry count past the end');
  // slice(): typed arrays need aligned offsets; the copies start at 0.
  const rowids = new BigInt64Array(bytes.slice(p, p + count * 8).buffer);
  p += count * 8;
  const lsns = new Float64Array(bytes.slice(p, p + count * 8).buffer);
  p += count * 8;
  const newer = new Float64Array(bytes.slice(p, p + count * 8).buffer);
  p += count * 8;
  const vectors = new Float32Array(bytes.slice(p, p + count * d * 4).buffer);
  p += count * d * 4;
  // A version's next newer one in the layer has a higher LSN (or there is none: +Infinity).
  for (let i = 0; i < count; i++) if (!(newer[i]! > lsns[i]!)) throw bad(16 + hlen + 16 * count + 8 * i, `entry ${i}: next newer LSN ${newer[i]} is not above its LSN ${lsns[i]}`);
  const glen = getU32LE(bytes, p);
  p += 4;
  if (p + glen !== end) throw bad(p - 4, `graph length ${glen} does not end at the checksum`);
  return { data: { rowids, lsns, newer, vectors }, graph: bytes.subarray(p, p + glen) };
}
