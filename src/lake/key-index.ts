// The key index (docs/lake.md, "Deletes"): lake key → the data file and row of its live row, so
// every update and delete becomes a position delete (Moonlink's approach) rather than an
// equality delete. Kept in the state engine (state.ts keyspaces `index` and `files`), valid for
// the metadata version `TableRecord.indexedVersion`; updated only after a commit succeeded (never
// ahead of Iceberg), and rebuilt from the current snapshot whenever it lags: after a crash
// between a commit and the index write, after another writer's commit, or with the state lost.
import type { ColumnValue } from '../columnar/index.js';
import { DoSQLError } from '../errors.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import type { ObjectStore } from '../storage/object-store.js';
import { keyForUrl } from '../iceberg/table-files.js';
import { compareBytes } from '../util/bytes.js';
import { readDataFile, readDeleteFile } from './file-writer.js';
import { F_KEY, F_SOURCE } from './schema-map.js';
import { decodeIndexEntry, decodeJson, encodeIndexEntry, encodeJson, T_FILES, T_INDEX, type FileRecord, type IndexEntry, type LakeState, type TableRecord } from './state.js';
import type { TableState } from './table-state.js';

/** Index operations per state batch (a rebuild writes in chunks; only the last one validates it). */
const CHUNK = 20_000;

/** The live data files the index numbers, of one table. */
export class FileCache {
  readonly byNo = new Map<number, FileRecord>();
  readonly byPath = new Map<string, number>();

  set(no: number, r: FileRecord): void {
    this.byNo.set(no, r);
    this.byPath.set(r.path, no);
  }

  delete(no: number): void {
    const r = this.byNo.get(no);
    if (r) this.byPath.delete(r.path);
    this.byNo.delete(no);
  }

  static async load(state: LakeState, tableNo: number): Promise<FileCache> {
    const c = new FileCache();
    for await (const e of state.scan(T_FILES, [tableNo])) c.set(Number(e.key[1]), decodeJson<FileRecord>(e.value, `files/${tableNo}/${String(e.key[1])}`));
    return c;
  }
}

/** The index key of a lake key. */
export function indexKey(tableNo: number, scopeNo: number, key: Uint8Array): KeyTuple {
  return [tableNo, scopeNo, key];
}

/** The key's index entry, if any. A key above its scope's high key is not looked up (none can exist). */
export async function lookup(state: LakeState, rec: TableRecord, scopeNo: number, key: Uint8Array): Promise<IndexEntry | undefined> {
  if (rec.highKeys) {
    const high = rec.highKeys.get(scopeNo);
    if (high === undefined || compareBytes(key, high) > 0) return undefined;
  }
  const v = await state.get(T_INDEX, indexKey(rec.no, scopeNo, key));
  return v ? decodeIndexEntry(v) : undefined;
}

/**
 * Raises the scope's high key to `key` (call for every index entry put, before the table record
 * is written with the batch; it only grows, so an entry deleted later leaves it a bound, not the
 * maximum). No-op while the high keys are unknown.
 */
export function noteIndexed(rec: TableRecord, scopeNo: number, key: Uint8Array): void {
  const high = rec.highKeys?.get(scopeNo);
  if (rec.highKeys && (high === undefined || compareBytes(key, high) > 0)) rec.highKeys.set(scopeNo, key);
}

/** Computes a table's high keys from its index (a record written before they existed): one scan. */
export async function loadHighKeys(state: LakeState, rec: TableRecord): Promise<void> {
  const highKeys = new Map<number, Uint8Array>();
  for await (const e of state.scan(T_INDEX, [rec.no])) {
    const scope = Number(e.key[1]);
    const key = e.key[2] as Uint8Array;
    const high = highKeys.get(scope);
    if (high === undefined || compareBytes(key, high) > 0) highKeys.set(scope, key);
  }
  rec.highKeys = highKeys;
}

/** Every entry under (table, scope): source scope → one source's rows; global → all rows. */
export async function* scanScope(state: LakeState, tableNo: number, scopeNo: number): AsyncGenerator<{ key: Uint8Array; entry: IndexEntry }> {
  for await (const e of state.scan(T_INDEX, [tableNo, scopeNo])) yield { key: e.key[2] as Uint8Array, entry: decodeIndexEntry(e.value) };
}

/** Deletes every index and file entry of a table (chunked). */
async function wipe(state: LakeState, tableNo: number): Promise<void> {
  for (const t of [T_INDEX, T_FILES]) {
    let b = state.batch();
    for await (const e of state.scan(t, [tableNo])) {
      b.delete(t, e.key);
      if (b.size >= CHUNK) {
        await state.write(b);
        b = state.batch();
      }
    }
    await state.write(b);
  }
}

/**
 * Rebuilds a table's index from its current snapshot: the key columns of every live data file,
 * minus the rows its position deletes name. Leaves `rec.indexedVersion` at the table's version.
 */
export async function rebuildIndex(state: LakeState, store: ObjectStore, t: TableState, rec: TableRecord): Promise<FileCache> {
  rec.indexedVersion = 0;
  rec.highKeys = new Map();
  const first = state.batch();
  state.putTable(first, rec);
  await state.write(first);
  await wipe(state, rec.no);
  const deleted = new Set<string>();
  for (const f of t.deleteFiles.values()) {
    for (const d of await readDeleteFile(store, objectKey(t, f.url))) deleted.add(`${d.url}\u0000${d.pos}`);
  }
  const cache = new FileCache();
  let b = state.batch();
  for (const f of [...t.dataFiles.values()].sort((x, y) => (x.url < y.url ? -1 : 1))) {
    const no = rec.nextFileNo++;
    const r: FileRecord = { path: f.url.slice(t.loc.url.length + 1), day: f.day, rows: f.rows };
    cache.set(no, r);
    b.put(T_FILES, [rec.no, no], encodeJson(r));
    const { columns } = await readDataFile(store, objectKey(t, f.url), [F_SOURCE, F_KEY]);
    const [sources, keys] = columns as [ColumnValue[], ColumnValue[]];
    for (let pos = 0; pos < sources.length; pos++) {
      if (deleted.has(`${f.url}\u0000${pos}`)) continue;
      const src = state.source(String(sources[pos]));
      if (src.lastBatchAt === 0 && src.received === '0') state.putReceived(b, src, src);
      const entry: IndexEntry = t.keyScope === 'global' ? { fileNo: no, pos, owner: src.no } : { fileNo: no, pos };
      const scope = t.keyScope === 'global' ? 0 : src.no;
      b.put(T_INDEX, indexKey(rec.no, scope, keys[pos] as Uint8Array), encodeIndexEntry(entry));
      noteIndexed(rec, scope, keys[pos] as Uint8Array);
      if (b.size >= CHUNK) {
        await state.write(b);
        b = state.batch();
      }
    }
  }
  rec.indexedVersion = t.loaded?.version ?? 0;
  state.putTable(b, rec);
  await state.write(b);
  return cache;
}

/** Object key of a file URL of table `t`. */
export function objectKey(t: TableState, url: string): string {
  const k = keyForUrl(t.loc, url);
  if (k === null) throw new DoSQLError('NOT_SUPPORTED', `lake: file ${url} is outside table ${t.loc.url}`, { details: { file: url } });
  return k;
}
