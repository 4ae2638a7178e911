import { describe, expect, it } from 'vitest';
import CRC32C from 'crc-32/crc32c.js';
import { crc32c } from './crc32c.js';
import { Prng } from './prng.js';

/** The byte-at-a-time definition, as the oracle. */
function reference(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let c = ~seed >>> 0;
  for (let i = start; i < end; i++) {
    c ^= data[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the RFC 3720 (iSCSI) B.4 vectors and the check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('equals the byte-wise definition and SheetJS crc-32 for every length 0..200 at every alignment, with seeds', () => {
    const r = new Prng(17);
    const buf = new Uint8Array(260);
    for (let i = 0; i < buf.length; i++) buf[i] = r.int(256);
    for (let len = 0; len <= 200; len++) {
      for (let start = 0; start < 8; start++) {
        const seed = r.int(0x100000000);
        const want = reference(buf, start, start + len, seed);
        expect(crc32c(buf, start, start + len, seed)).toBe(want);
        // a subarray view whose byteOffset is not a multiple of 4
        const view = buf.subarray(start + 1, start + 1 + len);
        expect(crc32c(view, 0, len, seed)).toBe(reference(view, 0, len, seed));
        expect(crc32c(view)).toBe(CRC32C.buf(view, 0) >>> 0);
      }
    }
  });

  it('equals the byte-wise definition on large random buffers and chains through seeds', () => {
    const r = new Prng(99);
    for (const len of [4096, 4101, 65_537, 1 << 20]) {
      const b = new Uint8Array(len + 3);
      for (let i = 0; i < b.length; i++) b[i] = r.int(256);
      const v = b.subarray(3);
      const whole = crc32c(v);
      expect(whole).toBe(reference(v));
      const cut = r.int(len);
      expect(crc32c(v, cut, len, crc32c(v, 0, cut))).toBe(whole);
    }
  });
});
