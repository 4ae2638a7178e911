// Child of the crash test: commits batches forever, reporting on stdout
//   S <i>         before batch i is submitted
//   A <i> <lsn>   after batch i is acknowledged
//   C+ / C-       a compaction started / was installed
// until the parent kills it with SIGKILL. Small memtables and levels keep flushes and
// compactions (with garbage collection: retention 200 LSNs) running all the time. Odd batches
// commit as transactions (engine.commit): with durability 'normal' or 'off' those take the
// synchronous commit path (WritePath.writeNow) whenever no queued write() is in the way.
import { FsObjectStore } from '../src/storage/fs-store.js';
import { LsmEngine, type Durability } from '../src/lsm/engine.js';
import { batchFor } from './crash-workload.js';
import { KIND_PUT } from '../src/mvcc/internal-key.js';
import type { WriteBatch } from '../src/lsm/write-batch.js';
import type { CommitInfo } from '../src/lsm/engine.js';
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
/** The batch's ops as one transaction (its keys are its own: no conflict with the other workers' in-flight batches). */
function commitAsTransaction(b: WriteBatch): Promise<CommitInfo> {
  const t = engine.begin();
  for (const op of b.ops) {
    if (op.kind === KIND_PUT) t.put(op.userKey, op.value!);
    else t.delete(op.userKey);
  }
  return engine.commit(t);
}
let next = start;
async function worker(): Promise<void> {
  for (;;) {
    const i = next++;
    out(`S ${i}`);
    const info = await (i % 2 === 0 ? engine.write(batchFor(i)) : commitAsTransaction(batchFor(i)));
    out(`A ${i} ${info.lsn}`);
  }
}
await Promise.all(Array.from({ length: inflight }, worker));
