// Node executor: flushes and compactions on worker threads (one for each, so a long
// compaction never delays a flush), for engines whose hot store is a local folder. Other
// stores fall back to the inline executor.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { DoSQLError, type ErrorCode } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { FsObjectStore } from '../storage/fs-store.js';
import {
  InlineExecutor,
  planSubcompactions,
  runSubcompactions,
  type BackgroundExecutor,
  type Compaction,
  type CompactionResult,
  type ExecutorFactory,
  type FlushOutput,
  type JobContext,
  type KeyRange,
  type ManifestState,
  type Memtable,
  type RetainedPoints,
} from '../lsm/executor-host.js';
import type { WorkerRequest, WorkerSetup } from './background-worker.js';

/** Flags a worker thread may share with its parent: how errors print and modules resolve. */
const SHARED_FLAGS = new Set(['--enable-source-maps', '--no-warnings', '--no-deprecation', '--trace-warnings', '--trace-uncaught', '--preserve-symlinks']);

/**
 * Node flags for the flush and compaction threads: of the parent's `execArgv`, only those in
 * SHARED_FLAGS and `--conditions`. By default a worker inherits them all, and flags about the
 * parent's own entry (`--input-type`, `-e`, `--import`, `--require`, ...) then apply to the
 * worker's entry file: `node --input-type=module -e ...` failed at its first flush with
 * ERR_INPUT_TYPE_NOT_ALLOWED. A TypeScript loader, when running from sources, is registered
 * by the worker's boot code itself.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const a = parent[i]!;
    if (SHARED_FLAGS.has(a) || a.startsWith('--conditions=')) out.push(a);
    else if ((a === '--conditions' || a === '-C') && i + 1 < parent.length) out.push(a, parent[++i]!);
  }
  return out;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
/** A request without its id (distributes over the union). */
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

class WorkerHandle {
  private workerInstance: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;

  /** The thread, started on first use. */
  private get worker(): Worker {
    this.workerInstance ??= this.start();
    return this.workerInstance;
  }

