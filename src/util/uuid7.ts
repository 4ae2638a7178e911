// UUID version 7 (RFC 9562 §5.7): a 48-bit big-endian Unix timestamp in milliseconds, then the
// version nibble 7, 12 random bits, the variant bits 10 and 62 random bits. Names made of them
// sort by creation time and carry their age, which lake cleanup reads (docs/lake.md, "Cleanup").
import { DoSQLError } from '../errors.js';

const UUID7_RE = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UUIDv7 string for `ms` (ms since the Unix epoch, 0 ≤ ms < 2^48). */
export function uuid7(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new DoSQLError('INVALID_ARGUMENT', `uuid7: timestamp ${ms} is outside [0, 2^48)`);
  const b = crypto.getRandomValues(new Uint8Array(16));
  const hi = Math.floor(ms / 2 ** 16);
  b[0] = (hi >>> 24) & 0xff;
  b[1] = (hi >>> 16) & 0xff;
  b[2] = (hi >>> 8) & 0xff;
  b[3] = hi & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The millisecond timestamp of a UUIDv7 string, or null when `s` is not one. */
export function uuid7Time(s: string): number | null {
  const m = UUID7_RE.exec(s);
  if (!m) return null;
  return parseInt(m[1]!, 16) * 2 ** 16 + parseInt(m[2]!, 16);
}
