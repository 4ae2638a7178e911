// The lake's own state (docs/format/lake.md, "State"): an LsmEngine used through its key-value
// API, on Durable Object storage (Workers) or a folder (Node). Keyspaces (persisted table ids,
// never renumber):
//   16 sources  [sourceId]                       → JSON { id, no, received, lastComplete, lastBatchAt } (ingest writes it)
//   22 progress [sourceId]                       → JSON { committed, tables, names } (a flush writes it)
//   17 tables   [namespace, name]                → JSON TableRecord (highKeys: scope → hex key)
//   18 buffer   [sourceNo, lsn, seq]             → JSON LakeEvent (received, not yet in Iceberg)
//   19 index    [tableNo, sourceNo|0, key bytes] → uvarint fileNo, uvarint row, [uvarint ownerNo]
//   20 files    [tableNo, fileNo]                → JSON FileRecord (live data files of the index)
//   21 meta     ['counters']                     → JSON { sources, tables } (numbers handed out)
// Everything but the buffer and the sources' `received` positions is a cache of the warehouse:
// the key index is rebuilt from a table's current snapshot whenever it lags (key-index.ts).
//
// Async safety: `write` calls may interleave (the engine serialises commits); the caller (the
// lake's mutex) keeps ingest and flush from racing on the same records.
import { DoSQLError } from '../errors.js';
import { LsmEngine } from '../lsm/engine.js';
import { WriteBatch } from '../lsm/write-batch.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Clock } from '../util/clock.js';
import { fromHex, toHex } from '../util/bytes.js';
import { getUvarint, putUvarint, uvarintSize } from '../util/coding.js';

export const T_SOURCES = 16;
export const T_TABLES = 17;
export const T_BUFFER = 18;
export const T_INDEX = 19;
export const T_FILES = 20;
export const T_META = 21;
export const T_PROGRESS = 22;

/** A source table as the lake maps it: the source's table id → lake table name. */
export interface SourceRecord {
  id: string;
  no: number;
  /** Last position durable in the buffer ("0" before any). */
  received: string;
  /** LSN of the last COMMIT received. */
  lastComplete: number;
  /** Every event up to this LSN is in Iceberg snapshots (all tables). */
  committed: number;
  lastBatchAt: number;
  /** Source table id → lake table name (the name at first sight; renames keep it). */
  tables: Record<string, string>;
  /** Source table name now → source table id. */
  names: Record<string, number>;
}

export interface TableRecord {
  namespace: string;
  name: string;
  no: number;
  /** Metadata version the key index reflects (0: none). */
  indexedVersion: number;
  nextFileNo: number;
  /**
   * Per key scope (source number, or 0 for global scope): no index entry of the scope has a
   * larger key (memcmp order); a scope absent has no entry. Lets a flush skip the index lookup of
   * a key above it (an append: ids counting up). Undefined when unknown (a record written before
   * it existed): key-index.ts computes it from the index when the table is opened.
   */
  highKeys?: Map<number, Uint8Array>;
}

export interface FileRecord {
  /** Path relative to the table root. */
  path: string;
  /** Partition day number, or null. */
  day: number | null;
  rows: number;
}

/** A key index entry: where the live row of a lake key is. */
export interface IndexEntry {
  fileNo: number;
  pos: number;
  /** Owning source number (global key scope only). */
  owner?: number;
}

const utf8e = new TextEncoder();
const utf8d = new TextDecoder();

export function encodeJson(v: unknown): Uint8Array {
  return utf8e.encode(JSON.stringify(v));
}

export function decodeJson<T>(b: Uint8Array, what: string): T {
  try {
    return JSON.parse(utf8d.decode(b)) as T;
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `lake: state record ${what} is not valid JSON`, { cause: e, details: { record: what } });
  }
}

export function encodeIndexEntry(e: IndexEntry): Uint8Array {
  const n = uvarintSize(e.fileNo) + uvarintSize(e.pos) + (e.owner === undefined ? 0 : uvarintSize(e.owner));
  const out = new Uint8Array(n);
  let off = putUvarint(out, 0, e.fileNo);
  off = putUvarint(out, off, e.pos);
  if (e.owner !== undefined) putUvarint(out, off, e.owner);
  return out;
}

export function decodeIndexEntry(b: Uint8Array): IndexEntry {
  const c = { pos: 0 };
  const fileNo = getUvarint(b, c);
  const pos = getUvarint(b, c);
  return c.pos < b.length ? { fileNo, pos, owner: getUvarint(b, c) } : { fileNo, pos };
}

/** The state engine and the records kept in memory (sources, tables, counters). */
export class LakeState {
  readonly sources = new Map<string, SourceRecord>();
  readonly tables = new Map<string, TableRecord>();
  private counters = { sources: 0, tables: 0 };

