// Differential SQL testing: the same random schema, data, queries and data changes run on two
// engines, which must agree on every answer (result-compare.ts), on which statements fail
// (constraint violation vs other error vs success) and on change counts; after every data
// change the changed table is compared whole.
//
// A run is split into rounds of `statementsPerSchema` statements, each with a fresh schema and
// fresh databases seeded from (seed, round): the same seed always generates the same SQL,
// whatever the engines answer. A round ends early once the engines' data may have diverged.
// Some rounds instead run a foreign-key or trigger schema and its statements (constraint-round.ts).
import { describeError, openEngine, type EngineName, type SqlEngineAdapter, type SqlValue } from '../../../scripts/slt/adapter.js';
import { generateData, generateDml } from './dml-gen.js';
import { minimiseSetup } from './minimise.js';
import type { SchemaModel } from './model.js';
import { generateQuery } from './query-gen.js';
import { Rng, deriveSeed } from './random.js';
import { constraintRound } from './constraint-round.js';
import { diffResults, showRows } from './result-compare.js';
import { generateSchema } from './schema-gen.js';

/** An engine by name, or a factory for a fresh, empty database. */
export type EngineSpec = EngineName | (() => Promise<SqlEngineAdapter>);

export type MismatchKind = 'setup' | 'result' | 'error' | 'changes' | 'table';

export interface Mismatch {
  readonly seed: number;
  readonly round: number;
  readonly kind: MismatchKind;
  /** The statement the engines disagree on. */
  readonly sql: string;
  /** Statements that rebuild the database before `sql` (schema, data, earlier changes). */
  readonly setup: readonly string[];
  /** Whether `setup` was cut down to what still reproduces the mismatch. */
  readonly minimised: boolean;
  readonly detail: string;
  /** What each engine did, in a line. */
  readonly a: string;
  readonly b: string;
}

export interface DifferentialOptions {
  readonly seed: number;
  /** Statements to run in total (unless `maxMismatches` stops the run): queries, and about `dmlRatio` of them data changes. */
  readonly queries: number;
  readonly engineA: EngineSpec;
  readonly engineB: EngineSpec;
  readonly onMismatch?: (m: Mismatch) => void;
  /** After each round: statements run so far and mismatches found. */
  readonly onProgress?: (done: number, mismatches: number) => void;
  readonly statementsPerSchema?: number;
  readonly dmlRatio?: number;
  /** Cut the setup of the first mismatches down (default true). */
  readonly minimise?: boolean;
  /** Replays allowed per minimisation (default 160). */
  readonly minimiseBudget?: number;
  /** Stop once this many mismatches are found (default 20). */
  readonly maxMismatches?: number;
  /** Per statement, each engine; cooperative (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** Share of rounds over a foreign-key or trigger schema (default 0.15). */
  readonly constraintRounds?: number;
}

export interface DifferentialReport {
  readonly seed: number;
  /** SELECT statements run on both engines. */
  queries: number;
  /** Data changes run on both engines. */
  changes: number;
  /** Statements both engines rejected (agreement; also a measure of generator waste). */
  bothFailed: number;
  schemas: number;
  readonly mismatches: Mismatch[];
}

export type Outcome =
  | { readonly ok: true; readonly ran: 'run' | 'query'; readonly rows: SqlValue[][]; readonly width: number; readonly changes: number }
  | { readonly ok: false; readonly kind: 'constraint' | 'error'; readonly message: string };

const MINIMISE_FIRST = 3;
const MAX_PER_ROUND = 3;

export async function runDifferential(o: DifferentialOptions): Promise<DifferentialReport> {
  const report: DifferentialReport = { seed: o.seed, queries: 0, changes: 0, bothFailed: 0, schemas: 0, mismatches: [] };
  const perSchema = o.statementsPerSchema ?? 150;
  const max = o.maxMismatches ?? 20;
  // Rounds that end early (a mismatch that may have made the data diverge) are made up by more rounds.
  const done = (): number => report.queries + report.changes;
  for (let round = 0; done() < o.queries && report.mismatches.length < max; round++) {
    await runRound(o, round, Math.min(perSchema, o.queries - done()), report, max);
    o.onProgress?.(done(), report.mismatches.length);
  }
  return report;
}

