// Step 2: the change stream after the half year is in. A named snapshot first, then ten daily
// commits (2001-07-02 .. 07-11, 18:00 UTC) of delay corrections (1% of the flights) and
// cancellations (0.1%, deleted), with a column added mid-stream: from 2001-07-07 corrections
// also record a delay cause (the BTS cause categories), and some flights corrected earlier are
// corrected again with one. Every choice comes from a seeded PRNG, so runs replay exactly.
import { Prng } from '../../src/util/prng.js';
import { latestLsn, type DemoContext } from './context.js';
import { progress } from './progress.js';
import { duration, int } from './report.js';

export const SNAPSHOT = 'before-corrections';
export const ADD_COLUMN = 'ALTER TABLE flights ADD COLUMN delay_cause TEXT';
const CAUSES = ['carrier', 'weather', 'nas', 'security', 'late_aircraft'] as const;
const BATCHES = 10;
/** The batch before which the column is added. */
const ALTER_AT = 5;
/** One in this many corrections made before the column existed is corrected again after. */
const RECORRECT_EVERY = 20;

export interface ChangeResult {
  snapshot: { name: string; lsn: number };
  corrections: number;
  recorrections: number;
  cancellations: number;
  /** Daily batches plus the ALTER TABLE. */
  commits: number;
  alterLsn: number;
  lastLsn: number;
  /** A flight corrected before the column existed and again after (three versions); undefined on tiny slices. */
  historyId: number | undefined;
  /** Rows written (updates + deletes). */
  rowsChanged: number;
  ms: number;
}

interface Batch {
  corrections: { id: number; delay: number; cause?: string }[];
  cancellations: number[];
}

/** The whole change stream, decided up front from the seed. */
function plan(ctx: DemoContext): { batches: Batch[]; historyId: number | undefined; corrections: number; recorrections: number; cancellations: number } {
  const f = ctx.flights;
  const rng = new Prng(ctx.seed);
  const nCorr = Math.round(f.length * 0.01);
  const nCanc = Math.round(f.length * 0.001);
  // A partial Fisher-Yates shuffle: nCorr + nCanc distinct rows.
  const pos = Int32Array.from({ length: f.length }, (_, i) => i);
  for (let i = 0; i < nCorr + nCanc; i++) {
    const j = i + rng.int(f.length - i);
    [pos[i], pos[j]] = [pos[j]!, pos[i]!];
  }
  const batches: Batch[] = Array.from({ length: BATCHES }, () => ({ corrections: [], cancellations: [] }));
  const shift = (): number => {
    const d = rng.int(91) - 30; // -30 .. +60 minutes
    return d === 0 ? 5 : d;
  };
  let historyId: number | undefined;
  let recorrections = 0;
  for (let j = 0; j < nCorr; j++) {
    const row = pos[j]!;
    const b = Math.floor((j * BATCHES) / nCorr);
    const delay = f.delay[row]! + shift();
    batches[b]!.corrections.push(b >= ALTER_AT ? { id: f.id[row]!, delay, cause: rng.pick(CAUSES) } : { id: f.id[row]!, delay });
    if (b < ALTER_AT && j % RECORRECT_EVERY === 0) {
      const later = ALTER_AT + rng.int(BATCHES - ALTER_AT);
      batches[later]!.corrections.push({ id: f.id[row]!, delay: delay + shift(), cause: rng.pick(CAUSES) });
      historyId ??= f.id[row]!;
      recorrections++;
    }
  }
  for (let j = 0; j < nCanc; j++) batches[Math.floor((j * BATCHES) / nCanc)]!.cancellations.push(f.id[pos[nCorr + j]!]!);
  return { batches, historyId, corrections: nCorr, recorrections, cancellations: nCanc };
}

/** Takes the snapshot `before-corrections`, then commits the change stream. */
export async function applyChanges(ctx: DemoContext): Promise<ChangeResult> {
  const { db, clock } = ctx;
  const snap = await db.createSnapshot(SNAPSHOT);
  ctx.log(`snapshot '${snap.name}' pins LSN ${snap.lsn}`);
  const p = plan(ctx);
  const total = p.corrections + p.recorrections + p.cancellations;
  const bar = progress('changes', total, 'rows', ctx.bars);
  const t0 = performance.now();
  let done = 0;
  let alterLsn = 0;
  for (let b = 0; b < BATCHES; b++) {
    const day = `2001-07-${String(2 + b).padStart(2, '0')}`;
    if (b === ALTER_AT) {
      clock.set(Date.parse(`${day}T09:00:00Z`));
      alterLsn = (await db.run(ADD_COLUMN)).lsn;
    }
    clock.set(Date.parse(`${day}T18:00:00Z`));
    const batch = p.batches[b]!;
    await db.transaction(async (tx) => {
      for (const c of batch.corrections) {
        if (c.cause === undefined) await tx.run('UPDATE flights SET delay = ? WHERE id = ?', [c.delay, c.id]);
        else await tx.run('UPDATE flights SET delay = ?, delay_cause = ? WHERE id = ?', [c.delay, c.cause, c.id]);
      }
      for (const id of batch.cancellations) await tx.run('DELETE FROM flights WHERE id = ?', [id]);
    });
    done += batch.corrections.length + batch.cancellations.length;
    bar.update(done, day);
  }
  const ms = performance.now() - t0;
  bar.stop();
  const lastLsn = await latestLsn(db);
  ctx.log(
    `change stream: ${int(p.corrections)} delay corrections (+${int(p.recorrections)} corrected again with a cause), ${int(p.cancellations)} cancellations, ` +
      `'${ADD_COLUMN}' at LSN ${alterLsn}; ${BATCHES + 1} commits up to LSN ${lastLsn} in ${duration(ms)}`,
  );
  return { snapshot: { name: snap.name, lsn: snap.lsn }, corrections: p.corrections, recorrections: p.recorrections, cancellations: p.cancellations, commits: BATCHES + 1, alterLsn, lastLsn, historyId: p.historyId, rowsChanged: total, ms };
}
