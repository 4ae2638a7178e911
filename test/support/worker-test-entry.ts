// The test build of the Worker: the production entry plus routes under /db/<name>/__test/ that
// only tests reach (this module is never the wrangler.toml `main`):
//   POST __test/model { seed, steps, retention? }  runs the engine's model-based test
//        (test/engine-model.test.ts, runModel) inside this object against a DurableObjectStore
//        on its own SQLite storage, and returns the run's statistics or the first mismatch;
//   POST __test/proc  stored procedures in workerd (test/worker-rpc.test.ts): a registered
//        procedure (dosql/proc) runs by executor.execute() and CALL; CALL of a SQL-stored
//        MODULE procedure fails (no eval here): each outcome, or the error's code and message;
//   POST __test/evict  resets the object (ctx.abort): the next request starts a new instance
//        that recovers from storage, as after an eviction (also POST /lake/__test/evict for
//        the DoLake object).
// Bundled with the alias vitest -> worker-vitest-shim.ts.
import { DoSQL as ProductionDoSQL, type OpenDatabase } from '../../src/worker/do-sql.js';
import { DoLake as ProductionDoLake } from '../../src/worker/do-lake.js';
import { DurableObjectStore } from '../../src/storage/do-store.js';
import { errorResponse, json, readJsonObject } from '../../src/worker/http-wire.js';
import { AlarmExecutor } from '../../src/worker/alarm-executor.js';
import type { EngineOptions } from '../../src/lsm/engine-types.js';
import { runModel } from '../engine-model.test.js';
import { createProcedureExecutor, createProcedureRegistry, procedure } from '../../src/proc/index.js';

export { default } from '../../src/worker/index.js';

let modelRuns = 0;

export class DoSQL extends ProductionDoSQL {
  protected override async testRoute(req: Request, rest: string[], db: OpenDatabase): Promise<Response | null> {
    if (rest[0] !== '__test') return null;
    if (rest[1] === 'proc') {
      const outcome = async (f: () => Promise<unknown>): Promise<unknown> => {
        try {
          return { ok: await f() };
        } catch (e) {
          return { code: (e as { code?: string }).code ?? (e as Error).name, message: (e as Error).message };
        }
      };
      const main = db.main;
      await main.exec('CREATE TABLE IF NOT EXISTS proc_log (n INTEGER)');
      const double = procedure('double_it')
        .input({ n: 'integer' })
        .handler(async ({ db: tx }, { n }) => {
          await tx.run('INSERT INTO proc_log VALUES (?)', [n]);
          return { doubled: n * 2 };
        });
      const executor = createProcedureExecutor(main, createProcedureRegistry().register(double));
      try {
        return json({
          execute: await outcome(() => executor.execute('double_it', { n: 4 })),
          call: await outcome(() => main.query('CALL double_it(n => 21)')),
          create: await outcome(() => main.exec('CREATE PROCEDURE IF NOT EXISTS stored AS MODULE $$ export default () => 1 $$')),
          callStored: await outcome(() => main.query('CALL stored()')),
          log: await main.query('SELECT n FROM proc_log ORDER BY n'),
        });
      } finally {
        executor.close();
      }
    }
    if (rest[1] === 'evict') {
      // Answer first; the reset takes the object down right after.
      setTimeout(() => this.ctx.abort?.('test eviction'), 0);
      return json({ evicting: true });
    }
    if (rest[1] === 'model') {
      const b = await readJsonObject(req);
      const seed = Number(b.seed ?? 1);
      const steps = Number(b.steps ?? 300);
      const retention = typeof b.retention === 'number' ? b.retention : undefined;
      const store = new DurableObjectStore(this.ctx.storage, { tablePrefix: `model_${seed}_${modelRuns++}`, chunkBytes: 4096, appendCoalesceBytes: 512 });
      const extra: Partial<EngineOptions> = {};
      if (typeof b.memtableBytes === 'number') extra.memtableBytes = b.memtableBytes;
      if (typeof b.maxImmutableMemtables === 'number') extra.maxImmutableMemtables = b.maxImmutableMemtables;
      if (b.deferredFlush === true) {
        // As in the object: flushes wait in the alarm executor until "the alarm" drains them
        // (here a timer), and compactions run only when asked for.
        const executor: AlarmExecutor = new AlarmExecutor(() => setTimeout(() => void executor.drain(), 1));
        extra.executor = () => executor;
        extra.compaction = { l0CompactionTrigger: 2, l0SlowdownTrigger: 6, l0StopTrigger: 10, levelBaseBytes: 24 * 1024, levelMultiplier: 3, maxLevels: 5, background: false };
      }
      const t0 = Date.now();
      try {
        const stats = await runModel(seed, steps, store, extra, retention);
        return json({ ok: true, seed, steps, stats, storage: store.usage(), ms: Date.now() - t0 });
      } catch (e) {
        return json({ ok: false, seed, steps, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }, 500);
      }
    }
    return errorResponse(new Error(`no test route ${rest.join('/')}`));
  }
}

/** The DoLake object with POST /lake/__test/evict (reset, as after an eviction). */
export class DoLake extends ProductionDoLake {
  protected override async testRoute(_req: Request, path: string): Promise<Response | null> {
    if (path !== '/__test/evict') return null;
    setTimeout(() => this.ctx.abort?.('test eviction'), 0);
    return json({ evicting: true });
  }
}
