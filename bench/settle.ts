// Waiting for a quiet process between measurements. process.cpuUsage and the wall clock both see
// every thread of the process: dosql's background work (its flush and compaction worker threads,
// a worker's start, concurrent GC) runs on after the calls that caused it, and would otherwise be
// charged to whatever is measured next — SQLite's inserts, in bench/sql.ts, when it ran right
// after dosql's.

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Waits (up to 5 s) until the process uses under 3 ms of CPU in 100 ms; returns the CPU used meanwhile, ms. */
export async function settle(): Promise<number> {
  let used = 0;
  for (let i = 0; i < 50; i++) {
    const c0 = cpuMs();
    await new Promise((r) => setTimeout(r, 100));
    const d = cpuMs() - c0;
    used += d;
    if (d < 3) break;
  }
  return used;
}
