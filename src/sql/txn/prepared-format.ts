// The prepared-transaction record: the value of a row of system table 3 (key: the gid as TEXT),
// written by PREPARE TRANSACTION through the normal commit path and replaced by its outcome at
// COMMIT PREPARED / ROLLBACK PREPARED. Byte-for-byte spec: docs/format/prepared-xact.md.
//
//   record   := magic "DQPX" (4) | version: u8 (1) | state: u8 | body | crc32c: u32le (of all before it)
//   body     := state 1 (prepared): read_lsn: uvarint | prepared_ms: uvarint | op_count: uvarint
//                 | op* | claim_count: uvarint | claim*
//               state 2 (committed) / 3 (rolled back): resolved_ms: uvarint (the outcome's LSN
//                 is the row version's: the commit that wrote it)
//   op       := as a WAL op (docs/format/wal.md, version 2): op_byte | key | [value] | [before]
//   claim    := flags: u8 (bit 0: any change) | lower_len: uvarint | lower | upper_len: uvarint | upper
import { DoSQLError } from '../../errors.js';
import type { RangeClaim } from '../../mvcc/conflicts.js';
import { KIND_DELETE, KIND_PUT } from '../../mvcc/internal-key.js';
import type { KvOp } from '../../mvcc/kv-types.js';
import { ByteWriter } from '../../util/byte-writer.js';
import { crc32c } from '../../util/crc32c.js';
import { getU32LE, getUvarint } from '../../util/coding.js';

export const PREPARED_MAGIC = new Uint8Array([0x44, 0x51, 0x50, 0x58]); // DQPX
export const PREPARED_FORMAT_VERSION = 1;
/** Record states. Persisted: never renumber. */
export const STATE_PREPARED = 1;
export const STATE_COMMITTED = 2;
export const STATE_ROLLED_BACK = 3;

/** A transaction prepared and not yet resolved: what COMMIT PREPARED writes, and the intents it holds. */
export interface PreparedBody {
  readonly state: typeof STATE_PREPARED;
  /** The LSN the transaction read at. */
  readonly readLsn: number;
  /** When PREPARE TRANSACTION committed, ms since the epoch. */
  readonly preparedMs: number;
  /** Its writes with their before images (the values at readLsn, which intents keep current). */
  readonly ops: readonly KvOp[];
  /** Its range claims (unique checks, foreign keys, the schema), held as intents too. */
  readonly claims: readonly RangeClaim[];
}

/** What became of a prepared transaction: kept so a coordinator's retry recognises it. */
export interface OutcomeBody {
  readonly state: typeof STATE_COMMITTED | typeof STATE_ROLLED_BACK;
  /** When COMMIT PREPARED / ROLLBACK PREPARED committed, ms since the epoch (its LSN is the row version's). */
  readonly resolvedMs: number;
}

export type PreparedRecord = PreparedBody | OutcomeBody;

const BEFORE_NOT_LOGGED = 0;
const BEFORE_ABSENT = 1;
const BEFORE_PRESENT = 2;

export function encodePreparedRecord(r: PreparedRecord): Uint8Array {
  const w = new ByteWriter(256);
  w.bytes(PREPARED_MAGIC);
  w.u8(PREPARED_FORMAT_VERSION);
  w.u8(r.state);
  if (r.state === STATE_PREPARED) {
    w.uvarint(r.readLsn);
    w.uvarint(r.preparedMs);
    w.uvarint(r.ops.length);
    for (const op of r.ops) {
      const b = op.before;
      w.u8(op.kind | ((b === undefined ? BEFORE_NOT_LOGGED : b === null ? BEFORE_ABSENT : BEFORE_PRESENT) << 1));
      w.lenBytes(op.userKey);
      if (op.kind === KIND_PUT) w.lenBytes(op.value!);
      if (b) w.lenBytes(b);
    }
    w.uvarint(r.claims.length);
    for (const c of r.claims) {
      w.u8(c.anyChange ? 1 : 0);
      w.lenBytes(c.lower);
      w.lenBytes(c.upper);
    }
  } else {
    w.uvarint(r.resolvedMs);
  }
  w.u32le(crc32c(w.buf, 0, w.pos));
  return w.toBytes();
}

