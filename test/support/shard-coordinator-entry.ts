// The sharding coordinator inside a Worker (issue 20, "the coordinator a Worker"): the
// production Worker plus POST /__shard/run, which runs statements through createShardExecutor
// in this Worker against four DoSQL objects (databases cs-0..cs-3) reached through the Worker's
// own routing, cross-shard writes committed by two-phase commit with the coordinator log in the
// COLD R2 bucket under twopc/. Answers each statement's rows (or changes) and its routing.
import production from '../../src/worker/index.js';
import type { Env } from '../../src/worker/cf-types.js';
import { errorResponse, json, readJsonObject } from '../../src/worker/http-wire.js';
import { R2ObjectStore, type R2BucketLike } from '../../src/storage/r2-store.js';
import { createShardExecutor, createVSchema, hashVindex, httpParticipant, httpShard, referenceTable, shard, shardedTable, TwoPhaseCoordinator, twoPhaseCommitter } from '../../src/shard/index.js';

export { DoSQL, DoLake } from '../../src/worker/index.js';

const SHARDS = ['cs-0', 'cs-1', 'cs-2', 'cs-3'];

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname !== '/__shard/run') return production.fetch(req, env);
    try {
      const auth = req.headers.get('authorization');
      const viaWorker = (r: Request): Promise<Response> => {
        const headers = new Headers(r.headers);
        if (auth) headers.set('authorization', auth);
        return production.fetch(new Request(r, { headers }), env);
      };
      const options = (s: string) => ({ url: `http://coordinator/db/${s}`, fetch: viaWorker });
      const coordinator = new TwoPhaseCoordinator({ store: new R2ObjectStore((env as unknown as { COLD: R2BucketLike }).COLD, { prefix: 'twopc/' }), id: 'worker-coordinator' });
      const vschema = createVSchema({ users: shardedTable('id', hashVindex('xxhash')), countries: referenceTable() }, SHARDS.map((s) => shard(s, 'DOSQL')));
      const ex = createShardExecutor({
        vschema,
        shards: Object.fromEntries(SHARDS.map((s) => [s, httpShard(s, options(s))])),
        committer: twoPhaseCommitter({ coordinator, participant: (s) => httpParticipant(s, options(s)) }),
        shardTimeoutMs: 20_000,
      });
      await coordinator.recover(SHARDS.map((s) => httpParticipant(s, options(s))));
      const b = await readJsonObject(req);
      const out: unknown[] = [];
      for (const st of b.statements as { sql: string; params?: unknown[]; kind: 'query' | 'run' | 'exec' }[]) {
        if (st.kind === 'exec') {
          await ex.exec(st.sql);
          out.push({ ok: true });
        } else if (st.kind === 'run') {
          const r = await ex.run(st.sql, (st.params ?? []) as never);
          out.push({ changes: r.changes });
        } else {
          const routing = ex.analyze(st.sql, (st.params ?? []) as never).routing;
          const rows = await ex.query(st.sql, (st.params ?? []) as never);
          out.push({ rows, queryType: routing.queryType, shards: routing.targetShards.length });
        }
      }
      return json({ results: out });
    } catch (e) {
      return errorResponse(e);
    }
  },
};
