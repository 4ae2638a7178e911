// The folder (one object-key path segment) of a published table (docs/format/iceberg.md,
// "Table folders"). SQL names are data: SQLite accepts any string as a quoted identifier
// ('..', 'a/b', 'x/metadata', 'CON', 300 bytes, non-ASCII, the empty name), while object
// keys, file systems and URLs do not. The mapping is injective on names as SQL compares them
// (ASCII letters fold to lower case, as SQLite's sqlite3StrICmp; nothing else folds), and its
// output is 1..130 characters of [a-z0-9_-]: one segment that is never '.', '..' or a Windows
// device name, never has to be percent-encoded in a URL, and never differs from another only
// in case — so no table's files can land in, or collide with, another table's folder on any
// store, including case-insensitive file systems. Names of [a-z0-9_] (after folding) map to
// themselves.
import { utf8Encoder } from '../util/bytes.js';

/** Longest folder written in the plain (readable, reversible) form. */
const MAX_PLAIN = 120;
/** Characters of the plain form kept from a long name before its hash. */
const HASHED_PREFIX = 96;
/** Windows device names: a file or folder with one of these names cannot be created there. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The folder of table `name` under the warehouse namespace.
 *
 *   plain form:  each UTF-8 byte of the folded name: a-z, 0-9 and '_' as themselves, any other
 *                byte as '-' and two lowercase hex digits ('my-table' -> 'my-2dtable',
 *                'a/b' -> 'a-2fb', '..' -> '-2e-2e'); a Windows device name has its first
 *                letter escaped too ('CON' -> '-63on');
 *   hashed form: when the plain form is empty or longer than 120 characters, or the name is
 *                not well-formed UTF-16: up to 96 characters of the plain form (whole escapes
 *                only), '--', and the first 32 hex digits of the SHA-256 of the folded name's
 *                UTF-16 code units (little-endian).
 *
 * The two forms never meet ('--' cannot occur in the plain form, where '-' is always followed
 * by two hex digits). Async because SHA-256 is `crypto.subtle` (Node and workerd alike).
 */
export async function tableFolder(name: string): Promise<string> {
  const folded = foldIdentifier(name);
  let plain = '';
  for (const b of utf8Encoder.encode(folded)) plain += kept(b) ? String.fromCharCode(b) : escape(b);
  if (WINDOWS_DEVICE.test(plain)) plain = escape(plain.charCodeAt(0)) + plain.slice(1);
  if (plain.length > 0 && plain.length <= MAX_PLAIN && !LONE_SURROGATE.test(folded)) return plain;
  const units = new Uint8Array(folded.length * 2);
  for (let i = 0; i < folded.length; i++) {
    const u = folded.charCodeAt(i);
    units[2 * i] = u & 0xff;
    units[2 * i + 1] = u >>> 8;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', units));
  let hash = '';
  for (const b of digest.subarray(0, 16)) hash += b.toString(16).padStart(2, '0');
  return `${wholeEscapes(plain, HASHED_PREFIX)}--${hash}`;
}

/** An SQL identifier as SQLite compares them: ASCII letters in lower case, everything else as is. */
export function foldIdentifier(name: string): string {
  return name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

function kept(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f;
}

function escape(b: number): string {
  return `-${b.toString(16).padStart(2, '0')}`;
}

/** The longest prefix of `plain` of at most `max` characters that does not cut an escape. */
function wholeEscapes(plain: string, max: number): string {
  if (plain.length <= max) return plain;
  let end = max;
  // An escape is '-' plus two digits: one starting at max-1 or max-2 would be cut.
  if (plain[end - 1] === '-') end -= 1;
  else if (plain[end - 2] === '-') end -= 2;
  return plain.slice(0, end);
}
