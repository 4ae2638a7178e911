// What a Durable Object's alarm does for its engine: run the flushes the engine queued, flush a
// memtable that has been idle (so a restart replays little WAL), and run the compactions the
// level scores call for (the engine itself runs with background compaction off). Returns when
// the next alarm is due: while the memtable holds data, at the end of its idle period.
import type { LsmEngine } from '../lsm/engine.js';
import type { AlarmExecutor } from './alarm-executor.js';

export interface MaintenanceResult {
  flushed: boolean;
  compacted: boolean;
  /** When the next alarm should fire (ms since the epoch), or null for none. */
  nextAlarm: number | null;
}

export interface MaintenancePolicy {
  /** A memtable not written for this long is flushed. */
  idleFlushMs: number;
}

export async function runMaintenance(engine: LsmEngine, executor: AlarmExecutor, policy: MaintenancePolicy, lastWriteAt: number, now: number): Promise<MaintenanceResult> {
  return executor.runInline(async () => {
    let flushed = false;
    let compacted = false;
    const before = engine.stats();
    if (before.memtable.entries > 0 && now - lastWriteAt >= policy.idleFlushMs) {
      await engine.flush();
      flushed = true;
    }
    if (engine.stats().levels.some((l) => l.score >= 1)) {
      await engine.compact();
      compacted = true;
    }
    const after = engine.stats();
    const nextAlarm = after.memtable.entries > 0 || executor.pending > 0 ? Math.max(now, lastWriteAt + policy.idleFlushMs) : null;
    return { flushed, compacted, nextAlarm };
  });
}