async function runRound(o: DifferentialOptions, round: number, steps: number, report: DifferentialReport, max: number): Promise<void> {
  const rng = new Rng(deriveSeed(o.seed, round));
  // Some rounds are about constraints that act: foreign keys or triggers (constraint-round.ts).
  if (rng.chance(o.constraintRounds ?? 0.15)) return constraintRound(rng, o, round, steps, report, max);
  const schema = generateSchema(rng);
  const data = generateData(rng, schema);
  report.schemas++;
  const history: string[] = [];
  const a = await open(o.engineA);
  const b = await open(o.engineB);
  let found = 0;
  const mismatch = async (kind: MismatchKind, step: Step, ra: Outcome, rb: Outcome, detail: string): Promise<void> => {
    let shown: Found = { detail, a: describe(ra), b: describe(rb) };
    let setup: readonly string[] = [...history];
    let minimised = false;
    if (o.minimise !== false && report.mismatches.length < MINIMISE_FIRST && kind !== 'setup') {
      const cut = await minimiseSetup(setup, step.sql, async (s) => mismatchIn(kind, step, await replay(o, s, step)) !== undefined, o.minimiseBudget);
      // Report what the minimised script shows, which may be a smaller table than the original run's.
      const again = cut === undefined ? undefined : mismatchIn(kind, step, await replay(o, cut, step));
      if (cut !== undefined && again !== undefined) {
        setup = cut;
        minimised = true;
        shown = again;
      }
    }
    const m: Mismatch = { seed: o.seed, round, kind, sql: step.sql, setup, minimised, ...shown };
    report.mismatches.push(m);
    o.onMismatch?.(m);
    found++;
  };
  try {
    for (const sql of [...schema.ddl, ...data]) {
      const [ra, rb] = [await attempt(a, sql, 'run', o.timeoutMs), await attempt(b, sql, 'run', o.timeoutMs)];
      const why = outcomeDiff(ra, rb, false);
      if (why !== undefined) return await mismatch('setup', { sql, how: 'run', ordered: false }, ra, rb, why);
      history.push(sql);
    }
    for (let i = 0; i < steps && found < MAX_PER_ROUND && report.mismatches.length < max; i++) {
      if (rng.chance(o.dmlRatio ?? 0.2)) {
        const { sql, table } = generateDml(rng, schema);
        const step: Step = { sql, how: 'run', ordered: false, table, check: tableQuery(schema, table) };
        report.changes++;
        const [ra, rb] = [await attempt(a, sql, 'run', o.timeoutMs), await attempt(b, sql, 'run', o.timeoutMs)];
        if (!ra.ok && !rb.ok) report.bothFailed++;
        const why = outcomeDiff(ra, rb, false);
        if (why !== undefined) return await mismatch(ra.ok && rb.ok ? 'changes' : 'error', step, ra, rb, why);
        const [ta, tb] = [await attempt(a, step.check!, 'query', o.timeoutMs), await attempt(b, step.check!, 'query', o.timeoutMs)];
        const tableWhy = outcomeDiff(ta, tb, false);
        if (tableWhy !== undefined) return await mismatch('table', step, ta, tb, `${table} after the change: ${tableWhy}`);
        history.push(sql);
      } else {
        const q = generateQuery(rng, schema);
        report.queries++;
        const [ra, rb] = [await attempt(a, q.sql, 'query', o.timeoutMs), await attempt(b, q.sql, 'query', o.timeoutMs)];
        if (!ra.ok && !rb.ok) report.bothFailed++;
        const why = outcomeDiff(ra, rb, q.ordered);
        if (why !== undefined) await mismatch(ra.ok && rb.ok ? 'result' : 'error', { sql: q.sql, how: 'query', ordered: q.ordered }, ra, rb, why);
      }
    }
  } finally {
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
  }
}

/** The whole table, with rowids where the table has them (new rowids must match too). */
function tableQuery(schema: SchemaModel, name: string): string {
  const t = schema.tables.find((x) => x.name === name)!;
  return t.withoutRowid ? `SELECT * FROM ${name}` : `SELECT rowid, * FROM ${name}`;
}

export async function open(spec: EngineSpec): Promise<SqlEngineAdapter> {
  return typeof spec === 'function' ? spec() : openEngine(spec);
}