  private start(): Worker {
    let worker: Worker;
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './background-worker.ts' : './background-worker.js', import.meta.url);
    if (fromSource) {
      // Running from TypeScript sources (tests, tsx scripts): register tsx in the worker
      // before importing the entry (execArgv --import does not reach a worker's entry on Node 20).
      const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
      const tsxApi = pathToFileURL(join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
      const boot = `(async () => { const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(url.href)}); })()`;
      worker = new Worker(boot, { eval: true, execArgv: workerExecArgv() });
    } else {
      worker = new Worker(url, { execArgv: workerExecArgv() });
    }
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: { code: ErrorCode; message: string; details: Record<string, unknown> } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(new DoSQLError(m.error!.code, m.error!.message, { details: m.error!.details }));
    });
    const die = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(new DoSQLError('IO_ERROR', `background worker failed: ${e.message}`, { cause: e }));
      this.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => {
      if (!this.dead) die(new Error(`exited with code ${code}`));
    });
    return worker;
  }

  request<T>(msg: Request): Promise<T> {
    if (this.dead) return Promise.reject(new DoSQLError('IO_ERROR', `background worker is gone: ${this.dead.message}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ ...msg, id });
    });
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('terminated');
    await this.workerInstance?.terminate();
  }
}

export interface WorkerExecutorOptions {
  /**
   * Compaction threads, and so the most key ranges one compaction is split into
   * (subcompactions, as RocksDB's max_subcompactions; src/compaction/subcompaction.ts).
   * Default: the machine's available parallelism less one (the writer's core), at least 1 and
   * at most 4. On a loaded 2-core machine a split full compaction of 1M keys measured no faster
   * and ~10% more CPU (each thread warms its own JIT), so 2 cores do not split by default.
   */
  maxSubcompactions?: number;
  /** Input bytes per subcompaction below which a job is not split further. Default 8 MiB. */
  minSubcompactionBytes?: number;
}

class WorkerExecutor implements BackgroundExecutor {
  readonly wantsSharedMemtables = true;
  private readonly flusher = new WorkerHandle();
  /** One thread per subcompaction; compactors[0] runs jobs that are not split. */
  private readonly compactors: WorkerHandle[];
  /**
   * Set-up of the flush thread, and of the compaction threads, each started on first need:
   * a thread's start costs ~0.4 s of CPU when running from TypeScript sources (less from the
   * build), and a database whose runs never overlap (ascending keys: trivial moves only) or
   * that never fills L0 needs no compaction thread at all.
   */
  private flusherReady: Promise<unknown> | null = null;
  private compactorsReady: Promise<unknown> | null = null;

  constructor(
    private readonly root: string,
    private readonly fsync: boolean,
    private readonly o: WorkerExecutorOptions,
  ) {
    const n = Math.max(1, Math.floor(o.maxSubcompactions ?? Math.min(4, availableParallelism() - 1)));
    this.compactors = Array.from({ length: n }, () => new WorkerHandle());
  }

  private setupMessage(ctx: JobContext): WorkerSetup {
    return {
      root: this.root,
      fsync: this.fsync,
      targetFileBytes: ctx.targetFileBytes,
      sstable: {
        blockSize: ctx.sstable.blockSize ?? 4096,
        compression: ctx.sstable.compression ?? 'lz4',
        compressionPerLevel: ctx.sstable.compressionPerLevel ?? [],
        bitsPerKey: ctx.sstable.bitsPerKey ?? 10,
      },
    };
  }

  private setupFlusher(ctx: JobContext): Promise<unknown> {
    this.flusherReady ??= this.flusher.request({ type: 'setup', setup: this.setupMessage(ctx) });
    return this.flusherReady;
  }

  private setupCompactors(ctx: JobContext): Promise<unknown> {
    const setup = this.setupMessage(ctx);
    this.compactorsReady ??= Promise.all(this.compactors.map((w) => w.request({ type: 'setup', setup })));
    return this.compactorsReady;
  }

  prepare(ctx: JobContext): void {
    // A failed setup is reported again by the flush that awaits it.
    this.setupFlusher(ctx).catch(() => undefined);
  }

  async flush(mt: Memtable, ctx: JobContext): Promise<FlushOutput> {
    await this.setupFlusher(ctx);
    const frozen = mt.exportFrozen();
    const fileCount = Math.ceil(mt.approximateBytes / ctx.targetFileBytes) * 2 + 8;
    const firstFile = ctx.reserveFileNumbers(fileCount);
    return this.flusher.request<FlushOutput>({ type: 'flush', frozen, epoch: ctx.epoch, firstFile, fileCount });
  }

  async compact(c: Compaction, state: ManifestState, retained: RetainedPoints, ctx: JobContext): Promise<CompactionResult> {
    await this.setupCompactors(ctx);
    let inputBytes = 0;
    for (const run of c.runs) for (const f of run) inputBytes += f.size;
    // Each subcompaction gets numbers for the whole job's output: its share may exceed the estimate.
    const fileCount = Math.ceil(inputBytes / ctx.targetFileBytes) * 2 + 8;
    const compaction = { ...c, inputFiles: [...c.inputFiles] };
    const levels = state.levels.map((runs) => runs.map((run) => [...run]));
    const one = (range: KeyRange | undefined, i: number): Promise<CompactionResult> =>
      this.compactors[i]!.request<CompactionResult>({
        type: 'compact',
        compaction,
        levels,
        horizon: retained.horizon,
        points: retained.points,
        fullHistoryTables: [...retained.fullHistoryTables],
        epoch: ctx.epoch,
        firstFile: ctx.reserveFileNumbers(fileCount),
        fileCount,
        range,
      });
    const ranges = this.compactors.length > 1 ? await planSubcompactions(c, ctx.tables, this.compactors.length, this.o.minSubcompactionBytes) : [{}];
    if (ranges.length === 1) return one(undefined, 0);
    return runSubcompactions(c, ranges, one, (f) => ctx.store.delete(f.key));
  }

  async close(): Promise<void> {
    await Promise.all([this.flusher, ...this.compactors].map((w) => w.terminate()));
  }
}

/**
 * Executor factory for `LsmEngine.open({ executor })`: worker threads when the hot store is
 * an FsObjectStore, the inline executor otherwise.
 */
export const workerExecutor: ExecutorFactory = (store: ObjectStore): BackgroundExecutor => workerExecutorWith({})(store);

/** `workerExecutor` with explicit subcompaction settings. */
export function workerExecutorWith(o: WorkerExecutorOptions): ExecutorFactory {
  return (store) => (store instanceof FsObjectStore ? new WorkerExecutor(store.root, store.fsyncEnabled, o) : new InlineExecutor());
}
