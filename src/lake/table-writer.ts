// Applies one flush's events to one lake table and commits them (docs/lake.md, "Exactly once"):
//   1. filter: per source, only events after the table's position for it;
//   2. schema events evolve the schema (schema-map.ts); rows reduce to their net effect;
//   3. the index gives the old position of every touched key → position deletes, grouped into
//      one delete file per partition; new rows go to data files per day partition;
//   4. the positions object records, per touched source, the flush's cutoff;
//   5. the commit (iceberg/table-commit.ts) is conditional on the version the plan was made on;
//      only after it succeeded is the index updated, in the state engine.
// A lost race returns 'lost': the caller reloads the table (its index is rebuilt) and calls again,
// which re-filters by the winner's positions — so the check and the commit are one atomic step.
import type { LakeEvent } from '../cdc/lake-protocol.js';
import type { ColumnValue } from '../columnar/index.js';
import { dayOfMicros } from '../iceberg/partition-spec.js';
import { commitTable } from '../iceberg/table-commit.js';
import type { DataFileInfo, DeleteFileInfo } from '../iceberg/types.js';
import type { JsValue } from '../sql/api/values.js';
import type { ObjectStore } from '../storage/object-store.js';
import { uuid7, uuid7Time } from '../util/uuid7.js';
import { DoSQLError } from '../errors.js';
import { dataPath, writeDataFile, writeDeleteFile } from './file-writer.js';
import { indexKey, lookup, noteIndexed, scanScope, type FileCache } from './key-index.js';
import { encodePositions, POSITIONS_CRC_SUMMARY_KEY, POSITIONS_SUMMARY_KEY, type Positions } from './positions.js';
import { reduce } from './reducer.js';
import { rewriteFiles } from './rewrite.js';
import { columnValue, RowBuilder, tsMicros } from './row-mapper.js';
import { partitionMicros } from './partition.js';
import { SchemaWork } from './schema-map.js';
import { encodeIndexEntry, encodeJson, T_FILES, T_INDEX, type FileRecord, type IndexEntry, type LakeState, type TableRecord } from './state.js';
import { KEY_SCOPE_PROPERTY, PARTITION_PROPERTY, partitionProperty, type LiveFile, type TableState } from './table-state.js';

export interface ApplyInput {
  state: LakeState;
  store: ObjectStore;
  t: TableState;
  rec: TableRecord;
  files: FileCache;
  /** Per source, the buffered events of this table up to the source's cutoff, in order. */
  events: ReadonlyMap<string, readonly LakeEvent[]>;
  /** Per source, the flush's cutoff (last whole transaction) and its commit time. */
  cutoffs: ReadonlyMap<string, { lsn: number; ts: number }>;
  now: number;
  /** The lake's clock, read again before the commit point. */
  clockNow: () => number;
  writerId: string;
  flushNo: number;
  rowGroupRows: number;
  maxRowsPerFile: number;
  /** Cleanup's age guard: a commit older than half of it is abandoned before its commit point. */
  orphanMinAgeMs: number;
}

export type ApplyResult = { status: 'noop' } | { status: 'lost' } | { status: 'committed'; version: number; rows: number; deletes: number; rewritten: boolean };

const CHUNK = 20_000;