export async function attempt(db: SqlEngineAdapter, sql: string, how: 'run' | 'query', timeoutMs = 30_000): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    if (how === 'run') {
      const r = await Promise.race([db.run(sql), timeout]);
      return { ok: true, ran: how, rows: [], width: 0, changes: r.changes };
    }
    const r = await Promise.race([db.query(sql), timeout]);
    return { ok: true, ran: how, rows: r.rows, width: r.rows[0]?.length ?? r.columns.length, changes: 0 };
  } catch (e) {
    const info = describeError(e);
    return { ok: false, kind: info.kind, message: `${info.code}: ${info.message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Why two outcomes disagree, or undefined. Both failing agrees unless one is a constraint error and the other not. */
export function outcomeDiff(a: Outcome, b: Outcome, ordered: boolean): string | undefined {
  if (!a.ok && !b.ok) return a.kind === b.kind ? undefined : `both failed, but ${a.kind} vs ${b.kind}`;
  if (!a.ok || !b.ok) return a.ok ? 'only engine B failed' : 'only engine A failed';
  if (a.changes !== b.changes) return `changes: ${a.changes} vs ${b.changes}`;
  if (a.rows.length > 0 && b.rows.length > 0 && a.width !== b.width) return `column counts: ${a.width} vs ${b.width}`;
  return diffResults(a.rows, b.rows, ordered);
}

export function describe(r: Outcome): string {
  if (!r.ok) return `${r.kind === 'constraint' ? 'constraint error' : 'error'} ${r.message}`;
  return r.ran === 'run' ? `ok, ${r.changes} changes` : `${r.rows.length} rows: ${showRows(r.rows)}`;
}

/** The statement a mismatch is about: how to run it, and for data changes the table check after it. */
interface Step {
  readonly sql: string;
  readonly how: 'run' | 'query';
  readonly ordered: boolean;
  /** For data changes: the changed table and the query that reads it whole. */
  readonly table?: string;
  readonly check?: string;
}

interface Replay {
  readonly ra: Outcome;
  readonly rb: Outcome;
  /** The table check after a data change, when the change itself agreed. */
  readonly table?: { readonly ta: Outcome; readonly tb: Outcome };
}

/** What a mismatch looks like: why, and what each engine did. */
interface Found {
  readonly detail: string;
  readonly a: string;
  readonly b: string;
}

/** Runs `setup` (ignoring failures, which change nothing) then the step, on two fresh databases. */
async function replay(o: DifferentialOptions, setup: readonly string[], step: Step): Promise<Replay> {
  const a = await open(o.engineA);
  const b = await open(o.engineB);
  try {
    for (const s of setup) {
      await attempt(a, s, 'run', o.timeoutMs);
      await attempt(b, s, 'run', o.timeoutMs);
    }
    const ra = await attempt(a, step.sql, step.how, o.timeoutMs);
    const rb = await attempt(b, step.sql, step.how, o.timeoutMs);
    if (step.check === undefined || outcomeDiff(ra, rb, false) !== undefined) return { ra, rb };
    return { ra, rb, table: { ta: await attempt(a, step.check, 'query', o.timeoutMs), tb: await attempt(b, step.check, 'query', o.timeoutMs) } };
  } finally {
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
  }
}

/** The mismatch of `kind` a replay shows, if it shows one. */
function mismatchIn(kind: MismatchKind, step: Step, r: Replay): Found | undefined {
  if (kind === 'table') {
    const why = r.table === undefined ? undefined : outcomeDiff(r.table.ta, r.table.tb, false);
    return why === undefined ? undefined : { detail: `${step.table} after the change: ${why}`, a: describe(r.table!.ta), b: describe(r.table!.tb) };
  }
  const why = outcomeDiff(r.ra, r.rb, step.ordered);
  if (why === undefined || (r.ra.ok && r.rb.ok) !== (kind === 'result' || kind === 'changes')) return undefined;
  return { detail: why, a: describe(r.ra), b: describe(r.rb) };
}

/** A mismatch as a runnable SQL script with the two outcomes in comments. */
export function formatMismatch(m: Mismatch): string {
  return [
    `-- seed ${m.seed}, round ${m.round}: ${m.kind} mismatch: ${m.detail}`,
    `-- setup (${m.setup.length} statements${m.minimised ? ', minimised' : ''}):`,
    ...m.setup.map((s) => `${s};`),
    `-- the statement:`,
    `${m.sql};`,
    `-- engine A: ${m.a}`,
    `-- engine B: ${m.b}`,
  ].join('\n');
}
