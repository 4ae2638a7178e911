// Write-ahead log codec. Byte-for-byte spec: docs/format/wal.md.
//
//   segment := header record*
//   header  := magic "DOSQLWAL" (8) | format_version: u32le | epoch: u64le | segment: u64le
//              | crc32c: u32le (of the 28 bytes before it)
//   record  := length: u32le | body_crc32c: u32le | header_crc32c: u32le (of the 8 bytes before it)
//              | body[length]
//   body    := type: u8 (1 = commit) | lsn: uvarint | timestamp_ms: uvarint | txn_id: uvarint
//              | op_count: uvarint | op*
//   op      := op_byte: u8 (bit 0 kind: 0 delete, 1 put; bits 1-2 before tag, v2 only:
//              0 not logged, 1 absent, 2 present) | key_len: uvarint | user_key
//              | (kind = put: value_len: uvarint | value)
//              | (tag = present: before_len: uvarint | before)
// Version 2 added the before tag (change data capture: the row as it was at lsn - 1); readers
// accept version 1 segments, whose op byte is the kind alone.
import { corruption, DoSQLError } from '../errors.js';
import { ByteWriter } from '../util/byte-writer.js';
import { crc32c } from '../util/crc32c.js';
import { getU32LE, getU64LE, getUvarint, putU32LE, putU64LE } from '../util/coding.js';
import { KIND_DELETE, KIND_PUT } from '../mvcc/internal-key.js';

export const WAL_MAGIC = new Uint8Array([0x44, 0x4f, 0x53, 0x51, 0x4c, 0x57, 0x41, 0x4c]); // DOSQLWAL
export const WAL_FORMAT_VERSION = 2;
/** Segment format versions this build reads. */
export const SUPPORTED_WAL_VERSIONS: readonly number[] = [1, 2];
export const WAL_HEADER_SIZE = 32;
export const RECORD_HEADER_SIZE = 12;
/** Record types. Persisted: never renumber. */
export const RECORD_COMMIT = 1;

/** Before tags (bits 1-2 of the op byte). Persisted: never renumber. */
const BEFORE_NOT_LOGGED = 0;
const BEFORE_ABSENT = 1;
const BEFORE_PRESENT = 2;

/** One operation of a commit: `userKey` is the encoded (branch, table, primary key). */
export interface WalOp {
  kind: typeof KIND_DELETE | typeof KIND_PUT;
  userKey: Uint8Array;
  /** Present for puts. */
  value?: Uint8Array;
  /**
   * The key's value as of the commit's LSN - 1 (its before image, for change data capture):
   * bytes when a version was visible, null when none was (an insert), undefined when not
   * logged (index entries, key-value writes that did not say).
   */
  before?: Uint8Array | null;
}

export interface CommitRecord {
  lsn: number;
  /** Commit wall-clock time, ms since the epoch. */
  timestamp: number;
  txnId: number;
  ops: WalOp[];
}

export function encodeSegmentHeader(epoch: number, segment: number): Uint8Array {
  const h = new Uint8Array(WAL_HEADER_SIZE);
  h.set(WAL_MAGIC, 0);
  putU32LE(h, 8, WAL_FORMAT_VERSION);
  putU64LE(h, 12, epoch);
  putU64LE(h, 20, segment);
  putU32LE(h, 28, crc32c(h, 0, 28));
  return h;
}

export function decodeSegmentHeader(b: Uint8Array, file: string): { epoch: number; segment: number; version: number } {
  if (b.length < WAL_HEADER_SIZE) throw corruption('wal', file, 0, 'segment shorter than its header');
  for (let i = 0; i < 8; i++) if (b[i] !== WAL_MAGIC[i]) throw corruption('wal', file, 0, 'bad magic number');
  if (crc32c(b, 0, 28) !== getU32LE(b, 28)) throw corruption('wal', file, 0, 'segment header checksum mismatch');
  const version = getU32LE(b, 8);
  if (!SUPPORTED_WAL_VERSIONS.includes(version)) {
    throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `wal: ${file} has format version ${version}`, { details: { file } });
  }
  return { epoch: getU64LE(b, 12), segment: getU64LE(b, 20), version };
}

