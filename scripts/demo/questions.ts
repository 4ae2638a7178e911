// Step 3: the questions, asked of the present and of the past. The same three queries run
// against a table reference that is `flights` (now), `flights FOR SYSTEM_TIME AS OF TIMESTAMP
// ...` (the end of March) or `... AS OF SNAPSHOT 'before-corrections'`; then the history of
// one corrected flight with `FOR SYSTEM_TIME ALL`.
import type { JsValue } from '../../src/index.js';
import type { DemoContext } from './context.js';
import { num, table, timed, int, duration } from './report.js';
import { SNAPSHOT } from './changes.js';

/** The points the questions are asked at: a label and the table reference that reads there. */
export const POINTS = {
  now: { label: 'now', from: 'flights' },
  endOfMarch: { label: 'AS OF end of March', from: "flights FOR SYSTEM_TIME AS OF TIMESTAMP '2001-03-31 23:59:59'" },
  snapshot: { label: `AS OF '${SNAPSHOT}'`, from: `flights FOR SYSTEM_TIME AS OF SNAPSHOT '${SNAPSHOT}'` },
} as const;

/** Q1, Q2, Q4 of the flights benchmark (bench/flights.ts) over the table reference `from`. */
export function questions(from: string): { q1: string; q2: string; q4: string } {
  return {
    q1: `SELECT count(*) AS n, avg(delay) AS avg_delay FROM ${from}`,
    q2: `SELECT origin, count(*) AS n, avg(delay) AS avg_delay FROM ${from} GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 10`,
    q4: `SELECT count(*) AS n FROM ${from} WHERE date >= '2001-03-01' AND date < '2001-04-01'`,
  };
}

export interface Answers {
  /** Q1: flights and their average delay (minutes). */
  q1: { n: number; avgDelay: number | null };
  /** Q2: the ten origins with the most flights. */
  q2: { origin: string; n: number; avgDelay: number | null }[];
  /** Q4: flights departing in March 2001. */
  q4: number;
  ms: { q1: number; q2: number; q4: number };
}

const n = (v: JsValue | undefined): number => Number(v ?? 0);
const avg = (v: JsValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** Asks Q1, Q2 and Q4 at `point` (timed: summary rows `Qn <point label>`, rows = the table's rows at the point). */
export async function ask(ctx: DemoContext, point: { label: string; from: string }): Promise<Answers> {
  const q = questions(point.from);
  const t: Answers['ms'] = { q1: 0, q2: 0, q4: 0 };
  const run = async (key: 'q1' | 'q2' | 'q4', name: string, rows: () => number): Promise<Record<string, JsValue>[]> => {
    const t0 = performance.now();
    const r = await ctx.db.query(q[key]);
    t[key] = performance.now() - t0;
    ctx.timings.push({ step: `${name} ${point.label}`, ms: t[key], rows: rows() });
    return r;
  };
  const q1 = (await run('q1', 'Q1', () => 0))[0]!;
  const size = n(q1.n);
  ctx.timings.at(-1)!.rows = size;
  const q2 = await run('q2', 'Q2', () => size);
  const q4 = await run('q4', 'Q4', () => size);
  return {
    q1: { n: size, avgDelay: avg(q1.avg_delay) },
    q2: q2.map((r) => ({ origin: String(r.origin), n: n(r.n), avgDelay: avg(r.avg_delay) })),
    q4: n(q4[0]?.n),
    ms: t,
  };
}

/** Prints the answers at several points side by side. */
export function printAnswers(ctx: DemoContext, at: readonly { label: string; answers: Answers }[]): void {
  ctx.log(
    table(
      ['point', '>Q1 flights', '>Q1 avg delay', '>Q4 March flights', '>Q1 ms', '>Q2 ms', '>Q4 ms'],
      at.map(({ label, answers: a }) => [label, int(a.q1.n), num(a.q1.avgDelay, 4), int(a.q4), a.ms.q1.toFixed(0), a.ms.q2.toFixed(0), a.ms.q4.toFixed(0)]),
    ),
  );
  ctx.log('\nQ2, top-10 origins: flights (avg delay)');
  const rows: string[][] = [];
  for (let i = 0; i < 10; i++) rows.push([String(i + 1), ...at.map(({ answers: a }) => (a.q2[i] ? `${a.q2[i]!.origin} ${int(a.q2[i]!.n)} (${num(a.q2[i]!.avgDelay, 2)})` : ''))]);
  ctx.log(table(['>#', ...at.map((x) => x.label)], rows));
}

export interface Version {
  version: number;
  delay: number;
  delayCause: string | null;
  validFrom: string;
  validTo: string | null;
}

/** Every stored version of flight `id` (`FOR SYSTEM_TIME ALL`), oldest first; prints them. */
export async function flightHistory(ctx: DemoContext, id: number): Promise<Version[]> {
  const sql = `SELECT _dosql_version AS version, delay, delay_cause, _dosql_valid_from AS valid_from, _dosql_valid_to AS valid_to
    FROM flights FOR SYSTEM_TIME ALL WHERE id = ? ORDER BY version`;
  const rows = await timed(ctx.timings, `history of flight ${id}`, 0, () => ctx.db.query(sql, [id]), "FOR SYSTEM_TIME ALL WHERE id = ?: one key's versions");
  const flight = await ctx.db.queryOne('SELECT date, origin, destination, distance FROM flights WHERE id = ?', [id]);
  const versions = rows.map((r) => ({ version: n(r.version), delay: n(r.delay), delayCause: r.delay_cause === null ? null : String(r.delay_cause), validFrom: String(r.valid_from), validTo: r.valid_to === null ? null : String(r.valid_to) }));
  ctx.log(`history of flight ${id} (${String(flight?.origin)} -> ${String(flight?.destination)}, departed ${String(flight?.date)}), in ${duration(ctx.timings.at(-1)!.ms)}:`);
  ctx.log(table(['>_dosql_version', '>delay', 'delay_cause', 'valid_from', 'valid_to'], versions.map((v) => [String(v.version), String(v.delay), v.delayCause ?? 'NULL', v.validFrom, v.validTo ?? 'NULL'])));
  return versions;
}
