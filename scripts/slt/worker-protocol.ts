// Messages between the supervisor (parent process) and worker.ts (child process), over IPC.
import type { EngineName } from './adapter.js';
import type { RunOptions, SltFailure, SltTally } from './runner.js';

/** Parent to child: run one file (from `options.startAt`, replaying earlier statements). */
export interface WorkerTask {
  readonly path: string;
  readonly engine: EngineName;
  readonly options: RunOptions;
}

/**
 * Child to parent. `start` is the heartbeat, sent before every record with the counts so far,
 * so a parent that kills a stuck child knows which record hung and what passed before it.
 * Failures are sent as they happen; `done` ends the file.
 */
export type WorkerMessage =
  | ({ readonly type: 'start'; readonly index: number } & SltTally)
  | { readonly type: 'failure'; readonly failure: SltFailure }
  | ({ readonly type: 'done'; readonly error?: string } & SltTally);