/**
 * Appends the framed record for `c` to `w` (group commit appends several to one writer).
 * Returns nothing; `w.view()` is the bytes to append.
 */
export function encodeCommit(w: ByteWriter, c: CommitRecord): void {
  const start = w.pos;
  w.ensure(RECORD_HEADER_SIZE);
  w.pos += RECORD_HEADER_SIZE;
  const bodyStart = w.pos;
  w.u8(RECORD_COMMIT);
  w.uvarint(c.lsn);
  w.uvarint(c.timestamp);
  w.uvarint(c.txnId);
  w.uvarint(c.ops.length);
  for (const op of c.ops) {
    const b = op.before;
    w.u8(op.kind | ((b === undefined ? BEFORE_NOT_LOGGED : b === null ? BEFORE_ABSENT : BEFORE_PRESENT) << 1));
    w.lenBytes(op.userKey);
    if (op.kind === KIND_PUT) w.lenBytes(op.value!);
    if (b) w.lenBytes(b);
  }
  const len = w.pos - bodyStart;
  const b = w.buf;
  putU32LE(b, start, len);
  putU32LE(b, start + 4, crc32c(b, bodyStart, w.pos));
  putU32LE(b, start + 8, crc32c(b, start, start + 8));
}

/** Why `readRecords` stopped. */
export type LogEnd = 'eof' | 'torn-tail' | 'zero-tail' | 'seal';

export interface SegmentScan {
  records: { record: CommitRecord; offset: number; end: number }[];
  /** Offset after the last good record. */
  end: number;
  stop: LogEnd;
}

/**
 * Parses records from a segment's bytes, starting after the header, up to `limit`.
 *
 * Tail rules (docs/format/wal.md): a record cut short by the end of data is a torn tail
 * and ends the log; an all-zero remainder ends it too (zero-filled space after a power
 * loss). A complete record whose header or body checksum fails is corruption: it throws
 * `CORRUPTION` naming the file and offset, because an acknowledged commit may be in it.
 */
export function scanSegment(data: Uint8Array, file: string, limit: number = data.length): SegmentScan {
  const records: SegmentScan['records'] = [];
  if (limit > data.length && limit !== Infinity) {
    // Recovery sealed this segment at `limit` after replaying up to there: bytes are missing.
    throw corruption('wal', file, data.length, `segment of ${data.length} bytes is shorter than its seal at ${limit}`);
  }
  // Callers check the header (decodeSegmentHeader); the op layout depends on its version.
  const version = data.length >= 12 ? getU32LE(data, 8) : WAL_FORMAT_VERSION;
  let off = WAL_HEADER_SIZE;
  const end = Math.min(limit, data.length);
  let stop: LogEnd = limit < data.length ? 'seal' : 'eof';
  while (off < end) {
    if (end - off < RECORD_HEADER_SIZE) {
      if (limit < data.length) throw corruption('wal', file, off, `record crosses the seal at ${limit}`);
      stop = allZero(data, off, end) ? 'zero-tail' : 'torn-tail';
      break;
    }
    const len = getU32LE(data, off);
    const bodyCrc = getU32LE(data, off + 4);
    const headerCrc = getU32LE(data, off + 8);
    if (crc32c(data, off, off + 8) !== headerCrc) {
      if (allZero(data, off, end)) {
        stop = 'zero-tail';
        break;
      }
      throw corruption('wal', file, off, 'record header checksum mismatch');
    }
    const bodyStart = off + RECORD_HEADER_SIZE;
    if (bodyStart + len > end) {
      if (limit < data.length && bodyStart + len <= data.length) {
        throw corruption('wal', file, off, `record crosses the seal at ${limit}`);
      }
      stop = 'torn-tail';
      break;
    }
    if (crc32c(data, bodyStart, bodyStart + len) !== bodyCrc) throw corruption('wal', file, off, 'record body checksum mismatch');
    records.push({ record: decodeBody(data, bodyStart, bodyStart + len, file, off, version), offset: off, end: bodyStart + len });
    off = bodyStart + len;
  }
  return { records, end: off, stop };
}