/** Applies and commits (see the header). */
export async function applyTable(i: ApplyInput): Promise<ApplyResult> {
  const { t, state, rec } = i;
  // 1. Events after the table's position for each source.
  const events = new Map<string, LakeEvent[]>();
  for (const [source, evs] of i.events) {
    const after = t.positions.sources[source]?.lsn ?? 0;
    const kept = evs.filter((e) => e.lsn > after);
    if (kept.length) events.set(source, kept);
  }
  if (events.size === 0) return { status: 'noop' };

  // 2. Schema and net effect.
  const work = new SchemaWork(`${t.namespace}.${t.name}`, t.schema, t.lastColumnId, t.positions.columns);
  const red = reduce(`${t.namespace}.${t.name}`, t.keyScope, events, work);
  const schema = work.schema;
  const scopeNo = (source: string): number => (t.keyScope === 'global' ? 0 : state.source(source).no);

  // 3. Old positions of touched keys.
  const deletes = new Map<number, Set<number>>();
  const dropKeys = new Map<string, { scope: number; key: Uint8Array }>();
  const hit = (e: IndexEntry, scope: number, key: Uint8Array, keyText: string): void => {
    let s = deletes.get(e.fileNo);
    if (!s) deletes.set(e.fileNo, (s = new Set()));
    s.add(e.pos);
    dropKeys.set(`${scope}\u0000${keyText}`, { scope, key });
  };
  for (const source of red.barriers) {
    const no = state.source(source).no;
    for await (const { key, entry } of scanScope(state, rec.no, scopeNo(source))) {
      if (t.keyScope === 'global' && entry.owner !== no) continue;
      hit(entry, scopeNo(source), key, keyText(key));
    }
  }
  const rows = new RowBuilder(schema);
  let ownershipSkips = 0;
  const pending: { source: string; key: Uint8Array; values: ColumnValue[]; day: number | null }[] = [];
  for (const c of red.changes.values()) {
    const scope = scopeNo(c.source);
    const e = await lookup(state, rec, scope, c.key);
    if (e && t.keyScope === 'global' && c.row === null && !c.owned && e.owner !== state.source(c.source).no) {
      ownershipSkips++;
      continue;
    }
    if (e) hit(e, scope, c.key, c.keyText);
    if (c.row) {
      const part = t.partition ? partitionMicros(columnValue(c.row.event, t.partition.column), t.partition.unit) : null;
      pending.push({ source: c.source, key: c.key, values: rows.build(c.row, work.addedDefaults[c.source], part), day: dayOfMicros(t.partition ? part : tsMicros(c.row.event.ts)) });
    }
  }

  // 4. Files.
  const commitId = uuid7(i.now);
  let n = 0;
  const addedData: DataFileInfo[] = [];
  const addedDeletes: DeleteFileInfo[] = [];
  const placed: { file: number; pos: number; source: string; key: Uint8Array }[] = [];
  const fills = new Map<string, Map<number, JsValue>>();
  for (const f of work.fills) if (schema.fields.some((x) => x.id === f.fieldId)) {
    let m = fills.get(f.source);
    if (!m) fills.set(f.source, (m = new Map()));
    m.set(f.fieldId, f.value);
  }
  const rewrite = fills.size > 0 && t.dataFiles.size > 0;
  // The new files are encoded one after another but stored concurrently (their puts, each made
  // durable, overlap); every one has landed before the positions object and the commit point.
  const deleteWrites: Promise<DeleteFileInfo>[] = [];
  const dataWrites: Promise<DataFileInfo>[] = [];
  const removed = new Set<string>();
  if (rewrite) {
    // Rows already in the table that a new non-NULL default reaches: rewrite every data file
    // with this commit's deletes applied and the default filled in (cost ∝ table size).
    const extra = new Map<string, Set<number>>();
    for (const [no, s] of deletes) extra.set(urlOf(t, i.files, no), s);
    const out = await rewriteFiles({ store: i.store, t, schema, files: [...t.dataFiles.values()], extraDeletes: extra, fills, commitId, firstN: n, rowGroupRows: i.rowGroupRows, maxRowsPerFile: i.maxRowsPerFile });
    n = out.nextN;
    addedData.push(...out.added);
    placed.push(...out.rows);
    for (const u of t.dataFiles.keys()) removed.add(u);
    for (const u of t.deleteFiles.keys()) removed.add(u);
  } else {
    const byDay = new Map<number | null, { url: string; pos: number }[]>();
    for (const [no, s] of deletes) {
      const f = i.files.byNo.get(no)!;
      const list = byDay.get(f.day) ?? [];
      for (const pos of s) list.push({ url: `${t.loc.url}/${f.path}`, pos });
      byDay.set(f.day, list);
    }
    for (const [day, list] of byDay) deleteWrites.push(writeDeleteFile(i.store, t.loc, list, dataPath(commitId, day, n++, true), day));
  }
  const rowsByDay = new Map<number | null, typeof pending>();
  for (const p of pending) {
    const l = rowsByDay.get(p.day) ?? [];
    l.push(p);
    rowsByDay.set(p.day, l);
  }
  for (const [day, rows] of rowsByDay) {
    for (let at = 0; at < rows.length; at += i.maxRowsPerFile) {
      const chunk = rows.slice(at, at + i.maxRowsPerFile);
      const file = addedData.length + dataWrites.length;
      chunk.forEach((r, pos) => placed.push({ file, pos, source: r.source, key: r.key }));
      dataWrites.push(writeDataFile(i.store, t.loc, schema, chunk.map((r) => r.values), dataPath(commitId, day, n++), day, i.rowGroupRows));
    }
  }

  // 5. Positions (stored with the files), then the commit.
  const positions: Positions = { table: t.positions.table, sources: { ...t.positions.sources }, columns: { ...work.maps } };
  for (const s of red.touched) positions.sources[s] = { lsn: i.cutoffs.get(s)!.lsn, ts: i.cutoffs.get(s)!.ts };
  const enc = encodePositions(positions);
  const posRel = `metadata/${commitId}-positions.json`;
  const posWrite = i.store.put(`${t.loc.prefix}/${posRel}`, enc.bytes, { condition: { ifNoneMatch: '*' } }).then(() => null);
  const written = await settled<DataFileInfo | DeleteFileInfo | null>([...dataWrites, ...deleteWrites, posWrite]);
  addedData.push(...(written.slice(0, dataWrites.length) as DataFileInfo[]));
  addedDeletes.push(...(written.slice(dataWrites.length, dataWrites.length + deleteWrites.length) as DeleteFileInfo[]));
  const outcome = await commitTable(i.store, {
    table: t.loc,
    base: t.loaded,
    baseManifests: t.manifests,
    spec: t.spec,
    schema,
    addedData,
    addedDeletes,
    ...(removed.size ? { removed } : {}),
    commitId,
    timestampMs: i.now,
    // Cleanup may take files older than orphanMinAgeMs that nothing references: a commit that
    // took half of that to get here gives up (its files are left to cleanup) and is planned again.
    beforeCommitPoint: () => checkAge(i.orphanMinAgeMs, commitId, i.clockNow()),
    properties: { [KEY_SCOPE_PROPERTY]: t.keyScope, [PARTITION_PROPERTY]: partitionProperty(t.partition) },
    summary: {
      [POSITIONS_SUMMARY_KEY]: posRel,
      [POSITIONS_CRC_SUMMARY_KEY]: String(enc.crc),
      'dosql.lake.writer': i.writerId,
      'dosql.lake.flush': String(i.flushNo),
      'dosql.lake.sources': String(Object.keys(positions.sources).length),
      ...(ownershipSkips ? { 'dosql.lake.ownership-skips': String(ownershipSkips) } : {}),
    },
  });
  if (outcome.status === 'lost') return { status: 'lost' };

  // 6. The index follows the commit.
  const seq = outcome.snapshot['sequence-number'];
  const fileNos: number[] = [];
  let b = state.batch();
  const flushBatch = async (): Promise<void> => {
    if (b.size >= CHUNK) {
      await state.write(b);
      b = state.batch();
    }
  };
  if (rewrite) {
    for (const [no] of i.files.byNo) b.delete(T_FILES, [rec.no, no]);
    for await (const e of state.scan(T_INDEX, [rec.no])) {
      b.delete(T_INDEX, e.key);
      await flushBatch();
    }
    i.files.byNo.clear();
    i.files.byPath.clear();
  } else {
    for (const { scope, key } of dropKeys.values()) {
      b.delete(T_INDEX, indexKey(rec.no, scope, key));
      await flushBatch();
    }
  }
  for (const f of addedData) {
    const no = rec.nextFileNo++;
    fileNos.push(no);
    const r: FileRecord = { path: f.path, day: f.partition?.dt ?? null, rows: f.recordCount };
    i.files.set(no, r);
    b.put(T_FILES, [rec.no, no], encodeJson(r));
  }
  for (const p of placed) {
    const owner = t.keyScope === 'global' ? { owner: state.source(p.source).no } : {};
    b.put(T_INDEX, indexKey(rec.no, scopeNo(p.source), p.key), encodeIndexEntry({ fileNo: fileNos[p.file]!, pos: p.pos, ...owner }));
    noteIndexed(rec, scopeNo(p.source), p.key);
    await flushBatch();
  }
  rec.indexedVersion = outcome.version;
  state.putTable(b, rec);
  await state.write(b);

  // The cached table follows too.
  t.loaded = { version: outcome.version, metadata: outcome.metadata };
  t.manifests = outcome.manifests;
  t.schema = outcome.metadata.schemas.find((s) => s['schema-id'] === outcome.metadata['current-schema-id'])!;
  t.lastColumnId = outcome.metadata['last-column-id'];
  t.positions = positions;
  for (const u of removed) {
    t.dataFiles.delete(u);
    t.deleteFiles.delete(u);
  }
  const live = (f: DataFileInfo): LiveFile => ({ url: `${t.loc.url}/${f.path}`, day: f.partition?.dt ?? null, rows: f.recordCount, size: f.fileSizeBytes, seq });
  for (const f of addedData) t.dataFiles.set(`${t.loc.url}/${f.path}`, live(f));
  for (const f of addedDeletes) t.deleteFiles.set(`${t.loc.url}/${f.path}`, live(f));
  let deleted = 0;
  for (const s of deletes.values()) deleted += s.size;
  return { status: 'committed', version: outcome.version, rows: pending.length, deletes: deleted, rewritten: rewrite };
}

/** Throws BUSY when commit `commitId` is older than half of cleanup's age guard (see cleanup.ts). */
export function checkAge(orphanMinAgeMs: number, commitId: string, now: number): void {
  const born = uuid7Time(commitId) ?? now;
  if (now - born > orphanMinAgeMs / 2) throw new DoSQLError('BUSY', `lake: commit ${commitId} took ${now - born} ms, over half of orphanMinAgeMs (${orphanMinAgeMs}); abandoned before its commit point, to be planned again`, { details: { commitId } });
}

/** The values of `ps` in order once every one has settled; the first failure after all have (no write left running). */
async function settled<T>(ps: readonly Promise<T>[]): Promise<T[]> {
  const r = await Promise.allSettled(ps);
  const failed = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  return r.map((x) => (x as PromiseFulfilledResult<T>).value);
}

function keyText(key: Uint8Array): string {
  let s = '';
  for (const b of key) s += String.fromCharCode(b);
  return s;
}

function urlOf(t: TableState, files: FileCache, no: number): string {
  return `${t.loc.url}/${files.byNo.get(no)!.path}`;
}
