// Lake compaction (docs/lake.md, "Maintenance"; seed 003 CompactionConfig): per day partition,
// small data files — and files whose rows are mostly deleted — are rewritten into fewer files
// with their position deletes applied (rewrite.ts), in one `replace` commit that removes them and
// every delete file whose targets are all gone. The positions object is carried unchanged (no
// change is applied), and the key index is remapped after the commit. Old files are not deleted
// here: they go when no retained snapshot needs them (cleanup.ts).
import { commitTable } from '../iceberg/table-commit.js';
import { currentSnapshot } from '../iceberg/table-metadata.js';
import type { DataFileInfo } from '../iceberg/types.js';
import { uuid7, uuid7Time } from '../util/uuid7.js';
import type { FlushHost } from './flush.js';
import { lakeTables, openTable } from './flush.js';
import { indexKey, noteIndexed, objectKey } from './key-index.js';
import { readDeleteFile } from './file-writer.js';
import { POSITIONS_CRC_SUMMARY_KEY, POSITIONS_SUMMARY_KEY } from './positions.js';
import { rewriteFiles } from './rewrite.js';
import { checkAge } from './table-writer.js';
import { encodeIndexEntry, encodeJson, T_FILES, T_INDEX, type FileRecord } from './state.js';
import type { LiveFile } from './table-state.js';

/** Seed 003's CompactionConfig, plus the hot-partition and delete-ratio triggers. */
export interface LakeCompactionOptions {
  /** Candidates a partition needs before it is compacted. Default 10. */
  minFilesThreshold?: number;
  /** Output file size aimed at, bytes; files below 3/4 of it are candidates. Default 128 MiB. */
  targetFileSizeBytes?: number;
  /** Files rewritten per partition per run. Default 50. */
  maxFilesPerCompaction?: number;
  /** A partition is compacted once its newest file is this old, ms. Default 24 h. */
  minPartitionAgeMs?: number;
  /** ...or regardless of age once it has this many candidates. Default 200. */
  maxSmallFilesPerPartition?: number;
  /** Files with at least this fraction of their rows deleted are candidates. Default 0.2. */
  maxDeleteRatio?: number;
  /** 'full' ignores the thresholds: every partition with more than one file or any delete. */
  mode?: 'auto' | 'full';
  /** Only these tables (default: every table the lake has written). */
  tables?: readonly string[];
}

export interface CompactionResult {
  tables: { table: string; version: number; partitions: number; filesRemoved: number; filesAdded: number; deleteFilesRemoved: number; rows: number }[];
}

/** The commit time of a lake file, from the UUIDv7 in its name; 0 when it has none. */
export function fileTime(url: string): number {
  const m = /\/([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})-\d+(?:-deletes)?\.parquet$/.exec(url);
  return (m && uuid7Time(m[1]!)) ?? 0;
}