function allZero(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Decodes one record whose framing starts at `off` in `b` (bytes up to `end` available), for
 * readers that page through a segment (the change-data-capture log reader): the record and
 * the offset after it, 'short' when its bytes run past `end`, 'zero' for an all-zero header
 * (a zero-filled tail). Throws CORRUPTION naming `file` and the record's offset (`base + off`)
 * on a checksum mismatch or a malformed body.
 */
export function decodeRecordAt(b: Uint8Array, off: number, end: number, file: string, version: number, base = 0): { record: CommitRecord; next: number } | 'short' | 'zero' {
  if (end - off < RECORD_HEADER_SIZE) return 'short';
  const len = getU32LE(b, off);
  if (crc32c(b, off, off + 8) !== getU32LE(b, off + 8)) {
    if (allZero(b, off, off + RECORD_HEADER_SIZE)) return 'zero';
    throw corruption('wal', file, base + off, 'record header checksum mismatch');
  }
  const bodyStart = off + RECORD_HEADER_SIZE;
  if (bodyStart + len > end) return 'short';
  if (crc32c(b, bodyStart, bodyStart + len) !== getU32LE(b, off + 4)) throw corruption('wal', file, base + off, 'record body checksum mismatch');
  return { record: decodeBody(b, bodyStart, bodyStart + len, file, base + off, version), next: bodyStart + len };
}

/** Bytes a record framed at `off` spans (header and body), read from its header; -1 when fewer than 12 bytes are there. */
export function recordSpan(b: Uint8Array, off: number, end: number): number {
  return end - off < RECORD_HEADER_SIZE ? -1 : RECORD_HEADER_SIZE + getU32LE(b, off);
}

function decodeBody(b: Uint8Array, start: number, end: number, file: string, recordOffset: number, version: number): CommitRecord {
  const bad = (what: string): never => {
    throw corruption('wal', file, recordOffset, what);
  };
  if (b[start] !== RECORD_COMMIT) bad(`unknown record type ${b[start]}`);
  const c = { pos: start + 1 };
  const lsn = getUvarint(b, c, end);
  const timestamp = getUvarint(b, c, end);
  const txnId = getUvarint(b, c, end);
  const n = getUvarint(b, c, end);
  if (lsn < 0 || timestamp < 0 || txnId < 0 || n < 0) bad('truncated commit header');
  if (n * 2 > end - c.pos) bad(`op count ${n} does not fit in the record`);
  const ops: WalOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (c.pos >= end) bad('truncated op');
    const opByte = b[c.pos++]!;
    const kind = (opByte & 1) as typeof KIND_DELETE | typeof KIND_PUT;
    const tag = (opByte >> 1) & 3;
    if (version < 2 ? opByte > 1 : opByte >> 3 !== 0 || tag > BEFORE_PRESENT) bad(`unknown op byte ${opByte}`);
    const kl = getUvarint(b, c, end);
    if (kl < 0 || c.pos + kl > end) bad('truncated key');
    const userKey = b.subarray(c.pos, c.pos + kl);
    c.pos += kl;
    let op: WalOp;
    if (kind === KIND_PUT) {
      const vl = getUvarint(b, c, end);
      if (vl < 0 || c.pos + vl > end) bad('truncated value');
      op = { kind, userKey, value: b.subarray(c.pos, c.pos + vl) };
      c.pos += vl;
    } else {
      op = { kind: KIND_DELETE, userKey };
    }
    if (tag === BEFORE_ABSENT) op.before = null;
    else if (tag === BEFORE_PRESENT) {
      const bl = getUvarint(b, c, end);
      if (bl < 0 || c.pos + bl > end) bad('truncated before image');
      op.before = b.subarray(c.pos, c.pos + bl);
      c.pos += bl;
    }
    ops[i] = op;
  }
  if (c.pos !== end) bad('trailing bytes in commit');
  return { lsn, timestamp, txnId, ops };
}

/** Object key of a WAL segment: `wal/<epoch, 12 digits>-<segment, 12 digits>.log`. */
export function walSegmentKey(epoch: number, segment: number): string {
  return `wal/${String(epoch).padStart(12, '0')}-${String(segment).padStart(12, '0')}.log`;
}

export function parseWalSegmentKey(key: string): { epoch: number; segment: number } | null {
  const m = /^wal\/(\d{12})-(\d{12})\.log$/.exec(key);
  return m ? { epoch: Number(m[1]), segment: Number(m[2]) } : null;
}
