// Child of the crash test: commits batches forever, reporting on stdout
//   S <i>         before batch i is submitted
//   A <i> <lsn>   after batch i is acknowledged
//   C+ / C-       a compaction started / was installed
// until the parent kills it with SIGKILL. Small memtables and levels keep flushes and
// compactions (with garbage collection: retention 200 LSNs) running all the time.
import { FsObjectStore } from '../src/storage/fs-store.js';
import { LsmEngine, type Durability } from '../src/lsm/engine.js';
import { batchFor } from './crash-workload.js';
import { workerExecutor } from '../src/node/worker-executor.js';

const [dir, startArg, durability, inflightArg] = process.argv.slice(2);
const start = Number(startArg ?? 0);
const inflight = Number(inflightArg ?? 4);
const engine = await LsmEngine.open({
  store: new FsObjectStore(dir!),
  durability: (durability ?? 'full') as Durability,
  memtableBytes: 48 * 1024,
  targetFileBytes: 32 * 1024,
  blockSize: 1024,
  retention: 200,
  executor: workerExecutor,
  compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 16, levelBaseBytes: 128 * 1024, levelMultiplier: 4, maxLevels: 5 },
  onEvent: (e) => {
    if (e.type === 'compaction-start' && e.kind !== 'move') process.stdout.write('C+\n');
    else if (e.type === 'compaction-end' && e.kind !== 'move') process.stdout.write('C-\n');
  },
});
const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
out('R');
let next = start;
async function worker(): Promise<void> {
  for (;;) {
    const i = next++;
    out(`S ${i}`);
    const info = await engine.write(batchFor(i));
    out(`A ${i} ${info.lsn}`);
  }
}
await Promise.all(Array.from({ length: inflight }, worker));