  private constructor(readonly engine: LsmEngine) {}

  static async open(store: ObjectStore, o: { durability: 'full' | 'normal' | 'off'; clock?: Clock }): Promise<LakeState> {
    const engine = await LsmEngine.open({ store, durability: o.durability, retention: 0, memtableBytes: 8 * 1024 * 1024, ...(o.clock ? { clock: o.clock } : {}) });
    const s = new LakeState(engine);
    for await (const e of engine.scan(T_SOURCES)) {
      const r = decodeJson<SourceRecord>(e.value, `sources/${String(e.key[0])}`);
      s.sources.set(r.id, { ...r, committed: 0, tables: {}, names: {} });
    }
    for await (const e of engine.scan(T_PROGRESS)) {
      const r = s.sources.get(String(e.key[0]));
      if (r) Object.assign(r, decodeJson<Pick<SourceRecord, 'committed' | 'tables' | 'names'>>(e.value, `progress/${String(e.key[0])}`));
    }
    for await (const e of engine.scan(T_TABLES)) {
      const what = `tables/${String(e.key[1])}`;
      const { highKeys, ...r } = decodeJson<Omit<TableRecord, 'highKeys'> & { highKeys?: Record<string, string> }>(e.value, what);
      s.tables.set(tableKey(r.namespace, r.name), highKeys === undefined ? r : { ...r, highKeys: decodeHighKeys(highKeys, what) });
    }
    const c = await engine.get(T_META, ['counters']);
    if (c) s.counters = decodeJson(c, 'meta/counters');
    return s;
  }

  /** The source's record, created (not yet written: put it in a batch) when new. */
  source(id: string): SourceRecord {
    let r = this.sources.get(id);
    if (!r) {
      r = { id, no: ++this.counters.sources, received: '0', lastComplete: 0, committed: 0, lastBatchAt: 0, tables: {}, names: {} };
      this.sources.set(id, r);
    }
    return r;
  }

  /** The table's record, created (put it in a batch) when new. */
  table(namespace: string, name: string): TableRecord {
    const k = tableKey(namespace, name);
    let r = this.tables.get(k);
    if (!r) {
      r = { namespace, name, no: ++this.counters.tables, indexedVersion: 0, nextFileNo: 1, highKeys: new Map() };
      this.tables.set(k, r);
    }
    return r;
  }

  /**
   * The ingest half of a source record (`received` and friends, given as they will be after the
   * batch). Ingest and flush write disjoint records, so neither can put back a stale half.
   */
  putReceived(b: WriteBatch, r: SourceRecord, next: Pick<SourceRecord, 'received' | 'lastComplete' | 'lastBatchAt'>): void {
    b.put(T_SOURCES, [r.id], encodeJson({ id: r.id, no: r.no, ...next }));
    b.put(T_META, ['counters'], encodeJson(this.counters));
  }

  /** The flush half of a source record. */
  putProgress(b: WriteBatch, r: SourceRecord): void {
    b.put(T_PROGRESS, [r.id], encodeJson({ committed: r.committed, tables: r.tables, names: r.names }));
  }

  putTable(b: WriteBatch, r: TableRecord): void {
    const { highKeys, ...rest } = r;
    b.put(T_TABLES, [r.namespace, r.name], encodeJson(highKeys === undefined ? rest : { ...rest, highKeys: Object.fromEntries([...highKeys].map(([scope, k]) => [scope, toHex(k)])) }));
    b.put(T_META, ['counters'], encodeJson(this.counters));
  }

  batch(): WriteBatch {
    return new WriteBatch();
  }

  async write(b: WriteBatch): Promise<void> {
    if (b.size === 0) return;
    await this.engine.write(b);
  }

  get(table: number, key: KeyTuple): Promise<Uint8Array | undefined> {
    return this.engine.get(table, key);
  }

  /** Entries under `prefix`, from key `from` on when given (skips what lies before it unread, tombstones included). */
  scan(table: number, prefix: KeyTuple, from?: KeyTuple): AsyncGenerator<{ key: KeyTuple; value: Uint8Array }> {
    const it = this.engine.scan(table, from ? { prefix, gte: from } : { prefix });
    return (async function* () {
      for await (const e of it) yield { key: e.key, value: e.value };
    })();
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

function decodeHighKeys(j: Record<string, string>, what: string): Map<number, Uint8Array> {
  try {
    return new Map(Object.entries(j).map(([scope, hex]) => [Number(scope), fromHex(hex)]));
  } catch (e) {
    throw new DoSQLError('CORRUPTION', `lake: state record ${what} has a malformed highKeys`, { cause: e, details: { record: what } });
  }
}

export function tableKey(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}
