// Background work of a Durable Object's engine, run from its alarm. The engine asks its
// executor for a flush when a memtable fills; this executor queues the job and asks for an
// alarm instead of starting it in the request that filled the memtable. The alarm handler
// (maintenance.ts) drains the queue. Alarms are retried by the platform until they succeed and
// wake an evicted object, so queued work is never lost with the request that caused it: if
// the object is evicted before the alarm, the new instance replays the WAL and flushes then.
//
// While the alarm runs maintenance (`runInline`), jobs run at once: the maintenance itself
// calls engine.flush()/compact(), which end up here.
//
// Async safety: jobs run one at a time, in order; requests keep running between their slices
// (the inline executor yields to the event loop).
import { InlineExecutor, type BackgroundExecutor, type Compaction, type CompactionResult, type FlushOutput, type JobContext, type ManifestState, type Memtable, type RetainedPoints } from '../lsm/executor-host.js';

export class AlarmExecutor implements BackgroundExecutor {
  readonly wantsSharedMemtables = false;
  private readonly inline = new InlineExecutor();
  private readonly queue: (() => Promise<void>)[] = [];
  private inlineDepth = 0;
  /** Jobs run by the alarm so far (status). */
  jobsRun = 0;

  /** `requestAlarm` asks the object for an alarm soon (idempotent). */
  constructor(private readonly requestAlarm: () => void) {}

  get pending(): number {
    return this.queue.length;
  }

  flush(mt: Memtable, ctx: JobContext): Promise<FlushOutput> {
    if (this.inlineDepth > 0) return this.count(this.inline.flush(mt, ctx));
    return new Promise<FlushOutput>((resolve, reject) => {
      this.queue.push(() => this.count(this.inline.flush(mt, ctx)).then(resolve, reject));
      this.requestAlarm();
    });
  }

  /** Compactions start only from maintenance (the engine runs with background compaction off). */
  compact(c: Compaction, state: ManifestState, retained: RetainedPoints, ctx: JobContext): Promise<CompactionResult> {
    return this.count(this.inline.compact(c, state, retained, ctx));
  }

  /** Runs `fn` with jobs executing inline, after draining what was queued. */
  async runInline<T>(fn: () => Promise<T>): Promise<T> {
    this.inlineDepth++;
    try {
      await this.drain();
      return await fn();
    } finally {
      this.inlineDepth--;
    }
  }

  /** Runs every queued job, including ones queued meanwhile. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift()!();
  }

  async close(): Promise<void> {
    await this.drain();
  }

  private count<T>(p: Promise<T>): Promise<T> {
    return p.then((v) => {
      this.jobsRun++;
      return v;
    });
  }
}
