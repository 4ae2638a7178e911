// Child of the two-writer stress test (scripts/writers-harness.ts): one writer process
// looping "open -> write -> on FENCED close and reopen" on a shared folder, printing its
// events (scripts/writers-workload.ts, formatEvent) one per line, until the parent kills it
// or writes a line to its stdin (then it closes the engine and exits 0).
// argv: <dir> <writer> <durability> <worker|inline> <seed> [engine|sql]
import { FsObjectStore } from '../src/storage/fs-store.js';
import { LsmEngine, type Durability } from '../src/lsm/engine.js';
import { workerExecutor } from '../src/node/worker-executor.js';
import { Prng } from '../src/util/prng.js';
import { formatEvent, writerLoop } from './writers-workload.js';
import { sqlOptions, sqlWriterLoop } from './writers-sql.js';

const [dir, writerArg, durability, executor, seedArg, api] = process.argv.slice(2);
const writer = Number(writerArg);
const rng = new Prng(Number(seedArg ?? 1) * 2 + writer);
let stop = false;
process.stdin.on('data', () => {
  stop = true;
});
process.stdin.on('end', () => {
  stop = true;
});
const emit = (e: Parameters<typeof formatEvent>[0]): void => {
  process.stdout.write(`${formatEvent(e)}\n`);
};
// Besides reopening when fenced, sometimes reopen on its own: more racing opens.
const sessionWrites = (): number => (rng.chance(0.5) ? Infinity : 20 + rng.int(300));
if (api === 'sql') {
  await sqlWriterLoop({ writer, inflight: 4, stop: () => stop, emit, sessionWrites, options: { ...sqlOptions(dir!, executor !== 'inline'), durability: (durability ?? 'full') as Durability } });
} else {
  await writerLoop({
    writer,
    inflight: 4,
    stop: () => stop,
    emit,
    sessionWrites,
    open: () =>
      LsmEngine.open({
        store: new FsObjectStore(dir!),
        durability: (durability ?? 'full') as Durability,
        memtableBytes: 32 * 1024,
        targetFileBytes: 16 * 1024,
        blockSize: 1024,
        retention: 100,
        ...(executor === 'inline' ? {} : { executor: workerExecutor }),
        compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 16, levelBaseBytes: 64 * 1024, levelMultiplier: 4, maxLevels: 5 },
      }),
  });
}
process.stdout.write('X\n');
process.exit(0);
