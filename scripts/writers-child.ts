// Child of the two-writer stress test (scripts/writers-harness.ts): one writer process
// looping "open -> write -> on FENCED close and reopen" on a shared folder, printing its
// events (scripts/writers-workload.ts, formatEvent) one per line, until the parent kills it
// or writes a line to its stdin (then it closes the engine and exits 0).
import { FsObjectStore } from '../src/storage/fs-store.js';
import { LsmEngine, type Durability } from '../src/lsm/engine.js';
import { workerExecutor } from '../src/node/worker-executor.js';
import { formatEvent, writerLoop } from './writers-workload.js';

const [dir, writerArg, durability] = process.argv.slice(2);
const writer = Number(writerArg);
let stop = false;
process.stdin.on('data', () => {
  stop = true;
});
process.stdin.on('end', () => {
  stop = true;
});
await writerLoop({
  writer,
  inflight: 4,
  stop: () => stop,
  emit: (e) => {
    process.stdout.write(`${formatEvent(e)}\n`);
  },
  open: () =>
    LsmEngine.open({
      store: new FsObjectStore(dir!),
      durability: (durability ?? 'full') as Durability,
      memtableBytes: 32 * 1024,
      targetFileBytes: 16 * 1024,
      blockSize: 1024,
      retention: 100,
      executor: workerExecutor,
      compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 16, levelBaseBytes: 64 * 1024, levelMultiplier: 4, maxLevels: 5 },
    }),
});
process.stdout.write('X\n');
process.exit(0);
