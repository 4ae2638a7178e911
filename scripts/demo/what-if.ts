// Step 4: a what-if on a branch. Branch from main (a manifest entry, no copy), add 15 minutes
// to every delay out of Chicago O'Hare there, compare the branch with main (commits ahead and
// behind, and one query reading both), then merge it back into main.
import type { JsValue } from '../../src/index.js';
import type { DemoContext } from './context.js';
import { int, num, table, timed } from './report.js';

export const WHAT_IF_BRANCH = 'what-if-ord';
export const WHAT_IF = "UPDATE flights SET delay = delay + 15 WHERE origin = 'ORD'";

/** Flights, average delay, and the same for ORD, on one branch. */
export interface BranchStats {
  branch: string;
  n: number;
  avgDelay: number | null;
  ordFlights: number;
  ordAvgDelay: number | null;
}

export interface WhatIfResult {
  baseLsn: number;
  changed: number;
  compare: { ahead: number; behind: number; diverged: boolean; canFastForward: boolean };
  /** main, then the branch, before the merge. */
  stats: [BranchStats, BranchStats];
  merge: { lsn: number | null; changes: number; conflicts: number };
}

const STATS = (from: string, label: string): string =>
  `SELECT '${label}' AS branch, count(*) AS n, avg(delay) AS avg_delay, sum(origin = 'ORD') AS ord_n, avg(CASE WHEN origin = 'ORD' THEN delay END) AS ord_avg FROM ${from}`;

const toStats = (r: Record<string, JsValue>): BranchStats => ({
  branch: String(r.branch),
  n: Number(r.n),
  avgDelay: r.avg_delay === null ? null : Number(r.avg_delay),
  ordFlights: Number(r.ord_n ?? 0),
  ordAvgDelay: r.ord_avg === null ? null : Number(r.ord_avg),
});

/** Runs the what-if on a branch, compares, merges back; leaves main checked out. */
export async function whatIf(ctx: DemoContext): Promise<WhatIfResult> {
  const { db, clock, timings } = ctx;
  clock.set(Date.parse('2001-07-12T09:00:00Z'));
  const created = await timed(timings, `branch('${WHAT_IF_BRANCH}')`, 0, () => db.branch(WHAT_IF_BRANCH));
  await db.checkout(WHAT_IF_BRANCH);
  clock.set(Date.parse('2001-07-12T10:00:00Z'));
  const upd = await timed(timings, 'what-if UPDATE on the branch', (r) => r.changes, () => db.run(WHAT_IF), 'ORD delays +15 min');
  ctx.log(`branch '${WHAT_IF_BRANCH}' from main at LSN ${created.baseLsn}; on it: ${WHAT_IF} -> ${int(upd.changes)} rows (LSN ${upd.lsn})`);
  await db.checkout('main');
  const compare = await timed(timings, 'compareBranches', 0, () => db.compareBranches(WHAT_IF_BRANCH, 'main'));
  const sql = `${STATS('flights', 'main')} UNION ALL ${STATS(`flights FOR SYSTEM_TIME AS OF BRANCH '${WHAT_IF_BRANCH}'`, WHAT_IF_BRANCH)}`;
  const rows = await timed(timings, 'compare: one query, main + branch', 0, () => db.query(sql), 'AS OF BRANCH in a UNION ALL');
  const stats = [toStats(rows[0]!), toStats(rows[1]!)] as [BranchStats, BranchStats];
  timings.at(-1)!.rows = stats[0].n + stats[1].n;
  ctx.log(`compareBranches('${WHAT_IF_BRANCH}', 'main'): ${JSON.stringify(compare)}`);
  ctx.log(table(['branch', '>flights', '>avg delay', '>ORD flights', '>ORD avg delay'], stats.map((s) => [s.branch, int(s.n), num(s.avgDelay, 4), int(s.ordFlights), num(s.ordAvgDelay, 4)])));
  clock.set(Date.parse('2001-07-12T12:00:00Z'));
  const merged = await timed(timings, 'merge into main', (r) => r.changes, () => db.merge(WHAT_IF_BRANCH), 'one commit');
  ctx.log(`merged into main: ${int(merged.changes)} rows in one commit (LSN ${String(merged.lsn)}), ${merged.conflicts.length} conflicts`);
  return { baseLsn: created.baseLsn, changed: upd.changes, compare, stats, merge: { lsn: merged.lsn, changes: merged.changes, conflicts: merged.conflicts.length } };
}
