// CRC-32C (Castagnoli), the checksum of every WAL record, SSTable block, manifest and
// columnar footer. Computed by SheetJS `crc-32` (pure JS, slicing-by-16), which runs in
// Node and workerd alike; the check value of "123456789" is 0xE3069283.
import CRC32C from 'crc-32/crc32c.js';

/** CRC-32C of `data[start, end)` as an unsigned 32-bit number, continuing from `seed` (a previous result). */
export function crc32c(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  return CRC32C.buf(view, seed) >>> 0;
}
