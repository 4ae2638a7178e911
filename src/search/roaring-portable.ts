// The portable Roaring bitmap serialization (the format CRoaring, Java and Go share, and
// roaring-wasm reads and writes with `serialize('portable')`:
// https://github.com/RoaringBitmap/RoaringFormatSpec), for the fts5 index's document sets.
// The index stores one 16-bit segment of rowids per value, so the encoder writes a single
// container (key 0); the decoder reads any valid bitmap. Written here rather than through
// roaring-wasm because the index must be written and read where the WASM module does not load
// (workerd forbids compiling WebAssembly from bytes): both produce and accept the same bytes.
import { DoSQLError } from '../errors.js';

const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;
const ARRAY_MAX = 4096;
const BITMAP_BYTES = 8192;

function corrupt(what: string, offset: number): DoSQLError {
  return new DoSQLError('CORRUPTION', `fts5: malformed roaring bitmap (${what})`, { details: { offset } });
}

/**
 * Serializes ascending distinct values in [0, 65535] (at least one) as one container: a run
 * container when that is smaller, else an array (≤ 4096 values) or a bitmap container.
 */
export function encodeSegment(values: readonly number[]): Uint8Array {
  const n = values.length;
  if (n === 0) throw new DoSQLError('INVALID_ARGUMENT', 'fts5: an empty document set has no encoding');
  let runs = 1;
  for (let i = 1; i < n; i++) if (values[i] !== values[i - 1]! + 1) runs++;
  const plain = n <= ARRAY_MAX ? 2 * n : BITMAP_BYTES;
  const useRun = 2 + 4 * runs < plain;
  // Header: cookie (4), [run bitset (1)], key (2), cardinality − 1 (2), [offset (4) without runs].
  const header = useRun ? 4 + 1 + 4 : 4 + 4 + 4 + 4;
  const body = useRun ? 2 + 4 * runs : plain;
  const out = new Uint8Array(header + body);
  const dv = new DataView(out.buffer);
  let p = 0;
  if (useRun) {
    dv.setUint32(p, SERIAL_COOKIE, true);
    out[4] = 1;
    p = 5;
  } else {
    dv.setUint32(0, SERIAL_COOKIE_NO_RUNCONTAINER, true);
    dv.setUint32(4, 1, true);
    p = 8;
  }
  dv.setUint16(p, 0, true);
  dv.setUint16(p + 2, n - 1, true);
  p += 4;
  if (!useRun) {
    dv.setUint32(p, header, true);
    p += 4;
  }
  if (useRun) {
    dv.setUint16(p, runs, true);
    p += 2;
    let start = values[0]!;
    for (let i = 1; i <= n; i++) {
      if (i < n && values[i] === values[i - 1]! + 1) continue;
      dv.setUint16(p, start, true);
      dv.setUint16(p + 2, values[i - 1]! - start, true);
      p += 4;
      if (i < n) start = values[i]!;
    }
  } else if (n <= ARRAY_MAX) {
    for (const v of values) {
      dv.setUint16(p, v, true);
      p += 2;
    }
  } else {
    for (const v of values) out[p + (v >> 3)]! |= 1 << (v & 7);
  }
  return out;
}

/** The values of a portable bitmap in `b[start..]`, ascending. CORRUPTION when it does not parse. */
export function decodeBitmap(b: Uint8Array, start = 0): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (at: number, len: number): void => {
    if (at + len > b.length) throw corrupt('truncated', at);
  };
  need(start, 4);
  const cookie = dv.getUint32(start, true);
  let p = start + 4;
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    const len = Math.ceil(size / 8);
    need(p, len);
    runFlags = b.subarray(p, p + len);
    p += len;
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    need(p, 4);
    size = dv.getUint32(p, true);
    p += 4;
    if (size > 65536) throw corrupt('container count', start + 4);
  } else throw corrupt('cookie', start);
  need(p, 4 * size);
  const keys: number[] = [];
  const cards: number[] = [];
  for (let i = 0; i < size; i++) {
    keys.push(dv.getUint16(p, true));
    cards.push(dv.getUint16(p + 2, true) + 1);
    p += 4;
  }
  // Offsets are redundant with the cardinalities: skipped when present.
  if (!runFlags || size >= NO_OFFSET_THRESHOLD) p += 4 * size;
  const out: number[] = [];
  let prev = -1;
  const push = (v: number, at: number): void => {
    if (v <= prev) throw corrupt('values out of order', at);
    out.push(v);
    prev = v;
  };
  for (let i = 0; i < size; i++) {
    const high = keys[i]! * 65536;
    const isRun = runFlags !== undefined && (runFlags[i >> 3]! & (1 << (i & 7))) !== 0;
    if (isRun) {
      need(p, 2);
      const nr = dv.getUint16(p, true);
      p += 2;
      need(p, 4 * nr);
      for (let r = 0; r < nr; r++) {
        const s = dv.getUint16(p, true);
        const l = dv.getUint16(p + 2, true);
        if (s + l > 0xffff) throw corrupt('run past the container', p);
        for (let v = s; v <= s + l; v++) push(high + v, p);
        p += 4;
      }
    } else if (cards[i]! <= ARRAY_MAX) {
      need(p, 2 * cards[i]!);
      for (let k = 0; k < cards[i]!; k++) push(high + dv.getUint16(p + 2 * k, true), p + 2 * k);
      p += 2 * cards[i]!;
    } else {
      need(p, BITMAP_BYTES);
      for (let k = 0; k < BITMAP_BYTES; k++) {
        const byte = b[p + k]!;
        if (byte === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) push(high + k * 8 + bit, p + k);
      }
      p += BITMAP_BYTES;
    }
  }
  if (p !== b.length) throw corrupt('trailing bytes', p);
  return out;
}