/** Compacts (see the header). REQUIRES: the lake's mutex is held. */
export async function compactLake(h: FlushHost, o: LakeCompactionOptions = {}): Promise<CompactionResult> {
  const c = {
    minFilesThreshold: o.minFilesThreshold ?? 10,
    targetFileSizeBytes: o.targetFileSizeBytes ?? 128 * 1024 * 1024,
    maxFilesPerCompaction: o.maxFilesPerCompaction ?? 50,
    minPartitionAgeMs: o.minPartitionAgeMs ?? 24 * 3_600_000,
    maxSmallFilesPerPartition: o.maxSmallFilesPerPartition ?? 200,
    maxDeleteRatio: o.maxDeleteRatio ?? 0.2,
  };
  const full = o.mode === 'full';
  const result: CompactionResult = { tables: [] };
  for (const target of lakeTables(h, o.tables)) {
    const open = await openTable(h, target.namespace, target.name);
    const rec = open.rec;
    const { t, files } = open;
    if (!t.loaded || t.dataFiles.size === 0) continue;
    const byDay = new Map<number | null, LiveFile[]>();
    for (const f of t.dataFiles.values()) {
      const l = byDay.get(f.day) ?? [];
      l.push(f);
      byDay.set(f.day, l);
    }
    // Deleted rows per data file: what its live position deletes name.
    const deletedRows = new Map<string, number>();
    for (const d of t.deleteFiles.values()) for (const r of await readDeleteFile(h.store, objectKey(t, d.url))) deletedRows.set(r.url, (deletedRows.get(r.url) ?? 0) + 1);
    const chosen: LiveFile[] = [];
    let partitions = 0;
    const now = h.now();
    for (const list of byDay.values()) {
      const cand = list.filter((f) => full || f.size < 0.75 * c.targetFileSizeBytes || (deletedRows.get(f.url) ?? 0) >= c.maxDeleteRatio * f.rows);
      const newest = Math.max(...list.map((f) => fileTime(f.url)));
      const due = full ? cand.length > 1 || cand.some((f) => (deletedRows.get(f.url) ?? 0) > 0) : cand.length >= c.minFilesThreshold && (now - newest >= c.minPartitionAgeMs || cand.length >= c.maxSmallFilesPerPartition);
      if (!due) continue;
      partitions++;
      chosen.push(...cand.sort((a, b) => fileTime(a.url) - fileTime(b.url) || (a.url < b.url ? -1 : 1)).slice(0, full ? cand.length : c.maxFilesPerCompaction));
    }
    if (chosen.length === 0) continue;
    const commitId = uuid7(now);
    const out = await rewriteFiles({ store: h.store, t, schema: t.schema, files: chosen, commitId, firstN: 0, rowGroupRows: h.rowGroupRows, maxRowsPerFile: h.maxRowsPerFile });
    const removed = new Set<string>([...chosen.map((f) => f.url), ...out.obsoleteDeletes]);
    const cur = currentSnapshot(t.loaded.metadata)!;
    const outcome = await commitTable(h.store, {
      table: t.loc,
      base: t.loaded,
      baseManifests: t.manifests,
      spec: t.spec,
      schema: t.schema,
      addedData: out.added,
      addedDeletes: [],
      removed,
      operation: 'replace',
      commitId,
      beforeCommitPoint: () => checkAge(h.orphanMinAgeMs, commitId, h.now()),
      timestampMs: now,
      summary: {
        [POSITIONS_SUMMARY_KEY]: cur.summary[POSITIONS_SUMMARY_KEY] ?? '',
        [POSITIONS_CRC_SUMMARY_KEY]: cur.summary[POSITIONS_CRC_SUMMARY_KEY] ?? '',
        'dosql.lake.writer': h.writerId,
        'dosql.lake.compaction': String(chosen.length),
      },
    });
    if (outcome.status === 'lost') {
      // Another writer moved the table: re-plan next time on its new state.
      h.open.delete(`${rec.namespace}\u0000${rec.name}`);
      h.commitConflicts++;
      continue;
    }
    // Remap the index: rewritten rows now live in the new files.
    let b = h.state.batch();
    const fileNos: number[] = [];
    for (const f of out.added as DataFileInfo[]) {
      const no = rec.nextFileNo++;
      fileNos.push(no);
      const r: FileRecord = { path: f.path, day: f.partition?.dt ?? null, rows: f.recordCount };
      files.set(no, r);
      b.put(T_FILES, [rec.no, no], encodeJson(r));
    }
    for (const f of chosen) {
      const no = files.byPath.get(f.url.slice(t.loc.url.length + 1));
      if (no !== undefined) {
        b.delete(T_FILES, [rec.no, no]);
        files.delete(no);
      }
    }
    for (const p of out.rows) {
      const src = h.state.source(p.source);
      const scope = t.keyScope === 'global' ? 0 : src.no;
      b.put(T_INDEX, indexKey(rec.no, scope, p.key), encodeIndexEntry({ fileNo: fileNos[p.file]!, pos: p.pos, ...(t.keyScope === 'global' ? { owner: src.no } : {}) }));
      noteIndexed(rec, scope, p.key);
      if (b.size >= 20_000) {
        await h.state.write(b);
        b = h.state.batch();
      }
    }
    rec.indexedVersion = outcome.version;
    h.state.putTable(b, rec);
    await h.state.write(b);
    t.loaded = { version: outcome.version, metadata: outcome.metadata };
    t.manifests = outcome.manifests;
    for (const u of removed) {
      t.dataFiles.delete(u);
      t.deleteFiles.delete(u);
    }
    const seq = outcome.snapshot['sequence-number'];
    for (const f of out.added) t.dataFiles.set(`${t.loc.url}/${f.path}`, { url: `${t.loc.url}/${f.path}`, day: f.partition?.dt ?? null, rows: f.recordCount, size: f.fileSizeBytes, seq });
    result.tables.push({ table: `${t.namespace}.${t.name}`, version: outcome.version, partitions, filesRemoved: chosen.length, filesAdded: out.added.length, deleteFilesRemoved: out.obsoleteDeletes.length, rows: out.rows.length });
  }
  return result;
}
