// dosql stats <db> [--format table|json]: the LSM tree level by level (runs, files, bytes,
// entries, compaction score), amplification, WAL and memtable, history (LSNs, retention
// horizon, snapshots, branches) and the cold tier (columnar runs, Iceberg snapshots per
// table, bytes).
//
// Counters the engine keeps since it opened (write amplification, cache hits) are not
// shown: this process has just opened the database, so they would read zero.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineStats } from '../../lsm/engine-types.js';
import { boolOpt, choiceOpt, parseCommand } from '../args.js';
import { formatTable, recordsResult } from '../format.js';
import { println, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { bytes, count } from '../progress.js';
import { tableNames } from '../schema-info.js';
import { USAGE } from '../usage.js';

/** Bytes of every file under `dir` (0 when it does not exist). */
function folderBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : e.isFile() ? statSync(p).size : 0;
  }
  return total;
}

/**
 * Files a point read may search at worst: every L0 run (they overlap) plus one file per
 * run of each deeper level. (The engine's own read amplification counts reads since it
 * opened.)
 */
export function worstReadAmplification(s: EngineStats): number {
  return s.levels.reduce((a, l) => a + l.runs, 0);
}

export interface ColdTable {
  table: string;
  snapshots: number;
  latestLsn: number | null;
  location: string | null;
}

export async function statsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('stats', argv, { format: { type: 'string', short: 'f' }, ...TAKE_OVER_OPTION }, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.stats);
    return 0;
  }
  const format = choiceOpt('stats', p, 'format', ['table', 'json'] as const, 'table');
  const { db, path } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over'), readonly: true });
  try {
    const s = (await db.engine()).stats();
    const snapshots = await db.listSnapshots();
    const branches = await db.listBranches();
    const warehouse = db.warehousePath();
    const cold: ColdTable[] = [];
    for (const t of tableNames(db)) {
      const snaps = await db.icebergSnapshots(t);
      const last = snaps[snaps.length - 1];
      cold.push({ table: t, snapshots: snaps.length, latestLsn: last ? last.lsn : null, location: last ? last.metadataPath.replace(/\/metadata\/[^/]*$/, '') : null });
    }
    const coldBytes = warehouse.startsWith('file:') ? folderBytes(fileURLToPath(warehouse)) : null;
    const files = s.levels.reduce((a, l) => a + l.files, 0);
    const summary = {
      path,
      lastLsn: s.visibleLsn,
      flushedLsn: s.flushedLsn,
      retentionHorizon: s.retentionHorizon,
      levels: s.levels.map((l) => ({ level: l.level, runs: l.runs, files: l.files, bytes: l.bytes, entries: l.entries, score: Number(l.score.toFixed(2)) })),
      files,
      sstBytes: s.sstBytes,
      memtable: s.memtable,
      walBytes: s.wal.bytes,
      spaceAmplification: Number(s.spaceAmplification.toFixed(3)),
      worstReadAmplification: worstReadAmplification(s),
      snapshots: snapshots.length,
      branches: branches.length,
      cold: { runs: { files: s.cold.files, bytes: s.cold.bytes, rows: s.cold.rows }, warehouse, bytes: coldBytes, tables: cold },
    };
    if (format === 'json') {
      println(io.stdout, JSON.stringify(summary, null, 2));
      return 0;
    }
    const out = io.stdout;
    println(out, `database      ${path}`);
    println(out, `LSN           ${s.visibleLsn} (flushed to SSTables up to ${s.flushedLsn}); history kept from LSN ${s.retentionHorizon}`);
    println(out, `memtable      ${bytes(s.memtable.bytes)}, ${count(s.memtable.entries)} entries; WAL ${bytes(s.wal.bytes)}`);
    println(out, `SSTables      ${count(files)} files, ${bytes(s.sstBytes)}`);
    println(out, `amplification space ${s.spaceAmplification.toFixed(2)} (SSTable bytes / last level); read: at most ${worstReadAmplification(s)} files per point read`);
    println(out, `history       ${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'}, ${branches.length} branch${branches.length === 1 ? '' : 'es'} (main included)`);
    println(out);
    out.write(
      formatTable(
        recordsResult(
          ['level', 'runs', 'files', 'bytes', 'entries', 'score'],
          s.levels.filter((l) => l.files > 0 || l.level === 0).map((l) => ({ level: `L${l.level}`, runs: l.runs, files: l.files, bytes: bytes(l.bytes), entries: l.entries, score: l.score.toFixed(2) })),
        ),
      ),
    );
    println(out);
    println(out, `cold tier     ${count(s.cold.files)} columnar run${s.cold.files === 1 ? '' : 's'}, ${bytes(s.cold.bytes)}, ${count(s.cold.rows)} row versions`);
    println(out, `warehouse     ${warehouse}${coldBytes === null ? '' : ` (${bytes(coldBytes)})`}`);
    if (cold.some((c) => c.snapshots > 0)) {
      out.write(formatTable(recordsResult(['table', 'snapshots', 'latest LSN', 'location'], cold.map((c) => ({ table: c.table, snapshots: c.snapshots, 'latest LSN': c.latestLsn, location: c.location })))));
    } else println(out, '              no table published yet (dosql compact <db> --cold)');
    return 0;
  } finally {
    await db.close();
  }
}
