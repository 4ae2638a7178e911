// SQLITE_MAX_LENGTH (https://sqlite.org/limits.html#max_length): the largest TEXT or BLOB a
// statement may build. Builders measure the result *before* making it, so an oversized
// value is an error, never an allocation the process cannot survive. The limit itself is
// configured per database (src/sql/execution/limits.ts, docs/limits.md).
import { DoSQLError } from '../../errors.js';

/** The default length limit, bytes: 256 MiB (SQLite's is 1,000,000,000). */
export const DEFAULT_MAX_LENGTH = 256 * 1024 * 1024;

/**
 * SQLite's "string or blob too big" (SQLITE_TOOBIG) for a value of `size` bytes over `max`.
 * The message is SQLite's word for word; `details` say which builder (`what`), how big and
 * which limit (`limits.maxLength`).
 */
export function tooBig(size: number, max: number, what?: string): DoSQLError {
  return new DoSQLError('LIMIT_EXCEEDED', 'sql: string or blob too big', {
    details: { limit: 'maxLength', max, size, ...(what !== undefined ? { what } : {}) },
  });
}

/**
 * The UTF-8 length of `s` when it is over `max` bytes, else undefined. Scans only strings whose
 * length alone does not decide it (between max/3 and max UTF-16 units).
 */
export function textOver(s: string, max: number): number | undefined {
  // Each UTF-16 unit is 1 to 3 UTF-8 bytes.
  if (s.length * 3 <= max) return undefined;
  if (s.length > max) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n > max ? n : undefined;
}

/** Throws "string or blob too big" when a value of `size` bytes would be over `max`. */
export function checkLength(size: number, max: number, what?: string): void {
  if (size > max) throw tooBig(size, max, what);
}

/** Throws "string or blob too big" when TEXT `s` is over `max` UTF-8 bytes; returns `s`. */
export function checkText(s: string, max: number, what?: string): string {
  const n = textOver(s, max);
  if (n !== undefined) throw tooBig(n, max, what);
  return s;
}