/** Decodes a record; CORRUPTION naming the gid and the offset when a check fails. */
export function decodePreparedRecord(b: Uint8Array, gid: string): PreparedRecord {
  const bad = (off: number, what: string): never => {
    throw new DoSQLError('CORRUPTION', `twopc: corruption in the prepared-transaction record of gid '${gid}' at offset ${off}: ${what}`, { details: { gid, offset: off } });
  };
  if (b.length < 10) bad(0, 'record shorter than its header and checksum');
  for (let i = 0; i < 4; i++) if (b[i] !== PREPARED_MAGIC[i]) bad(0, 'bad magic number');
  const end = b.length - 4;
  if (crc32c(b, 0, end) !== getU32LE(b, end)) bad(end, 'checksum mismatch');
  if (b[4] !== PREPARED_FORMAT_VERSION) {
    throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `twopc: the prepared-transaction record of gid '${gid}' has format version ${b[4]}`, { details: { gid } });
  }
  const state = b[5]!;
  const c = { pos: 6 };
  const uv = (what: string): number => {
    const at = c.pos;
    const v = getUvarint(b, c, end);
    if (v < 0) bad(at, `truncated ${what}`);
    return v;
  };
  const bytes = (what: string): Uint8Array => {
    const n = uv(`${what} length`);
    if (c.pos + n > end) bad(c.pos, `truncated ${what}`);
    const out = b.slice(c.pos, c.pos + n);
    c.pos += n;
    return out;
  };
  let r: PreparedRecord;
  if (state === STATE_PREPARED) {
    const readLsn = uv('read LSN');
    const preparedMs = uv('timestamp');
    const n = uv('op count');
    if (n > end - c.pos) bad(c.pos, `op count ${n} does not fit in the record`);
    const ops: KvOp[] = [];
    for (let i = 0; i < n; i++) {
      if (c.pos >= end) bad(c.pos, 'truncated op');
      const at = c.pos;
      const opByte = b[c.pos++]!;
      const kind = (opByte & 1) as typeof KIND_DELETE | typeof KIND_PUT;
      const tag = (opByte >> 1) & 3;
      if (opByte >> 3 !== 0 || tag > BEFORE_PRESENT) bad(at, `unknown op byte ${opByte}`);
      const op: KvOp = { kind, userKey: bytes('key') };
      if (kind === KIND_PUT) op.value = bytes('value');
      if (tag === BEFORE_ABSENT) op.before = null;
      else if (tag === BEFORE_PRESENT) op.before = bytes('before image');
      ops.push(op);
    }
    const m = uv('claim count');
    if (m > end - c.pos) bad(c.pos, `claim count ${m} does not fit in the record`);
    const claims: RangeClaim[] = [];
    for (let i = 0; i < m; i++) {
      if (c.pos >= end) bad(c.pos, 'truncated claim');
      const at = c.pos;
      const flags = b[c.pos++]!;
      if (flags > 1) bad(at, `unknown claim flags ${flags}`);
      const lower = bytes('claim lower bound');
      const upper = bytes('claim upper bound');
      claims.push(flags & 1 ? { lower, upper, anyChange: true } : { lower, upper });
    }
    r = { state, readLsn, preparedMs, ops, claims };
  } else if (state === STATE_COMMITTED || state === STATE_ROLLED_BACK) {
    r = { state, resolvedMs: uv('timestamp') };
  } else {
    return bad(5, `unknown state ${state}`);
  }
  if (c.pos !== end) bad(c.pos, `${end - c.pos} bytes after the record's body`);
  return r;
}
