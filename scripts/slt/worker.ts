// Child-process side of the isolating supervisor (supervisor.ts): runs the files it is sent,
// one at a time, reporting a heartbeat before every record. Exits when the parent goes away.
import { runSltFile } from './file-run.js';
import type { SltTally } from './runner.js';
import type { WorkerMessage, WorkerTask } from './worker-protocol.js';

const send = (m: WorkerMessage): void => {
  process.send!(m);
};

process.on('disconnect', () => process.exit(0));
process.on('message', (task: WorkerTask) => {
  void (async () => {
    const tally: SltTally = { passed: 0, failed: 0, skipped: 0 };
    const result = await runSltFile(task.path, task.engine, { ...task.options, maxFailuresKept: 0 }, {
      onRecordStart: (index) => send({ type: 'start', index, ...tally }),
      onOutcome: (o) => void tally[o]++,
      onFailure: (failure) => send({ type: 'failure', failure }),
    });
    send({ type: 'done', ...tally, ...(result.error === undefined ? {} : { error: result.error }) });
  })();
});
