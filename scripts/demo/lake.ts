// Step 6: the lake (docs/lake.md). The flights database's change history streams through a
// lakehouse streamer into a lake in this process (`openLake` on a folder, `<demo dir>/lake`),
// which keeps an Iceberg v2 table partitioned by commit day (the demo stamps each day's commit
// with that day, so `data/dt=2001-…`). icebird then reads the lake's table over loopback HTTP and
// must give dosql's counts and averages as of the LSN the lake committed.
//
// By default the stream covers the whole history: every daily commit, the corrections, the ALTER
// TABLE and the merge. `--lake-rows N` stops at the daily commit that reaches N flights, and dosql
// then answers AS OF the lake's position.
import { join } from 'node:path';
import { createLakehouseStreamer } from '../../src/cdc/index.js';
import { openLake } from '../../src/lake/index.js';
import { FsObjectStore } from '../../src/storage/fs-store.js';
import type { DemoContext } from './context.js';
import { LAKE_SLOT, latestLsn } from './context.js';
import { readIceberg, type IcebergCounts, type PublishResult } from './cold-tier.js';
import { duration, int, timed } from './report.js';
import type { IngestResult } from './ingest.js';
import { ask, type Answers } from './questions.js';

export interface LakeResult {
  /** dosql's answers as of `committedLsn`. */
  dosql: Answers;
  /** LSN the lake committed the database up to (its head). */
  committedLsn: number;
  /** Row changes (inserts, updates, deletes) the streamer sent. */
  events: number;
  /** Data files and day partitions of the lake table. */
  dataFiles: number;
  partitions: number;
  counts: IcebergCounts;
}

/**
 * Streams the database into a lake until it holds the commit of the day that reaches `lakeRows`
 * flights (the head when the run has no more), then reads the lake with icebird.
 */
export async function streamToLake(ctx: DemoContext, ing: IngestResult, lakeRows: number, current: Answers): Promise<LakeResult> {
  const dir = join(ctx.dir, 'lake');
  const store = new FsObjectStore(dir);
  const lake = await openLake({
    warehouse: store,
    url: `${ctx.server.url}/lake`,
    // Flushes at 50,000 buffered events (or 64 MiB / 4 of them); the last one is asked for below.
    flush: { intervalMs: 3_600_000, eventThreshold: 50_000, rowGroupRows: 100_000 },
    durability: 'normal',
  });
  try {
    const head = await latestLsn(ctx.db);
    const day = ing.days.findIndex((d) => d.end >= lakeRows);
    const target = lakeRows >= ing.rows || day < 0 ? head : ing.createLsn + 1 + day;
    const events = await timed(ctx.timings, 'stream into the lake', (n) => n, async () => {
      const s = createLakehouseStreamer({ cdc: ctx.db, config: { sourceDoId: 'flights-demo', lake, slot: LAKE_SLOT, maxBatchSize: 10_000, maxBatchBytes: 4 * 1024 * 1024, maxBufferSize: 10_000 } });
      await s.start();
      while (Number(s.getStatus().lastAckLSN) < target) {
        if (s.getStatus().state === 'error') throw new Error(s.getStatus().lastError);
        await new Promise((r) => setTimeout(r, 20));
      }
      await lake.flush();
      await s.waitCommitted(target);
      await s.stop();
      return s.getStatus().totalEntriesSent;
    }, 'createLakehouseStreamer → openLake (folder), Iceberg commits');
    const snap = await lake.snapshot('flights');
    const files = lake.status().tables.find((t) => t.name === 'flights');
    const partitions = new Set((await store.list(`${snap.url.slice(ctx.server.url.length + 1 + 'lake/'.length)}/data/`)).map((o) => o.key.split('/').at(-2))).size;
    const at = snap.positions['flights-demo'] ?? 0;
    ctx.log(`the lake holds flights-demo up to LSN ${at} (the head: ${head}${at < head ? '; without --lake-rows it streams it all' : ''}) after ${int(events)} change events in ${duration(ctx.timings.at(-1)!.ms)}`);
    ctx.log(`  table:     ${snap.url} (metadata ${snap.metadataFileName}), ${int(files?.dataFiles ?? 0)} data files in ${int(partitions)} day partitions (dt=2001-…)`);
    const pub: Pick<PublishResult, 'tableUrl' | 'metadataPath'> = { tableUrl: snap.url, metadataPath: `${snap.url}/metadata/${snap.metadataFileName}` };
    // 'total-records' counts rows of data files, deleted ones (position deletes) included: not compared.
    const dosql = at >= head ? current : await ask(ctx, { label: `AS OF the lake (LSN ${at})`, from: `flights FOR SYSTEM_TIME AS OF LSN ${at}` });
    const counts = { ...(await readIceberg(ctx, pub, dosql.q1.n, 'icebird reads the lake')), metadataRecords: undefined };
    return { dosql, committedLsn: at, events, dataFiles: files?.dataFiles ?? 0, partitions, counts };
  } finally {
    await lake.close();
    await store.close();
  }
}
