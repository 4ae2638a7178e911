// dosql compact <db> [--full] [--cold]: compacts the LSM tree (--full: into one sorted
// level; --cold: moves every table's data into columnar runs, the cold tier, and publishes
// each table as an Iceberg snapshot, as db.compact({ tier: 'cold' }) does) with a progress
// bar of the bytes compactions read. Prints the tree before and after, the cold runs, and
// what was published.
import { boolOpt, parseCommand } from '../args.js';
import { println, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { bytes, count, progressBar, seconds } from '../progress.js';
import { USAGE } from '../usage.js';

const OPTIONS = { full: { type: 'boolean' }, cold: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, ...TAKE_OVER_OPTION } as const;

export async function compactCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('compact', argv, OPTIONS, { min: 1, max: 1 });
  if (p.values.help) {
    println(io.stdout, USAGE.compact);
    return 0;
  }
  const full = boolOpt(p, 'full');
  const cold = boolOpt(p, 'cold');
  const quiet = boolOpt(p, 'quiet');
  const { db } = await openDatabase(io.cwd, p.positionals[0]!, { create: false, takeOver: boolOpt(p, 'take-over') });
  try {
    const engine = await db.engine();
    const before = engine.stats();
    const files = (s: typeof before): number => s.levels.reduce((a, l) => a + l.files, 0);
    const bar = progressBar(io.stderr, {
      total: Math.max(1, before.sstBytes + before.memtable.bytes),
      // Compactions report their bytes when each one ends, so the bar moves in steps: show the elapsed time, not an ETA.
      format: `compacting [{bar}] {percentage}% | {done} read | {duration_formatted}`,
      enabled: !quiet,
      payload: { done: '0 B' },
    });
    // The engine reports no progress of its own: poll its counters.
    const timer = setInterval(() => {
      const read = engine.stats().compaction.bytesRead - before.compaction.bytesRead;
      bar.update(read, { done: bytes(read) });
    }, 200);
    const t0 = performance.now();
    let published: readonly { table: string; snapshotId: bigint; lsn: number }[];
    try {
      ({ published } = await db.compact(cold ? { tier: 'cold' } : { full }));
      bar.update(Math.max(1, before.sstBytes + before.memtable.bytes), { done: bytes(engine.stats().compaction.bytesRead - before.compaction.bytesRead) });
    } finally {
      clearInterval(timer);
      bar.stop();
    }
    const ms = performance.now() - t0;
    const after = engine.stats();
    const read = after.compaction.bytesRead - before.compaction.bytesRead;
    const written = after.compaction.bytesWritten - before.compaction.bytesWritten;
    const kind = cold ? ' (cold)' : full ? ' (full)' : '';
    println(io.stdout, `compacted${kind} in ${seconds(ms)}: ${count(files(before))} files, ${bytes(before.sstBytes)} -> ${count(files(after))} files, ${bytes(after.sstBytes)}; read ${bytes(read)}, wrote ${bytes(written)}, ${count(after.compaction.droppedVersions - before.compaction.droppedVersions)} old versions dropped`);
    if (cold) {
      println(io.stdout, `cold tier: ${count(after.cold.files)} columnar run${after.cold.files === 1 ? '' : 's'}, ${bytes(after.cold.bytes)}, ${count(after.cold.rows)} row versions`);
      for (const r of published) println(io.stdout, `published ${r.table}: Iceberg snapshot ${r.snapshotId} at LSN ${r.lsn}`);
      println(io.stdout, `warehouse: ${db.warehousePath()}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}
