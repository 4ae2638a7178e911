// `LsmEngine.stats()`: the counters of each part of the engine folded into one report, with
// the amplification figures RocksDB's wiki defines.
import type { ManifestState } from '../manifest/manifest-format.js';
import type { TableCache } from '../sstable/table-cache.js';
import type { CompactionStats } from './compaction-scheduler.js';
import type { EngineStats, LevelStats } from './engine-types.js';
import type { GetCounters } from './read-path.js';
import type { WritePath } from './write-path.js';

/** The parts a report reads. */
export interface StatsSources {
  epoch: number;
  state: ManifestState;
  /** Compaction score per level. */
  scores: readonly number[];
  compaction: CompactionStats;
  writes: WritePath;
  flush: { count: number; bytesWritten: number };
  tables: TableCache;
  reads: GetCounters;
  retentionHorizon: number;
  openReadViews: number;
}

export function collectStats(p: StatsSources): EngineStats {
  const s = p.state;
  let sstBytes = 0;
  let lastLevelBytes = 0;
  const cold = { level: s.coldLevel, files: 0, bytes: 0, rows: 0, tables: [] as number[] };
  const levels: LevelStats[] = s.levels.map((runs, level) => {
    let files = 0;
    let bytes = 0;
    let entries = 0;
    for (const run of runs)
      for (const f of run) {
        files++;
        bytes += f.size;
        entries += f.entries;
        if (f.tier === 'cold') {
          cold.files++;
          cold.bytes += f.size;
          cold.rows += f.entries;
          if (f.cold && !cold.tables.includes(f.cold.table)) cold.tables.push(f.cold.table);
        } else sstBytes += f.size;
      }
    if (bytes > 0) lastLevelBytes = bytes;
    return { level, runs: runs.filter((r) => r.length > 0).length, files, bytes, entries, score: p.scores[level] ?? 0 };
  });
  const w = p.writes;
  const bc = p.tables.blockCache;
  const c = p.reads;
  const cs = p.compaction;
  return {
    epoch: p.epoch,
    lastLsn: w.lastLsn,
    visibleLsn: w.visible,
    flushedLsn: s.flushedLsn,
    manifestVersion: s.version,
    retentionHorizon: p.retentionHorizon,
    memtable: { bytes: w.mem.mt.approximateBytes, entries: w.mem.mt.count },
    immutableMemtables: w.imm.length,
    levels,
    wal: { segment: w.wal?.key ?? '', bytes: w.wal?.size ?? 0, ...w.stats },
    userBytesWritten: w.userBytes,
    flush: { ...p.flush },
    compaction: { ...cs },
    writeAmplification: w.userBytes === 0 ? 0 : (p.flush.bytesWritten + cs.bytesWritten) / w.userBytes,
    spaceAmplification: lastLevelBytes === 0 ? 0 : sstBytes / lastLevelBytes,
    sstBytes,
    cold,
    blockCache: { bytes: bc.usedBytes, capacity: bc.capacityBytes, hits: bc.hits, misses: bc.misses },
    reads: { ...c, readAmplification: c.gets === 0 ? 0 : c.filesSearched / c.gets },
    stallMs: w.stallMs,
    slowdowns: w.slowdowns,
    openReadViews: p.openReadViews,
  };
}
