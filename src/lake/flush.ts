// A flush (docs/lake.md, "Flush"): the buffered events of every source up to its cutoff — its
// last whole transaction in the buffer when the flush starts — go to their tables, one Iceberg
// commit per table that has any. Only after every table committed are the flushed events removed
// from the buffer and `committed(S)` set to the cutoff (one state write), and the sources told.
// A crash anywhere before that leaves the buffer as it was: the next flush re-filters each table
// by its snapshot's positions, so a table committed before the crash takes nothing twice.
import type { LakeEvent } from '../cdc/lake-protocol.js';
import { DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import { FileCache, loadHighKeys, rebuildIndex } from './key-index.js';
import { registryOf, route } from './registry.js';
import { decodeJson, T_BUFFER, type LakeState, type SourceRecord, type TableRecord } from './state.js';
import { applyTable } from './table-writer.js';
import { loadTable, type TableState } from './table-state.js';
import { checkPartition } from './partition.js';
import type { FlushResult, LakeTableConfig } from './types.js';

/** Attempts of one table's commit against concurrent writers before the flush gives up (BUSY). */
const MAX_COMMIT_ATTEMPTS = 10;

export interface OpenTable {
  t: TableState;
  rec: TableRecord;
  files: FileCache;
}

/** What a flush needs from the lake. */
export interface FlushHost {
  readonly state: LakeState;
  readonly store: ObjectStore;
  readonly url: string;
  readonly namespace: string;
  readonly tableConfig: Readonly<Record<string, LakeTableConfig>>;
  readonly writerId: string;
  readonly rowGroupRows: number;
  readonly maxRowsPerFile: number;
  /** Cleanup's age guard (cleanup.ts); commits older than half of it are abandoned. */
  readonly orphanMinAgeMs: number;
  now(): number;
  /** Commits lost to another writer (each was re-planned). */
  commitConflicts: number;
  /** Cached open tables by "<ns>\0<name>". */
  readonly open: Map<string, OpenTable>;
  flushNo: number;
}

/** The table, loaded (and its index checked against its version) on first use. */
export async function openTable(h: FlushHost, namespace: string, name: string): Promise<OpenTable> {
  const k = `${namespace}\u0000${name}`;
  const cached = h.open.get(k);
  if (cached) return cached;
  const t = await loadTable(h.store, h.url, namespace, name, h.tableConfig[name]?.keyScope ?? 'source', checkPartition(name, h.tableConfig[name]?.partition));
  const rec = h.state.table(namespace, name);
  const valid = rec.indexedVersion === (t.loaded?.version ?? 0);
  const files = valid ? await FileCache.load(h.state, rec.no) : await rebuildIndex(h.state, h.store, t, rec);
  if (!rec.highKeys) await loadHighKeys(h.state, rec);
  const o = { t, rec, files };
  h.open.set(k, o);
  return o;
}

/** The tables named (in their configured or the default namespace), or every table the lake knows. */
export function lakeTables(h: FlushHost, names?: readonly string[]): { namespace: string; name: string }[] {
  if (names) return names.map((name) => ({ namespace: h.tableConfig[name]?.namespace ?? h.namespace, name }));
  return [...h.state.tables.values()].map((r) => ({ namespace: r.namespace, name: r.name }));
}

/** Runs one flush. REQUIRES: no other flush or maintenance of this lake runs (the lake's mutex). */
export async function runFlush(h: FlushHost): Promise<FlushResult & { trimmedBytes: number; trimmedEvents: number; sources: SourceRecord[] }> {
  const result: FlushResult & { trimmedBytes: number; trimmedEvents: number; sources: SourceRecord[] } = { commits: [], committed: {}, events: 0, trimmedBytes: 0, trimmedEvents: 0, sources: [] };
  const flushNo = ++h.flushNo;
  // 1. Cutoffs, and the events up to them, routed to tables.
  const cut = new Map<string, { src: SourceRecord; lsn: number; ts: number; keys: KeyTuple[]; bytes: number; registry: ReturnType<typeof registryOf> }>();
  const byTable = new Map<string, { namespace: string; name: string; events: Map<string, LakeEvent[]> }>();
  for (const src of h.state.sources.values()) {
    if (src.lastComplete <= src.committed) continue;
    const c = { src, lsn: src.lastComplete, ts: 0, keys: [] as KeyTuple[], bytes: 0, registry: registryOf(src) };
    // From the first LSN after `committed`: what lies before is trimmed (tombstones, until the
    // state engine compacts them away, which a scan from the prefix would wade through each time).
    for await (const e of h.state.scan(T_BUFFER, [src.no], [src.no, src.committed + 1])) {
      const lsn = Number(e.key[1]);
      if (lsn > c.lsn) break;
      const ev = decodeJson<LakeEvent>(e.value, `buffer/${src.id}/${lsn}:${String(e.key[2])}`);
      c.keys.push(e.key);
      c.bytes += e.value.length;
      if (ev.op === 'commit' && ev.lsn === c.lsn) c.ts = ev.ts;
      const table = route(c.registry, ev);
      if (table === null) continue;
      const namespace = h.tableConfig[table]?.namespace ?? h.namespace;
      const tk = `${namespace}\u0000${table}`;
      let g = byTable.get(tk);
      if (!g) byTable.set(tk, (g = { namespace, name: table, events: new Map() }));
      let list = g.events.get(src.id);
      if (!list) g.events.set(src.id, (list = []));
      list.push(ev);
    }
    cut.set(src.id, c);
  }
  if (cut.size === 0) return result;
  const cutoffs = new Map([...cut].map(([id, c]) => [id, { lsn: c.lsn, ts: c.ts }]));

  // 2. One commit per table.
  for (const [tk, g] of [...byTable].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    for (let attempt = 1; ; attempt++) {
      let o: OpenTable;
      try {
        o = await openTable(h, g.namespace, g.name);
        const r = await applyTable({ state: h.state, store: h.store, t: o.t, rec: o.rec, files: o.files, events: g.events, cutoffs, now: h.now(), writerId: h.writerId, flushNo, rowGroupRows: h.rowGroupRows, maxRowsPerFile: h.maxRowsPerFile, orphanMinAgeMs: h.orphanMinAgeMs, clockNow: () => h.now() });
        if (r.status === 'committed') result.commits.push({ table: `${g.namespace}.${g.name}`, version: r.version, rows: r.rows, deletes: r.deletes });
        if (r.status !== 'lost') break;
      } catch (e) {
        // The cached table may be ahead of or behind the store now: load it afresh next time.
        h.open.delete(tk);
        throw e;
      }
      h.open.delete(tk);
      h.commitConflicts++;
      if (attempt >= MAX_COMMIT_ATTEMPTS) throw new DoSQLError('BUSY', `lake: table ${g.namespace}.${g.name}: lost ${attempt} commit races in a row; the events stay buffered`, { details: { table: `${g.namespace}.${g.name}` } });
    }
  }

  // 3. Trim and advance, in one state write. Every table holds the events up to the cutoffs now,
  // so the records change in memory at once (an ingest writing its source meanwhile carries them).
  const b = h.state.batch();
  for (const c of cut.values()) {
    for (const k of c.keys) b.delete(T_BUFFER, k);
    c.src.committed = c.lsn;
    c.src.tables = c.registry.tables;
    c.src.names = c.registry.names;
    h.state.putProgress(b, c.src);
    result.committed[c.src.id] = c.lsn;
    result.events += c.keys.length;
    result.trimmedBytes += c.bytes;
    result.trimmedEvents += c.keys.length;
    result.sources.push(c.src);
  }
  await h.state.write(b);
  return result;
}
