// The coordinator's durable log of distributed transactions: one object per transaction on an
// ObjectStore (a folder in Node, R2 or Durable Object storage on Workers), key
// `<prefix>/txn/<gid>`. Byte-for-byte spec: docs/format/twopc-log.md.
//
//   record := magic "DQ2C" (4) | version: u8 (1) | crc32c: u32le (of the body) | body: UTF-8 JSON
//   body   := { "gid", "participants": [ids], "state": "begun" | "commit" | "abort",
//               "createdMs", "decidedMs"? }
//
// Protocol (presumed abort, as in Mohan, Lindsay and Obermarck's R* commit protocols): `begin`
// creates the record (create-if-absent) before any participant is asked to prepare, so
// recovery knows every participant that may hold the gid; `decide` moves it from begun to
// commit or abort with an if-match on the begun version, so a live coordinator and a recovery
// can never record two decisions; `forget` deletes it once every participant acknowledged the
// outcome. A record still begun is an abort (nothing was decided); an absent one was finished.
import { DoSQLError } from '../../errors.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { crc32c } from '../../util/crc32c.js';
import { getU32LE, putU32LE } from '../../util/coding.js';

export const LOG_MAGIC = new Uint8Array([0x44, 0x51, 0x32, 0x43]); // DQ2C
export const LOG_FORMAT_VERSION = 1;
const HEADER = 9;

export type LogState = 'begun' | 'commit' | 'abort';

/** One distributed transaction as the coordinator logged it. */
export interface LogRecord {
  readonly gid: string;
  /** Ids of every participant the transaction may have prepared on. */
  readonly participants: readonly string[];
  readonly state: LogState;
  /** When `begin` wrote it, ms since the epoch. */
  readonly createdMs: number;
  /** When the decision was written. */
  readonly decidedMs?: number;
}

/** A record with the etag its conditional update must match. */
export interface StoredRecord {
  readonly record: LogRecord;
  readonly etag: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeLogRecord(r: LogRecord): Uint8Array {
  const body = encoder.encode(JSON.stringify(r));
  const out = new Uint8Array(HEADER + body.length);
  out.set(LOG_MAGIC, 0);
  out[4] = LOG_FORMAT_VERSION;
  putU32LE(out, 5, crc32c(body));
  out.set(body, HEADER);
  return out;
}

/** Decodes a record read from `key`; CORRUPTION naming the key and offset when a check fails. */
export function decodeLogRecord(b: Uint8Array, key: string): LogRecord {
  const bad = (off: number, what: string): never => {
    throw new DoSQLError('CORRUPTION', `twopc: corruption in coordinator log record ${key} at offset ${off}: ${what}`, { details: { file: key, offset: off } });
  };
  if (b.length < HEADER) bad(0, 'shorter than its header');
  for (let i = 0; i < 4; i++) if (b[i] !== LOG_MAGIC[i]) bad(0, 'bad magic number');
  if (b[4] !== LOG_FORMAT_VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `twopc: coordinator log record ${key} has format version ${b[4]}`, { details: { file: key } });
  if (crc32c(b, HEADER) !== getU32LE(b, 5)) bad(5, 'checksum mismatch');
  let r: unknown;
  try {
    r = JSON.parse(decoder.decode(b.subarray(HEADER)));
  } catch {
    return bad(HEADER, 'body is not UTF-8 JSON');
  }
  const o = r as Partial<LogRecord>;
  if (typeof o.gid !== 'string' || !Array.isArray(o.participants) || !o.participants.every((p) => typeof p === 'string') || (o.state !== 'begun' && o.state !== 'commit' && o.state !== 'abort') || typeof o.createdMs !== 'number') {
    bad(HEADER, 'body is not a coordinator log record');
  }
  return o as LogRecord;
}

/** The coordinator log on `store` under `prefix` (default `twopc`). */
export class CoordinatorLog {
  constructor(
    readonly store: ObjectStore,
    readonly prefix = 'twopc',
  ) {}

  private key(gid: string): string {
    return `${this.prefix}/txn/${encodeURIComponent(gid)}`;
  }

  /** Creates gid's record in state begun; PRECONDITION_FAILED if it exists. Returns its etag. */
  async begin(gid: string, participants: readonly string[], now: number): Promise<string> {
    const r: LogRecord = { gid, participants: [...participants], state: 'begun', createdMs: now };
    return (await this.store.put(this.key(gid), encodeLogRecord(r), { condition: { ifNoneMatch: '*' } })).etag;
  }

  /**
   * Records the decision, only if the record is still the begun version `etag`: PRECONDITION_FAILED
   * when another process (a recovery) decided first — read it again to learn what it decided.
   */
  async decide(prev: StoredRecord, state: 'commit' | 'abort', now: number): Promise<StoredRecord> {
    const record: LogRecord = { ...prev.record, state, decidedMs: now };
    const { etag } = await this.store.put(this.key(record.gid), encodeLogRecord(record), { condition: { ifMatch: prev.etag } });
    return { record, etag };
  }

  /** gid's record, or null when there is none (never begun, or finished: both mean "not committed and not in doubt"). */
  async read(gid: string): Promise<StoredRecord | null> {
    const key = this.key(gid);
    const g = await this.store.get(key);
    return g ? { record: decodeLogRecord(g.data, key), etag: g.etag } : null;
  }

  /** Every record (transactions not yet finished), in key order. */
  async list(): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (const info of await this.store.list(`${this.prefix}/txn/`)) {
      const g = await this.store.get(info.key);
      if (g) out.push({ record: decodeLogRecord(g.data, info.key), etag: g.etag });
    }
    return out;
  }

  /** Deletes gid's record: every participant acknowledged the outcome. */
  forget(gid: string): Promise<void> {
    return this.store.delete(this.key(gid));
  }
}
