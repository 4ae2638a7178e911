// The demo's steps as functions (the test calls them on a slice) and `runDemo`, which runs
// them in order and prints what each one shows:
//   1. ingest the flights as a stream of daily commits stamped with their dates;
//   2. a change stream: snapshot, delay corrections, cancellations, a column added mid-stream;
//   3. the questions now, AS OF the end of March, AS OF the snapshot; one flight's history;
//   4. a what-if on a branch, compared with main and merged back;
//   5. the cold tier: compaction publishes Iceberg; icebird reads the same answers;
//   6. the lake: the whole change stream into a lake's Iceberg table; icebird reads the same answers;
//   7. a summary of every step's time and throughput.
import { timestamp } from '../../src/index.js';
import { applyChanges, type ChangeResult } from './changes.js';
import { printAgreement, publishCold, readIceberg, type IcebergCounts, type PublishResult } from './cold-tier.js';
import { closeDemo, openDemo, type DemoContext, type DemoOptions } from './context.js';
import { ingest, type IngestResult } from './ingest.js';
import { ask, flightHistory, POINTS, printAnswers, type Answers, type Version } from './questions.js';
import { summaryTable, type StepTiming } from './report.js';
import { whatIf, type WhatIfResult } from './what-if.js';
import { streamToLake, type LakeResult } from './lake.js';

export { openDemo, closeDemo, ingest, applyChanges, ask, flightHistory, whatIf, publishCold, readIceberg, POINTS };
export type { DemoContext, DemoOptions, IngestResult, ChangeResult, Answers, Version, WhatIfResult, PublishResult, IcebergCounts, StepTiming };

export interface DemoResult {
  dir: string;
  ingest: IngestResult;
  changes: ChangeResult;
  /** After the change stream, before the what-if. */
  now: Answers;
  endOfMarch: Answers;
  /** LSN that `AS OF TIMESTAMP '2001-03-31 23:59:59'` resolved to. */
  endOfMarchLsn: number;
  snapshot: Answers;
  history: Version[];
  whatIf: WhatIfResult;
  publish: PublishResult;
  /** dosql's answers after the merge, once the table is in the cold tier (read from its columnar runs). */
  published: Answers;
  iceberg: IcebergCounts;
  /** null with `lake: false`. */
  lake: LakeResult | null;
  /** True when icebird's answers (cold tier and lake) equal dosql's. */
  agree: boolean;
  timings: StepTiming[];
}

function header(ctx: DemoContext, title: string): void {
  ctx.log(`\n== ${title} ${'='.repeat(Math.max(0, 90 - title.length))}`);
}

/** Runs every step on a fresh database in `options.dir`; closes it at the end. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const ctx = await openDemo(options);
  try {
    const { db, log, timings } = ctx;
    header(ctx, `1. ingest: ${ctx.flights.length.toLocaleString('en-US')} flights, one commit per day, stamped with the day`);
    const ing = await ingest(ctx);
    timings.push({ step: `ingest (${ing.commits} daily commits)`, ms: ing.ms, rows: ing.rows, note: 'db.transaction per day, 100-row INSERTs' });

    header(ctx, '2. change stream: snapshot, corrections, cancellations, a new column');
    const changes = await applyChanges(ctx);
    timings.push({ step: `change stream (${changes.commits} commits)`, ms: changes.ms, rows: changes.rowsChanged, note: 'UPDATE/DELETE by id, ALTER TABLE mid-stream' });

    header(ctx, '3. questions: now, AS OF the end of March, AS OF the snapshot');
    const now = await ask(ctx, POINTS.now);
    const endOfMarch = await ask(ctx, POINTS.endOfMarch);
    const snapshot = await ask(ctx, POINTS.snapshot);
    const endOfMarchLsn = (await db.resolve(timestamp('2001-03-31 23:59:59'))).lsn;
    log(`AS OF TIMESTAMP '2001-03-31 23:59:59' resolves to LSN ${endOfMarchLsn} (the last March commit: ${ing.lastMarchLsn ?? 'none in this slice'}); snapshot '${changes.snapshot.name}' is LSN ${changes.snapshot.lsn}`);
    printAnswers(ctx, [
      { label: POINTS.now.label, answers: now },
      { label: POINTS.endOfMarch.label, answers: endOfMarch },
      { label: POINTS.snapshot.label, answers: snapshot },
    ]);
    log();
    const history = changes.historyId === undefined ? [] : await flightHistory(ctx, changes.historyId);

    header(ctx, '4. what-if on a branch, compared with main, merged back');
    const wi = await whatIf(ctx);

    header(ctx, '5. cold tier: publish Iceberg, read it back with an external reader');
    const publish = await publishCold(ctx, now.q1.n);
    const published = await ask(ctx, { label: 'after publish', from: 'flights' });
    for (const t of timings.slice(-3)) t.note = 'columnar runs (first run fills the column cache)';
    const iceberg = await readIceberg(ctx, publish, published.q1.n);
    const dosql = { n: published.q1.n, avgDelay: published.q1.avgDelay, march: published.q4, top10: published.q2 };
    const coldAgree = printAgreement(ctx, dosql, iceberg);

    let lake: LakeResult | null = null;
    let agree = coldAgree;
    if (options.lake !== false) {
      header(ctx, '6. lake: the change stream into Iceberg tables, read back with an external reader');
      lake = await streamToLake(ctx, ing, options.lakeRows ?? ing.rows, published);
      agree = printAgreement(ctx, { n: lake.dosql.q1.n, avgDelay: lake.dosql.q1.avgDelay, march: lake.dosql.q4, top10: lake.dosql.q2 }, lake.counts) && coldAgree;
    }

    header(ctx, '7. summary');
    log(summaryTable(timings));
    log(`\ndata in ${ctx.dir}`);
    return { dir: ctx.dir, ingest: ing, changes, now, endOfMarch, endOfMarchLsn, snapshot, history, whatIf: wi, publish, published, iceberg, lake, agree, timings };
  } finally {
    await closeDemo(ctx);
  }
}
